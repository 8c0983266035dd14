"""Transitions over HTTP: the state machine, rationale and evidence, If-Match, the race, reopening."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import func, select

from shared.auth.keys import Principal
from shared.auth.roles import Role
from shared.review.models import ClaimEvent
from shared.review.transitions import PreconditionFailed, etag, parse_if_match, transition
from tests.review import (  # noqa: F401  (fixtures)
    add_evidence,
    api_fixture,
    claims_of_new_article,
    events,
    move,
    people_fixture,
)

ALLOWED = {
    ("unverified", "corroborated"),
    ("unverified", "disputed"),
    ("corroborated", "disputed"),
    ("disputed", "corroborated"),
    ("corroborated", "unverified"),
    ("disputed", "unverified"),
}
STATES = ("unverified", "corroborated", "disputed")
# A path through every allowed move, from unverified.
TOUR = ["corroborated", "disputed", "unverified", "disputed", "corroborated", "unverified"]


def test_etag_and_if_match_round_trip():
    assert etag(3) == '"3"'
    for version in (1, 7, 2**31 - 1):
        assert parse_if_match(etag(version)) == version
    assert parse_if_match("12") == 12 and parse_if_match(' "5" ') == 5
    for bad in (None, "", "*", 'W/"3"', '"3", "4"', '"abc"', '"3', '3"', '""', "-1", '"1e3"', "x" * 500):
        assert parse_if_match(bad) is None, bad


async def test_get_sends_the_etag_that_if_match_takes_back(api, people):
    claim_id = (await claims_of_new_article(api, people))[0]["id"]
    first = await api.get(f"/v1/claims/{claim_id}", headers=people["rita"])
    assert first.headers["ETag"] == etag(1) == '"1"'
    moved = await move(api, people["rita"], claim_id, "corroborated", if_match=first.headers["ETag"])
    assert moved.status_code == 200 and moved.headers["ETag"] == '"2"'
    assert (await api.get(f"/v1/claims/{claim_id}", headers=people["rob"])).headers["ETag"] == moved.headers["ETag"]
    # The ETag GET sent before the move is stale now.
    stale = await move(api, people["rob"], claim_id, "disputed", if_match=first.headers["ETag"])
    assert stale.status_code == 412 and stale.json()["current"] == {"state": "corroborated", "version": 2}
    assert (await move(api, people["rob"], claim_id, "disputed")).status_code == 200  # with the ETag GET sends


async def test_every_allowed_move_by_an_editor_bumps_the_version_and_is_recorded(api, people):
    claim = (await claims_of_new_article(api, people))[0]
    assert claim["state"] == "unverified" and claim["version"] == 1
    version = 1
    for to in TOUR:
        response = await move(api, people["ed"], claim["id"], to, version=version, rationale=f"now {to}")
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["state"], body["version"]) == (to, version + 1)
        assert response.headers["ETag"] == etag(version + 1)
        version += 1
    trail = await events(api, people["rita"], claim["id"])
    assert [(e["kind"], e["from_state"], e["to_state"], e["actor"]) for e in trail] == [
        ("transition", a, b, "ed") for a, b in zip(["unverified", *TOUR], TOUR, strict=False)
    ]
    assert {(e["from_state"], e["to_state"]) for e in trail} == ALLOWED
    assert [e["rationale"] for e in trail] == [f"now {to}" for to in TOUR]


async def test_every_refused_move_is_409_with_the_allowed_moves_and_changes_nothing(api, people, db):
    claims = await claims_of_new_article(api, people)
    # One claim in each state.
    for claim, state in zip(claims, STATES, strict=False):
        if state != "unverified":
            assert (await move(api, people["ed"], claim["id"], state, version=1)).status_code == 200
    for claim, state in zip(claims, STATES, strict=False):
        version = 1 if state == "unverified" else 2
        for to in (*STATES, "verified", "Disputed"):
            if (state, to) in ALLOWED:
                continue
            response = await move(api, people["ed"], claim["id"], to, version=version)
            assert response.status_code == 409, (state, to, response.text)
            body = response.json()
            expected = sorted(b for a, b in ALLOWED if a == state)
            assert body["error"] == "illegal_transition" and sorted(body["allowed"]) == expected
            assert all(s in body["detail"] for s in expected)
            current = (await api.get(f"/v1/claims/{claim['id']}", headers=people["ed"])).json()
            assert (current["state"], current["version"]) == (state, version)
    async with db() as session:
        assert await session.scalar(select(func.count()).select_from(ClaimEvent)) == 2


@pytest.mark.parametrize("rationale", [None, "", "   \n\t ", "a\x00b", "x" * 5001])
async def test_a_rationale_is_required(api, people, rationale):
    claim = (await claims_of_new_article(api, people))[0]
    body = {"to": "corroborated"} | ({"rationale": rationale} if rationale is not None else {})
    response = await api.post(
        f"/v1/claims/{claim['id']}/transitions", json=body, headers=people["rita"] | {"If-Match": etag(1)}
    )
    assert response.status_code == 422, response.text
    assert [f["field"] for f in response.json()["fields"]] == ["rationale"]
    assert await events(api, people["rita"], claim["id"]) == []


async def test_a_verdict_cites_only_the_claims_own_evidence(api, people, db):
    first, second = (await claims_of_new_article(api, people))[:2]
    own = await add_evidence(db, first["id"], 2)
    other = await add_evidence(db, second["id"], 1)

    refused = await move(api, people["rita"], first["id"], "disputed", version=1, evidence_ids=[own[0], *other, 999])
    assert refused.status_code == 422, refused.text
    body = refused.json()
    assert body["error"] == "invalid" and body["evidence_ids"] == [other[0], 999]
    assert str(other[0]) in body["detail"] and "999" in body["detail"]
    assert body["fields"][0]["field"] == "evidence_ids"
    assert await events(api, people["rita"], first["id"]) == []

    bad = await move(api, people["rita"], first["id"], "disputed", version=1, evidence_ids=[0])
    assert bad.status_code == 422

    cited = await move(api, people["rita"], first["id"], "disputed", version=1, evidence_ids=[own[1], own[0], own[1]])
    assert cited.status_code == 200, cited.text
    (event,) = await events(api, people["rita"], first["id"])
    assert event["evidence_ids"] == [own[1], own[0]] and event["to_state"] == "disputed"

    # Reopening is not a verdict: it cites nothing.
    reopen = await move(api, people["ed"], first["id"], "unverified", version=2, evidence_ids=own)
    assert reopen.status_code == 422 and reopen.json()["fields"][0]["field"] == "evidence_ids"


async def test_if_match_is_required_and_must_be_current(api, people):
    claim = (await claims_of_new_article(api, people))[0]
    url = f"/v1/claims/{claim['id']}/transitions"
    body = {"to": "corroborated", "rationale": "Confirmed by the agency."}

    missing = await api.post(url, json=body, headers=people["rita"])
    assert missing.status_code == 428 and missing.json()["error"] == "precondition_required"
    for malformed in ("*", 'W/"1"', '"1", "2"', "one", '"1'):
        response = await api.post(url, json=body, headers=people["rita"] | {"If-Match": malformed})
        assert response.status_code == 400, malformed
        assert response.json()["error"] == "bad_if_match"

    assert (await move(api, people["rita"], claim["id"], "corroborated", if_match='"1"')).status_code == 200
    for stale in ('"1"', "1", '"3"', '"99999999999999999"'):
        response = await move(api, people["rob"], claim["id"], "disputed", if_match=stale)
        assert response.status_code == 412, (stale, response.text)
        data = response.json()
        assert data["error"] == "precondition_failed"
        assert data["current"] == {"state": "corroborated", "version": 2}
    assert (await move(api, people["rob"], claim["id"], "disputed", if_match="2")).status_code == 200
    assert [e["to_state"] for e in await events(api, people["rob"], claim["id"])] == ["corroborated", "disputed"]


@pytest.mark.parametrize("round_", range(3))
async def test_twenty_concurrent_transitions_from_one_version_one_wins(api, people, round_):
    claim = (await claims_of_new_article(api, people, external_id=f"race-{round_}"))[0]
    # Start from a later version each round, so the race is not only ever run from version 1.
    version = 1
    for to in ["disputed", "corroborated"][:round_]:
        assert (await move(api, people["ed"], claim["id"], to, version=version)).status_code == 200
        version += 1
    state = (await api.get(f"/v1/claims/{claim['id']}", headers=people["ed"])).json()["state"]
    target = "disputed" if state != "disputed" else "corroborated"
    who = [people["rita"], people["rob"], people["ed"], people["ada"]]
    responses = await asyncio.gather(
        *(move(api, who[i % 4], claim["id"], target, version=version, rationale=f"racer {i}") for i in range(20))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * 19, statuses
    (winner,) = [r for r in responses if r.status_code == 200]
    assert winner.json()["version"] == version + 1
    for loser in (r for r in responses if r.status_code == 412):
        assert loser.json()["current"] == {"state": target, "version": version + 1}
    trail = await events(api, people["ed"], claim["id"])
    assert len(trail) == round_ + 1
    assert trail[-1]["to_state"] == target
    assert trail[-1]["rationale"] == json.loads(winner.request.content)["rationale"]


async def test_a_reviewer_cannot_reopen_an_editor_can_and_the_verdict_stays_in_the_history(api, people):
    claim = (await claims_of_new_article(api, people))[0]
    assert (
        await move(api, people["rita"], claim["id"], "disputed", rationale="The gauge said 2.1 m")
    ).status_code == 200

    refused = await move(api, people["rita"], claim["id"], "unverified", version=2, rationale="Changed my mind")
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    current = (await api.get(f"/v1/claims/{claim['id']}", headers=people["rita"])).json()
    assert (current["state"], current["version"]) == ("disputed", 2)

    reopened = await move(api, people["ed"], claim["id"], "unverified", version=2, rationale="New gauge data due")
    assert reopened.status_code == 200
    assert (reopened.json()["state"], reopened.json()["version"]) == ("unverified", 3)
    trail = await events(api, people["rita"], claim["id"])
    assert [(e["actor"], e["from_state"], e["to_state"], e["rationale"]) for e in trail] == [
        ("rita", "unverified", "disputed", "The gauge said 2.1 m"),
        ("ed", "disputed", "unverified", "New gauge data due"),
    ]


async def test_who_may_transition(api, people):
    claim = (await claims_of_new_article(api, people))[0]
    url = f"/v1/claims/{claim['id']}/transitions"
    body = {"to": "corroborated", "rationale": "ok"}
    assert (await api.post(url, json=body, headers={"If-Match": etag(1)})).status_code == 401
    bogus = {"Authorization": "Bearer fck_nope_nope", "If-Match": etag(1)}
    assert (await api.post(url, json=body, headers=bogus)).status_code == 401
    assert (await api.post(url, json=body, headers=people["wire"] | {"If-Match": etag(1)})).status_code == 403
    assert (await api.post(url, json=body, headers=people["ada"] | {"If-Match": etag(1)})).status_code == 200


async def test_a_claim_that_does_not_exist_is_404(api, people):
    for headers in ({}, {"If-Match": etag(1)}):
        response = await api.post(
            "/v1/claims/987654/transitions",
            json={"to": "corroborated", "rationale": "ok"},
            headers=people["ed"] | headers,
        )
        assert response.status_code == 404 and response.json()["error"] == "not_found"
    bad_id = await api.post("/v1/claims/0/transitions", json={"to": "disputed", "rationale": "x"}, headers=people["ed"])
    assert bad_id.status_code == 422


async def test_the_update_is_conditional_on_the_version_not_only_the_check_before_it(api, people, db):
    """B reads version 1 while A's transition is not yet committed, so B's check passes; B's UPDATE then waits
    for A's row lock and, once A commits, finds no row at version 1: 412, and no second event."""
    claim_id = (await claims_of_new_article(api, people))[0]["id"]
    editor, reviewer = Principal(1, "ed", Role.editor), Principal(2, "rita", Role.reviewer)

    async def second() -> None:
        async with db() as session, session.begin():
            await transition(session, reviewer, claim_id, to="corroborated", rationale="B", if_match='"1"')

    async with db() as session, session.begin():
        await transition(session, editor, claim_id, to="disputed", rationale="A", if_match='"1"')
        racer = asyncio.create_task(second())
        await asyncio.sleep(0.5)
        assert not racer.done()  # waiting for A's row lock
    with pytest.raises(PreconditionFailed) as stale:
        await racer
    assert stale.value.extra["current"] == {"state": "disputed", "version": 2}
    assert [(e["actor"], e["to_state"]) for e in await events(api, people["ed"], claim_id)] == [("ed", "disputed")]
