"""Checks: the individual tests a service applies, each implementing one rule.

A rule (``F1``: each intervention is paid by a stream active for its dates that permits it)
is usually applied by several checks (``funding-stream-missing``,
``funding-stream-inactive``, ``funding-category-not-permitted``), each with its own stable
code, default severity and title. The codes are what hosts act on; they never change meaning.
"""

from __future__ import annotations

import enum

import attrs

__all__ = ["Check", "IssueType", "Severity"]


class Severity(enum.Enum):
    """How serious an issue is (FHIR ``IssueSeverity``, without ``fatal``)."""

    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"


class IssueType(enum.Enum):
    """The kind of issue a check reports (FHIR ``IssueType`` codes, for OperationOutcome)."""

    REQUIRED = "required"
    VALUE = "value"
    INVARIANT = "invariant"
    BUSINESS_RULE = "business-rule"
    DUPLICATE = "duplicate"
    NOT_FOUND = "not-found"
    INCOMPLETE = "incomplete"
    INFORMATIONAL = "informational"


@attrs.frozen(kw_only=True)
class Check:
    """One check and what it reports.

    Attributes:
        code: Stable code of the issues it reports (``"goal-target-missing"``).
        rule_id: The rule it applies (an id of :data:`~casemgmt.rules.RULES`).
        severity: Its default severity; a policy may override it.
        title: What it checks, in a short sentence.
        issue_type: The FHIR issue type of what it reports.
    """

    code: str
    rule_id: str
    severity: Severity
    title: str
    issue_type: IssueType = IssueType.BUSINESS_RULE
