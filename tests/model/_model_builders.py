"""Small builders of valid model objects for the model tests.

Every ``make_*`` function builds a valid object from defaults, with keyword ``overrides``
replacing fields; passing a bad value makes the constructor raise. ``overrides`` are typed
``Any`` on purpose: the invariant tests smuggle in values of the wrong type.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pendulum
import pytest
from hypothesis import strategies as st

from casemgmt.errors import InvariantError
from casemgmt.model import (
    ActorId,
    AgreementParty,
    Assessment,
    AssessmentDomain,
    AssessmentId,
    AssessmentKind,
    CarePlan,
    CarePlanId,
    CarePlanStatus,
    Carer,
    CarerId,
    Case,
    CaseId,
    CaseManager,
    CaseManagerId,
    CaseRecord,
    CaseStatus,
    Client,
    ClientAgreement,
    ClientId,
    Closure,
    ClosureReason,
    Condition,
    ConditionCategory,
    Consent,
    ConsentDecision,
    ConsentScope,
    ContactMode,
    DateRange,
    Discipline,
    DomainFinding,
    Employment,
    EmploymentStatus,
    Frequency,
    FrequencyUnit,
    FundingStream,
    FundingStreamId,
    FundingStreamKind,
    GasScale,
    Goal,
    GoalDomain,
    GoalId,
    Intervention,
    InterventionCategory,
    InterventionId,
    Money,
    NeedLevel,
    OnwardReferral,
    PersonName,
    Profession,
    Provider,
    ProviderId,
    ProviderKind,
    Referral,
    ReferralId,
    ReferralSource,
    ReferralSourceId,
    ReferralSourceKind,
    Registration,
    Regulator,
    RiskInputs,
    SicknessAbsence,
    SpendApproval,
)

VALID_NHS = "9434765919"
CLIENT_ID = ClientId("CL-1")
MANAGER_ID = CaseManagerId("CM-1")
SOURCE_ID = ReferralSourceId("RS-1")
PROVIDER_ID = ProviderId("PR-1")
STREAM_ID = FundingStreamId("FS-1")
PLAN_ID = CarePlanId("CP-1")
GOAL_ID = GoalId("G1")
BY = ActorId("tester")
"""Who makes the changes in the model tests."""
AT = pendulum.datetime(2026, 1, 5, 9, tz="Europe/London")
"""When the first change of a test is made; later ones are later (see :func:`later`)."""


def day(year: int, month: int, dom: int) -> pendulum.Date:
    """A pendulum calendar day."""
    return pendulum.date(year, month, dom)


def later(hours: int) -> pendulum.DateTime:
    """An instant ``hours`` after :data:`AT`: a case's history runs forward in time."""
    return AT.add(hours=hours)


def gbp(amount: str) -> Money:
    """Pounds sterling."""
    return Money.gbp(amount)


# ---------------------------------------------------------------------------------------------
# Checking InvariantErrors


def invariant_error(build: Callable[[], object]) -> InvariantError:
    """Run ``build`` and return the :class:`InvariantError` it must raise."""
    with pytest.raises(InvariantError) as info:
        build()
    return info.value


def found(error: InvariantError) -> set[tuple[str, str]]:
    """The ``(path, code)`` pairs of every problem of ``error``."""
    return {(p.path, p.code) for p in error.problems}


def assert_rejected(
    build: Callable[[], object], entity: str, path: str, code: str = "wrong_type"
) -> InvariantError:
    """Assert that ``build`` raises an InvariantError of ``entity`` reporting ``path``/``code``."""
    error = invariant_error(build)
    assert error.entity == entity
    assert (path, code) in found(error), error.problems
    for p in error.problems:
        assert p.message
        assert str(p).startswith(f"{p.path}: ")
    return error


# Values of the wrong type that a date field must refuse: a string, a stdlib date, a pendulum
# DateTime (a subclass of Date), a naive DateTime and a stdlib datetime.
NOT_DATES: list[Any] = [
    "2026-01-01",
    dt.date(2026, 1, 1),
    pendulum.datetime(2026, 1, 1, tz="UTC"),
    pendulum.naive(2026, 1, 1),
    dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    20260101,
]
NOT_DATE_IDS = ["str", "stdlib-date", "pendulum-datetime", "naive-datetime", "stdlib-dt", "int"]


# ---------------------------------------------------------------------------------------------
# Values


def make_date_range(**overrides: Any) -> DateRange:
    fields: dict[str, Any] = {"start": day(2026, 1, 1), "end": day(2026, 12, 31)}
    return DateRange(**{**fields, **overrides})


def make_frequency(**overrides: Any) -> Frequency:
    fields: dict[str, Any] = {"count": 2, "unit": FrequencyUnit.WEEK}
    return Frequency(**{**fields, **overrides})


def make_name(**overrides: Any) -> PersonName:
    fields: dict[str, Any] = {"given": "Ada", "family": "Lovelace"}
    return PersonName(**{**fields, **overrides})


