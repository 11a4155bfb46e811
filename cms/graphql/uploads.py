"""File uploads: the GraphQL multipart request spec on the /graphql route.

Only with a bearer token: a browser can send multipart/form-data cross-site without
a preflight, but cannot attach an Authorization header without one, so requiring
the header first is the CSRF defence (and spares us reading 25 MB for nobody).
The size limit is enforced while the body streams, not after.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from strawberry.file_uploads.utils import replace_placeholders_with_files

from cms.errors import BadInput, Unauthenticated

MAX_FILES = 10
MAX_FIELD_BYTES = 1024 * 1024  # operations and map are JSON, never this large


class TooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the upload is larger than {limit} bytes")
        self.limit = limit


async def read(request: Request, *, max_bytes: int) -> tuple[dict[str, Any], FormData]:
    """The operation with its files in place, and the form (close it when done)."""
    if not request.headers.get("authorization"):
        raise Unauthenticated("uploads need a token: send Authorization: Bearer <token>")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise TooLarge(max_bytes)
    received = 0
    upstream = request.receive

    async def counting() -> Any:
        nonlocal received
        message = await upstream()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise TooLarge(max_bytes)
        return message

    try:
        form = await Request(request.scope, counting).form(
            max_files=MAX_FILES, max_fields=MAX_FILES + 2, max_part_size=MAX_FIELD_BYTES
        )
    except TooLarge:
        raise
    except Exception as exc:  # python-multipart's and Starlette's parse errors
        raise BadInput(f"the multipart body could not be read: {exc}") from None
    try:
        operations = orjson.loads(str(form.get("operations") or ""))
        files_map = orjson.loads(str(form.get("map") or "{}"))
    except orjson.JSONDecodeError:
        await form.close()
        raise BadInput("`operations` and `map` must be JSON") from None
    if not isinstance(operations, dict) or not isinstance(files_map, dict):
        await form.close()
        raise BadInput("`operations` must be one operation (batches are not supported) and `map` an object")
    files = {key: value for key, value in form.items() if isinstance(value, UploadFile)}
    try:
        params = replace_placeholders_with_files(operations, files_map, files)
    except (KeyError, IndexError, TypeError, ValueError):
        await form.close()
        raise BadInput("`map` names a file or a path that is not there") from None
    return params, form
