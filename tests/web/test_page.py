"""The fact-checkers' page in a real browser: the queue, a claim decided, a conflict, the desk, hostile text."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy import text

from tests.support.articles import article
from tests.web.conftest import AXE, screenshot, signed_in

SAMPLE_BODY = (
    "More than 10,000 North Korean soldiers have been sent to Russia, South Korea's spy agency said on Monday.\n\n"
    "The troops are fighting in the Kursk region, according to the agency, which cited satellite images.\n\n"
    "North Korea may be preparing to send as many as 100,000 troops, a Ukrainian official told reporters."
)


async def add_evidence(db, claim_id: int, passage: str, stance: str) -> None:
    """A piece of evidence as the worker stores it, and the claim's task done."""
    async with db() as session, session.begin():
        await session.execute(
            text(
                "INSERT INTO evidence (claim_id, provider, url, title, publisher, passage, passage_start, passage_end, "
                "relevance, stance, signals, content_hash) VALUES (:c, 'cited_links', 'https://news.example/report', "
                "'Agency report', 'Valley Courier', :passage, 0, 48, 0.9, :stance, '[]', 'h')"
            ),
            {"c": claim_id, "passage": passage, "stance": stance},
        )
        await session.execute(text("UPDATE verification_task SET status = 'done' WHERE claim_id = :c"), {"c": claim_id})


async def submitted(client, db, body: str = SAMPLE_BODY, **fields) -> dict:
    """An article through the API, with a piece of evidence stored for its first claim."""
    stored = (await client.post("/v1/articles", json=article(body=body, **fields))).json()
    await add_evidence(db, stored["claims"][0]["id"], "Seoul said more than 10,000 soldiers were sent.", "supports")
    return stored


async def test_a_reviewer_disputes_a_claim_and_finds_it_in_the_history(api_url, client, db, keys, browser):
    stored = await submitted(client, db, external_id="web-1")
    watched = await signed_in(browser, api_url, keys["reviewer"])
    page = watched.page
    await page.get_by_text("test-reviewer (reviewer)").wait_for()
    await screenshot(page, "queue")
    claim = stored["claims"][0]
    await page.get_by_role("link", name=claim["text"]).first.click()
    await page.get_by_text("Seoul said more than 10,000 soldiers were sent.").wait_for()  # its evidence
    await screenshot(page, "claim")
    await page.get_by_label("Move to").select_option("disputed")
    await page.get_by_label("Rationale").fill("The agency's own report gives no figure.")
    await page.get_by_role("button", name="Save verdict").click()
    await page.get_by_text("Saved: the claim is disputed now.").wait_for()
    history = page.locator("#history")
    await history.get_by_text("unverified → disputed").wait_for()
    assert "The agency's own report gives no figure." in await history.inner_text()
    assert watched.dialogs == [] and watched.errors == []


async def test_two_verdicts_at_once_the_second_sees_the_conflict(api_url, client, db, keys, browser):
    stored = await submitted(client, db, external_id="web-2")
    claim_id = stored["claims"][0]["id"]
    first = await signed_in(browser, api_url, keys["reviewer"])
    second = await signed_in(browser, api_url, keys["editor"])
    for watched in (first, second):
        await watched.page.goto(f"{api_url}/#/claim/{claim_id}")
        await watched.page.get_by_role("button", name="Save verdict").wait_for()
    await first.page.get_by_label("Rationale").fill("Three outlets confirm it.")
    await first.page.get_by_label("Move to").select_option("corroborated")
    await first.page.get_by_role("button", name="Save verdict").click()
    await first.page.get_by_text("Saved: the claim is corroborated now.").wait_for()
    await second.page.get_by_label("Move to").select_option("disputed")
    await second.page.get_by_label("Rationale").fill("The figure is not in the report.")
    await second.page.get_by_role("button", name="Save verdict").click()
    await second.page.get_by_text("Someone moved this claim while you were deciding: it is corroborated now").wait_for()


async def test_the_desk_draws_its_charts(api_url, client, db, keys, browser):
    await submitted(client, db, external_id="web-3")
    watched = await signed_in(browser, api_url, keys["editor"])
    page = watched.page
    await page.get_by_role("link", name="Desk", exact=True).click()
    await page.get_by_role("heading", name="Desk, last 30 days").wait_for()
    assert await page.locator("figure svg").count() == 4
    await screenshot(page, "desk")
    assert watched.dialogs == [] and watched.errors == []


async def test_hostile_article_text_is_shown_and_never_run(api_url, client, db, keys, browser):
    hostile = (
        'The council said 120 homes were flooded. <script>alert("script")</script> '
        '<img src=x onerror=alert("img")> The agency said 3,000 people left.'
    )
    stored = await submitted(client, db, body=hostile, external_id="web-4")
    watched = await signed_in(browser, api_url, keys["reviewer"])
    page = watched.page
    await page.goto(f"{api_url}/#/article/{stored['id']}")
    await page.get_by_text('<script>alert("script")</script>', exact=False).first.wait_for()
    assert await page.locator(".article script, .article img").count() == 0
    assert '<img src=x onerror=alert("img")>' in await page.locator(".article").inner_text()
    await page.wait_for_timeout(300)
    assert watched.dialogs == [] and watched.errors == []


