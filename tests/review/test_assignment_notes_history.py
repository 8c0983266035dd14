"""Taking, releasing and assigning claims; notes; the audit trail, which the database keeps append-only."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.review import (  # noqa: F401  (fixtures)
    api_fixture,
    claims_of_new_article,
    events,
    move,
    people_fixture,
)
from tests.support.articles import article


async def claim_of(api, who, claim_id) -> dict:
    response = await api.get(f"/v1/claims/{claim_id}", headers=who)
    assert response.status_code == 200
    return response.json()


def assignments(trail: list[dict]) -> list[tuple[str, str | None]]:
    return [(e["actor"], e["assignee"]) for e in trail if e["kind"] == "assignment"]


async def test_take_and_release(api, people):
    claim_id = (await claims_of_new_article(api, people))[0]["id"]
    rita, rob = people["rita"], people["rob"]

    taken = await api.post(f"/v1/claims/{claim_id}/take", headers=rita)
    assert taken.status_code == 200 and taken.json()["assignee"] == "rita"
    assert taken.json()["version"] == 1 and taken.headers["ETag"] == '"1"'  # not a verdict: no new version

    again = await api.post(f"/v1/claims/{claim_id}/take", headers=rita)  # one's own: nothing changes
    assert again.status_code == 200 and again.json()["assignee"] == "rita"

    theirs = await api.post(f"/v1/claims/{claim_id}/take", headers=rob)
    assert theirs.status_code == 409
    assert theirs.json()["error"] == "already_assigned" and theirs.json()["assignee"] == "rita"

    not_his = await api.post(f"/v1/claims/{claim_id}/release", headers=rob)
    assert not_his.status_code == 403 and not_his.json()["error"] == "not_assignee"
    assert (await claim_of(api, rob, claim_id))["assignee"] == "rita"

    released = await api.post(f"/v1/claims/{claim_id}/release", headers=rita)
    assert released.status_code == 200 and released.json()["assignee"] is None and released.json()["version"] == 1

    nothing = await api.post(f"/v1/claims/{claim_id}/release", headers=rita)
    assert nothing.status_code == 409 and nothing.json()["error"] == "not_assigned"

    assert (await api.post(f"/v1/claims/{claim_id}/take", headers=rob)).json()["assignee"] == "rob"
    assert assignments(await events(api, rita, claim_id)) == [("rita", "rita"), ("rita", None), ("rob", "rob")]


async def test_two_reviewers_taking_one_claim_at_once_one_gets_it(api, people):
    claim_id = (await claims_of_new_article(api, people))[0]["id"]
    who = [people["rita"], people["rob"]] * 5
    responses = await asyncio.gather(*(api.post(f"/v1/claims/{claim_id}/take", headers=h) for h in who))
    winners = {r.json()["assignee"] for r in responses if r.status_code == 200}
    assert len(winners) == 1
    (winner,) = winners
    loser = "rob" if winner == "rita" else "rita"
    assert sorted(r.status_code for r in responses) == [200] * 5 + [409] * 5
    assert all(r.json()["assignee"] == winner for r in responses if r.status_code == 409)
    assert assignments(await events(api, people[loser], claim_id)) == [(winner, winner)]


async def test_an_editor_assigns_and_unassigns_anyones(api, people):
    claim_id = (await claims_of_new_article(api, people))[0]["id"]
    url = f"/v1/claims/{claim_id}/assignee"
    assert (await api.post(f"/v1/claims/{claim_id}/take", headers=people["rita"])).status_code == 200

    to_rob = await api.put(url, json={"assignee": "rob"}, headers=people["ed"])
    assert to_rob.status_code == 200 and to_rob.json()["assignee"] == "rob" and to_rob.json()["version"] == 1
    same = await api.put(url, json={"assignee": "rob"}, headers=people["ed"])  # no change, no event
    assert same.status_code == 200 and same.json()["assignee"] == "rob"
    to_self = await api.put(url, json={"assignee": "ed"}, headers=people["ada"])
    assert to_self.status_code == 200 and to_self.json()["assignee"] == "ed"
    nobody = await api.put(url, json={"assignee": None}, headers=people["ed"])
    assert nobody.status_code == 200 and nobody.json()["assignee"] is None

    assert assignments(await events(api, people["rita"], claim_id)) == [
        ("rita", "rita"),
        ("ed", "rob"),
        ("ada", "ed"),
        ("ed", None),
    ]

    for body in ({}, {"assignee": ""}, {"assignee": "   "}, {"assignee": "x" * 201}, {"assignee": 5}):
        response = await api.put(url, json=body, headers=people["ed"])
        assert response.status_code == 422, body
        assert response.json()["fields"][0]["field"] == "assignee"
    for unknown in ("nobody-by-that-name", "wire"):  # no key, or a key that may not review
        response = await api.put(url, json={"assignee": unknown}, headers=people["ed"])
        assert response.status_code == 422 and response.json()["fields"][0]["field"] == "assignee", unknown

    refused = await api.put(url, json={"assignee": "rita"}, headers=people["rita"])
    assert refused.status_code == 403
    assert len(assignments(await events(api, people["rita"], claim_id))) == 4


async def test_who_may_take_and_release(api, people):
    claim_id = (await claims_of_new_article(api, people))[0]["id"]
    for path in ("take", "release"):
        assert (await api.post(f"/v1/claims/{claim_id}/{path}")).status_code == 401
        assert (await api.post(f"/v1/claims/{claim_id}/{path}", headers=people["wire"])).status_code == 403
    assert (await api.post(f"/v1/claims/{claim_id}/take", headers=people["ed"])).status_code == 200


async def test_notes_are_kept_in_the_history_in_order_with_everything_else(api, people):
    claim_id = (await claims_of_new_article(api, people))[0]["id"]
    url = f"/v1/claims/{claim_id}/notes"

    await api.post(f"/v1/claims/{claim_id}/take", headers=people["rita"])
    note = await api.post(url, json={"text": "Called the agency; waiting for the gauge log."}, headers=people["rita"])
    assert note.status_code == 201, note.text
    created = note.json()
    assert created["kind"] == "note" and created["actor"] == "rita" and created["claim_id"] == claim_id
    assert created["rationale"] == "Called the agency; waiting for the gauge log." and created["id"] >= 1
    assert (await move(api, people["rita"], claim_id, "corroborated", rationale="Gauge log agrees")).status_code == 200
    assert (await api.post(url, json={"text": "x" * 5000}, headers=people["ed"])).status_code == 201
    assert (await claim_of(api, people["ed"], claim_id))["version"] == 2  # notes do not change the version

    trail = await events(api, people["rob"], claim_id)
    assert [(e["kind"], e["actor"]) for e in trail] == [
        ("assignment", "rita"),
        ("note", "rita"),
        ("transition", "rita"),
        ("note", "ed"),
    ]
    assert trail[1] == created
    assert [e["id"] for e in trail] == sorted(e["id"] for e in trail)
    assert [e["created_at"] for e in trail] == sorted(e["created_at"] for e in trail)
    assert trail[2]["rationale"] == "Gauge log agrees" and trail[2]["from_state"] == "unverified"

    for body in ({}, {"text": ""}, {"text": " \n "}, {"text": "x" * 5001}, {"text": "a\x00b"}, {"text": ["a"]}):
        response = await api.post(url, json=body, headers=people["rita"])
        assert response.status_code == 422, body
        assert response.json()["fields"][0]["field"] == "text"
    assert (await api.post(url, json={"text": "hi"}, headers=people["wire"])).status_code == 403
    assert (await api.post(url, json={"text": "hi"})).status_code == 401
    assert len(await events(api, people["rob"], claim_id)) == 4


async def test_history_pages(api, people):
    claim_id = (await claims_of_new_article(api, people))[0]["id"]
    for i in range(5):
        await api.post(f"/v1/claims/{claim_id}/notes", json={"text": f"note {i}"}, headers=people["rita"])
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        response = await api.get(f"/v1/claims/{claim_id}/history", params=params, headers=people["rob"])
        assert response.status_code == 200
        seen += [e["rationale"] for e in response.json()["items"]]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"note {i}" for i in range(5)]
    for params in ({"limit": 0}, {"limit": 501}, {"cursor": "x"}):
        response = await api.get(f"/v1/claims/{claim_id}/history", params=params, headers=people["rob"])
        assert response.status_code == 422 and response.json()["error"] == "invalid", params
    # An integration reads the history of its own claims only: another sender's claim is not there for it.
    assert (await api.get(f"/v1/claims/{claim_id}/history", headers=people["wire"])).status_code == 404


async def test_a_claim_that_does_not_exist_is_404_everywhere(api, people):
    calls = [
        ("POST", "/v1/claims/987654/take", None, "rita"),
        ("POST", "/v1/claims/987654/release", None, "rita"),
        ("PUT", "/v1/claims/987654/assignee", {"assignee": "rita"}, "ed"),
        ("PUT", "/v1/claims/987654/assignee", {"assignee": None}, "ed"),
        ("PUT", "/v1/claims/987654/assignee", {"assignee": "no-such-person"}, "ed"),
        ("POST", "/v1/claims/987654/notes", {"text": "hello"}, "rita"),
        ("GET", "/v1/claims/987654/history", None, "rita"),
    ]
    for method, url, body, who in calls:
        response = await api.request(method, url, json=body, headers=people[who])
        assert response.status_code == 404, (method, url, response.text)
        assert response.json()["error"] == "not_found"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE claim_event SET rationale = 'rewritten'",
        "UPDATE claim_event SET actor = 'someone else' WHERE kind = 'transition'",
        "DELETE FROM claim_event",
        "DELETE FROM claim_event WHERE kind = 'note'",
        "TRUNCATE claim_event",
    ],
)
async def test_the_database_refuses_to_change_or_remove_the_audit_trail(api, people, engine, statement):
    claim_id = (await claims_of_new_article(api, people))[0]["id"]
    await api.post(f"/v1/claims/{claim_id}/notes", json={"text": "keep me"}, headers=people["rita"])
    assert (await move(api, people["rita"], claim_id, "disputed", rationale="keep me too")).status_code == 200
    before = await events(api, people["rita"], claim_id)

    async with engine.connect() as conn:
        with pytest.raises(DBAPIError, match="append-only"):
            await conn.execute(text(statement))
        await conn.rollback()
    assert await events(api, people["rita"], claim_id) == before


async def test_an_integration_reads_the_verdicts_of_its_own_claims_not_the_desk_notes(api, people):
    own = (await api.post("/v1/articles", json=article(external_id="own-history"), headers=people["wire"])).json()
    claim_id = own["claims"][0]["id"]
    await api.post(
        f"/v1/claims/{claim_id}/notes", json={"text": "Call the agency's press office."}, headers=people["rita"]
    )
    await api.post(f"/v1/claims/{claim_id}/take", headers=people["rita"])
    moved = await api.post(
        f"/v1/claims/{claim_id}/transitions",
        json={"to": "corroborated", "rationale": "The agency's report confirms it."},
        headers=people["rita"] | {"If-Match": '"1"'},
    )
    assert moved.status_code == 200, moved.text
    seen = (await api.get(f"/v1/claims/{claim_id}/history", headers=people["wire"])).json()["items"]
    assert [(e["kind"], e["to_state"], e["rationale"]) for e in seen] == [
        ("transition", "corroborated", "The agency's report confirms it.")
    ]
