"""The CSV export (quoting, formula cells neutralised) and ClaimReview (expanded as JSON-LD by pyld)."""

from __future__ import annotations

import csv
import io
import json

import httpx
import pytest
from pyld import jsonld
from sqlalchemy import text

from tests.reports.test_reports import CLAIMS, DECIDED, EVENTS, T0, D, desk  # noqa: F401  (desk: the fixture)

SCHEMA = "https://schema.org/"
# The part of schema.org's context these documents use: every term in its vocabulary, `url` as an IRI.
CONTEXT = {"@context": {"@vocab": SCHEMA, "url": {"@id": f"{SCHEMA}url", "@type": "@id"}}}


async def export(http: httpx.AsyncClient, api_url: str, **params) -> list[list[str]]:
    params = {"from": T0.isoformat(), "to": (T0 + 30 * D).isoformat()} | params
    answer = await http.get(f"{api_url}/v1/exports/claims.csv", params=params)
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert answer.text.endswith("\r\n")
    return list(csv.reader(io.StringIO(answer.text, newline="")))


async def test_one_row_a_claim_with_its_verdict(api_url, desk):  # noqa: F811
    rows = await export(desk, api_url)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["claim_id", "claim", "state"] and "rationale" in header
    by_id = {int(r[0]): dict(zip(header, r, strict=True)) for r in body}
    assert sorted(by_id) == sorted(CLAIMS)
    second = by_id[2]  # disputed, reopened, then corroborated by Ben: the verdict standing is the last
    assert (second["state"], second["reviewer"], second["rationale"]) == ("corroborated", "Ben", "why")
    assert second["verdict_at"].startswith((T0 + 3 * D).isoformat()[:19])
    assert by_id[3]["verdict_at"] == by_id[3]["reviewer"] == ""  # unverified: no verdict
    only_disputed = await export(desk, api_url, state="disputed")
    assert [int(r[0]) for r in only_disputed[1:]] == [c for c, v in CLAIMS.items() if v[2] == "disputed"]


async def test_formulas_are_neutralised_and_quoting_round_trips(api_url, desk, db):  # noqa: F811
    hostile = '=HYPERLINK("http://evil.example","x"), said "someone"\nnext line'
    async with db() as session, session.begin():
        await session.execute(text("UPDATE claim SET text = :t WHERE id = 1"), {"t": hostile})
        await session.execute(
            text("UPDATE article SET title = :t WHERE id = (SELECT article_id FROM claim WHERE id = 1)"),
            {"t": '\t-2+3, "x"'},
        )
        await session.execute(
            text(
                "INSERT INTO claim_event (claim_id, kind, actor, from_state, to_state, rationale, evidence_ids, "
                "created_at) VALUES (1, 'transition', '@Ana', 'corroborated', 'corroborated', '+1 sure', '[]', :at)"
            ),
            {"at": T0 + 4 * D},
        )
    rows = await export(desk, api_url)
    first = dict(zip(rows[0], next(r for r in rows[1:] if r[0] == "1"), strict=True))
    assert first["claim"] == "'" + hostile  # the whole text, commas, quotes and line break kept
    assert first["rationale"] == "'+1 sure" and first["reviewer"] == "'@Ana"
    assert first["article_title"] == '\'\t-2+3, "x"'  # a tab hiding a formula, a comma and quotes
    assert first["claim_id"] == "1" and first["state"] == "corroborated"
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


@pytest.fixture
def schema_context(web):
    """schema.org's context served on loopback, and pyld told to read it there (never from the internet)."""
    web.route("/schema-context.jsonld", json.dumps(CONTEXT), content_type="application/ld+json")

    def loader(url, options=None):
        assert url.rstrip("/") in ("https://schema.org", "http://schema.org"), url
        answer = httpx.get(web.url("/schema-context.jsonld"))
        return {"contextUrl": None, "documentUrl": url, "document": answer.json()}

    jsonld.set_document_loader(loader)
    yield
    jsonld.set_document_loader(None)


async def test_a_disputed_claim_as_claimreview_expands_as_json_ld(api_url, desk, schema_context):  # noqa: F811
    answer = await desk.get(f"{api_url}/v1/claims/4/claimreview")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/ld+json")
    review = answer.json()
    assert review["@type"] == "ClaimReview" and review["claimReviewed"] == "c"
    rating = review["reviewRating"]
    assert (rating["alternateName"], rating["ratingValue"], rating["bestRating"], rating["worstRating"]) == (
        "Disputed", 1, 2, 1
    )  # fmt: skip
    assert review["itemReviewed"]["@type"] == "Claim" and review["itemReviewed"]["appearance"]["url"]
    assert review["itemReviewed"]["author"]["name"] == "daily" and review["itemReviewed"]["datePublished"]
    assert review["author"]["name"] == "Fact-check desk" and review["datePublished"].startswith("2026-06-03")
    assert review["url"].endswith("/v1/claims/4/claimreview")
    expanded = jsonld.expand(review)[0]
    assert expanded["@type"] == [f"{SCHEMA}ClaimReview"]
    assert expanded[f"{SCHEMA}claimReviewed"] == [{"@value": "c"}]
    item = expanded[f"{SCHEMA}itemReviewed"][0]
    assert item["@type"] == [f"{SCHEMA}Claim"] and f"{SCHEMA}appearance" in item and f"{SCHEMA}author" in item
    assert expanded[f"{SCHEMA}reviewRating"][0][f"{SCHEMA}alternateName"] == [{"@value": "Disputed"}]
    assert {f"{SCHEMA}author", f"{SCHEMA}datePublished", f"{SCHEMA}url"} <= set(expanded)


async def test_no_verdict_no_claimreview_and_the_feed_pages_by_verdict(api_url, desk):  # noqa: F811
    assert (await desk.get(f"{api_url}/v1/claims/3/claimreview")).status_code == 404
    first = (await desk.get(f"{api_url}/v1/claimreview", params={"since": T0.isoformat(), "limit": 2})).json()
    second = (await desk.get(f"{api_url}/v1/claimreview", params={"after": first["next_after"], "limit": 2})).json()
    reviewed = [item["url"].split("/")[-2] for item in first["items"] + second["items"]]
    assert reviewed == ["1", "2", "4"] and second["next_after"] is None  # in the order the verdicts stand
    later = (await desk.get(f"{api_url}/v1/claimreview", params={"since": (T0 + 2 * D).isoformat()})).json()
    assert [item["url"].split("/")[-2] for item in later["items"]] == ["2", "4"]
    # The feed holds exactly the claims with a verdict standing, worked out from the rows the desk was made of.
    standing = {
        c for c, v in CLAIMS.items() if v[2] in DECIDED and any(e[0] == c and e[1] == "transition" for e in EVENTS)
    }
    assert {int(r) for r in reviewed} == standing
