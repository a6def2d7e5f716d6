"""The example case records in ``examples/``: they load, round-trip, and stay realistic.

Each of the three contexts of the domain brief (personal-injury rehabilitation, NHS
long-term conditions, occupational health) has an example, and every example follows the
funding and planning rules a real case would (F1, F2, F4, P1, P4).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from casemgmt.model import (
    AssessmentKind,
    CarePlanStatus,
    CaseManagerTitle,
    CaseRecord,
    CaseStatus,
    FundingStreamKind,
    GoalDomain,
    Money,
    NhsNumber,
    Profession,
    ReferralSourceKind,
    Regulator,
    RehabilitationCodeTrack,
    StaffingModel,
)
from casemgmt.serialization import dump_json, load_json, to_document

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))
EXPECTED = (
    "brain-injury-rehabilitation.json",
    "occupational-health-back-pain.json",
    "virtual-ward-older-person.json",
)


def _load(path: Path) -> CaseRecord:
    return load_json(CaseRecord, path.read_text(encoding="utf-8"))


def _by_name(name: str) -> CaseRecord:
    return _load(EXAMPLES / name)


def _referral_kinds(record: CaseRecord) -> set[ReferralSourceKind]:
    sources = {s.id: s.kind for s in record.referral_sources}
    return {sources[r.source_id] for r in record.case.referrals}


def test_the_three_examples_exist() -> None:
    assert {p.name for p in EXAMPLE_FILES} >= set(EXPECTED)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_example_loads_and_round_trips(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    document = json.loads(text)
    assert document["schema_version"] == 1
    assert document["document_kind"] == "case-record"
    record = load_json(CaseRecord, text)
    assert type(record) is CaseRecord
    again = load_json(CaseRecord, dump_json(record, indent=2))
    assert again == record
    assert to_document(again) == to_document(record)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_example_uses_a_synthetic_nhs_number(path: Path) -> None:
    record = _load(path)
    number = record.client.nhs_number
    assert isinstance(number, NhsNumber)
    # The 999 range is reserved for test data and never issued to a patient.
    assert number.value.startswith("999")


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_example_is_an_active_case_with_an_agreed_active_plan(path: Path) -> None:
    record = _load(path)
    case = record.case
    assert case.status is CaseStatus.ACTIVE
    assert case.opened_on.year == 2026
    assert record.case_manager() is not None
    plan = case.current_plan
    assert plan is not None
    assert plan.status is CarePlanStatus.ACTIVE
    assert plan.agreement is not None  # P1
    assert plan.created_on <= plan.agreement.agreed_on
    assert plan.goals
    assert plan.interventions
    for earlier in case.plans[:-1]:
        assert earlier.status is CarePlanStatus.REVOKED
    first_referral = min(r.received_on for r in case.referrals)
    assert first_referral <= case.opened_on
    for assessment in case.assessments:
        assert assessment.performed_on >= case.opened_on
    assert any(a.kind.value.startswith("initial") for a in case.assessments)  # A2


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_example_interventions_are_funded_and_serve_goals(path: Path) -> None:
    record = _load(path)
    plan = record.case.current_plan
    assert plan is not None
    streams = {s.id: s for s in record.funding_streams}
    for intervention in plan.interventions:
        assert intervention.goal_ids, intervention.id  # P4
        assert intervention.frequency is not None, intervention.id  # P2
        assert intervention.funding_stream_id is not None, intervention.id
        stream = streams[intervention.funding_stream_id]
        assert stream.permits(intervention.category), intervention.id  # F1
        assert stream.valid.covers(intervention.dates), intervention.id  # F1
    for stream_id, weekly in plan.committed_weekly_cost().items():
        assert stream_id is not None
        stream = streams[stream_id]
        assert stream.budget_per_period is not None
        assert weekly <= stream.budget_per_period  # F4 (weekly budgets)
        authority = stream.spend_authority_per_week
        if authority is not None and weekly > authority:  # F2
            assert any(
                i.approval is not None
                for i in plan.interventions
                if i.funding_stream_id == stream_id
            )


def test_brain_injury_example_is_a_rehabilitation_code_case() -> None:
    record = _by_name("brain-injury-rehabilitation.json")
    assert ReferralSourceKind.REHABILITATION_CODE_JOINT in _referral_kinds(record)
    tracks = {r.rehabilitation_code_track for r in record.case.referrals}
    assert RehabilitationCodeTrack.IMMEDIATE_NEEDS_ASSESSMENT in tracks
    kinds = {a.kind for a in record.case.assessments}
    assert AssessmentKind.INITIAL_NEEDS_ASSESSMENT in kinds
    manager = record.case_manager()
    assert manager is not None
    assert manager.profession is Profession.OCCUPATIONAL_THERAPIST
    assert manager.registration is not None
    assert manager.registration.body is Regulator.HCPC
    assert {s.kind for s in record.funding_streams} == {FundingStreamKind.COMPENSATOR}
    plan = record.case.current_plan
    assert plan is not None
    assert {GoalDomain.HEALTH, GoalDomain.INDEPENDENCE, GoalDomain.EMPLOYMENT} <= {
        g.domain for g in plan.goals
    }
    assert any(g.gas is not None for g in plan.goals)
    assert StaffingModel.AGENCY in {i.staffing for i in plan.interventions}
    assert len(record.case.plans) >= 2  # P3: the reviewed plan keeps its earlier version


def test_virtual_ward_example_is_a_long_term_conditions_case() -> None:
    record = _by_name("virtual-ward-older-person.json")
    assert ReferralSourceKind.PREDICTIVE_CASE_FINDING in _referral_kinds(record)
    client = record.client
    assert client.risk.predicted_risk is not None
    assert client.risk.scored_on is not None
    assert client.long_term_condition_count >= 3
    assert client.age_on(record.case.opened_on) >= 80
    assert client.carers
    assert client.carers[0].needs
    manager = record.case_manager()
    assert manager is not None
    assert manager.profession is Profession.NURSE
    assert manager.title is CaseManagerTitle.COMMUNITY_MATRON
    assert manager.prescriber
    authorities = [s.spend_authority_per_week for s in record.funding_streams]
    assert Money.gbp("200") in authorities


def test_occupational_health_example_is_a_return_to_work_case() -> None:
    record = _by_name("occupational-health-back-pain.json")
    assert ReferralSourceKind.EMPLOYER_OCCUPATIONAL_HEALTH in _referral_kinds(record)
    employment = record.client.employment
    assert employment is not None
    assert employment.nhs_employee
    assert employment.absence is not None
    assert {s.kind for s in record.funding_streams} == {FundingStreamKind.EMPLOYER}
    manager = record.case_manager()
    assert manager is not None
    assert manager.profession is Profession.PHYSIOTHERAPIST
    plan = record.case.current_plan
    assert plan is not None
    assert GoalDomain.EMPLOYMENT in {g.domain for g in plan.goals}
