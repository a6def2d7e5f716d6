"""The case aggregate (C6, C7, P3, X4) and the self-contained case record."""

# Test names carry the DOMAIN.md rule ids (C6, P1, ...) in their own case.
# ruff: noqa: N802

from __future__ import annotations

from typing import Any

import pendulum
import pytest
from _model_builders import (
    CLIENT_ID,
    MANAGER_ID,
    NOT_DATE_IDS,
    NOT_DATES,
    PROVIDER_ID,
    STREAM_ID,
    assert_rejected,
    day,
    found,
    invariant_error,
    make_agreement,
    make_assessment,
    make_case,
    make_case_manager,
    make_client,
    make_funding_stream,
    make_intervention,
    make_plan,
    make_provider,
    make_record,
    make_referral,
    make_source,
)
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.errors import InvalidTransitionError
from casemgmt.model import (
    AssessmentId,
    AssessmentKind,
    CarePlan,
    CarePlanStatus,
    CaseId,
    CaseManagerId,
    CaseStatus,
    ClientId,
    FundingStreamId,
    InterventionId,
    ProviderId,
    ReferralId,
    ReferralSourceId,
    TeamId,
)

OPEN = [s for s in CaseStatus if s.is_open]
NOT_OPEN = [s for s in CaseStatus if not s.is_open]
OTHER_CLIENT = ClientId("CL-2")


def _active_plan(version: int = 1) -> CarePlan:
    return make_plan(version=version).record_agreement(make_agreement()).activate()


# ---------------------------------------------------------------------------------------------
# Case invariants


def test_open_states() -> None:
    assert set(OPEN) == {
        CaseStatus.ACCEPTED,
        CaseStatus.ASSESSMENT,
        CaseStatus.PLANNING,
        CaseStatus.ACTIVE,
        CaseStatus.ON_HOLD,
        CaseStatus.CLOSING,
    }


@pytest.mark.parametrize("status", OPEN)
def test_open_case_needs_accountable_manager_C6(status: CaseStatus) -> None:
    """C6: every open case has a named accountable case manager."""
    assert_rejected(
        lambda: make_case(status=status, manager_id=None), "Case", "manager_id", "required"
    )
    case = make_case(status=status)
    assert case.is_open
    assert case.manager_id == MANAGER_ID


@pytest.mark.parametrize("status", NOT_OPEN)
def test_case_not_open_needs_no_manager_C6(status: CaseStatus) -> None:
    closed_on = day(2026, 6, 1) if status is CaseStatus.CLOSED else None
    case = make_case(status=status, manager_id=None, closed_on=closed_on)
    assert not case.is_open


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"id": CaseId("case 1")}, "id", "bad_id"),
        ({"programme": " "}, "programme", "empty"),
        ({"referrals": ()}, "referrals", "empty"),
        ({"status": CaseStatus.CLOSED}, "closed_on", "required"),
        ({"closed_on": day(2026, 6, 1)}, "closed_on", "unexpected"),
        (
            {"status": CaseStatus.CLOSED, "closed_on": day(2026, 1, 5)},
            "closed_on",
            "before_start",
        ),
        ({"previous_case_id": CaseId("CS-1")}, "previous_case_id", "self_reference"),
        (
            {"referrals": (make_referral(), make_referral())},
            "referrals[1].id",
            "duplicate_id",
        ),
        (
            {"assessments": (make_assessment(), make_assessment())},
            "assessments[1].id",
            "duplicate_id",
        ),
        (
            {
                "referrals": (
                    make_referral(),
                    make_referral(id=ReferralId("RF-2"), client_id=OTHER_CLIENT),
                )
            },
            "referrals[1].client_id",
            "other_client",
        ),
        (
            {"assessments": (make_assessment(client_id=OTHER_CLIENT),)},
            "assessments[0].client_id",
            "other_client",
        ),
        ({"plans": (make_plan(client_id=OTHER_CLIENT),)}, "plans[0].client_id", "other_client"),
        (
            {"plans": (_active_plan().complete(), make_plan(version=1))},
            "plans[1].version",
            "not_increasing",
        ),
        (
            {"plans": (make_plan(), make_plan(version=2))},
            "plans[0].status",
            "superseded_live",
        ),
        ({"id": 1}, "id", "wrong_type"),
        ({"client_id": None}, "client_id", "wrong_type"),
        ({"programme": None}, "programme", "wrong_type"),
        ({"status": "active"}, "status", "wrong_type"),
        ({"referrals": [make_referral()]}, "referrals", "wrong_type"),
        ({"referrals": (make_source(),)}, "referrals", "wrong_type"),
        ({"manager_id": 5}, "manager_id", "wrong_type"),
        ({"team_id": ("T-1",)}, "team_id", "wrong_type"),
        ({"assessments": [make_assessment()]}, "assessments", "wrong_type"),
        ({"plans": [make_plan()]}, "plans", "wrong_type"),
        ({"previous_case_id": 3}, "previous_case_id", "wrong_type"),
    ],
)
def test_case_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_case(**overrides), "Case", path, code)


