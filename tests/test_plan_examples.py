"""The care-plan examples in ``examples/plans/``: a valid and an invalid plan for each of the
three contexts, with the issues each must produce.

``manifest.json`` lists, for every plan, the issues a reviewer expects (severity, code, path),
written by hand from the faults put into the invalid plans; the ``*.outcome.json`` files pin
the full FHIR OperationOutcome the plan produces.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pendulum
import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome

from casemgmt.model import CarePlan, FundingStream, Provider
from casemgmt.policies import programme
from casemgmt.rules import CHECKS
from casemgmt.serialization import from_document, load_json, operation_outcome
from casemgmt.services import PlanValidationReport, validate_plan

PLANS = Path(__file__).resolve().parents[1] / "examples" / "plans"
MANIFEST: list[dict[str, Any]] = json.loads((PLANS / "manifest.json").read_text(encoding="utf-8"))
CASES = [(context, entry) for context in MANIFEST for entry in context["plans"]]


def _validate(context: dict[str, Any], entry: dict[str, Any]) -> PlanValidationReport:
    funding = [
        from_document(FundingStream, d)
        for d in json.loads((PLANS / context["funding"]).read_text(encoding="utf-8"))
    ]
    providers = [
        from_document(Provider, d)
        for d in json.loads((PLANS / context["providers"]).read_text(encoding="utf-8"))
    ]
    plan = load_json(CarePlan, (PLANS / entry["plan"]).read_text(encoding="utf-8"))
    return validate_plan(
        plan,
        funding=funding,
        providers=providers,
        policy=programme(context["programme"]),
        as_of=pendulum.Date.fromisoformat(context["as_of"]),
    )


def test_every_context_has_a_valid_and_an_invalid_plan() -> None:
    contexts = {c["context"] for c in MANIFEST}
    assert contexts == {"personal-injury", "long-term-conditions", "occupational-health"}
    for context in MANIFEST:
        kinds = {Path(e["plan"]).stem for e in context["plans"]}
        assert kinds == {"plan-valid", "plan-invalid"}


@pytest.mark.parametrize(("context", "entry"), CASES, ids=[e["plan"] for _, e in CASES])
def test_example_plan_produces_exactly_the_expected_issues(
    context: dict[str, Any], entry: dict[str, Any]
) -> None:
    report = _validate(context, entry)
    found = [[i.severity.value, i.code, i.path] for i in report.issues]
    assert found == entry["expected"]
    assert report.ok is not any(e[0] == "error" for e in entry["expected"])


@pytest.mark.parametrize(("context", "entry"), CASES, ids=[e["plan"] for _, e in CASES])
def test_example_outcome_is_pinned_and_valid_fhir(
    context: dict[str, Any], entry: dict[str, Any]
) -> None:
    outcome = operation_outcome(_validate(context, entry))
    pinned = json.loads((PLANS / entry["outcome"]).read_text(encoding="utf-8"))
    assert outcome == pinned
    OperationOutcome.model_validate(outcome)


def test_invalid_plans_cover_every_rule_family() -> None:
    rules = {
        code_rule
        for context in MANIFEST
        for entry in context["plans"]
        for code_rule in (_rule_of(e[1]) for e in entry["expected"])
    }
    assert {"P1", "P2", "P3", "P5", "P6", "P7", "P9", "F1", "F2", "F3", "F4", "E8"} <= rules


def _rule_of(code: str) -> str:
    return CHECKS[code].rule_id
