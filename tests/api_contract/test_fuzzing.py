"""Schemathesis over the whole OpenAPI document, against the live server, as an admin and as a CSM.

Every operation (the JSON API and the Segment /v1 endpoints) gets schema-valid and schema-breaking
requests; any 5xx, any answer outside the documented status codes, content types or response schemas
fails. Examples are bounded and derandomised, so a run takes the same cases every time.
"""

from __future__ import annotations

import base64
from collections import Counter
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api_contract.conftest import World

EXAMPLES = 5  # per operation, per generation mode, per role, per backend
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
SKIPPED = {
    # The caller revokes their own token mid-run; every later case would answer 401.
    ("DELETE", "/api/v1/tokens/{token_id}"),
}


def _auth(world: World, role: str, path: str) -> dict[str, str]:
    if path.startswith("/v1/"):
        basic = base64.b64encode(f"{world.write_key}:".encode()).decode()
        return {"Authorization": f"Basic {basic}"}
    return world.headers[role]


def _fuzz_operation(
    operation: Any, mode: GenerationMode, headers: dict[str, str], tally: Counter[str]
) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the failing case is printed whole
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        case.headers = {**(case.headers or {}), **headers}
        response = case.call()
        tally["cases"] += 1
        tally["5xx"] += response.status_code >= 500
        tally["2xx"] += response.status_code < 300
        case.validate_response(response, checks=CHECKS)

    run()


def _gist(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return " | ".join(lines[:12])


def _modes(operation: Any) -> list[GenerationMode]:
    has_input = operation.path_parameters or operation.query or operation.body
    # An operation without parameters has nothing to break: Hypothesis would search in vain.
    return [GenerationMode.POSITIVE, GenerationMode.NEGATIVE] if has_input else [GenerationMode.POSITIVE]


# The CSM first: the admin's cases may deactivate or demote any user, the CSM included.
@pytest.mark.parametrize("role", ["csm", "admin"])
def test_no_operation_answers_5xx_or_breaks_its_documented_contract(world: World, role: str) -> None:
    schema = schemathesis.openapi.from_url(f"{world.url}/openapi.json")
    schema.config.base_url = world.url
    tally: Counter[str] = Counter()
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        for mode in _modes(operation):
            try:
                _fuzz_operation(operation, mode, _auth(world, role, operation.path), tally)
            except Unsatisfiable:
                continue  # no schema-breaking value exists (a free-text path parameter)
            except (Exception, BaseExceptionGroup) as exc:  # every operation's failure, then fail once
                failures.append(f"{operation.method.upper()} {operation.path} [{mode}]: {_gist(exc)}")
    print(f"\nschemathesis as {role}: {tally['cases']} cases, {tally['2xx']} 2xx, {tally['5xx']} 5xx")
    assert failures == [], "\n".join(failures)
    assert tally["5xx"] == 0
    assert tally["cases"] > 200 and tally["2xx"] > 50  # the run really exercised the API
