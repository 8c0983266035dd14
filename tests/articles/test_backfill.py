"""`factcheck import`: a 10,000-line archive with bad lines, loaded twice and once interrupted, never doubled."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import sys

from sqlalchemy import func, select

from shared.articles.backfill import _extract
from shared.articles.ingest import claim_rows, ingest_each
from shared.articles.schemas import ArticleCreate
from shared.claims.extraction import extract_claims
from shared.claims.models import Claim
from shared.claims.offload import extraction_pool
from shared.integrations import outbound
from shared.integrations.registry import create_integration
from shared.models import Article, WebhookEvent
from tests.support.articles import article
from tests.support.services import ROOT
from tests.support.waiting import eventually

LINES = 10_000
BAD = {17: "{not json", 4_242: '{"title": "", "body": "x"}', 9_998: "[1, 2, 3]"}  # line number -> content


def archive(path) -> None:
    with path.open("w") as f:
        for number in range(1, LINES + 1):
            if number in BAD:
                f.write(BAD[number] + "\n")
                continue
            body = (
                f"The council said {number} homes in Harlow Vale were flooded on Tuesday. "
                f"Repairs will cost {number * 3} thousand pounds, the agency estimated."
            )
            f.write(json.dumps({"title": f"Flood report {number}", "body": body, "source": "wire",
                                "external_id": f"wire-{number}"}) + "\n")  # fmt: skip
        f.write("\n")  # a blank line at the end is no article and no error


def command(path, database_url) -> tuple[list[str], dict[str, str]]:
    env = {"FACTCHECK_DATABASE_URL": database_url, "PATH": "/usr/bin:/bin", "HOME": str(path.parent)}
    return [sys.executable, "-m", "services.cli", "import", str(path), "--as", "Wire desk"], env


def summary(output: str) -> tuple[int, int, int]:
    found = re.search(r"created (\d+), already present (\d+), rejected (\d+)", output)
    assert found, output
    return tuple(int(n) for n in found.groups())


async def complete(run: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return await asyncio.to_thread(subprocess.run, run, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


async def articles(db) -> int:
    async with db() as session:
        return await session.scalar(select(func.count()).select_from(Article))


async def test_twice_creates_nothing_the_second_time_and_names_the_bad_lines(servers, db, tmp_path):
    path = tmp_path / "archive.jsonl"
    archive(path)
    run, env = command(path, servers[0])
    first = await complete(run, env)
    assert first.returncode == 1  # some lines were rejected
    assert summary(first.stdout) == (LINES - len(BAD), 0, len(BAD))
    for number in BAD:
        assert f"line {number}: " in first.stdout
    assert "not valid JSON" in first.stdout and "title" in first.stdout
    second = await complete(run, env)
    assert summary(second.stdout) == (0, LINES - len(BAD), len(BAD))
    assert await articles(db) == LINES - len(BAD)
    async with db() as session:
        assert set(await session.scalars(select(Article.submitted_by).distinct())) == {"Wire desk"}
        # Extracted in other processes a batch ahead, each article still has its own body's claims.
        stored = await session.scalar(select(func.count()).select_from(Claim))
        misplaced = await session.scalar(
            select(func.count())
            .select_from(Claim)
            .join(Article, Article.id == Claim.article_id)
            .where(func.substr(Article.body, Claim.char_start + 1, Claim.char_end - Claim.char_start) != Claim.text)
        )
        bodies = await session.scalars(select(Article.body))
        assert misplaced == 0 and stored == sum(len(extract_claims(body)) for body in bodies) > LINES


async def test_stopped_halfway_and_run_again_the_total_is_the_same(servers, db, tmp_path):
    path = tmp_path / "archive.jsonl"
    archive(path)
    run, env = command(path, servers[0])
    # Ctrl-C as a terminal delivers it, even where this suite runs with SIGINT ignored (a shell's background
    # job), which the command would otherwise inherit and so never stop.
    first = await asyncio.create_subprocess_exec(
        *run, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    try:
        await eventually(lambda: _some(db), timeout=120, what="part of the archive to be stored")
        first.send_signal(signal.SIGINT)  # Ctrl-C
        out, err = (part.decode() for part in await asyncio.wait_for(first.communicate(), 60))
    finally:
        if first.returncode is None:
            first.kill()
    assert first.returncode == 130 and "run the same command again" in err, err[-2500:]
    created_first, _, _ = summary(out)
    assert 0 < created_first < LINES - len(BAD) and await articles(db) == created_first  # what it says it stored
    second = await complete(run, env)
    created_second, present, rejected = summary(second.stdout)
    assert created_first + created_second == LINES - len(BAD) and present == created_first
    assert rejected == len(BAD) and await articles(db) == LINES - len(BAD)


async def _some(db) -> bool:
    return await articles(db) >= 1000


async def test_run_again_with_new_lines_among_the_old_extracts_and_creates_only_the_new(servers, db, tmp_path):
    """The articles found stored are not extracted again: the claims of the rest must still be each one's own."""

    def lines(numbers) -> str:
        return "".join(
            json.dumps({"title": f"Flood report {n}", "external_id": f"mixed-{n}", "body": f"The council said {n} "
                        f"homes in Harlow Vale were flooded on Tuesday, {n % 7 + 2} more than the agency counted."})
            + "\n" for n in numbers
        )  # fmt: skip

    path = tmp_path / "archive.jsonl"
    path.write_text(lines(n for n in range(1, 301) if n % 3))  # 200 articles, in batches of 100
    run, env = command(path, servers[0])
    assert summary((await complete(run, env)).stdout) == (200, 0, 0)
    path.write_text(lines(range(1, 301)))  # the 100 new ones among the 200 stored, in every batch
    assert summary((await complete(run, env)).stdout) == (100, 200, 0)
    stored: dict[str, list[str]] = {}
    async with db() as session:
        claims = await session.execute(
            select(Article.external_id, Claim.text)
            .join(Claim, Claim.article_id == Article.id)
            .order_by(Article.external_id, Claim.char_start)
        )
        for external_id, text in claims:
            stored.setdefault(external_id, []).append(text)
        bodies = dict((await session.execute(select(Article.external_id, Article.body))).all())
    assert len(bodies) == 300 and set(stored) == set(bodies)
    assert all(stored[external_id] == [c.text for c in extract_claims(body)] for external_id, body in bodies.items())


