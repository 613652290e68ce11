"""The server's log lines: plain text, or one JSON object per line (ISANHUB_LOG_FORMAT=json)
for log collectors, and the access log, one line per request.

No log line holds personal data. The access log names the route template
(``/ngsi-ld/v1/entities/{entity_id}``), never the path or the query string, which can
carry an entity id or a value (``q=telephone=="0812345678"``); in JSON, an exception is
its type and its stack (file, line, function) without its message, which can quote a
value (a database error repeats the row it refused).
"""

from __future__ import annotations

import logging
import traceback
from datetime import UTC, datetime
from typing import Any

import orjson

TEXT_FORMAT = "%(levelname)s %(name)s: %(message)s"
#: the access log's logger: one INFO line per request (api.asgi), off above INFO
ACCESS = logging.getLogger("isanhub.access")
#: the fields an access line carries, beside time, level, logger and message
ACCESS_FIELDS = ("method", "route", "status", "duration_ms", "principal", "tenant")


def access_level(on: bool, level: str) -> str:
    """The access logger's level: the server's, or above INFO when the access log is off
    (ISANHUB_ACCESS_LOG), so that the dispatcher's ``isEnabledFor`` test skips it."""
    return level.upper() if on else "WARNING"


class JsonFormatter(logging.Formatter):
    """Each record as one JSON object: time (UTC, ISO 8601), level, logger, message, the
    access fields when present, and an exception as ``error`` and ``stack``."""

    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, UTC)
        out: dict[str, Any] = {
            "time": moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = record.__dict__
        for name in ACCESS_FIELDS:
            if name in fields:
                out[name] = fields[name]
        if record.exc_info and record.exc_info[0] is not None:
            kind, _exc, tb = record.exc_info
            out["error"] = kind.__qualname__
            out["stack"] = [f"{f.filename}:{f.lineno} {f.name}" for f in traceback.extract_tb(tb)]
        return orjson.dumps(out, default=str).decode()


def config(log_format: str, level: str, access: bool = False) -> dict[str, Any]:
    """The logging configuration (logging.config.dictConfig) of the server and of each of
    its worker processes (uvicorn applies it in every one): everything, uvicorn's own
    lines included, goes to standard error in one format."""
    formatter: dict[str, Any] = (
        {"()": f"{__name__}.JsonFormatter"} if log_format == "json" else {"format": TEXT_FORMAT}
    )
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": formatter},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level.upper(), "handlers": ["default"]},
        # uvicorn's loggers: no handlers of their own, their records go to the root's
        "loggers": {
            **{
                name: {"handlers": [], "propagate": True}
                for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
            },
            ACCESS.name: {"level": access_level(access, level)},
        },
    }