@pytest.mark.parametrize("field", ["opened_on", "closed_on"])
@pytest.mark.parametrize("value", NOT_DATES, ids=NOT_DATE_IDS)
def test_case_dates_must_be_pendulum_dates(field: str, value: Any) -> None:
    assert_rejected(
        lambda: make_case(
            **{"status": CaseStatus.CLOSED, "closed_on": day(2026, 6, 1), field: value}
        ),
        "Case",
        field,
    )


def test_case_reports_every_broken_invariant() -> None:
    error = invariant_error(
        lambda: make_case(
            id=CaseId("CS-1"),
            programme="",
            status=CaseStatus.ON_HOLD,
            manager_id=None,
            closed_on=day(2025, 1, 1),
            previous_case_id=CaseId("CS-1"),
            referrals=(make_referral(), make_referral(client_id=OTHER_CLIENT)),
            assessments=(make_assessment(client_id=OTHER_CLIENT), make_assessment()),
            plans=(make_plan(version=2), make_plan(version=2, client_id=OTHER_CLIENT)),
        )
    )
    assert found(error) == {
        ("programme", "empty"),
        ("manager_id", "required"),
        ("closed_on", "unexpected"),
        ("closed_on", "before_start"),
        ("previous_case_id", "self_reference"),
        ("referrals[1].id", "duplicate_id"),
        ("assessments[1].id", "duplicate_id"),
        ("referrals[1].client_id", "other_client"),
        ("assessments[0].client_id", "other_client"),
        ("plans[1].client_id", "other_client"),
        ("plans[1].version", "not_increasing"),
        ("plans[0].status", "superseded_live"),
    }


def test_closed_case_and_return_to_programme_X4() -> None:
    """X4: a client may return; the new episode links the earlier one."""
    closed = make_case(status=CaseStatus.CLOSED, closed_on=day(2026, 6, 1))
    assert not closed.is_open
    again = make_case(id=CaseId("CS-2"), previous_case_id=closed.id, opened_on=day(2027, 1, 1))
    assert again.previous_case_id == closed.id
    same_day = make_case(status=CaseStatus.CLOSED, closed_on=day(2026, 1, 6))
    assert same_day.closed_on == same_day.opened_on


# ---------------------------------------------------------------------------------------------
# Case transitions


def test_assign_C6_C7() -> None:
    """C6/C7: assignment names the accountable manager; a handover keeps what is known."""
    referred = make_case(status=CaseStatus.REFERRED, manager_id=None)
    assigned = referred.assign(CaseManagerId("CM-2"), TeamId("T-1"))
    assert assigned.manager_id == "CM-2"
    assert assigned.team_id == "T-1"
    assert referred.manager_id is None
    case = make_case(
        assessments=(make_assessment(),), plans=(_active_plan(),), team_id=TeamId("T-1")
    )
    handed_over = case.assign(CaseManagerId("CM-3"))
    assert handed_over.manager_id == "CM-3"
    assert handed_over.team_id == "T-1"  # kept when not given
    assert handed_over.assessments == case.assessments
    assert handed_over.plans == case.plans
    assert handed_over.referrals == case.referrals


