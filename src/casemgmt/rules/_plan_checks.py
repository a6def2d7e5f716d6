"""The checks of care-plan validation, each applying one rule of the catalogue."""

from __future__ import annotations

import types
from collections.abc import Mapping

from casemgmt.rules._checks import Check, IssueType, Severity

__all__ = ["CHECKS"]

_E, _W, _I = Severity.ERROR, Severity.WARNING, Severity.INFORMATION

_PLAN_CHECKS = (
    # P1: agreement
    Check(
        code="agreement-missing",
        rule_id="P1",
        severity=_E,
        title="A plan in force (active, on hold or completed) records the client's agreement.",
        issue_type=IssueType.REQUIRED,
    ),
    Check(
        code="agreement-pending",
        rule_id="P1",
        severity=_I,
        title="A draft plan is agreed with the client before it is activated.",
        issue_type=IssueType.INCOMPLETE,
    ),
    Check(
        code="agreement-after-as-of",
        rule_id="P1",
        severity=_E,
        title="The recorded agreement is not later than the day of validation.",
        issue_type=IssueType.VALUE,
    ),
    # P2: every service with its frequency and duration
    Check(
        code="intervention-frequency-missing",
        rule_id="P2",
        severity=_E,
        title="Every intervention states how often it happens.",
        issue_type=IssueType.REQUIRED,
    ),
    Check(
        code="intervention-end-missing",
        rule_id="P2",
        severity=_E,
        title="Every intervention states how long it lasts (its end date).",
        issue_type=IssueType.REQUIRED,
    ),
    Check(
        code="intervention-outside-plan-period",
        rule_id="P2",
        severity=_W,
        title="Every intervention runs within the plan's period.",
        issue_type=IssueType.VALUE,
    ),
    # P3: a live document, reviewed
    Check(
        code="review-date-missing",
        rule_id="P3",
        severity=_E,
        title="A plan that is not finished has its next review date set.",
        issue_type=IssueType.REQUIRED,
    ),
    Check(
        code="review-overdue",
        rule_id="P3",
        severity=_W,
        title="The next review date has not passed.",
        issue_type=IssueType.BUSINESS_RULE,
    ),
    # P4 and P8: aligned goals, self-care
    Check(
        code="intervention-without-goal",
        rule_id="P4",
        severity=_E,
        title="Every intervention serves at least one goal of the plan.",
        issue_type=IssueType.REQUIRED,
    ),
    Check(
        code="intervention-serves-closed-goal",
        rule_id="P4",
        severity=_W,
        title="A live intervention serves at least one goal still being pursued.",
        issue_type=IssueType.BUSINESS_RULE,
    ),
    Check(
        code="goal-unserved",
        rule_id="P4",
        severity=_E,
        title=(
            "Every goal being pursued is served by a live intervention or an onward referral,"
            " or is explicitly self-managed (P8)."
        ),
        issue_type=IssueType.BUSINESS_RULE,
    ),
    # P5: onward referrals tracked
    Check(
        code="onward-referral-unacknowledged",
        rule_id="P5",
        severity=_W,
        title="An onward referral is acknowledged within the policy's window.",
        issue_type=IssueType.INCOMPLETE,
    ),
    # P6: clear goals
    Check(
        code="goal-target-missing",
        rule_id="P6",
        severity=_E,
        title="Every goal being pursued states a measurable target.",
        issue_type=IssueType.REQUIRED,
    ),
    Check(
        code="goal-due-missing",
        rule_id="P6",
        severity=_E,
        title="Every goal being pursued has a due date.",
        issue_type=IssueType.REQUIRED,
    ),
    Check(
        code="goal-due-outside-plan",
        rule_id="P6",
        severity=_E,
        title="A goal's due date falls inside the plan's period.",
        issue_type=IssueType.VALUE,
    ),
    Check(
        code="goal-due-passed",
        rule_id="P6",
        severity=_E,
        title="A goal being pursued is not due before the day of validation.",
        issue_type=IssueType.BUSINESS_RULE,
    ),
    # P7: goals span the client's life, employment in vocational programmes
    Check(
        code="vocational-goal-missing",
        rule_id="P7",
        severity=_E,
        title="Where the programme requires it, a goal covers employment or education.",
        issue_type=IssueType.BUSINESS_RULE,
    ),
    # P9: third-party therapists
    Check(
        code="provider-unknown",
        rule_id="P9",
        severity=_E,
        title="Every intervention's provider is among the providers supplied.",
        issue_type=IssueType.NOT_FOUND,
    ),
    Check(
        code="provider-discipline-mismatch",
        rule_id="P9",
        severity=_E,
        title="The provider delivers the intervention's discipline.",
        issue_type=IssueType.BUSINESS_RULE,
    ),
    Check(
        code="provider-registration-missing",
        rule_id="P9",
        severity=_E,
        title=(
            "For a regulated discipline the provider is registered with its regulator"
            " (a physiotherapist with the HCPC, a nurse with the NMC)."
        ),
        issue_type=IssueType.BUSINESS_RULE,
    ),
    Check(
        code="provider-registration-unchecked",
        rule_id="P9",
        severity=_I,
        title="Providers were not supplied, so registrations were not checked.",
        issue_type=IssueType.INFORMATIONAL,
    ),
    # F1: paid by a stream active for its dates that permits it
    Check(
        code="intervention-unfunded",
        rule_id="F1",
        severity=_E,
        title="Every intervention names the funding stream that pays for it.",
        issue_type=IssueType.REQUIRED,
    ),
    Check(
        code="funding-stream-unknown",
        rule_id="F1",
        severity=_E,
        title="The intervention's funding stream is among the streams supplied.",
        issue_type=IssueType.NOT_FOUND,
    ),
    Check(
        code="funding-stream-inactive",
        rule_id="F1",
        severity=_E,
        title="The funding stream is active on every day of the intervention.",
        issue_type=IssueType.BUSINESS_RULE,
    ),
    Check(
        code="funding-category-not-permitted",
        rule_id="F1",
        severity=_E,
        title="The funding stream pays for the intervention's category.",
        issue_type=IssueType.BUSINESS_RULE,
    ),
    # F2: spend authority
    Check(
        code="spend-approval-missing",
        rule_id="F2",
        severity=_E,
        title="Commitments above the spend authority carry a recorded approval.",
        issue_type=IssueType.BUSINESS_RULE,
    ),
    # F3: direct recruitment needs long-term funding
    Check(
        code="direct-recruitment-short-term-funding",
        rule_id="F3",
        severity=_W,
        title="Directly recruited staff are paid from funding secured for the long term.",
        issue_type=IssueType.BUSINESS_RULE,
    ),
    # F4: within budget
    Check(
        code="funding-currency-mismatch",
        rule_id="F4",
        severity=_E,
        title="The intervention's cost is in its funding stream's currency.",
        issue_type=IssueType.VALUE,
    ),
    Check(
        code="weekly-budget-exceeded",
        rule_id="F4",
        severity=_E,
        title="The weekly commitment on a funding stream stays within its periodic budget.",
        issue_type=IssueType.BUSINESS_RULE,
    ),
    Check(
        code="total-budget-exceeded",
        rule_id="F4",
        severity=_E,
        title="The total commitment on a funding stream stays within its total budget.",
        issue_type=IssueType.BUSINESS_RULE,
    ),
    # E8: duplication
    Check(
        code="duplicate-service",
        rule_id="E8",
        severity=_W,
        title=(
            "The plan does not commission the same kind of service from two providers"
            " over overlapping dates."
        ),
        issue_type=IssueType.DUPLICATE,
    ),
    Check(
        code="duplicate-service-elsewhere",
        rule_id="E8",
        severity=_W,
        title=(
            "The plan does not duplicate a service the client already receives elsewhere"
            " from another provider."
        ),
        issue_type=IssueType.DUPLICATE,
    ),
)

CHECKS: Mapping[str, Check] = types.MappingProxyType({c.code: c for c in _PLAN_CHECKS})
"""Every check, by code."""
