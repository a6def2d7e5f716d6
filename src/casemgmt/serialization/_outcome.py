"""Plan validation reports as FHIR R4 ``OperationOutcome`` resources (JSON-ready dicts).

The mapping is one-to-one:

====================================  ==============================================
:class:`~casemgmt.services.Issue`      ``OperationOutcome.issue``
====================================  ==============================================
``severity``                          ``severity`` (``error``, ``warning``, ``information``)
the check's issue type                ``code`` (FHIR ``IssueType``: ``required`` ...)
``code``                              ``details.coding[0]`` (system :data:`CHECK_SYSTEM`)
``rule_id``                           ``details.coding[1]`` (system :data:`RULE_SYSTEM`)
``message``                           ``details.text``
the rule's title and citation         ``diagnostics``
``paths``                             ``expression``: each JSON path without its ``$.``
====================================  ==============================================

The report's plan id, version and day go in extensions of the resource. FHIR requires at
least one issue, so a report with none becomes one ``information`` issue saying so.
"""

from __future__ import annotations

from typing import Any

from casemgmt.rules import CHECKS, RULES
from casemgmt.services import Issue, PlanValidationReport

__all__ = ["CHECK_SYSTEM", "EXTENSION_BASE", "RULE_SYSTEM", "operation_outcome"]

CHECK_SYSTEM = "https://w3id.org/casemgmt/CodeSystem/check"
"""The code system of check codes (``goal-target-missing`` ...)."""

RULE_SYSTEM = "https://w3id.org/casemgmt/CodeSystem/rule"
"""The code system of rule ids (``P6`` ...)."""

EXTENSION_BASE = "https://w3id.org/casemgmt/StructureDefinition/"
"""Prefix of the extension URLs naming the plan validated (``plan-id``, ``plan-version``,
``as-of``)."""


def _expression(path: str) -> str:
    # A JSON path of ours ($.goals[2].target) is a FHIRPath on the same document once the
    # root marker goes: both index from 0.
    return path[2:] if path.startswith("$.") else path.lstrip("$") or "$this"


def _issue(issue: Issue) -> dict[str, Any]:
    check = CHECKS[issue.code]
    rule = RULES[issue.rule_id]
    return {
        "severity": issue.severity.value,
        "code": check.issue_type.value,
        "details": {
            "coding": [
                {"system": CHECK_SYSTEM, "code": issue.code, "display": check.title},
                {"system": RULE_SYSTEM, "code": rule.id, "display": rule.title},
            ],
            "text": issue.message,
        },
        "diagnostics": f"Rule {rule.id} ({rule.title}). Source: {rule.citation}",
        "expression": [_expression(p) for p in issue.paths],
    }


def operation_outcome(report: PlanValidationReport) -> dict[str, Any]:
    """The report as a FHIR R4 ``OperationOutcome`` (a dict ready for ``json.dumps``).

    >>> import pendulum
    >>> from casemgmt.model import CarePlanId
    >>> report = PlanValidationReport(
    ...     plan_id=CarePlanId("CP1"), plan_version=2, as_of=pendulum.Date(2026, 5, 1), issues=()
    ... )
    >>> outcome = operation_outcome(report)
    >>> outcome["resourceType"], outcome["issue"][0]["code"]
    ('OperationOutcome', 'informational')
    """
    issues = [_issue(i) for i in report.issues] or [
        {
            "severity": "information",
            "code": "informational",
            "details": {"text": "no issues found"},
        }
    ]
    return {
        "resourceType": "OperationOutcome",
        "extension": [
            {"url": EXTENSION_BASE + "plan-id", "valueString": str(report.plan_id)},
            {"url": EXTENSION_BASE + "plan-version", "valueInteger": report.plan_version},
            {"url": EXTENSION_BASE + "as-of", "valueDate": report.as_of.isoformat()},
        ],
        "issue": issues,
    }
