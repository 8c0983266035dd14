"""Log lines every process writes the same way: one JSON object a line, with the request or task it is about.

``shared/logging.json`` is the configuration: the API's uvicorn reads it (``--log-config``), the worker and
the relay load it with ``configure``. A line carries ``request_id`` (the API's, also sent back as the
``X-Request-ID`` header, so a newsroom's report of a failed call can be found) or ``task_id`` (the
verification task or webhook delivery being worked on) when there is one, so an outage can be followed
from the request to the task. ``FACTCHECK_LOG_FORMAT=text`` writes the same fields as plain text for a
person at a terminal.
"""

from __future__ import annotations

import json
import logging
import logging.config
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path

from shared.config import get_settings

CONFIG = Path(__file__).with_name("logging.json")

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
task_id: ContextVar[str | None] = ContextVar("task_id", default=None)


def configure() -> None:
    """This process's logging as ``shared/logging.json`` says (the worker's and the relay's entry points)."""
    logging.config.dictConfig(json.loads(CONFIG.read_text(encoding="utf-8")))


class LineFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__()
        self.as_text = get_settings().log_format == "text"

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in (("request_id", request_id.get()), ("task_id", task_id.get())):
            if value is not None:
                line[name] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        if self.as_text:
            ids = "".join(f" [{k}={line[k]}]" for k in ("request_id", "task_id") if k in line)
            text = f"{line['time']} {record.levelname} {record.name}{ids} {line['message']}"
            return text + ("\n" + line["error"] if "error" in line else "")
        return json.dumps(line, ensure_ascii=False)
