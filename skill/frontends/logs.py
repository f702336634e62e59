"""Logging set-up for the service: one JSON object per line, no personal content.

Log records may carry a `fields` dict (request type, intent name, outcome, timing);
the formatter adds it to the line. Exceptions are reduced to their type: their
messages and tracebacks can quote what someone said.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any


class JsonFormatter(logging.Formatter):
    # One encoder for every line (json.dumps with options builds a new one each call).
    _encoder = json.JSONEncoder(default=str)
    _second = -1
    _stamp = ""

    def _time(self, created: float) -> str:
        """ISO 8601 UTC with milliseconds; the part up to the second is reused within it."""
        second = int(created)
        if second != self._second:
            self._stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = second
        return f"{self._stamp}.{int((created - second) * 1000):03d}+00:00"

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": self._time(record.created),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            data.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            data["error"] = record.exc_info[0].__name__
        return self._encoder.encode(data)


def quiet_record_details() -> None:
    """Skip what no line of ours shows: thread, process and multiprocessing names are
    looked up for every record otherwise (the logging HOWTO's own optimisation)."""
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def logging_config(level: str, fmt: str = "json") -> dict[str, Any]:
    """A dictConfig for the service and gunicorn alike."""
    formatter = (
        {"()": "skill.frontends.logs.JsonFormatter"}
        if fmt == "json"
        else {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}
    )
    console = {
        "class": "logging.StreamHandler",
        "formatter": "main",
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"console": console},
        "root": {"level": level, "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "WARNING", "handlers": [], "propagate": False},
        },
    }