async def test_no_serious_accessibility_violations(api_url, client, db, keys, browser):
    if not AXE.exists():
        pytest.skip("axe-core is missing: npm install --prefix .data/web-test axe-core (make tools does it)")
    stored = await submitted(client, db, external_id="web-5")
    # axe is added to the page by the test alone, so this context lets an injected script run.
    watched = await signed_in(browser, api_url, keys["editor"], bypass_csp=True)
    page = watched.page
    for where in ("#/queue", f"#/claim/{stored['claims'][0]['id']}", "#/desk", "#/new"):
        await page.goto(f"{api_url}/{where}")
        await page.wait_for_load_state("networkidle")
        await page.add_script_tag(path=str(AXE))
        found = await page.evaluate("async () => (await axe.run()).violations")
        serious = [(v["id"], v["help"], len(v["nodes"])) for v in found if v["impact"] in ("serious", "critical")]
        assert serious == [], (where, json.dumps(serious))


async def test_the_page_is_sent_with_its_protections(api_url):
    async with httpx.AsyncClient(base_url=api_url) as http:
        page = await http.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert page.headers["x-content-type-options"] == "nosniff" and page.headers["referrer-policy"] == "no-referrer"


async def test_keys_move_open_and_take_and_a_pasted_text_shows_its_claims(api_url, client, db, keys, browser):
    stored = await submitted(client, db, external_id="web-6")
    watched = await signed_in(browser, api_url, keys["admin"])
    page = watched.page
    rows = page.locator("tbody tr")
    await rows.first.wait_for()
    await page.keyboard.press("j")
    assert "current" in (await rows.nth(1).get_attribute("class") or "")
    await page.keyboard.press("k")
    await page.keyboard.press("t")  # takes the first claim: its button says Release now
    await rows.first.get_by_role("button", name="Release").wait_for()
    await page.keyboard.press("Enter")
    await page.get_by_role("heading", name="Claim unverified").wait_for()
    assert any(f"#/claim/{c['id']}" in page.url for c in stored["claims"])
    await page.get_by_role("link", name="New article").click()
    await page.get_by_label("Title").fill("Flood report")
    await page.get_by_label("Text").fill("The agency said 1,200 homes were flooded in Harlow Vale on Tuesday.")
    await page.get_by_role("button", name="See its claims").click()
    await page.get_by_text("Claims found: 1").wait_for()
    await page.get_by_role("button", name="Submit the article").click()
    await page.get_by_role("heading", name="Claims (1)").wait_for()
    assert watched.dialogs == [] and watched.errors == []


async def test_evidence_still_being_gathered_appears_without_a_reload(api_url, client, db, keys, browser):
    stored = (await client.post("/v1/articles", json=article(body=SAMPLE_BODY, external_id="web-7"))).json()
    claim_id = stored["claims"][0]["id"]
    watched = await signed_in(browser, api_url, keys["reviewer"])
    page = watched.page
    await page.goto(f"{api_url}/#/claim/{claim_id}")
    await page.get_by_text("Gathering evidence").wait_for()  # its task has not run: no worker in this test
    # A verdict begun while the evidence is gathered: the page drawn again when it is in keeps it, cursor included.
    await page.get_by_label("Move to").select_option("disputed")
    await page.get_by_label("Rationale").fill("Begun before the evidence came in")
    await add_evidence(db, claim_id, "A passage that came in later.", "refutes")
    await page.get_by_text("A passage that came in later.").wait_for(timeout=10_000)
    assert await page.get_by_text("Gathering evidence").count() == 0
    assert await page.get_by_label("Rationale").input_value() == "Begun before the evidence came in"
    assert await page.get_by_label("Move to").input_value() == "disputed"
    assert await page.evaluate("document.activeElement.id") == "v-rationale"


async def test_a_verdict_begun_while_a_colleague_moves_the_claim_is_not_kept(api_url, client, db, keys, browser):
    stored = (await client.post("/v1/articles", json=article(body=SAMPLE_BODY, external_id="web-8"))).json()
    claim_id = stored["claims"][0]["id"]
    watched = await signed_in(browser, api_url, keys["reviewer"])
    page = watched.page
    await page.goto(f"{api_url}/#/claim/{claim_id}")
    await page.get_by_text("Gathering evidence").wait_for()
    await page.get_by_label("Note").fill("Call the agency")  # a note is no verdict: it is kept either way
    await page.get_by_label("Rationale").fill("Begun before a colleague decided")
    current = await client.get(f"/v1/claims/{claim_id}")
    moved = await client.post(
        f"/v1/claims/{claim_id}/transitions",
        json={"to": "disputed", "rationale": "The report gives no figure.", "evidence_ids": []},
        headers={"If-Match": current.headers["ETag"]},
    )
    assert moved.status_code == 200, moved.text
    await add_evidence(db, claim_id, "A passage that came in later.", "refutes")
    # As for a 412: the page says what happened and the verdict begun is not offered to be saved over it.
    await page.get_by_text("Someone moved this claim while its evidence was gathered").wait_for(timeout=10_000)
    assert await page.get_by_label("Rationale").input_value() == ""
    assert await page.get_by_label("Note").input_value() == "Call the agency"
    assert watched.dialogs == [] and watched.errors == []