def make_registration(**overrides: Any) -> Registration:
    fields: dict[str, Any] = {"body": Regulator.HCPC, "number": "OT12345"}
    return Registration(**{**fields, **overrides})


# ---------------------------------------------------------------------------------------------
# Client


def make_condition(**overrides: Any) -> Condition:
    fields: dict[str, Any] = {
        "category": ConditionCategory.BRAIN_INJURY,
        "long_term": True,
        "label": "Traumatic brain injury",
        "onset": day(2020, 5, 1),
    }
    return Condition(**{**fields, **overrides})


def make_carer(**overrides: Any) -> Carer:
    fields: dict[str, Any] = {"id": CarerId("CR-1"), "relationship": "daughter"}
    return Carer(**{**fields, **overrides})


def make_consent(**overrides: Any) -> Consent:
    fields: dict[str, Any] = {
        "scope": ConsentScope.CASE_MANAGEMENT,
        "decision": ConsentDecision.PERMIT,
        "recorded_on": day(2026, 1, 10),
    }
    return Consent(**{**fields, **overrides})


def make_risk(**overrides: Any) -> RiskInputs:
    fields: dict[str, Any] = {"predicted_risk": 0.42, "scored_on": day(2026, 1, 1)}
    return RiskInputs(**{**fields, **overrides})


def make_absence(**overrides: Any) -> SicknessAbsence:
    fields: dict[str, Any] = {
        "started_on": day(2026, 1, 5),
        "ended_on": day(2026, 2, 5),
        "working_days_lost": 22,
    }
    return SicknessAbsence(**{**fields, **overrides})


def make_employment(**overrides: Any) -> Employment:
    fields: dict[str, Any] = {"status": EmploymentStatus.EMPLOYED, "employer": "Acme Ltd"}
    return Employment(**{**fields, **overrides})


def make_client(**overrides: Any) -> Client:
    fields: dict[str, Any] = {
        "id": CLIENT_ID,
        "name": make_name(),
        "date_of_birth": day(1950, 6, 1),
    }
    return Client(**{**fields, **overrides})


# ---------------------------------------------------------------------------------------------
# Referrals


def make_source(**overrides: Any) -> ReferralSource:
    fields: dict[str, Any] = {
        "id": SOURCE_ID,
        "kind": ReferralSourceKind.GP_OR_CLINICIAN,
        "organisation": "Castlefields Health Centre",
    }
    return ReferralSource(**{**fields, **overrides})


def make_referral(**overrides: Any) -> Referral:
    fields: dict[str, Any] = {
        "id": ReferralId("RF-1"),
        "client_id": CLIENT_ID,
        "source_id": SOURCE_ID,
        "received_on": day(2026, 1, 5),
        "reason": "Two emergency admissions in six months",
    }
    return Referral(**{**fields, **overrides})


# ---------------------------------------------------------------------------------------------
# Workforce and funding


def make_case_manager(**overrides: Any) -> CaseManager:
    fields: dict[str, Any] = {
        "id": MANAGER_ID,
        "name": make_name(given="Grace", family="Hopper"),
        "profession": Profession.OCCUPATIONAL_THERAPIST,
        "registration": make_registration(),
    }
    return CaseManager(**{**fields, **overrides})


def make_provider(**overrides: Any) -> Provider:
    fields: dict[str, Any] = {
        "id": PROVIDER_ID,
        "name": "Northside Physio",
        "kind": ProviderKind.THERAPY_PRACTICE,
        "disciplines": frozenset({Discipline.PHYSIOTHERAPY}),
        "registrations": (make_registration(number="PH1"),),
    }
    return Provider(**{**fields, **overrides})


def make_funding_stream(**overrides: Any) -> FundingStream:
    fields: dict[str, Any] = {
        "id": STREAM_ID,
        "name": "Interim payment",
        "kind": FundingStreamKind.COURT_INTERIM_PAYMENT,
        "valid": make_date_range(),
        "permitted_categories": frozenset({InterventionCategory.THERAPY}),
        "budget_per_period": gbp("500"),
        "total_budget": gbp("20000"),
        "spend_authority_per_week": gbp("200"),
    }
    return FundingStream(**{**fields, **overrides})


# ---------------------------------------------------------------------------------------------
# Plans


def make_gas(**overrides: Any) -> GasScale:
    fields: dict[str, Any] = {
        "much_less": "Cannot leave the house",
        "somewhat_less": "Walks to the gate",
        "expected": "Walks to the corner shop",
        "somewhat_more": "Walks to the park",
        "much_more": "Walks into town",
    }
    return GasScale(**{**fields, **overrides})


def make_goal(**overrides: Any) -> Goal:
    fields: dict[str, Any] = {
        "id": GOAL_ID,
        "description": "Walk to the corner shop",
        "domain": GoalDomain.INDEPENDENCE,
        "start": day(2026, 1, 5),
        "target": "Walks 400 m with a stick",
        "due": day(2026, 4, 5),
    }
    return Goal(**{**fields, **overrides})


