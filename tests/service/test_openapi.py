"""`GET /openapi.json` against the live server: a valid OpenAPI 3.1 document that embeds
the event schema of `comity schema`, and schemathesis (property-based requests built
from the document) finds no server error and no answer that breaks the document."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks
from schemathesis.core.result import Err

from comity.events.schema import event_schema
from live import Live, comity

#: Examples per operation and backend: enough to reach every documented status,
#: bounded for CI (PostgreSQL's answers are the same code; fewer there).
EXAMPLES = {"sqlite": 20, "postgres": 8}
#: What the document promises: no server error, and every answer as documented (status,
#: media type, body, headers). Not schemathesis' `positive_data_acceptance`: a
#: schema-valid append is rightly refused when its If-Match is stale (412) or its
#: event_id is taken (422), which no schema can say.
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


def test_the_document_embeds_the_event_schema(live: Live) -> None:
    doc = httpx.get(live.url + "/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    schemas = doc["components"]["schemas"]
    cli = json.loads(comity(live.store, "schema").stdout)
    assert cli == event_schema()
    for name, sub in cli["$defs"].items():
        text = json.dumps(sub).replace("#/$defs/", "#/components/schemas/Event.")
        assert schemas[f"Event.{name}"] == json.loads(text)
    assert len(schemas["Event"]["oneOf"]) == len(cli["$defs"]) or "oneOf" in schemas["Event"]
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            if path.startswith("/v1/"):
                assert {"401", "403"} <= set(operation["responses"]), (method, path)


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_off_schema_answer(
    live: Live, backend: str
) -> None:
    schema = schemathesis.openapi.from_url(live.url + "/openapi.json")
    auth = live.auth("admin")
    checked = 0
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # the document holds an operation schemathesis cannot read
        operation = result.ok()
        if operation.path == "/v1/stream":
            continue  # an endless answer; tests/service/test_stream.py covers it

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES[backend],
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case[Any]) -> None:
            case.call_and_validate(headers=auth, checks=CHECKS)

        check()
        checked += 1
    assert checked >= 14