def test_assign_refused_on_closed_case() -> None:
    closed = make_case(status=CaseStatus.CLOSED, closed_on=day(2026, 6, 1))
    with pytest.raises(InvalidTransitionError) as info:
        closed.assign(MANAGER_ID)
    assert info.value.entity == "Case"
    assert info.value.action == "assign"
    assert info.value.state == "closed"


def test_assign_checks_type_and_C6() -> None:
    case = make_case()
    assert_rejected(lambda: case.assign(5), "Case", "manager_id")  # type: ignore[arg-type]
    assert_rejected(lambda: case.assign(None), "Case", "manager_id", "required")  # type: ignore[arg-type]


def test_record_assessment_A2() -> None:
    """A2: the initial assessment establishes the baseline; later ones are kept too."""
    case = make_case()
    assessed = case.record_assessment(make_assessment())
    review = make_assessment(
        id=AssessmentId("AS-2"), kind=AssessmentKind.REVIEW, performed_on=day(2026, 4, 1)
    )
    reviewed = assessed.record_assessment(review)
    assert [a.id for a in reviewed.assessments] == ["AS-1", "AS-2"]
    assert case.assessments == ()
    assert_rejected(
        lambda: assessed.record_assessment(make_assessment()),
        "Case",
        "assessments[1].id",
        "duplicate_id",
    )
    assert_rejected(
        lambda: case.record_assessment(make_assessment(client_id=OTHER_CLIENT)),
        "Case",
        "assessments[0].client_id",
        "other_client",
    )


def test_add_referral() -> None:
    case = make_case()
    second = make_referral(id=ReferralId("RF-2"), received_on=day(2026, 3, 1))
    assert len(case.add_referral(second).referrals) == 2
    assert_rejected(
        lambda: case.add_referral(make_referral()), "Case", "referrals[1].id", "duplicate_id"
    )
    assert_rejected(
        lambda: case.add_referral(make_referral(id=ReferralId("RF-3"), client_id=OTHER_CLIENT)),
        "Case",
        "referrals[1].client_id",
        "other_client",
    )


def test_adopt_first_plan() -> None:
    case = make_case()
    assert case.current_plan is None
    planned = case.adopt_plan(make_plan())
    assert planned.current_plan == make_plan()
    assert len(planned.plans) == 1


def test_adopt_plan_supersedes_live_plan_and_keeps_history_P3() -> None:
    """P3: the plan is a live document; each revision is kept as a superseded version."""
    v1 = _active_plan()
    case = make_case(plans=(v1,))
    v2 = v1.revise(day(2026, 3, 1))
    revised = case.adopt_plan(v2)
    assert [p.version for p in revised.plans] == [1, 2]
    assert revised.plans[0].status is CarePlanStatus.REVOKED
    assert revised.plans[0].agreement == v1.agreement  # history is kept as it was agreed
    assert revised.plans[0].goals == v1.goals
    assert revised.current_plan == v2
    assert case.plans == (v1,)  # the original case is unchanged
    v3 = v2.revise(day(2026, 5, 1))
    again = revised.adopt_plan(v3)
    assert [p.status for p in again.plans] == [
        CarePlanStatus.REVOKED,
        CarePlanStatus.REVOKED,
        CarePlanStatus.DRAFT,
    ]


@pytest.mark.parametrize("status", ["draft", "on-hold"])
def test_adopt_plan_supersedes_draft_and_held_plans_P3(status: str) -> None:
    v1 = make_plan() if status == "draft" else _active_plan().hold()
    adopted = make_case(plans=(v1,)).adopt_plan(v1.revise(day(2026, 3, 1)))
    assert adopted.plans[0].status is CarePlanStatus.REVOKED


def test_adopt_plan_keeps_a_completed_plan_completed() -> None:
    done = _active_plan().complete()
    case = make_case(plans=(done,)).adopt_plan(make_plan(version=2))
    assert case.plans[0].status is CarePlanStatus.COMPLETED
    assert case.current_plan is not None
    assert case.current_plan.version == 2


