"""The OpenAPI document says what the code checks: the rules FastAPI cannot read from the request models
(If-Match, configured size limits), and integer bounds written exactly."""

from __future__ import annotations

import copy

from fastapi import FastAPI

from shared.config import Settings
from shared.review.transitions import ENTITY_TAG_PATTERN
from shared.validation import MAX_ID


def document_what_code_checks(app: FastAPI, settings: Settings) -> None:
    """What code checks beyond the request models, said in the document too; and integers' bounds kept exact.

    If-Match is declared optional so that its absence is a 428 with advice, not a bare 422: the document says
    it is required, and its form. A text's size limit is configured (FACTCHECK_MAX_BODY_BYTES).
    """
    generate = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            document = generate()
            _require_if_match(document)
            _limit_text_sizes(document["components"]["schemas"], settings.max_body_bytes)
            _exact_integer_bounds(document["components"]["schemas"])
        return app.openapi_schema

    app.openapi = openapi


def _limit_text_sizes(schemas: dict, max_bytes: int) -> None:
    """The limit is in bytes of UTF-8 (413 beyond): more characters than that many bytes is surely over it.
    An article in a webhook delivery (DeliveredArticle) is the same but for that: over the limit, it alone is
    refused, in its result, and the delivery is answered 200."""
    schemas["DeliveredArticle"] = copy.deepcopy(schemas["ArticleCreate"]) | {"title": "DeliveredArticle"}
    for model, field in (("ArticleCreate", "body"), ("ExtractRequest", "text")):
        schemas[model]["properties"][field]["maxLength"] = max_bytes


def _exact_integer_bounds(node: dict | list) -> None:
    """FastAPI writes the bounds of a model's fields as floats, and MAX_ID (2**63 - 1) becomes
    9.223372036854776e+18, which is 2**63: a number no id may be. The bounds of integers, as integers."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            for key in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                if isinstance(node.get(key), float):
                    node[key] = MAX_ID if node[key] == float(MAX_ID) else int(node[key])
        children = node.values()
    else:
        children = node
    for child in children:
        if isinstance(child, dict | list):
            _exact_integer_bounds(child)


def _require_if_match(document: dict) -> None:
    for operation in (op for path in document["paths"].values() for op in path.values()):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "header" and parameter["name"] == "if-match":
                parameter["required"] = True
                parameter["schema"] = {"type": "string", "pattern": ENTITY_TAG_PATTERN, "title": "If-Match"}
