"""Editors' reports: every figure against the same figure worked out here from the raw rows, edge cases included."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest
from sqlalchemy import text

from shared.reports import tallies

T0 = datetime(2026, 6, 1, tzinfo=UTC)  # a Monday
M, H, D = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
DECIDED = ("corroborated", "disputed")

# (source, created, state now, assignee now, suggested) and the transitions and assignments of each claim.
CLAIMS = {
    1: ("wire", T0 + H, "corroborated", None, "corroborated"),
    2: ("wire", T0 + H, "corroborated", None, None),  # disputed, reopened, then corroborated
    3: ("daily", T0 + 5 * H, "unverified", "Ben", None),
    4: ("daily", T0 + 2 * D, "disputed", None, "corroborated"),
    5: ("daily", T0 + 7 * D, "unverified", None, None),  # exactly at the end of the first week: outside it
}
EVENTS = [  # (claim, kind, actor, from, to, assignee, at)
    (1, "assignment", "Ana", None, None, "Ana", T0 + 2 * H),
    (1, "transition", "Ana", "unverified", "corroborated", None, T0 + 3 * H),
    (2, "transition", "Ben", "unverified", "disputed", None, T0 + D),
    (2, "transition", "Eve", "disputed", "unverified", None, T0 + 2 * D),
    (2, "assignment", "Ben", None, None, "Ben", T0 + 2 * D + H),
    (2, "transition", "Ben", "unverified", "corroborated", None, T0 + 3 * D),
    (3, "assignment", "Ben", None, None, "Ben", T0 + 6 * H),
    (4, "assignment", "Eve", None, None, "Ana", T0 + 2 * D + 10 * timedelta(minutes=1)),
    (4, "transition", "Ana", "unverified", "disputed", None, T0 + 2 * D + 30 * timedelta(minutes=1)),
]

LINKS = [(4, 1), (4, 3)]  # (claim, an earlier claim found the same): claim 4 is linked twice, and counts once


@pytest.fixture
async def desk(db, keys):
    async with db() as session, session.begin():
        for n, source in enumerate(("wire", "daily"), 1):
            await session.execute(
                text(
                    "INSERT INTO article (id, source, external_id, content_hash, title, body, language, received_at) "
                    "VALUES (:id, :source, :e, :h, 't', 'b', 'en', :at)"
                ),
                {"id": n, "source": source, "e": f"r-{n}", "h": "0" * 64, "at": T0},
            )
        for claim_id, (source, created, state, assignee, suggested) in CLAIMS.items():
            await session.execute(
                text(
                    "INSERT INTO claim (id, article_id, text, char_start, char_end, score, reasons, quantities, "
                    "fingerprint, state, assignee, suggested_state, created_at) VALUES (:id, :a, 'c', 0, 1, 0.9, "
                    "'[]', '[]', :f, :state, :assignee, :suggested, :created)"
                ),
                {"id": claim_id, "a": 1 if source == "wire" else 2, "f": str(claim_id), "state": state,
                 "assignee": assignee, "suggested": suggested, "created": created},
            )  # fmt: skip
        for claim_id, kind, actor, from_state, to_state, assignee, at in EVENTS:
            await session.execute(
                text(
                    "INSERT INTO claim_event (claim_id, kind, actor, from_state, to_state, assignee, rationale, "
                    "evidence_ids, created_at) VALUES (:c, :k, :actor, :f, :t, :assignee, 'why', '[]', :at)"
                ),
                {"c": claim_id, "k": kind, "actor": actor, "f": from_state, "t": to_state, "assignee": assignee,
                 "at": at},
            )  # fmt: skip
        for claim_id, earlier in LINKS:  # linked now, long after the claims were created
            await session.execute(
                text(
                    "INSERT INTO claim_link (claim_id, earlier_claim_id, similarity, matched) "
                    "VALUES (:c, :e, 0.9, '{}')"
                ),
                {"c": claim_id, "e": earlier},
            )
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {keys['editor']}"}, timeout=30) as http:
        yield http


# --- The same figures, worked out plainly from the lists above ---


def in_period(at, start, end) -> bool:
    return start <= at < end


def expected_summary(start, end, source=None):
    claims = {k: v for k, v in CLAIMS.items() if source in (None, v[0])}
    created = [k for k, v in claims.items() if in_period(v[1], start, end)]
    transitions = [e for e in EVENTS if e[1] == "transition" and e[0] in claims]
    given = [e for e in transitions if in_period(e[6], start, end)]
    verdicts = [e for e in given if e[4] in DECIDED]
    firsts = {}
    for e in transitions:
        if e[4] in DECIDED and e[0] not in firsts:
            firsts[e[0]] = e[6]
    waits = [(at - claims[c][1]).total_seconds() for c, at in firsts.items() if in_period(at, start, end)]
    with_suggestion = [e for e in verdicts if claims[e[0]][4] is not None]
    return {
        "claims_by_state": {s: sum(1 for k in created if claims[k][2] == s) for s in ("unverified", *DECIDED)},
        "verdicts": {s: sum(1 for e in verdicts if e[4] == s) for s in DECIDED},
        "reopened": sum(1 for e in given if e[3] in DECIDED and e[4] == "unverified"),
        "median": statistics.median(waits) if waits else None,
        "verdicts_with_suggestion": len(with_suggestion),
        "followed": sum(1 for e in with_suggestion if claims[e[0]][4] == e[4]),
        "linked": sum(1 for k in created if k in {claim_id for claim_id, _ in LINKS}),
    }


def check_summary(got: dict, want: dict) -> None:
    assert got["claims_by_state"] == want["claims_by_state"]
    assert got["verdicts"] == want["verdicts"]
    assert got["reopened"] == want["reopened"]
    assert got["time_to_first_verdict_seconds"]["median"] == want["median"]
    assert got["suggestion_followed"]["verdicts_with_suggestion"] == want["verdicts_with_suggestion"]
    assert got["suggestion_followed"]["followed"] == want["followed"]
    assert got["linked_to_earlier_claim"] == want["linked"]


@pytest.mark.parametrize(
    ("start", "end", "source"),
    [
        (T0, T0 + 7 * D, None),  # the first week: claim 5 was created at its very end, so not in it
        (T0, T0 + 8 * D, None),
        (T0 + D, T0 + 3 * D, None),  # claim 2's reopening and its second verdict
        (T0, T0 + 7 * D, "daily"),
        (T0, T0 + 8 * D, "wire"),
        (T0 + 30 * D, T0 + 31 * D, None),  # nothing happened: zeros, no median
        # Not from midnight to midnight: the whole days come from the daily tallies, the hours around them from
        # the rows, which must meet exactly at each midnight.
        (T0 + 2 * H, T0 + 3 * D + M, None),  # claims 1 and 2 created before it, claim 2's last verdict in it
        (T0 + 4 * H, T0 + 2 * D + 20 * M, None),  # claim 4 created in its last hour, its verdict after it
        (T0 + 4 * H, T0 + 2 * D + 20 * M, "daily"),
        (T0 + 2 * H, T0 + 20 * H, None),  # within one day: no whole day at all
        (T0 + D - M, T0 + D + M, None),  # claim 2's first verdict, at the midnight in between
    ],
)
async def test_the_summary_matches_the_rows(api_url, desk, start, end, source):
    params = {"from": start.isoformat(), "to": end.isoformat()} | ({"source": source} if source else {})
    got = (await desk.get(f"{api_url}/v1/reports/summary", params=params)).json()
    check_summary(got, expected_summary(start, end, source))
    assert got["from"] == start.isoformat().replace("+00:00", "Z") or got["from"].startswith(start.isoformat()[:19])


async def test_a_time_zone_offset_in_the_parameters_is_the_same_moment(api_url, desk):
    paris = timedelta(hours=2)
    local_start = (T0 + 3 * H).astimezone(timezone(paris))  # 05:00+02:00 is 03:00Z
    got = (
        await desk.get(
            f"{api_url}/v1/reports/summary", params={"from": local_start.isoformat(), "to": (T0 + 7 * D).isoformat()}
        )
    ).json()
    check_summary(got, expected_summary(T0 + 3 * H, T0 + 7 * D))
    assert datetime.fromisoformat(got["from"]) == T0 + 3 * H  # answered in UTC


async def test_the_backlog_by_age_is_the_unverified_claims_now(api_url, desk):
    got = (await desk.get(f"{api_url}/v1/reports/summary")).json()["backlog"]
    assert got["total"] == sum(1 for v in CLAIMS.values() if v[2] == "unverified")
    assert got["over_7d"] == got["total"]  # all created months ago


def backlog_at(moment, source=None) -> int:
    """Claims created before the moment whose last transition before it, if any, was to unverified."""
    count = 0
    for claim_id, (outlet, created, *_rest) in CLAIMS.items():
        if created >= moment or source not in (None, outlet):
            continue
        before = [e for e in EVENTS if e[0] == claim_id and e[1] == "transition" and e[6] < moment]
        if not before or before[-1][4] == "unverified":
            count += 1
    return count


async def test_timeseries_per_day_and_week_with_empty_intervals_as_zero(api_url, desk):
    params = {"from": T0.isoformat(), "to": (T0 + 9 * D).isoformat(), "interval": "day"}
    created = (await desk.get(f"{api_url}/v1/reports/timeseries", params=params | {"metric": "claims_created"})).json()
    days = [T0 + n * D for n in range(9)]
    assert [datetime.fromisoformat(i["start"]) for i in created["items"]] == days
    assert [i["claims_created"] for i in created["items"]] == [
        sum(1 for v in CLAIMS.values() if day <= v[1] < day + D) for day in days
    ]
    verdicts = (await desk.get(f"{api_url}/v1/reports/timeseries", params=params | {"metric": "verdicts"})).json()
    assert [(i["corroborated"], i["disputed"]) for i in verdicts["items"]] == [
        tuple(sum(1 for e in EVENTS if e[1] == "transition" and e[4] == s and day <= e[6] < day + D) for s in DECIDED)
        for day in days
    ]
    backlog = (await desk.get(f"{api_url}/v1/reports/timeseries", params=params | {"metric": "backlog"})).json()
    assert [i["backlog"] for i in backlog["items"]] == [backlog_at(day + D) for day in days]
    weeks = (
        await desk.get(
            f"{api_url}/v1/reports/timeseries",
            params={"from": (T0 + 2 * D).isoformat(), "to": (T0 + 10 * D).isoformat(), "interval": "week",
                    "metric": "backlog"},
        )
    ).json()  # fmt: skip
    assert [datetime.fromisoformat(i["start"]) for i in weeks["items"]] == [T0, T0 + 7 * D]  # from Monday
    assert [i["backlog"] for i in weeks["items"]] == [backlog_at(T0 + 7 * D), backlog_at(T0 + 10 * D)]
    # A period that ends before most of what happened: all of that is undone from today's backlog.
    params = {"from": T0.isoformat(), "to": (T0 + 2 * D).isoformat(), "metric": "backlog"}
    early = (await desk.get(f"{api_url}/v1/reports/timeseries", params=params)).json()
    assert [i["backlog"] for i in early["items"]] == [backlog_at(T0 + D), backlog_at(T0 + 2 * D)]
    for source in ("wire", "daily"):
        params = {"from": T0.isoformat(), "to": (T0 + 9 * D).isoformat(), "metric": "backlog", "source": source}
        one = (await desk.get(f"{api_url}/v1/reports/timeseries", params=params)).json()
        assert [i["backlog"] for i in one["items"]] == [backlog_at(day + D, source) for day in days]
    # A period that ends within a day (after claim 4 was created, before its verdict): the last interval's
    # backlog is that at `to`, whatever the rest of the day did.
    for interval, ends in (("day", [T0 + D, T0 + 2 * D]), ("week", [])):
        to = T0 + 2 * D + 20 * M
        params = {"from": T0.isoformat(), "to": to.isoformat(), "metric": "backlog", "interval": interval}
        partial = (await desk.get(f"{api_url}/v1/reports/timeseries", params=params)).json()
        assert [i["backlog"] for i in partial["items"]] == [backlog_at(end) for end in [*ends, to]]


async def test_the_tallies_follow_every_write_and_folding_them_changes_no_figure(api_url, desk, db):
    """The reports add up the daily tallies the database keeps (migration 0010): a claim that changes state, one
    that is deleted, and the folding of the tallies' rows leave every figure equal to the rows' own."""
    windows = [(T0, T0 + 8 * D), (T0 + 2 * H, T0 + 3 * D + M), (T0 + D, T0 + 8 * D)]

    async def figures() -> list:
        got = []
        for start, end in windows:
            params = {"from": start.isoformat(), "to": end.isoformat()}
            got.append((await desk.get(f"{api_url}/v1/reports/summary", params=params)).json())
            series = params | {"metric": "backlog", "interval": "day"}
            got.append((await desk.get(f"{api_url}/v1/reports/timeseries", params=series)).json()["items"])
        return got

    async with db() as session, session.begin():
        # Claim 3 decided without its transition written (as a repair by hand would), claim 5 deleted.
        await session.execute(text("UPDATE claim SET state = 'disputed' WHERE id = 3"))
        await session.execute(text("DELETE FROM claim WHERE id = 5"))
    summary = (
        await desk.get(f"{api_url}/v1/reports/summary", params={"from": T0.isoformat(), "to": (T0 + 8 * D).isoformat()})
    ).json()
    assert summary["claims_by_state"] == {"unverified": 0, "corroborated": 2, "disputed": 2}
    assert summary["backlog"]["total"] == 0
    # The day of claim 5 had nothing else: its outlet is not listed with zeros, folded or not.
    params = {"from": (T0 + 7 * D).isoformat(), "to": (T0 + 8 * D).isoformat()}
    assert (await desk.get(f"{api_url}/v1/reports/sources", params=params)).json()["items"] == []

    async def rows() -> int:
        async with db() as session:
            return await session.scalar(text("SELECT (SELECT count(*) FROM claim_tally) + count(*) FROM verdict_tally"))

    before, unfolded = await figures(), await rows()
    async with db() as session, session.begin():
        await tallies.fold(session)
    assert await rows() < unfolded
    assert await figures() == before
    async with db() as session:  # one row a day, outlet and state is left, none of them zero
        assert (
            await session.scalar(
                text(
                    "SELECT count(*) FROM (SELECT 1 FROM claim_tally GROUP BY day, source, state HAVING count(*) > 1) d"
                )
            )
            == 0
        )
        assert await session.scalar(text("SELECT count(*) FROM claim_tally WHERE claims = 0")) == 0


async def test_reviewers_and_sources(api_url, desk):
    params = {"from": T0.isoformat(), "to": (T0 + 8 * D).isoformat()}
    reviewers = {
        r["reviewer"]: r for r in (await desk.get(f"{api_url}/v1/reports/reviewers", params=params)).json()["items"]
    }
    assert reviewers["Ana"]["verdicts"] == 2 and reviewers["Ben"]["verdicts"] == 2
    # Ana: 1 h (claim 1) and 20 min (claim 4, assigned to her by Eve); Ben: claim 2's second verdict, 23 h
    # after it was assigned to him again (his first verdict had no assignment before it).
    assert reviewers["Ana"]["median_seconds_from_taking_to_verdict"] == statistics.median([3600, 1200])
    assert reviewers["Ben"]["median_seconds_from_taking_to_verdict"] == 23 * 3600
    assert reviewers["Ben"]["claims_held"] == 1 and reviewers["Ana"]["claims_held"] == 0
    sources = {s["source"]: s for s in (await desk.get(f"{api_url}/v1/reports/sources", params=params)).json()["items"]}
    assert (sources["wire"]["claims"], sources["wire"]["corroborated"], sources["wire"]["disputed"]) == (2, 2, 0)
    assert (sources["daily"]["claims"], sources["daily"]["disputed"], sources["daily"]["dispute_rate"]) == (3, 1, 1.0)
    assert sources["wire"]["articles"] == 1 and sources["wire"]["dispute_rate"] == 0.0


@pytest.mark.parametrize("interval", ["day", "week"])
async def test_counts_by_interval_of_a_period_that_starts_and_ends_within_a_day(api_url, desk, interval):
    """Its whole days come from the tallies, its first and last hours from the rows: nothing counted twice or lost
    at the midnights between them, nothing from outside the period."""
    start, end = T0 + 2 * H, T0 + 2 * D + 20 * M  # after claims 1 and 2 were created; before claim 4's verdict
    step = D if interval == "day" else 7 * D
    starts = [T0 + n * step for n in range(3 if interval == "day" else 1)]
    params = {"from": start.isoformat(), "to": end.isoformat(), "interval": interval}
    created = (await desk.get(f"{api_url}/v1/reports/timeseries", params=params | {"metric": "claims_created"})).json()
    assert [datetime.fromisoformat(i["start"]) for i in created["items"]] == starts
    assert [i["claims_created"] for i in created["items"]] == [
        sum(1 for v in CLAIMS.values() if max(b, start) <= v[1] < min(b + step, end)) for b in starts
    ]
    verdicts = (await desk.get(f"{api_url}/v1/reports/timeseries", params=params | {"metric": "verdicts"})).json()
    assert [(i["corroborated"], i["disputed"]) for i in verdicts["items"]] == [
        tuple(
            sum(1 for e in EVENTS if e[1] == "transition" and e[4] == s and max(b, start) <= e[6] < min(b + step, end))
            for s in DECIDED
        )
        for b in starts
    ]
    sources = {s["source"]: s for s in (await desk.get(f"{api_url}/v1/reports/sources", params=params)).json()["items"]}
    for outlet in ("wire", "daily"):
        made = [v for v in CLAIMS.values() if v[0] == outlet and start <= v[1] < end]
        want = (len(made), *(sum(1 for v in made if v[2] == s) for s in DECIDED))
        got = sources.get(outlet, {"claims": 0, "corroborated": 0, "disputed": 0})  # absent: nothing in the period
        assert (got["claims"], got["corroborated"], got["disputed"]) == want


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-06-02T00:00:00Z", "to": "2026-06-01T00:00:00Z"}, "query.from"),
        ({"from": "2015-01-01T00:00:00Z", "to": "2026-06-01T00:00:00Z"}, "query.from"),
        ({"from": "yesterday"}, "query.from"),
        ({"metric": "nope"}, "query.metric"),
        ({"metric": "verdicts", "interval": "month"}, "query.interval"),
    ],
)
async def test_bad_parameters_are_422_naming_the_field(api_url, desk, params, field):
    path = "timeseries" if "metric" in params else "summary"
    answer = await desk.get(f"{api_url}/v1/reports/{path}", params=params)
    assert answer.status_code == 422, answer.text
    assert field in [f["field"] for f in answer.json()["fields"]]


async def test_only_editors_and_admins_read_reports(api_url, keys, desk):
    async with httpx.AsyncClient(base_url=api_url) as http:
        for role, status in (("integration", 403), ("reviewer", 403), ("editor", 200), ("admin", 200)):
            answer = await http.get("/v1/reports/summary", headers={"Authorization": f"Bearer {keys[role]}"})
            assert answer.status_code == status, role