def test_adopt_plan_rejects_older_version_or_other_client() -> None:
    case = make_case(plans=(_active_plan(version=3),))
    assert_rejected(
        lambda: case.adopt_plan(make_plan(version=3)), "Case", "plans[1].version", "not_increasing"
    )
    assert_rejected(
        lambda: case.adopt_plan(make_plan(version=4, client_id=OTHER_CLIENT)),
        "Case",
        "plans[1].client_id",
        "other_client",
    )


def test_replace_current_plan() -> None:
    draft = make_plan()
    case = make_case(plans=(draft,))
    agreed = case.replace_current_plan(draft.record_agreement(make_agreement()))
    active = agreed.replace_current_plan(agreed.plans[-1].activate())
    assert len(active.plans) == 1
    assert active.plans[0].status is CarePlanStatus.ACTIVE
    two = active.adopt_plan(active.plans[0].revise(day(2026, 3, 1)))
    edited = two.replace_current_plan(
        two.plans[-1].add_intervention(make_intervention(id=InterventionId("IV-2")))
    )
    assert len(edited.plans) == 2
    assert edited.plans[0] == two.plans[0]
    assert len(edited.plans[1].interventions) == 2
    assert_rejected(
        lambda: two.replace_current_plan(make_plan(version=1)),
        "Case",
        "plans[1].version",
        "not_increasing",
    )


def test_replace_current_plan_needs_a_plan() -> None:
    with pytest.raises(InvalidTransitionError) as info:
        make_case().replace_current_plan(make_plan())
    assert info.value.action == "replace_current_plan"


@given(
    steps=st.lists(
        st.sampled_from(["revise", "agree", "activate", "hold", "complete"]), max_size=12
    )
)
def test_plan_history_keeps_one_live_version_P3(steps: list[str]) -> None:
    case = make_case().adopt_plan(make_plan())
    adopted = 1
    on = day(2026, 1, 5)
    for step in steps:
        on = on.add(days=10)
        current = case.current_plan
        assert current is not None
        try:
            if step == "revise":
                case = case.adopt_plan(current.revise(on))
                adopted += 1
            elif step == "agree":
                agreement = make_agreement(
                    agreed_at=pendulum.datetime(on.year, on.month, on.day, 12, tz="UTC")
                )
                case = case.replace_current_plan(current.record_agreement(agreement))
            elif step == "activate":
                case = case.replace_current_plan(current.activate())
            elif step == "hold":
                case = case.replace_current_plan(current.hold())
            else:
                case = case.replace_current_plan(current.complete())
        except InvalidTransitionError:
            continue
    assert [p.version for p in case.plans] == list(range(1, adopted + 1))
    for earlier in case.plans[:-1]:
        assert earlier.status in (CarePlanStatus.REVOKED, CarePlanStatus.COMPLETED)
    for plan in case.plans:
        if plan.status in (CarePlanStatus.ACTIVE, CarePlanStatus.ON_HOLD):
            assert plan.agreement is not None  # P1


# ---------------------------------------------------------------------------------------------
# CaseRecord


def test_valid_case_record() -> None:
    record = make_record()
    assert record.case_manager() == make_case_manager()
    assert (
        make_record(case=make_case(status=CaseStatus.REFERRED, manager_id=None)).case_manager()
        is None
    )


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"client": make_client(id=OTHER_CLIENT)}, "case.client_id", "other_client"),
        (
            {"referral_sources": (make_source(), make_source())},
            "referral_sources[1].id",
            "duplicate_id",
        ),
        (
            {"case_managers": (make_case_manager(), make_case_manager())},
            "case_managers[1].id",
            "duplicate_id",
        ),
        ({"providers": (make_provider(), make_provider())}, "providers[1].id", "duplicate_id"),
        (
            {"funding_streams": (make_funding_stream(), make_funding_stream())},
            "funding_streams[1].id",
            "duplicate_id",
        ),
        ({"referral_sources": ()}, "case.referrals[0].source_id", "unresolved_reference"),
        ({"case_managers": ()}, "case.manager_id", "unresolved_reference"),
        ({"case_managers": ()}, "case.assessments[0].performed_by", "unresolved_reference"),
        ({"providers": ()}, "case.plans[0].interventions[0].provider_id", "unresolved_reference"),
        (
            {"funding_streams": ()},
            "case.plans[0].interventions[0].funding_stream_id",
            "unresolved_reference",
        ),
        ({"case": make_client()}, "case", "wrong_type"),
        ({"client": None}, "client", "wrong_type"),
        ({"referral_sources": [make_source()]}, "referral_sources", "wrong_type"),
        ({"case_managers": (make_provider(),)}, "case_managers", "wrong_type"),
        ({"providers": [make_provider()]}, "providers", "wrong_type"),
        ({"funding_streams": (None,)}, "funding_streams", "wrong_type"),
    ],
)
def test_case_record_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_record(**overrides), "CaseRecord", path, code)


