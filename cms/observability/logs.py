"""Log lines as JSON objects (one per line, for a log shipper) or as text for a terminal.

Every record logged while a request is served carries that request's id (``request_id``), so
an error a client reports (with ``extensions.requestId`` or the X-Request-ID header) leads to
its log lines. Fields passed with ``extra=`` become fields of the JSON object.

``cms serve`` hands ``log_config(settings)`` to uvicorn, which applies it in every worker
process (uvicorn's own loggers included); ``cms worker`` applies it itself.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from cms.observability import requests
from cms.settings import Settings

# What every LogRecord has; anything else on a record came in through ``extra=``.
# uvicorn adds ``color_message`` (its message with terminal colours) to some records.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime", "color_message", "rid",
}  # fmt: skip


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (None outside requests) to every record that passes the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = requests.request_id()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,  # which worker process, when several serve
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(entry, default=str).decode()


class ConsoleFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s%(rid)s %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None)
        record.rid = f" [{rid}]" if rid else ""
        return super().format(record)


def resolved_format(settings: Settings) -> str:
    """``auto``: JSON unless a person is watching stderr."""
    if settings.log_format != "auto":
        return settings.log_format
    return "console" if sys.stderr.isatty() else "json"


def log_config(settings: Settings) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the whole process, uvicorn's loggers included."""
    level = settings.log_level.upper()
    formatter = {"()": JsonFormatter if resolved_format(settings) == "json" else ConsoleFormatter}
    # uvicorn's loggers hand their records to the root handler, so they share its format.
    passing = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": RequestIdFilter}},
        "formatters": {"cms": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "cms",
                "filters": ["request_id"],
            }
        },
        "loggers": {
            "uvicorn": passing,
            "uvicorn.error": passing,
            "uvicorn.access": passing,
            # One INFO line per webhook delivery from the HTTP client would double the worker's own.
            "httpx2": {"level": "WARNING"},
            "httpcore": {"level": "WARNING"},
        },
        "root": {"handlers": ["stderr"], "level": level},
    }
