"""Per key and per integration, counted in Redis: across API processes, 429 with Retry-After past the limit."""

from __future__ import annotations

import httpx

from tests.support.rate_window import clear_of_a_minute_boundary
from tests.support.services import api_server


async def test_a_key_over_its_rate_gets_429_across_processes_and_health_is_exempt(settings, db, keys):
    limited = settings.model_copy(update={"rate_limit_per_minute": 5})
    auth = {"Authorization": f"Bearer {keys['reviewer']}"}
    with api_server(limited) as first, api_server(limited) as second:  # two API processes, one Redis
        async with httpx.AsyncClient(timeout=30, headers=auth) as http:
            await clear_of_a_minute_boundary()
            answers = [await http.get(f"{(first, second)[n % 2]}/v1/claims") for n in range(6)]
            assert [a.status_code for a in answers] == [200] * 5 + [429]
            refused = answers[-1]
            assert refused.json()["error"] == "rate_limited" and 1 <= int(refused.headers["Retry-After"]) <= 61
            other = await http.get(f"{first}/v1/claims", headers={"Authorization": f"Bearer {keys['editor']}"})
            assert other.status_code == 200  # another key has its own count
            assert (await http.get(f"{second}/healthz")).status_code == 200
            assert (await http.get(f"{second}/readyz")).status_code == 200


async def test_no_limit_when_set_to_zero(settings, db, keys):
    unlimited = settings.model_copy(update={"rate_limit_per_minute": 0})
    with api_server(unlimited) as api:
        async with httpx.AsyncClient(timeout=30, headers={"Authorization": f"Bearer {keys['reviewer']}"}) as http:
            assert {(await http.get(f"{api}/v1/claims")).status_code for _ in range(20)} == {200}
