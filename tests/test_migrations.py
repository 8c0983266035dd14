"""The migrations apply to an empty database, revert to nothing, and apply again; and match the models."""

from __future__ import annotations

import asyncio
import json
import threading

import asyncpg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from shared.db import create_engine
from shared.models import Base
from shared.related.matching import match_keys, signature
from shared.reports import tallies
from shared.schema import downgrade, upgrade
from tests.conftest import _fresh_database


def tables(url: str) -> set[str]:
    async def read() -> set[str]:
        engine = create_engine(url)
        async with engine.connect() as conn:
            names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
            functions = await conn.scalar(text("SELECT count(*) FROM pg_proc WHERE proname = 'notify_pending_tasks'"))
        await engine.dispose()
        return names | ({"notify_pending_tasks()"} if functions else set())

    return asyncio.run(read())


def drift(url: str) -> list:
    async def compare() -> list:
        engine = create_engine(url)
        async with engine.connect() as conn:
            diff = await conn.run_sync(lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
        await engine.dispose()
        return diff

    return asyncio.run(compare())


def run(url: str, *statements: str) -> list:
    """The statements in one transaction; the rows of the last, when it gives rows."""

    async def go() -> list:
        engine = create_engine(url)
        async with engine.begin() as conn:
            for statement in statements:
                result = await conn.execute(text(statement))
            rows = result.all() if result.returns_rows else []
        await engine.dispose()
        return [tuple(row) for row in rows]

    return asyncio.run(go())


def test_up_down_up_and_no_drift(servers):
    server_url, _ = servers
    url = _fresh_database(server_url, "factcheck_migrations")
    upgrade(url)
    assert {"article", "claim", "verification_task", "evidence", "notify_pending_tasks()"} <= tables(url)
    assert drift(url) == []
    downgrade(url, "base")
    assert tables(url) == {"alembic_version"}
    upgrade(url)
    assert "claim" in tables(url)


def test_stored_claims_get_their_keys_anew(servers):
    """0005 recomputes every stored claim's candidate keys from its signature: none is left unfindable."""
    server_url, _ = servers
    url = _fresh_database(server_url, "factcheck_migrations")
    upgrade(url, "0004")
    claim = "More than 10,000 North Korean soldiers are in Russia, Seoul said."

    async def store_and_read(stage: str) -> list[int]:
        engine = create_engine(url)
        async with engine.begin() as conn:
            if stage == "store":
                await conn.execute(
                    text(
                        "INSERT INTO article (id, source, external_id, content_hash, title, body, language) "
                        "VALUES (1, 's', 'e', :h, 't', 'b', 'en')"
                    ),
                    {"h": "0" * 64},
                )
                await conn.execute(
                    text(
                        "INSERT INTO claim (id, article_id, text, char_start, char_end, score, reasons, "
                        "quantities, fingerprint) VALUES (1, 1, :t, 0, 10, 0.9, '[]', '[]', :f)"
                    ),
                    {"t": claim, "f": "0" * 64},
                )
                await conn.execute(
                    text("INSERT INTO claim_signature (claim_id, signature) VALUES (1, CAST(:s AS jsonb))"),
                    {"s": json.dumps(signature(claim).to_json())},
                )
                await conn.execute(text("INSERT INTO claim_match_key (key, claim_id) VALUES (42, 1)"))  # an old key
            keys = list(await conn.scalars(text("SELECT key FROM claim_match_key WHERE claim_id = 1 ORDER BY key")))
        await engine.dispose()
        return keys

    assert asyncio.run(store_and_read("store")) == [42]
    upgrade(url)
    assert asyncio.run(store_and_read("read")) == match_keys(signature(claim))


def test_transitions_made_before_0007_get_their_moment(servers):
    """0007 records on each transition the claim's suggestion, age and whether it was the first verdict: for
    the transitions already in the trail too."""
    server_url, _ = servers
    url = _fresh_database(server_url, "factcheck_migrations")
    upgrade(url, "0006")
    run(
        url,
        "INSERT INTO article (id, source, content_hash, title, body, language) VALUES (1, 's', 'h', 't', 'b', 'en')",
        "INSERT INTO claim (id, article_id, text, char_start, char_end, score, reasons, quantities, fingerprint, "
        "suggested_state, created_at) VALUES (1, 1, 'c', 0, 1, 0.9, '[]', '[]', 'f', 'disputed', "
        "'2026-01-01T00:00:00Z')",
        "INSERT INTO claim_event (claim_id, kind, actor, from_state, to_state, evidence_ids, created_at) VALUES "
        "(1, 'transition', 'Ana', 'unverified', 'disputed', '[]', '2026-01-01T01:00:00Z'), "
        "(1, 'transition', 'Eve', 'disputed', 'unverified', '[]', '2026-01-02T00:00:00Z'), "
        "(1, 'transition', 'Ana', 'unverified', 'corroborated', '[]', '2026-01-03T00:00:00Z')",
    )
    upgrade(url)
    rows = run(url, "SELECT suggested_state, claim_age_seconds, first_verdict FROM claim_event ORDER BY id")
    assert rows == [("disputed", 3600.0, True), ("disputed", 86400.0, False), ("disputed", 172800.0, False)]


def test_claims_transitions_and_links_carry_their_outlet_and_time_from_0009(servers):
    """0009 copies each claim's outlet onto it and its transitions, and the claim's creation time onto its
    links: for the rows already stored, and for every row written after, whatever writes it."""
    server_url, _ = servers
    url = _fresh_database(server_url, "factcheck_migrations")
    upgrade(url, "0008")

    def article_with_claims(article: int, source: str) -> list[str]:
        first = 2 * article - 1  # two claims, created on 1 and 2 January
        return [
            "INSERT INTO article (id, source, content_hash, title, body, language) "
            f"VALUES ({article}, '{source}', 'h{article}', 't', 'b', 'en')",
            "INSERT INTO claim (id, article_id, text, char_start, char_end, score, reasons, quantities, fingerprint, "
            f"created_at) VALUES ({first}, {article}, 'c', 0, 1, 0.9, '[]', '[]', 'f', '2026-01-01T00:00:00Z'), "
            f"({first + 1}, {article}, 'd', 0, 1, 0.9, '[]', '[]', 'f', '2026-01-02T00:00:00Z')",
            # the later claim gets a note, a transition and a link to the first claim stored
            "INSERT INTO claim_event (claim_id, kind, actor, from_state, to_state, evidence_ids) VALUES "
            f"({first + 1}, 'note', 'Ana', NULL, NULL, '[]'), "
            f"({first + 1}, 'transition', 'Ana', 'unverified', 'disputed', '[]')",
            "INSERT INTO claim_link (claim_id, earlier_claim_id, similarity, matched) "
            f"VALUES ({first + 1}, 1, 0.9, '{{}}')",
        ]

    run(url, *article_with_claims(1, "Wire"))  # before 0009
    upgrade(url)
    run(url, *article_with_claims(2, "Herald"))  # after

    assert run(url, "SELECT id, source FROM claim ORDER BY id") == [
        (1, "Wire"), (2, "Wire"), (3, "Herald"), (4, "Herald"),
    ]  # fmt: skip
    assert run(url, "SELECT claim_id, kind, source FROM claim_event ORDER BY id") == [
        (2, "note", None), (2, "transition", "Wire"), (4, "note", None), (4, "transition", "Herald"),
    ]  # fmt: skip
    links = run(url, "SELECT claim_id, to_char(claim_created_at AT TIME ZONE 'UTC', 'MM-DD') FROM claim_link")
    assert sorted(links) == [(2, "01-02"), (4, "01-02")]


def test_the_daily_tallies_count_what_was_stored_before_0010_and_each_write_after(servers):
    """0010's tallies start from the claims and transitions already stored, folded, and follow every insert,
    change of state and delete after it: summed, they are the rows' own counts."""
    server_url, _ = servers
    url = _fresh_database(server_url, "factcheck_migrations")
    upgrade(url, "0009")
    claims = "INSERT INTO claim (id, article_id, text, char_start, char_end, score, reasons, quantities, fingerprint, "
    run(
        url,
        "INSERT INTO article (id, source, content_hash, title, body, language) VALUES "
        "(1, 'Wire', 'h1', 't', 'b', 'en'), (2, 'Herald', 'h2', 't', 'b', 'en')",
        f"{claims} state, suggested_state, created_at) VALUES "
        "(1, 1, 'c', 0, 1, 0.9, '[]', '[]', 'f', 'unverified', NULL, '2026-01-01T23:59:59Z'), "
        "(2, 1, 'c', 0, 1, 0.9, '[]', '[]', 'f', 'disputed', 'disputed', '2026-01-01T10:00:00Z'), "
        "(3, 2, 'c', 0, 1, 0.9, '[]', '[]', 'f', 'unverified', NULL, '2026-01-02T00:00:00Z')",
        # the transition records the suggestion its claim carries (0007)
        "INSERT INTO claim_event (claim_id, kind, actor, from_state, to_state, evidence_ids, created_at) VALUES "
        "(2, 'transition', 'Ana', 'unverified', 'disputed', '[]', '2026-01-03Z'), "
        "(2, 'note', 'Ana', NULL, NULL, '[]', '2026-01-03Z')",
    )
    upgrade(url)
    tallied = (
        "SELECT to_char(day, 'MM-DD'), source, state, sum(claims) FROM claim_tally GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
    )
    assert run(url, tallied) == [("01-01", "Wire", "disputed", 1), ("01-01", "Wire", "unverified", 1),
                                 ("01-02", "Herald", "unverified", 1)]  # fmt: skip
    verdicts = "SELECT to_char(day, 'MM-DD'), source, corroborated, disputed, settled, followed FROM verdict_tally"
    assert run(url, verdicts) == [("01-03", "Wire", 0, 1, 1, 1)]
    run(
        url,
        f"{claims} created_at) VALUES (4, 2, 'c', 0, 1, 0.9, '[]', '[]', 'f', '2026-01-02T05:00:00Z'), "
        "(5, 2, 'c', 0, 1, 0.9, '[]', '[]', 'f', '2026-01-02T06:00:00Z')",
        "UPDATE claim SET state = 'corroborated' WHERE id = 1",
        "UPDATE claim SET assignee = 'Ana' WHERE id = 3",  # no change of state: no tally row
        "DELETE FROM claim WHERE id = 5",
        "INSERT INTO claim_event (claim_id, kind, actor, from_state, to_state, evidence_ids, created_at) VALUES "
        "(1, 'transition', 'Ana', 'unverified', 'corroborated', '[]', '2026-01-04Z'), "
        "(2, 'transition', 'Eve', 'disputed', 'unverified', '[]', '2026-01-04Z')",
    )
    assert run(url, tallied) == [
        ("01-01", "Wire", "corroborated", 1), ("01-01", "Wire", "disputed", 1), ("01-01", "Wire", "unverified", 0),
        ("01-02", "Herald", "unverified", 2),
    ]  # fmt: skip
    assert run(url, f"{verdicts} ORDER BY day") == [("01-03", "Wire", 0, 1, 1, 1), ("01-04", "Wire", 1, 0, 1, 0)]
    assert run(url, "SELECT sum(reopened) FROM verdict_tally") == [(1,)]
    downgrade(url, "0009")
    assert not {"claim_tally", "verdict_tally"} & tables(url)


def test_a_claim_written_while_0010_runs_is_tallied(servers):
    """A write in flight when 0010 counts what is stored is neither counted twice nor left out: the migration
    waits for it to commit, then counts it."""
    server_url, _ = servers
    url = _fresh_database(server_url, "factcheck_migrations")
    upgrade(url, "0009")
    run(
        url,
        "INSERT INTO article (id, source, content_hash, title, body, language) VALUES (1, 'Wire', 'h', 't', 'b', 'en')",
    )

    async def write_during(migration: threading.Thread) -> None:
        conn = await asyncpg.connect(url)
        try:
            async with conn.transaction():
                await conn.execute(
                    "INSERT INTO claim (article_id, text, char_start, char_end, score, reasons, quantities, "
                    "fingerprint) VALUES (1, 'c', 0, 1, 0.9, '[]', '[]', 'f')"
                )
                migration.start()
                await asyncio.sleep(1.0)  # the migration starts meanwhile, and must wait for this commit
        finally:
            await conn.close()

    migration = threading.Thread(target=upgrade, args=(url,))
    asyncio.run(write_during(migration))
    migration.join(timeout=60)
    assert run(url, "SELECT (SELECT sum(claims) FROM claim_tally), count(*) FROM claim") == [(1, 1)]


_REAL_COUNTS = """
    SELECT 'articles', '', count(*) FROM article HAVING count(*) > 0
    UNION ALL SELECT 'tasks', status, count(*) FROM verification_task GROUP BY 2
    UNION ALL SELECT 'evidence', provider, count(*) FROM evidence GROUP BY 2
    UNION ALL SELECT 'webhook_deliveries', status, count(*) FROM webhook_delivery GROUP BY 2
    ORDER BY 1, 2
"""
_TALLIED = "SELECT kind, label, sum(total) FROM work_tally GROUP BY 1, 2 HAVING sum(total) <> 0 ORDER BY 1, 2"


def test_the_work_tallies_count_what_was_stored_before_0012_and_each_write_after(servers):
    """0012's totals start from what is stored and follow every insert, change of status and delete after it
    (a claim deleted takes its task and evidence with it): summed, they are the tables' own counts, folded or
    not."""
    server_url, _ = servers
    url = _fresh_database(server_url, "factcheck_migrations")
    upgrade(url, "0011")
    claims = "INSERT INTO claim (id, article_id, text, char_start, char_end, score, reasons, quantities, fingerprint)"
    evidence = (
        "INSERT INTO evidence (claim_id, provider, url, passage, passage_start, passage_end, relevance, signals, "
        "content_hash) VALUES "
    )
    run(
        url,
        "INSERT INTO article (id, source, content_hash, title, body, language) VALUES "
        "(1, 'Wire', 'h1', 't', 'b', 'en'), (2, 'Herald', 'h2', 't', 'b', 'en')",
        f"{claims} VALUES (1, 1, 'c', 0, 1, 0.9, '[]', '[]', 'f'), (2, 1, 'c', 0, 1, 0.9, '[]', '[]', 'f'), "
        "(3, 2, 'c', 0, 1, 0.9, '[]', '[]', 'f')",
        "INSERT INTO verification_task (claim_id, status) VALUES (1, 'done'), (2, 'done'), (3, 'pending')",
        f"{evidence} (1, 'wire', 'u1', 'p', 0, 1, 0.5, '[]', 'h'), (1, 'search', 'u2', 'p', 0, 1, 0.5, '[]', 'h')",
        "INSERT INTO integration (id, name, event_types, secret) VALUES (1, 'Desk', '{}', 's')",
        "INSERT INTO webhook_subscription (id, integration_id, url, event_types) VALUES (1, 1, 'http://x', '{}')",
        "INSERT INTO webhook_event (id, type, payload) VALUES (1, 'claim.verified', '{}')",
        "INSERT INTO webhook_delivery (event_id, subscription_id, status) VALUES (1, 1, 'delivered'), (1, 1, 'failed')",
    )
    upgrade(url)
    before = [("articles", "", 2), ("evidence", "search", 1), ("evidence", "wire", 1), ("tasks", "done", 2),
              ("tasks", "pending", 1), ("webhook_deliveries", "delivered", 1),
              ("webhook_deliveries", "failed", 1)]  # fmt: skip
    assert run(url, _TALLIED) == run(url, _REAL_COUNTS) == before
    run(
        url,
        "INSERT INTO article (id, source, content_hash, title, body, language) VALUES "
        "(3, 'Wire', 'h3', 't', 'b', 'en')",
        f"{claims} VALUES (4, 3, 'c', 0, 1, 0.9, '[]', '[]', 'f'), (5, 3, 'c', 0, 1, 0.9, '[]', '[]', 'f')",
        "INSERT INTO verification_task (claim_id) VALUES (4), (5)",
        "UPDATE verification_task SET status = 'queued' WHERE status = 'pending'",  # three at once
        "UPDATE verification_task SET status = 'running' WHERE claim_id = 4",
        "UPDATE verification_task SET attempts = attempts + 1",  # no change of status: no tally row
        f"{evidence} (4, 'wire', 'u3', 'p', 0, 1, 0.5, '[]', 'h')",
        f"{evidence} (4, 'wire', 'u3', 'p', 0, 1, 0.9, '[]', 'h') ON CONFLICT (claim_id, provider, url) "
        "DO UPDATE SET relevance = excluded.relevance",
        "UPDATE evidence SET provider = 'search' WHERE claim_id = 4",  # by hand: the totals follow
        "UPDATE article SET title = 'retitled'",  # nothing counted changes
        "INSERT INTO webhook_delivery (event_id, subscription_id) VALUES (1, 1)",
        "UPDATE webhook_delivery SET status = 'sending' WHERE status = 'pending'",
        "DELETE FROM claim WHERE id = 1",  # its task and both its evidence go with it
        "DELETE FROM article WHERE id = 2",  # its claim and task too
    )
    after = [("articles", "", 2), ("evidence", "search", 1), ("tasks", "done", 1), ("tasks", "queued", 1),
             ("tasks", "running", 1), ("webhook_deliveries", "delivered", 1), ("webhook_deliveries", "failed", 1),
             ("webhook_deliveries", "sending", 1)]  # fmt: skip
    assert run(url, _TALLIED) == run(url, _REAL_COUNTS) == after
    assert run(url, *tallies.FOLDS, _TALLIED) == after
    assert run(url, "SELECT count(*) FROM work_tally") == [(len(after),)]  # one row each, the zeros gone
    downgrade(url, "0011")
    assert "work_tally" not in tables(url)
    assert run(url, "SELECT count(*) FROM pg_proc WHERE prosrc LIKE '%work_tally%'") == [(0,)]
