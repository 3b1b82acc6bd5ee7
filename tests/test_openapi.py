"""The OpenAPI document is complete and true: schemathesis generates requests from it against a
real server and fails on any 5xx, an undocumented status, a body or content type that breaks
the document. Valid and invalid requests, ``EXAMPLES`` of each per operation: 400 cases, about
a minute in all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.live_server import ServerSpec, copy_index, live_servers

TOKEN = "openapi-test-token"
EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def base(sample_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    home = copy_index(sample_home, tmp_path_factory.mktemp("openapi") / "index")
    env = {"NEWSRAG_MAX_FILE_BYTES": "200000", "NEWSRAG_MAX_UPLOAD_FILES": "3"}
    with live_servers([ServerSpec(home, TOKEN, env)]) as (url,):
        yield url


@pytest.fixture(scope="module")
def api_schema(base: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{base}/openapi.json")


def test_the_document_declares_every_schema_it_references(base: str) -> None:
    doc = httpx.get(f"{base}/openapi.json").json()
    text = str(doc)
    schemas = doc["components"]["schemas"]
    for name in ("ArticleIn", "ErrorOut", "AskIn", "IngestOut"):
        assert name in schemas and f"#/components/schemas/{name}" in text
    post = doc["paths"]["/api/articles"]["post"]
    assert {"400", "401", "403", "413", "415", "422", "503", "507"} <= set(post["responses"])
    search = {p["name"]: p["schema"] for p in doc["paths"]["/api/search"]["get"]["parameters"]}
    assert search["as_of"]["pattern"] and search["since"]["pattern"]
    key = doc["paths"]["/api/citations/{key}"]["get"]["parameters"][0]
    assert key["name"] == "key" and key["schema"]["pattern"].endswith("[0-9a-f]{8}$")


def _fuzz(operation: object, mode: schemathesis.GenerationMode) -> None:
    @given(case=operation.as_strategy(mode))  # type: ignore[attr-defined]
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)

    run()


@pytest.mark.slow
def test_every_operation_keeps_to_the_document(api_schema: schemathesis.BaseSchema) -> None:
    """Each operation in turn (schemathesis' own pytest plugin does not run on pytest 9)."""
    failures = []
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 10
    for operation in operations:
        for mode in schemathesis.GenerationMode:  # valid requests, then invalid ones
            try:
                _fuzz(operation, mode)
            except Unsatisfiable:  # nothing to make invalid (no parameters, a free path)
                continue
            except Exception as exc:  # collect every operation's first failure
                where = f"{operation.method.upper()} {operation.path} ({mode.value})"
                failures.append(f"{where}: {exc}"[:3000])
    assert not failures, "\n\n".join(failures)
