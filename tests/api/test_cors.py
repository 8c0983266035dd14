"""CORS is closed unless origins are named; a named origin's browser preflight is answered without a key."""

from __future__ import annotations

import httpx

from tests.support.services import api_server

PREFLIGHT = {
    "Origin": "https://cms.example.org",
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type",
}


async def test_closed_by_default_and_open_to_the_origins_named(settings, db, keys):
    with api_server(settings) as closed:
        async with httpx.AsyncClient(base_url=closed) as http:
            answer = await http.options("/v1/articles", headers=PREFLIGHT)
            assert "access-control-allow-origin" not in answer.headers
    named = settings.model_copy(update={"cors_origins": ["https://cms.example.org"]})
    with api_server(named) as open_:
        async with httpx.AsyncClient(base_url=open_) as http:
            answer = await http.options("/v1/articles", headers=PREFLIGHT)
            assert answer.status_code == 200
            assert answer.headers["access-control-allow-origin"] == "https://cms.example.org"
            other = await http.options("/v1/articles", headers=PREFLIGHT | {"Origin": "https://evil.example"})
            assert "access-control-allow-origin" not in other.headers
            read = await http.get(
                "/v1/claims",
                headers={"Origin": "https://cms.example.org", "Authorization": f"Bearer {keys['reviewer']}"},
            )
            assert read.status_code == 200 and read.headers["access-control-allow-origin"] == "https://cms.example.org"
