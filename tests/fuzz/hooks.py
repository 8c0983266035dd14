"""What the fuzzer (tests/fuzz/test_openapi.py) adds to the requests it generates.

An API key, by phase. Boundaries (the coverage phase) and sequences of calls (the stateful phase) are run
with the admin key, which may call every operation and read everything, so that each input reaches the code
behind the role check and a resource made in a sequence can be read back in it. Random inputs (the examples
and fuzzing phases) go out with the key of each role in turn, so that every role's answers are checked too.

Two checks, beside the built-in ones. Valid data may be refused (422) for what is stored or for the time of
day, which no schema can state, and tests/fuzz/schemathesis.toml lets the operations that do so answer 422;
but only for those reasons: any other 422 to valid data is a rule the document does not state. And a 405
names the methods that are allowed.

A signature on webhook deliveries whose headers are well formed, made with the secret of the integration the
test set aside for them (no generated id would find it), so that their bodies are read: an unsigned delivery
is refused before that. Deliveries with missing or malformed headers go out as generated, and are refused.
"""

from __future__ import annotations

import itertools
import os
import re
import time

import requests
import schemathesis
from schemathesis.generation.meta import TestPhase

from shared.integrations.signatures import ID_PATTERN, TIMESTAMP_PATTERN, sign

ADMIN_KEY = os.environ["FACTCHECK_FUZZ_ADMIN_KEY"]
KEY_OF_EACH_ROLE = itertools.cycle(os.environ["FACTCHECK_FUZZ_KEYS"].split(","))
ADMIN_PHASES = frozenset({TestPhase.COVERAGE, TestPhase.STATEFUL})

WEBHOOK_PATH = "/v1/webhooks/{integration_id}/articles"
WEBHOOK_INTEGRATION = int(os.environ["FACTCHECK_FUZZ_WEBHOOK_INTEGRATION"])
WEBHOOK_SECRET = os.environ["FACTCHECK_FUZZ_WEBHOOK_SECRET"]


@schemathesis.auth(refresh_interval=None)
class KeyByPhase:
    def get(self, case, ctx):
        phase = case.meta.phase.name if case.meta is not None else None
        return ADMIN_KEY if phase in ADMIN_PHASES else next(KEY_OF_EACH_ROLE)

    def set(self, case, data, ctx):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


# The refusals of valid data that depend on what is stored or on now: a period over 5 years or backwards,
# evidence not of the claim (or cited by a reopening), an assignee without an active key that may review,
# event types beyond the integration's own, a subscription URL whose host is not public.
STATE_DEPENDENT_REFUSALS = re.compile(
    r"the period may span at most 5 years|must not be after to|not evidence of claim|only a verdict"
    r"|no active key named|event_types must be some of the integration's own|^url: "
)


@schemathesis.check
def valid_data_refused_only_for_what_is_stored(ctx, response, case):
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    detail = response.json().get("detail", "")  # every answer of the API but the CSV and /metrics is JSON
    assert STATE_DEPENDENT_REFUSALS.search(detail), f"Valid data refused, for a rule the document lacks: {detail}"
    return None


@schemathesis.check
def not_allowed_names_the_allowed_methods(ctx, response, case):
    # RFC 9110: a 405 lists the methods the resource supports in Allow; the built-in checks let an empty one by.
    if response.status_code == 405:
        assert ", ".join(response.headers.get("allow", [])).strip(), "405 with an empty Allow header"
    return None


DELIVERY_NUMBERS = itertools.count(1)


class Signature(requests.auth.AuthBase):
    """Signs the request as it is sent, over its exact bytes, timestamped now. Each with an id of its own: a
    delivery whose id was received before is answered as the first one was, whatever its body."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        webhook_id, timestamp = f"msg_fuzz_{next(DELIVERY_NUMBERS)}", int(time.time())
        body = request.body or b""
        body = body.encode() if isinstance(body, str) else body
        request.headers["webhook-id"] = webhook_id
        request.headers["webhook-timestamp"] = str(timestamp)
        request.headers["webhook-signature"] = sign(WEBHOOK_SECRET, webhook_id, timestamp, body)
        return request


def _well_formed(case) -> bool:
    headers = case.headers or {}
    id_ = case.path_parameters.get("integration_id") if case.path_parameters else None
    return (
        str(id_).isdigit()  # a positive number; as text in the coverage phase
        and int(id_) >= 1
        and re.search(ID_PATTERN, str(headers.get("webhook-id", ""))) is not None
        and re.search(TIMESTAMP_PATTERN, str(headers.get("webhook-timestamp", ""))) is not None
        and bool(headers.get("webhook-signature"))
    )


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.operation.path == WEBHOOK_PATH and _well_formed(case):
        case.path_parameters["integration_id"] = WEBHOOK_INTEGRATION
        kwargs["auth"] = Signature()
