"""The period a report covers: validated, in UTC, at most five years."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from shared.errors import AppError

MAX_SPAN = timedelta(days=5 * 366)
DEFAULT_SPAN = timedelta(days=30)


class InvalidParameter(AppError):
    status = 422
    code = "invalid"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}", extra={"fields": [{"field": field, "message": message}]})


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime  # inclusive, UTC
    end: datetime  # exclusive, UTC


def utc(moment: datetime) -> datetime:
    """An ISO 8601 time with any offset as UTC; one without an offset is taken to be UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def period(start: datetime | None, end: datetime | None, *, now: datetime | None = None) -> Period:
    """`from` and `to` as given, or the 30 days up to now; 422 naming the field when they make no period."""
    end = utc(end) if end else (now or datetime.now(UTC))
    start = utc(start) if start else end - DEFAULT_SPAN
    if start > end:
        raise InvalidParameter("query.from", f"must not be after to ({start.isoformat()} > {end.isoformat()})")
    if end - start > MAX_SPAN:
        raise InvalidParameter("query.from", "the period may span at most 5 years")
    return Period(start, end)
