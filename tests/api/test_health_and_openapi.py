"""Health, readiness, and an OpenAPI document that declares every error an endpoint can return."""

from __future__ import annotations

import httpx

from shared.claims import model
from shared.config import Settings
from shared.embedded import free_port
from shared.integrations.registry import EVENT_TYPES
from shared.validation import HTTP_URL_PATTERN, MAX_ID, MOMENT_PATTERN
from tests.support.services import api_server


async def test_health_and_ready(client):
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


def test_not_ready_when_redis_is_unreachable(settings):
    unreachable = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    with api_server(unreachable) as url:
        response = httpx.get(f"{url}/readyz", timeout=10)
    assert response.status_code == 503
    assert response.json()["error"] == "not_ready" and "redis unreachable" in response.json()["detail"]


def test_the_api_reads_the_claim_weights_as_it_starts_not_with_the_first_article(settings):
    model.shipped.cache_clear()  # as in a new process
    with api_server(settings):
        assert model.shipped.cache_info().currsize == 1  # before any request


async def test_every_operation_declares_its_errors_in_the_one_shape(client):
    spec = (await client.get("/openapi.json")).json()
    assert spec["components"]["schemas"]["ErrorBody"]["required"] == ["error", "detail"]
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            has_input = operation.get("parameters") or operation.get("requestBody")
            if has_input:
                assert "422" in operation["responses"], (method, path)
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/ErrorBody"}, (method, path, status)


def test_app_refuses_to_start_without_servers():
    import pytest

    from services.api.app import create_app

    with pytest.raises(RuntimeError, match="FACTCHECK_DATABASE_URL"):
        create_app(Settings(database_url=None, redis_url=None, _env_file=None))


async def test_the_document_says_if_match_is_required(client):
    spec = (await client.get("/openapi.json")).json()
    operation = spec["paths"]["/v1/claims/{claim_id}/transitions"]["post"]
    header = next(p for p in operation["parameters"] if p["name"] == "if-match")
    assert header["required"] is True and header["schema"]["type"] == "string"


async def test_a_method_not_allowed_names_every_method_of_the_path(client):
    response = await client.request("OPTIONS", "/v1/integrations")  # GET and POST are two routes
    assert response.status_code == 405 and response.json()["error"] == "method_not_allowed"
    assert response.headers["Allow"] == "GET, POST"


async def test_the_document_states_what_the_code_checks(client, settings):
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    article = schemas["ArticleCreate"]["properties"]
    assert article["body"]["maxLength"] == settings.max_body_bytes  # the configured limit
    assert "maxLength" not in schemas["DeliveredArticle"]["properties"]["body"]  # refused alone, in its result
    assert article["url"]["anyOf"][0]["pattern"] == HTTP_URL_PATTERN
    assert {"pattern", "minLength", "maxLength"} <= set(article["title"])
    assert article["published_at"]["anyOf"][0]["pattern"] == MOMENT_PATTERN
    assert schemas["IntegrationCreate"]["properties"]["event_types"]["items"]["enum"] == list(EVENT_TYPES)
    evidence_id = schemas["TransitionCreate"]["properties"]["evidence_ids"]["items"]
    assert evidence_id["maximum"] == MAX_ID and isinstance(evidence_id["maximum"], int)  # not 2**63 as a float