async def test_a_batch_extracts_only_the_articles_not_stored(db, settings):
    """The claims of a batch's articles stored already are not worked out again (None), the others' are."""
    stored, new = ArticleCreate(**article(external_id="e-1")), ArticleCreate(**article(external_id="e-2"))
    async with db() as session, session.begin():
        await ingest_each(session, [stored], max_body_bytes=20_000, claim_threshold=0.5, submitted_by="Desk")
    pool = extraction_pool(1)
    try:
        batch = [(1, stored), (2, "line 2: not an article"), (3, new), (4, stored)]
        rows = await _extract(db, pool, 1, batch, 0.5)
    finally:
        pool.shutdown()
    assert rows == [None, claim_rows(new.body, 0.5), None]


async def test_an_archive_tells_no_subscriber_unless_asked(servers, db, settings, tmp_path):
    """Importing is not publishing: the sender's webhook subscriptions hear of it only with --events."""
    async with db() as session, session.begin():
        made = await create_integration(session, settings, "Wire desk", ["article.processed"])
        allowed = settings.model_copy(update={"fetch_allow_hosts": ["127.0.0.1"]})
        await outbound.subscribe(
            session, allowed, made.integration.id, "http://127.0.0.1:9/hook", ["article.processed"]
        )
    path = tmp_path / "few.jsonl"
    path.write_text("".join(json.dumps({"title": f"T{n}", "body": f"The agency said {n} homes flooded.",
                                        "external_id": f"few-{n}"}) + "\n" for n in range(3)))  # fmt: skip
    path.write_text(path.read_text() + '{"title": ' + "1" * 5000 + ', "body": "x"}\n')  # too long a number
    run, env = command(path, servers[0])
    env["FACTCHECK_SECRET_KEY"] = settings.secret_key
    quiet = await complete(run, env)
    assert summary(quiet.stdout) == (3, 0, 1) and "line 4: not valid JSON" in quiet.stdout
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(WebhookEvent)) == 0
    path.write_text(path.read_text().replace("few-", "loud-"))
    told = await complete([*run, "--events"], env)
    assert summary(told.stdout) == (3, 0, 1)
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(WebhookEvent)) == 3
