"""Assessments (A1-A4): domains, findings and their invariants."""

# Test names carry the DOMAIN.md rule ids (C6, P1, ...) in their own case.
# ruff: noqa: N802

from __future__ import annotations

from typing import Any

import pytest
from _model_builders import (
    NOT_DATE_IDS,
    NOT_DATES,
    assert_rejected,
    found,
    invariant_error,
    make_assessment,
    make_finding,
)
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.model import (
    AssessmentDomain,
    AssessmentId,
    AssessmentKind,
    ContactMode,
    NeedLevel,
)


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"domain": "mobility"}, "domain"),
        ({"need": "high"}, "need"),
        ({"need": None}, "need"),
        ({"summary": None}, "summary"),
    ],
)
def test_domain_finding_types(overrides: dict[str, Any], path: str) -> None:
    assert_rejected(lambda: make_finding(**overrides), "DomainFinding", path)


def test_domain_finding_summary_hidden() -> None:
    finding = make_finding(summary="Falls twice a week at night")
    assert "Falls" not in repr(finding)


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"id": AssessmentId("A 1")}, "id", "bad_id"),
        (
            {"findings": (make_finding(), make_finding(need=NeedLevel.LOW))},
            "findings[1].domain",
            "duplicate",
        ),
        ({"client_id": None}, "client_id", "wrong_type"),
        ({"kind": "initial"}, "kind", "wrong_type"),
        ({"contact_mode": "video"}, "contact_mode", "wrong_type"),
        ({"findings": [make_finding()]}, "findings", "wrong_type"),
        ({"findings": (AssessmentDomain.MOBILITY,)}, "findings", "wrong_type"),
        ({"performed_by": 1}, "performed_by", "wrong_type"),
    ],
)
def test_assessment_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_assessment(**overrides), "Assessment", path, code)


@pytest.mark.parametrize("value", NOT_DATES, ids=NOT_DATE_IDS)
def test_assessment_date_must_be_a_pendulum_date(value: Any) -> None:
    assert_rejected(lambda: make_assessment(performed_on=value), "Assessment", "performed_on")


def test_assessment_reports_every_broken_invariant() -> None:
    findings = (
        make_finding(),
        make_finding(domain=AssessmentDomain.CARER_WELLBEING),
        make_finding(),
        make_finding(domain=AssessmentDomain.CARER_WELLBEING),
        make_finding(),
    )
    error = invariant_error(lambda: make_assessment(id=AssessmentId(""), findings=findings))
    assert found(error) == {
        ("id", "bad_id"),
        ("findings[2].domain", "duplicate"),
        ("findings[3].domain", "duplicate"),
        ("findings[4].domain", "duplicate"),
    }


@pytest.mark.rule("A1")
def test_missing_domains_and_need_in_A1() -> None:
    """A1: the assessment domains, including the carer's own well-being."""
    assessment = make_assessment()
    assert assessment.need_in(AssessmentDomain.MOBILITY) is NeedLevel.HIGH
    assert assessment.need_in(AssessmentDomain.CARER_WELLBEING) is None
    assert AssessmentDomain.MOBILITY not in assessment.missing_domains()
    assert len(assessment.missing_domains()) == len(AssessmentDomain) - 1
    assert len(AssessmentDomain) == 12


def test_add_finding() -> None:
    assessment = make_assessment()
    more = assessment.add_finding(
        make_finding(domain=AssessmentDomain.CARER_WELLBEING, need=NeedLevel.MODERATE)
    )
    assert more.need_in(AssessmentDomain.CARER_WELLBEING) is NeedLevel.MODERATE
    assert assessment.need_in(AssessmentDomain.CARER_WELLBEING) is None
    assert_rejected(
        lambda: assessment.add_finding(make_finding(need=NeedLevel.NONE)),
        "Assessment",
        "findings[1].domain",
        "duplicate",
    )


@pytest.mark.rule("A1")
@given(
    domains=st.lists(st.sampled_from(AssessmentDomain), unique=True),
    need=st.sampled_from(NeedLevel),
    kind=st.sampled_from(AssessmentKind),
    mode=st.sampled_from(ContactMode),
)
def test_findings_with_distinct_domains_are_accepted(
    domains: list[AssessmentDomain], need: NeedLevel, kind: AssessmentKind, mode: ContactMode
) -> None:
    assessment = make_assessment(
        kind=kind,
        contact_mode=mode,
        findings=tuple(make_finding(domain=d, need=need) for d in domains),
    )
    assert assessment.missing_domains() == frozenset(AssessmentDomain) - set(domains)
    for domain in AssessmentDomain:
        assert assessment.need_in(domain) == (need if domain in domains else None)