def test_case_record_reports_every_unresolved_reference() -> None:
    v1 = make_plan(
        interventions=(
            make_intervention(),
            make_intervention(id=InterventionId("IV-2"), provider_id=ProviderId("PR-9")),
        )
    )
    v1 = v1.record_agreement(make_agreement()).activate().complete()
    v2 = make_plan(
        version=2,
        interventions=(
            make_intervention(funding_stream_id=FundingStreamId("FS-9")),
            make_intervention(id=InterventionId("IV-2"), funding_stream_id=None),
            make_intervention(
                id=InterventionId("IV-3"),
                provider_id=ProviderId("PR-8"),
                funding_stream_id=FundingStreamId("FS-8"),
            ),
        ),
    )
    case = make_case(
        manager_id=CaseManagerId("CM-9"),
        referrals=(
            make_referral(),
            make_referral(id=ReferralId("RF-2"), source_id=ReferralSourceId("RS-9")),
        ),
        assessments=(
            make_assessment(performed_by=CaseManagerId("CM-8")),
            make_assessment(id=AssessmentId("AS-2"), performed_by=None),
            make_assessment(id=AssessmentId("AS-3")),
        ),
        plans=(v1, v2),
    )
    error = invariant_error(lambda: make_record(case=case))
    assert error.entity == "CaseRecord"
    assert found(error) == {
        ("case.referrals[1].source_id", "unresolved_reference"),
        ("case.manager_id", "unresolved_reference"),
        ("case.assessments[0].performed_by", "unresolved_reference"),
        ("case.plans[0].interventions[1].provider_id", "unresolved_reference"),
        ("case.plans[1].interventions[0].funding_stream_id", "unresolved_reference"),
        ("case.plans[1].interventions[2].provider_id", "unresolved_reference"),
        ("case.plans[1].interventions[2].funding_stream_id", "unresolved_reference"),
    }
    for problem in error.problems:
        assert "9" not in problem.message
        assert "8" not in problem.message


def test_case_record_reports_every_broken_invariant() -> None:
    error = invariant_error(
        lambda: make_record(
            client=make_client(id=OTHER_CLIENT),
            referral_sources=(make_source(id=ReferralSourceId("RS-2")),),
            case_managers=(make_case_manager(), make_case_manager()),
            providers=(),
        )
    )
    assert found(error) == {
        ("case.client_id", "other_client"),
        ("case_managers[1].id", "duplicate_id"),
        ("case.referrals[0].source_id", "unresolved_reference"),
        ("case.plans[0].interventions[0].provider_id", "unresolved_reference"),
    }


def test_case_record_with_case() -> None:
    record = make_record()
    reassigned = record.with_case(record.case.assign(MANAGER_ID))
    assert reassigned.case.manager_id == MANAGER_ID
    assert_rejected(
        lambda: record.with_case(record.case.assign(CaseManagerId("CM-7"))),
        "CaseRecord",
        "case.manager_id",
        "unresolved_reference",
    )
    other = make_case_manager(id=CaseManagerId("CM-7"))
    record2 = make_record(case_managers=(make_case_manager(), other))
    handed_over = record2.with_case(record2.case.assign(other.id))
    assert handed_over.case_manager() == other


def test_record_defaults_resolve() -> None:
    record = make_record()
    plan = record.case.current_plan
    assert plan is not None
    assert plan.interventions[0].provider_id == PROVIDER_ID
    assert plan.interventions[0].funding_stream_id == STREAM_ID
    assert record.client.id == CLIENT_ID