def make_approval(**overrides: Any) -> SpendApproval:
    fields: dict[str, Any] = {"approved_by": "Panel", "approved_on": day(2026, 1, 6)}
    return SpendApproval(**{**fields, **overrides})


def make_intervention(**overrides: Any) -> Intervention:
    fields: dict[str, Any] = {
        "id": InterventionId("IV-1"),
        "category": InterventionCategory.THERAPY,
        "discipline": Discipline.PHYSIOTHERAPY,
        "description": "Gait training",
        "provider_id": PROVIDER_ID,
        "goal_ids": frozenset({GOAL_ID}),
        "start": day(2026, 1, 12),
        "unit_cost": gbp("60"),
        "frequency": make_frequency(),
        "end": day(2026, 4, 5),
        "funding_stream_id": STREAM_ID,
    }
    return Intervention(**{**fields, **overrides})


def make_agreement(**overrides: Any) -> ClientAgreement:
    fields: dict[str, Any] = {
        "agreed_at": pendulum.datetime(2026, 1, 8, 14, 0, tz="Europe/London"),
        "agreed_by": AgreementParty.CLIENT,
    }
    return ClientAgreement(**{**fields, **overrides})


def make_onward_referral(**overrides: Any) -> OnwardReferral:
    fields: dict[str, Any] = {
        "to": "Wheelchair service",
        "sent_on": day(2026, 1, 9),
        "goal_ids": frozenset({GOAL_ID}),
    }
    return OnwardReferral(**{**fields, **overrides})


def make_plan(**overrides: Any) -> CarePlan:
    fields: dict[str, Any] = {
        "id": PLAN_ID,
        "client_id": CLIENT_ID,
        "version": 1,
        "status": CarePlanStatus.DRAFT,
        "period": make_date_range(start=day(2026, 1, 5), end=day(2026, 7, 5)),
        "created_on": day(2026, 1, 5),
        "goals": (make_goal(),),
        "interventions": (make_intervention(),),
    }
    return CarePlan(**{**fields, **overrides})


# ---------------------------------------------------------------------------------------------
# Assessments and cases


def make_finding(**overrides: Any) -> DomainFinding:
    fields: dict[str, Any] = {"domain": AssessmentDomain.MOBILITY, "need": NeedLevel.HIGH}
    return DomainFinding(**{**fields, **overrides})


def make_assessment(**overrides: Any) -> Assessment:
    fields: dict[str, Any] = {
        "id": AssessmentId("AS-1"),
        "client_id": CLIENT_ID,
        "kind": AssessmentKind.INITIAL_NEEDS_ASSESSMENT,
        "performed_on": day(2026, 1, 7),
        "contact_mode": ContactMode.FACE_TO_FACE,
        "findings": (make_finding(),),
        "performed_by": MANAGER_ID,
    }
    return Assessment(**{**fields, **overrides})


def make_case(**overrides: Any) -> Case:
    fields: dict[str, Any] = {
        "id": CaseId("CS-1"),
        "client_id": CLIENT_ID,
        "programme": "Castlefields",
        "status": CaseStatus.ACTIVE,
        "opened_on": day(2026, 1, 6),
        "referrals": (make_referral().accept(day(2026, 1, 6)),),
        "manager_id": MANAGER_ID,
    }
    return Case(**{**fields, **overrides})


def make_closure(**overrides: Any) -> Closure:
    fields: dict[str, Any] = {"reason": ClosureReason.GOALS_ACHIEVED}
    return Closure(**{**fields, **overrides})


def make_record(**overrides: Any) -> CaseRecord:
    fields: dict[str, Any] = {
        "case": make_case(assessments=(make_assessment(),), plans=(make_plan(),)),
        "client": make_client(),
        "referral_sources": (make_source(),),
        "case_managers": (make_case_manager(),),
        "providers": (make_provider(),),
        "funding_streams": (make_funding_stream(),),
    }
    return CaseRecord(**{**fields, **overrides})


# ---------------------------------------------------------------------------------------------
# Hypothesis strategies (local, so the core tests do not depend on casemgmt.testing)


def to_pendulum(value: dt.date) -> pendulum.Date:
    return pendulum.date(value.year, value.month, value.day)


def dates(
    min_value: dt.date = dt.date(1900, 1, 1), max_value: dt.date = dt.date(2100, 12, 31)
) -> st.SearchStrategy[pendulum.Date]:
    """Pendulum calendar days."""
    return st.dates(min_value=min_value, max_value=max_value).map(to_pendulum)


@st.composite
def date_ranges(draw: st.DrawFn) -> DateRange:
    """Closed or open-ended ranges in a small window, so that they often meet."""
    start = draw(dates(dt.date(2026, 1, 1), dt.date(2026, 3, 31)))
    length = draw(st.none() | st.integers(min_value=0, max_value=60))
    end = None if length is None else start.add(days=length)
    return DateRange(start=start, end=end)
