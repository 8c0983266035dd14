"""The same claim in a second article, through the real relay and worker: linked, offered the earlier verdict,
and verified from the decided claim's evidence without fetching its sources again."""

from __future__ import annotations

from tests.support.services import running, service_env
from tests.support.waiting import all_tasks_finished

REPORT = b"""<html><head><title>Troops abroad</title></head><body><article><h1>Troops abroad</h1>
<p>South Korea's spy agency said on Monday that more than 10,000 North Korean soldiers have been sent to Russia
and are training near the border.</p></article></body></html>"""


async def post_and_verify(client, db, procs, body: str, source: str, link: str) -> dict:
    """Post a one-claim article citing `link` and wait for every task to be done; the claim."""
    data = {"title": "Troops", "body": body, "source": source, "links": [link]}
    claim = (await client.post("/v1/articles", json=data)).json()["claims"][0]
    tasks = await all_tasks_finished(db)
    assert {t.status for t in tasks} == {"done"}, [p.log()[-2000:] for p in procs]
    return claim


async def test_the_second_article_reuses_the_decided_claim_and_fetches_nothing(client, db, settings, web, log_dir):
    web.route("/report", REPORT)
    env = service_env(settings, FACTCHECK_FETCH_ALLOW_HOSTS="127.0.0.1")
    first_body = "More than 10,000 North Korean soldiers have been sent to Russia, South Korea's spy agency said.\n"
    second_body = "Over ten thousand troops from North Korea have been deployed to Russia, according to Seoul.\n"
    with running("relay", "worker", env=env, log_dir=log_dir) as procs:
        first = await post_and_verify(client, db, procs, first_body, "wire-a", web.url("/report"))
        fetched = len(web.requests)
        assert fetched >= 1
        evidence = (await client.get(f"/v1/claims/{first['id']}")).json()["evidence"]
        assert evidence and evidence[0]["stance"] == "supports"
        etag = (await client.get(f"/v1/claims/{first['id']}")).headers["ETag"]
        moved = await client.post(
            f"/v1/claims/{first['id']}/transitions",
            json={
                "to": "corroborated",
                "rationale": "the agency's statement is on record",
                "evidence_ids": [evidence[0]["id"]],
            },
            headers={"If-Match": etag},
        )
        assert moved.status_code == 200, moved.text

        second = await post_and_verify(client, db, procs, second_body, "wire-b", web.url("/report"))

    assert len(web.requests) == fetched  # the report was not fetched again
    claim = (await client.get(f"/v1/claims/{second['id']}")).json()
    assert claim["state"] == "unverified"
    assert claim["suggested_state"] == "corroborated" and claim["suggested_from_claim_id"] == first["id"]
    [reused] = claim["evidence"]
    assert reused["url"] == web.url("/report")
    assert any(s["kind"] == "reused" and s["claim_id"] == first["id"] for s in reused["signals"])
    related = (await client.get(f"/v1/claims/{second['id']}/related")).json()["items"]
    assert [(r["claim_id"], r["verdict"]["state"]) for r in related] == [(first["id"], "corroborated")]
