"""The daily tallies (``shared/reports/models.py``): which part of a period they answer for, and their folding.

A period rarely starts or ends at midnight UTC. Its whole days are read from the tallies, the hours before the
first midnight and after the last from the claims and transitions themselves: at most two days of rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from shared.reports.models import VERDICT_COUNTS
from shared.reports.period import Period


def _midnight(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def whole_days(window: Period) -> dict:
    """Query parameters: the whole UTC days of the period, ``days_from`` (inclusive) to ``days_to`` (exclusive),
    and the parts read from the rows, ``start`` to ``head_end`` and ``tail_start`` to ``end``."""
    first = _midnight(window.start)
    if first < window.start:
        first += timedelta(days=1)
    last = _midnight(window.end)
    if first >= last:  # no whole day: all from the rows
        first = last = window.end
    return {"days_from": first.date(), "days_to": last.date(), "head_end": first, "tail_start": last}


def day_of(moment: datetime) -> dict:
    """Query parameters: the UTC day that ``moment`` falls in, ``to_day`` to ``to_day_end`` as dates and
    ``to_day_start`` to ``to_day_end_at`` as moments; an empty range when ``moment`` is a midnight."""
    start = _midnight(moment)
    end = start if start == moment else start + timedelta(days=1)
    return {"to_day": start.date(), "to_day_end": end.date(), "to_day_start": start, "to_day_end_at": end}


def _fold(table: str, keys: tuple[str, ...], counts: tuple[str, ...]) -> str:
    """Replace the rows of each key that has several by their sum, in one statement: rows written meanwhile are
    not yet visible to it and stay as they are; a concurrent fold skips the rows this one deleted."""
    key = ", ".join(keys)
    return f"""
        WITH folded AS (
            DELETE FROM {table} WHERE ({key}) IN (SELECT {key} FROM {table} GROUP BY {key} HAVING count(*) > 1)
            RETURNING *
        )
        INSERT INTO {table} ({key}, {", ".join(counts)})
        SELECT {key}, {", ".join(f"sum({c})" for c in counts)} FROM folded GROUP BY {key}
        HAVING {" OR ".join(f"sum({c}) <> 0" for c in counts)}
    """


FOLDS = (  # the statements of a fold, for a caller with a bare connection
    _fold("claim_tally", ("day", "source", "state"), ("claims",)),
    _fold("verdict_tally", ("day", "source"), VERDICT_COUNTS),
    _fold("work_tally", ("kind", "label"), ("total",)),
)


_FOLDING = 0x7A11_7A11  # the advisory lock of a fold in progress


async def fold(session: AsyncSession) -> bool:
    """One row per day and outlet (and state) again; the sums, which the reports read, do not change. Several
    relays may run: one folds at a time, the others leave it to that one (False)."""
    if not await session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _FOLDING}):
        return False
    for statement in FOLDS:
        await session.execute(text(statement))
    return True
