"""Rights metadata from an uploaded file's XMP packet, to prefill its credit.

Read with regular expressions over a bounded packet rather than an XML parser:
the packet comes from a stranger, we want three fields, and a missed field only
means the editor types it in.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

_MAX_PACKET = 256 * 1024
_ATTR_OR_ELEMENT = r'{name}\s*=\s*"([^"]*)"|<{name}\b[^>]*?(?:rdf:resource="([^"]*)"[^>]*)?/?>([^<]*)'
_CREATOR = re.compile(r"<dc:creator\b[^>]*>.*?<rdf:li\b[^>]*>([^<]+)</rdf:li>", re.DOTALL)


@dataclass(frozen=True)
class XmpRights:
    creator: str = ""
    license_url: str = ""  # cc:license
    web_statement: str = ""  # xmpRights:WebStatement


def _packet(info: dict[str, Any]) -> str:
    raw = info.get("xmp") or info.get("XML:com.adobe.xmp") or ""
    if isinstance(raw, bytes):
        raw = raw[:_MAX_PACKET].decode("utf-8", "replace")
    return str(raw)[:_MAX_PACKET]


def _field(packet: str, name: str) -> str:
    for match in re.finditer(_ATTR_OR_ELEMENT.format(name=re.escape(name)), packet):
        value = next((group for group in match.groups() if group and group.strip()), "")
        if value:
            return html.unescape(value.strip())
    return ""


def read_rights(info: dict[str, Any]) -> XmpRights:
    packet = _packet(info)
    if not packet:
        return XmpRights()
    creator = _CREATOR.search(packet)
    return XmpRights(
        creator=html.unescape(creator.group(1).strip()) if creator else "",
        license_url=_field(packet, "cc:license"),
        web_statement=_field(packet, "xmpRights:WebStatement"),
    )
