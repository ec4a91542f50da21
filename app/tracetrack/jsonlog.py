"""Structured logs: one JSON object per line on stdout, carrying the request id when there is one."""

import json
import logging
import sys
from datetime import UTC, datetime

from flask import g, has_request_context

# Attributes every LogRecord has; anything else on a record came in through ``extra=`` and is logged.
_STANDARD_ATTRIBUTES = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
# Built once: json.dumps would build an encoder for every line, as these options are not its defaults.
_ENCODER = json.JSONEncoder(default=str, separators=(",", ":"))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context() and "request_id" in g:
            doc["request_id"] = g.request_id
        for key, value in vars(record).items():
            if key not in _STANDARD_ATTRIBUTES:
                doc[key] = value
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return _ENCODER.encode(doc)


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stdout`` is when a record arrives, even if it was replaced since."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value):
        pass


def configure(level: str) -> None:
    """Send the application's loggers to stdout as JSON (once per process)."""
    logger = logging.getLogger("tracetrack")
    logger.setLevel(level)
    if not any(isinstance(h, StdoutHandler) for h in logger.handlers):
        handler = StdoutHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    # gunicorn's own logger, if present, would otherwise print the same records a second time.
    logger.propagate = False
