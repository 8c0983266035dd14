"""The claims as CSV: one row a claim, streamed from a server-side cursor, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.reports.period import Period

HEADER = (
    "claim_id", "claim", "state", "claim_created_at", "article_id", "article_title", "article_url", "source",
    "verdict_at", "reviewer", "rationale",
)  # fmt: skip
ROWS_PER_CHUNK = 2000  # rows fetched and written at a time: memory stays flat however many there are
# A cell a spreadsheet would take for a formula (or that hides one behind a tab or carriage return) gets a
# leading apostrophe: shown as written, never evaluated (OWASP's advice on CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# The verdict is the claim's last transition (when it is decided now): who gave it, when and why.
_CLAIMS = """
    SELECT c.id, c.text, c.state, c.created_at, a.id, a.title, a.url, a.source, v.created_at, v.actor, v.rationale
    FROM claim c JOIN article a ON a.id = c.article_id
    LEFT JOIN LATERAL (
        SELECT e.created_at, e.actor, e.rationale FROM claim_event e
        WHERE e.claim_id = c.id AND e.kind = 'transition' ORDER BY e.id DESC LIMIT 1
    ) v ON c.state <> 'unverified'
    WHERE c.created_at >= :start AND c.created_at < :end {state}
    ORDER BY c.created_at, c.id
"""


def neutralised(value: object) -> str:
    if value is None:
        return ""
    cell = value.isoformat() if isinstance(value, datetime) else str(value)
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell


async def claims_csv(
    sessions: async_sessionmaker[AsyncSession], window: Period, state: str | None
) -> AsyncIterator[bytes]:
    """The CSV in chunks, header first. Its own session: the stream outlives the request's transaction."""
    query = text(_CLAIMS.format(state="AND c.state = :state" if state else ""))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")  # RFC 4180: CRLF, quotes doubled, quoted when needed
    writer.writerow(HEADER)
    async with sessions() as session, session.begin():
        result = await session.stream(query, {"start": window.start, "end": window.end, "state": state})
        async for rows in result.partitions(ROWS_PER_CHUNK):
            writer.writerows([neutralised(v) for v in row] for row in rows)
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()
