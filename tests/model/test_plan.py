"""Care plans, goals and interventions (P1-P9, O4): invariants and transitions."""

# Test names carry the DOMAIN.md rule ids (C6, P1, ...) in their own case.
# ruff: noqa: N802

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import pendulum
import pytest
from _model_builders import (
    GOAL_ID,
    NOT_DATE_IDS,
    NOT_DATES,
    STREAM_ID,
    assert_rejected,
    dates,
    day,
    found,
    gbp,
    invariant_error,
    make_agreement,
    make_approval,
    make_date_range,
    make_frequency,
    make_gas,
    make_goal,
    make_intervention,
    make_onward_referral,
    make_plan,
)
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.errors import InvalidTransitionError
from casemgmt.model import (
    AgreementParty,
    CarePlan,
    CarePlanId,
    CarePlanStatus,
    ClientAgreement,
    FrequencyUnit,
    FundingStreamId,
    Goal,
    GoalAchievementStatus,
    GoalDomain,
    GoalId,
    GoalLifecycleStatus,
    GoalPriority,
    InterventionId,
    InterventionStatus,
    Money,
    StaffingModel,
)

PURSUED = [
    GoalLifecycleStatus.PROPOSED,
    GoalLifecycleStatus.PLANNED,
    GoalLifecycleStatus.ACCEPTED,
    GoalLifecycleStatus.ACTIVE,
    GoalLifecycleStatus.ON_HOLD,
]
ENDED = [s for s in GoalLifecycleStatus if s not in PURSUED]
LIVE_INTERVENTION = [
    InterventionStatus.NOT_STARTED,
    InterventionStatus.SCHEDULED,
    InterventionStatus.IN_PROGRESS,
    InterventionStatus.ON_HOLD,
]
EDITABLE_PLAN = [CarePlanStatus.DRAFT, CarePlanStatus.ACTIVE, CarePlanStatus.ON_HOLD]


def _transition_refused(
    action: Callable[[], object], entity: str, state: str
) -> InvalidTransitionError:
    with pytest.raises(InvalidTransitionError) as info:
        action()
    assert info.value.entity == entity
    assert info.value.state == state
    return info.value


# ---------------------------------------------------------------------------------------------
# GasScale (O4)


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"much_less": ""}, "much_less", "empty"),
        ({"somewhat_less": " "}, "somewhat_less", "empty"),
        ({"expected": "\t"}, "expected", "empty"),
        ({"somewhat_more": ""}, "somewhat_more", "empty"),
        ({"much_more": "  "}, "much_more", "empty"),
        ({"much_more": "walks to the CORNER shop "}, "expected", "not_distinct"),
        ({"baseline": 0}, "baseline", "out_of_range"),
        ({"baseline": -3}, "baseline", "out_of_range"),
        ({"baseline": 1}, "baseline", "out_of_range"),
        ({"attained": 3}, "attained", "out_of_range"),
        ({"attained": -3}, "attained", "out_of_range"),
        ({"weight": 0}, "weight", "not_positive"),
        ({"weight": -2}, "weight", "not_positive"),
        ({"attained": True}, "attained", "wrong_type"),
        ({"attained": 1.0}, "attained", "wrong_type"),
        ({"baseline": "-1"}, "baseline", "wrong_type"),
        ({"weight": 1.5}, "weight", "wrong_type"),
        ({"expected": None}, "expected", "wrong_type"),
    ],
)
def test_gas_scale_invariants_O4(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_gas(**overrides), "GasScale", path, code)


def test_gas_scale_reports_every_broken_invariant() -> None:
    error = invariant_error(
        lambda: make_gas(much_less="", somewhat_less="", baseline=2, attained=9, weight=0)
    )
    assert found(error) == {
        ("much_less", "empty"),
        ("somewhat_less", "empty"),
        ("expected", "not_distinct"),
        ("baseline", "out_of_range"),
        ("attained", "out_of_range"),
        ("weight", "not_positive"),
    }


@pytest.mark.parametrize("level", [-2, -1, 0, 1, 2])
def test_gas_scale_score(level: int) -> None:
    scale = make_gas(baseline=-2)
    assert scale.score(level).attained == level
    assert scale.attained is None


# ---------------------------------------------------------------------------------------------
# Goal invariants


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"id": GoalId("goal one")}, "id", "bad_id"),
        ({"description": " "}, "description", "empty"),
        ({"due": day(2026, 1, 4)}, "due", "before_start"),
        ({"status_date": day(2026, 1, 4)}, "status_date", "before_start"),
        ({"description": None}, "description", "wrong_type"),
        ({"domain": "health"}, "domain", "wrong_type"),
        ({"lifecycle_status": "active"}, "lifecycle_status", "wrong_type"),
        ({"lifecycle_status": GoalAchievementStatus.ACHIEVED}, "lifecycle_status", "wrong_type"),
        ({"achievement_status": "achieved"}, "achievement_status", "wrong_type"),
        ({"priority": "high-priority"}, "priority", "wrong_type"),
        ({"target": 400}, "target", "wrong_type"),
        ({"self_managed": "true"}, "self_managed", "wrong_type"),
        ({"self_managed": 0}, "self_managed", "wrong_type"),
        ({"gas": {"expected": "x"}}, "gas", "wrong_type"),
    ],
)
def test_goal_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_goal(**overrides), "Goal", path, code)


@pytest.mark.parametrize("field", ["start", "due", "status_date"])
@pytest.mark.parametrize("value", NOT_DATES, ids=NOT_DATE_IDS)
def test_goal_dates_must_be_pendulum_dates(field: str, value: Any) -> None:
    assert_rejected(lambda: make_goal(**{field: value}), "Goal", field)


def test_goal_reports_every_broken_invariant() -> None:
    error = invariant_error(
        lambda: make_goal(
            id=GoalId(""), description="", due=day(2025, 1, 1), status_date=day(2025, 1, 1)
        )
    )
    assert found(error) == {
        ("id", "bad_id"),
        ("description", "empty"),
        ("due", "before_start"),
        ("status_date", "before_start"),
    }


def test_goal_description_and_target_hidden() -> None:
    goal = make_goal(description="Manage incontinence", target="Dry nights")
    assert "incontinence" not in repr(goal)
    assert "Dry" not in repr(goal)


def test_goal_due_on_start_day_is_fine() -> None:
    assert make_goal(due=day(2026, 1, 5), status_date=day(2026, 1, 5)).due == day(2026, 1, 5)


# ---------------------------------------------------------------------------------------------
# Goal transitions


@pytest.mark.parametrize("status", PURSUED)
def test_goal_transitions_from_pursued_states(status: GoalLifecycleStatus) -> None:
    goal = make_goal(lifecycle_status=status)
    assert goal.is_pursued
    assert goal.activate().lifecycle_status is GoalLifecycleStatus.ACTIVE
    assert goal.hold().lifecycle_status is GoalLifecycleStatus.ON_HOLD
    done = goal.complete(day(2026, 3, 1), GoalAchievementStatus.ACHIEVED)
    assert done.lifecycle_status is GoalLifecycleStatus.COMPLETED
    assert done.achievement_status is GoalAchievementStatus.ACHIEVED
    assert done.status_date == day(2026, 3, 1)
    assert not done.is_pursued
    cancelled = goal.cancel(day(2026, 2, 1))
    assert cancelled.lifecycle_status is GoalLifecycleStatus.CANCELLED
    assert cancelled.status_date == day(2026, 2, 1)
    assert goal.lifecycle_status is status  # unchanged


@pytest.mark.parametrize("status", ENDED)
def test_goal_transitions_refused_once_ended(status: GoalLifecycleStatus) -> None:
    goal = make_goal(lifecycle_status=status)
    assert not goal.is_pursued
    actions: dict[str, Callable[[], Goal]] = {
        "activate": goal.activate,
        "hold": goal.hold,
        "complete": lambda: goal.complete(day(2026, 3, 1), GoalAchievementStatus.ACHIEVED),
        "cancel": lambda: goal.cancel(day(2026, 3, 1)),
    }
    for name, action in actions.items():
        error = _transition_refused(action, "Goal", status.value)
        assert error.action == name
        assert set(error.allowed_from) == {s.value for s in PURSUED}


def test_goal_activate_and_hold_keep_dates_and_achievement() -> None:
    goal = make_goal(
        status_date=day(2026, 2, 1), achievement_status=GoalAchievementStatus.IMPROVING
    )
    for moved in (goal.activate(), goal.hold(), goal.activate().hold().activate()):
        assert moved.status_date == day(2026, 2, 1)
        assert moved.achievement_status is GoalAchievementStatus.IMPROVING


def test_goal_cancel_keeps_achievement() -> None:
    goal = make_goal(achievement_status=GoalAchievementStatus.WORSENING)
    assert goal.cancel(day(2026, 2, 1)).achievement_status is GoalAchievementStatus.WORSENING


def test_goal_transition_dated_before_start_is_rejected() -> None:
    goal = make_goal()
    assert_rejected(
        lambda: goal.complete(day(2026, 1, 1), GoalAchievementStatus.ACHIEVED),
        "Goal",
        "status_date",
        "before_start",
    )
    assert_rejected(lambda: goal.cancel(day(2026, 1, 1)), "Goal", "status_date", "before_start")
    assert_rejected(
        lambda: goal.record_progress(GoalAchievementStatus.IMPROVING, day(2025, 1, 1)),
        "Goal",
        "status_date",
        "before_start",
    )


@pytest.mark.rule("M5")
def test_goal_record_progress_M5() -> None:
    """M5: a review records how each goal is going."""
    goal = make_goal().activate()
    progressed = goal.record_progress(GoalAchievementStatus.IMPROVING, day(2026, 2, 1))
    assert progressed.achievement_status is GoalAchievementStatus.IMPROVING
    assert progressed.status_date == day(2026, 2, 1)
    assert progressed.lifecycle_status is GoalLifecycleStatus.ACTIVE
    worse = progressed.record_progress(GoalAchievementStatus.WORSENING, day(2026, 3, 1))
    assert worse.achievement_status is GoalAchievementStatus.WORSENING


@pytest.mark.rule("O4")
def test_goal_score_attainment_O4() -> None:
    """O4: goals may be scored with Goal Attainment Scaling (-2..+2)."""
    goal = make_goal(gas=make_gas())
    scored = goal.score_attainment(1, day(2026, 4, 5))
    assert scored.gas is not None
    assert scored.gas.attained == 1
    assert scored.status_date == day(2026, 4, 5)
    assert goal.gas is not None
    assert goal.gas.attained is None
    assert_rejected(
        lambda: goal.score_attainment(3, day(2026, 4, 5)), "GasScale", "attained", "out_of_range"
    )
    assert_rejected(
        lambda: goal.score_attainment(0, day(2025, 4, 5)), "Goal", "status_date", "before_start"
    )


def test_goal_score_attainment_needs_a_scale() -> None:
    goal = make_goal()
    error = _transition_refused(
        lambda: goal.score_attainment(0, day(2026, 4, 5)), "Goal", "without a GAS scale"
    )
    assert error.action == "score_attainment"


goal_actions = st.lists(
    st.sampled_from(["activate", "hold", "complete", "cancel", "progress"]), max_size=8
)


@given(actions=goal_actions, offsets=st.lists(st.integers(0, 200), min_size=8, max_size=8))
def test_goal_lifecycle_sequences(actions: list[str], offsets: list[int]) -> None:
    goal = make_goal()
    for action, offset in zip(actions, offsets, strict=False):
        on = goal.start.add(days=offset)
        was_pursued = goal.is_pursued
        try:
            if action == "activate":
                goal = goal.activate()
            elif action == "hold":
                goal = goal.hold()
            elif action == "complete":
                goal = goal.complete(on, GoalAchievementStatus.ACHIEVED)
            elif action == "cancel":
                goal = goal.cancel(on)
            else:
                goal = goal.record_progress(GoalAchievementStatus.NO_CHANGE, on)
        except InvalidTransitionError:
            assert not was_pursued
            assert action != "progress"
        else:
            assert was_pursued or action == "progress"
        assert goal.status_date is None or goal.status_date >= goal.start


# ---------------------------------------------------------------------------------------------
# SpendApproval and OnwardReferral


def test_spend_approval_invariants_F2() -> None:
    assert make_approval(reference="PANEL-7").reference == "PANEL-7"
    assert_rejected(lambda: make_approval(approved_by=" "), "SpendApproval", "approved_by", "empty")
    assert_rejected(lambda: make_approval(approved_by=None), "SpendApproval", "approved_by")
    assert_rejected(
        lambda: make_approval(approved_on=dt.date(2026, 1, 6)), "SpendApproval", "approved_on"
    )
    assert_rejected(lambda: make_approval(reference=7), "SpendApproval", "reference")


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"to": ""}, "to", "empty"),
        ({"acknowledged_on": day(2026, 1, 8)}, "acknowledged_on", "before_start"),
        ({"to": None}, "to", "wrong_type"),
        ({"sent_on": "2026-01-09"}, "sent_on", "wrong_type"),
        ({"acknowledged_on": pendulum.datetime(2026, 2, 1)}, "acknowledged_on", "wrong_type"),
        ({"goal_ids": {GOAL_ID}}, "goal_ids", "wrong_type"),
        ({"goal_ids": (GOAL_ID,)}, "goal_ids", "wrong_type"),
        ({"goal_ids": frozenset({1})}, "goal_ids", "wrong_type"),
    ],
)
def test_onward_referral_invariants_P5(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_onward_referral(**overrides), "OnwardReferral", path, code)


@pytest.mark.rule("P5")
def test_onward_referral_acknowledge_P5() -> None:
    """P5: referrals made from the plan are tracked until picked up."""
    referral = make_onward_referral()
    assert referral.acknowledged_on is None
    acknowledged = referral.acknowledge(day(2026, 1, 20))
    assert acknowledged.acknowledged_on == day(2026, 1, 20)
    assert referral.acknowledge(referral.sent_on).acknowledged_on == referral.sent_on
    assert_rejected(
        lambda: referral.acknowledge(day(2026, 1, 1)),
        "OnwardReferral",
        "acknowledged_on",
        "before_start",
    )
    error = invariant_error(lambda: make_onward_referral(to=" ", acknowledged_on=day(2025, 1, 1)))
    assert found(error) == {("to", "empty"), ("acknowledged_on", "before_start")}


# ---------------------------------------------------------------------------------------------
# Intervention


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"id": InterventionId("")}, "id", "bad_id"),
        ({"end": day(2026, 1, 11)}, "end", "before_start"),
        ({"unit_cost": gbp("-0.01")}, "unit_cost", "negative"),
        ({"category": "therapy"}, "category", "wrong_type"),
        ({"discipline": None}, "discipline", "wrong_type"),
        ({"description": b"gait"}, "description", "wrong_type"),
        ({"provider_id": None}, "provider_id", "wrong_type"),
        ({"goal_ids": {GOAL_ID}}, "goal_ids", "wrong_type"),
        ({"goal_ids": [GOAL_ID]}, "goal_ids", "wrong_type"),
        ({"unit_cost": 6000}, "unit_cost", "wrong_type"),
        ({"unit_cost": "60.00"}, "unit_cost", "wrong_type"),
        ({"frequency": {"count": 2, "unit": "wk"}}, "frequency", "wrong_type"),
        ({"funding_stream_id": 1}, "funding_stream_id", "wrong_type"),
        ({"status": "in-progress"}, "status", "wrong_type"),
        ({"staffing": "agency"}, "staffing", "wrong_type"),
        ({"approval": "approved"}, "approval", "wrong_type"),
    ],
)
def test_intervention_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_intervention(**overrides), "Intervention", path, code)


@pytest.mark.parametrize("field", ["start", "end"])
@pytest.mark.parametrize("value", NOT_DATES, ids=NOT_DATE_IDS)
def test_intervention_dates_must_be_pendulum_dates(field: str, value: Any) -> None:
    assert_rejected(lambda: make_intervention(**{field: value}), "Intervention", field)


def test_intervention_reports_every_broken_invariant() -> None:
    error = invariant_error(
        lambda: make_intervention(
            id=InterventionId(" "), end=day(2025, 1, 1), unit_cost=Money(minor=-1)
        )
    )
    assert found(error) == {
        ("id", "bad_id"),
        ("end", "before_start"),
        ("unit_cost", "negative"),
    }


@pytest.mark.rule("P2")
def test_draft_intervention_may_lack_frequency_and_end_P2() -> None:
    draft = make_intervention(
        frequency=None,
        end=None,
        funding_stream_id=None,
        staffing=StaffingModel.AGENCY,
        approval=make_approval(),
    )
    assert draft.weekly_cost() is None
    assert draft.dates == make_date_range(start=draft.start, end=None)


@pytest.mark.parametrize(
    ("unit_cost", "count", "unit", "every", "expected"),
    [
        ("60", 2, FrequencyUnit.WEEK, 1, "120"),
        ("60", 1, FrequencyUnit.MONTH, 1, "13.85"),  # 6000 * 12/52 = 1384.6 -> 1385
        ("25", 3, FrequencyUnit.DAY, 1, "525"),
        ("0.03", 1, FrequencyUnit.WEEK, 2, "0.02"),  # 1.5 -> 2 (half to even)
        ("0.05", 1, FrequencyUnit.WEEK, 2, "0.02"),  # 2.5 -> 2 (half to even)
        ("520", 1, FrequencyUnit.YEAR, 1, "10"),
        ("0", 5, FrequencyUnit.DAY, 1, "0"),
    ],
)
def test_intervention_weekly_cost(
    unit_cost: str, count: int, unit: FrequencyUnit, every: int, expected: str
) -> None:
    intervention = make_intervention(
        unit_cost=gbp(unit_cost), frequency=make_frequency(count=count, unit=unit, every=every)
    )
    assert intervention.weekly_cost() == gbp(expected)


@given(
    minor=st.integers(min_value=0, max_value=10**8),
    count=st.integers(min_value=1, max_value=20),
    every=st.integers(min_value=1, max_value=12),
    unit=st.sampled_from(FrequencyUnit),
)
def test_intervention_weekly_cost_is_rounded_exact_cost(
    minor: int, count: int, every: int, unit: FrequencyUnit
) -> None:
    frequency = make_frequency(count=count, every=every, unit=unit)
    intervention = make_intervention(unit_cost=Money(minor=minor), frequency=frequency)
    cost = intervention.weekly_cost()
    assert cost is not None
    exact = minor * frequency.per_week()
    assert abs(cost.minor - exact) <= Fraction(1, 2)
    assert not cost.is_negative


@pytest.mark.parametrize("status", LIVE_INTERVENTION)
def test_intervention_stop(status: InterventionStatus) -> None:
    intervention = make_intervention(status=status)
    assert intervention.is_live
    stopped = intervention.stop(day(2026, 2, 1))
    assert stopped.status is InterventionStatus.STOPPED
    assert stopped.end == day(2026, 2, 1)
    assert not stopped.is_live
    assert intervention.status is status


@pytest.mark.parametrize("status", [s for s in InterventionStatus if s not in LIVE_INTERVENTION])
def test_intervention_stop_refused_when_not_live(status: InterventionStatus) -> None:
    intervention = make_intervention(status=status)
    assert not intervention.is_live
    error = _transition_refused(
        lambda: intervention.stop(day(2026, 2, 1)), "Intervention", status.value
    )
    assert error.action == "stop"
    assert set(error.allowed_from) == {s.value for s in LIVE_INTERVENTION}


def test_intervention_stop_before_start_is_rejected() -> None:
    intervention = make_intervention()
    assert_rejected(
        lambda: intervention.stop(day(2026, 1, 11)), "Intervention", "end", "before_start"
    )


@pytest.mark.rule("M5")
def test_intervention_extend_and_curtail_M5() -> None:
    """M5: a review may extend or curtail services."""
    intervention = make_intervention()
    extended = intervention.extend(day(2026, 7, 5))
    assert extended.end == day(2026, 7, 5)
    assert extended.dates.days == (day(2026, 7, 5) - intervention.start).in_days() + 1
    curtailed = intervention.extend(day(2026, 2, 1))
    assert curtailed.end == day(2026, 2, 1)
    assert intervention.end == day(2026, 4, 5)
    assert_rejected(
        lambda: intervention.extend(day(2026, 1, 1)), "Intervention", "end", "before_start"
    )


# ---------------------------------------------------------------------------------------------
# ClientAgreement (P1)


@pytest.mark.parametrize(
    "value",
    [
        pendulum.naive(2026, 1, 8, 14, 0),
        dt.datetime(2026, 1, 8, 14, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 1, 8, 14, 0),  # noqa: DTZ001 - a naive value is the point
        pendulum.date(2026, 1, 8),
        "2026-01-08T14:00:00Z",
        None,
    ],
    ids=["naive-pendulum", "stdlib-aware", "stdlib-naive", "pendulum-date", "str", "none"],
)
def test_agreement_needs_an_aware_pendulum_datetime(value: Any) -> None:
    error = assert_rejected(lambda: make_agreement(agreed_at=value), "ClientAgreement", "agreed_at")
    assert error.problems[0].message == "expected aware pendulum.DateTime"


def test_agreement_other_fields() -> None:
    assert_rejected(lambda: make_agreement(agreed_by="client"), "ClientAgreement", "agreed_by")
    assert_rejected(
        lambda: make_agreement(carer_involved=None), "ClientAgreement", "carer_involved"
    )
    assert_rejected(lambda: make_agreement(gp_involved=1), "ClientAgreement", "gp_involved")
    agreement = make_agreement(
        agreed_by=AgreementParty.DEPUTY, carer_involved=True, gp_involved=True
    )
    assert agreement.agreed_by is AgreementParty.DEPUTY


@pytest.mark.parametrize(
    ("agreed_at", "agreed_on"),
    [
        (pendulum.datetime(2026, 3, 28, 23, 30, tz="UTC"), day(2026, 3, 28)),  # GMT
        (pendulum.datetime(2026, 3, 29, 23, 30, tz="UTC"), day(2026, 3, 30)),  # BST
        (pendulum.datetime(2026, 6, 30, 23, 30, tz="UTC"), day(2026, 7, 1)),
        (pendulum.datetime(2026, 7, 1, 0, 30, tz="Europe/London"), day(2026, 7, 1)),
        (pendulum.datetime(2026, 1, 1, 8, 0, tz="Asia/Tokyo"), day(2025, 12, 31)),
        (pendulum.datetime(2026, 1, 1, 0, 0, tz="UTC"), day(2026, 1, 1)),
    ],
)
def test_agreement_day_is_the_london_day(
    agreed_at: pendulum.DateTime, agreed_on: pendulum.Date
) -> None:
    agreement = ClientAgreement(agreed_at=agreed_at)
    assert agreement.agreed_on == agreed_on
    assert agreement.agreed_by is AgreementParty.CLIENT


# ---------------------------------------------------------------------------------------------
# CarePlan invariants


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"id": CarePlanId("plan 1")}, "id", "bad_id"),
        ({"version": 0}, "version", "not_positive"),
        ({"version": -1}, "version", "not_positive"),
        ({"goals": (make_goal(), make_goal())}, "goals[1].id", "duplicate_id"),
        (
            {"interventions": (make_intervention(), make_intervention())},
            "interventions[1].id",
            "duplicate_id",
        ),
        ({"goals": ()}, "interventions[0].goal_ids", "unknown_goal"),
        (
            {
                "interventions": (
                    make_intervention(),
                    make_intervention(
                        id=InterventionId("IV-2"), goal_ids=frozenset({GOAL_ID, GoalId("G9")})
                    ),
                )
            },
            "interventions[1].goal_ids",
            "unknown_goal",
        ),
        (
            {"onward_referrals": (make_onward_referral(goal_ids=frozenset({GoalId("G9")})),)},
            "onward_referrals[0].goal_ids",
            "unknown_goal",
        ),
        (
            {
                "agreement": make_agreement(
                    agreed_at=pendulum.datetime(2026, 1, 4, 23, 59, tz="Europe/London")
                )
            },
            "agreement.agreed_at",
            "before_start",
        ),
        ({"client_id": None}, "client_id", "wrong_type"),
        ({"version": True}, "version", "wrong_type"),
        ({"version": "1"}, "version", "wrong_type"),
        ({"status": "draft"}, "status", "wrong_type"),
        ({"status": GoalLifecycleStatus.ACTIVE}, "status", "wrong_type"),
        ({"period": make_date_range().start}, "period", "wrong_type"),
        ({"goals": [make_goal()]}, "goals", "wrong_type"),
        ({"goals": (make_goal(), None)}, "goals", "wrong_type"),
        ({"interventions": (make_goal(),)}, "interventions", "wrong_type"),
        ({"agreement": pendulum.datetime(2026, 1, 8, tz="UTC")}, "agreement", "wrong_type"),
        ({"onward_referrals": [make_onward_referral()]}, "onward_referrals", "wrong_type"),
    ],
)
def test_care_plan_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_plan(**overrides), "CarePlan", path, code)


@pytest.mark.parametrize("value", NOT_DATES, ids=NOT_DATE_IDS)
def test_care_plan_created_on_must_be_a_pendulum_date(value: Any) -> None:
    assert_rejected(lambda: make_plan(created_on=value), "CarePlan", "created_on")


@pytest.mark.rule("P4")
def test_care_plan_interventions_serve_plan_goals_P4() -> None:
    """P4: every intervention serves a goal of the plan."""
    stray = make_intervention(id=InterventionId("IV-2"), goal_ids=frozenset({GoalId("G2")}))
    assert_rejected(
        lambda: make_plan(interventions=(make_intervention(), stray)),
        "CarePlan",
        "interventions[1].goal_ids",
        "unknown_goal",
    )
    second_goal = make_goal(id=GoalId("G2"))
    plan = make_plan(goals=(make_goal(), second_goal), interventions=(make_intervention(), stray))
    assert len(plan.interventions) == 2


def test_care_plan_agreement_on_creation_day_is_fine_P1() -> None:
    agreement = make_agreement(agreed_at=pendulum.datetime(2026, 1, 5, 0, 0, tz="Europe/London"))
    assert make_plan(agreement=agreement).agreement == agreement
    # 23:30 UTC on 4 January is still 4 January in London (GMT): before creation.
    early = make_agreement(agreed_at=pendulum.datetime(2026, 1, 4, 23, 30, tz="UTC"))
    assert_rejected(
        lambda: make_plan(agreement=early), "CarePlan", "agreement.agreed_at", "before_start"
    )


def test_care_plan_reports_every_broken_invariant() -> None:
    goal_b = make_goal(id=GoalId("G2"))
    error = invariant_error(
        lambda: make_plan(
            id=CarePlanId(""),
            version=0,
            goals=(make_goal(), goal_b, make_goal()),
            interventions=(
                make_intervention(goal_ids=frozenset({GoalId("G7")})),
                make_intervention(),
            ),
            onward_referrals=(
                make_onward_referral(),
                make_onward_referral(goal_ids=frozenset({GoalId("G8")})),
            ),
            agreement=make_agreement(agreed_at=pendulum.datetime(2025, 1, 1, tz="UTC")),
        )
    )
    assert found(error) == {
        ("id", "bad_id"),
        ("version", "not_positive"),
        ("goals[2].id", "duplicate_id"),
        ("interventions[1].id", "duplicate_id"),
        ("interventions[0].goal_ids", "unknown_goal"),
        ("onward_referrals[1].goal_ids", "unknown_goal"),
        ("agreement.agreed_at", "before_start"),
    }


def test_care_plan_goal_lookup() -> None:
    plan = make_plan()
    assert plan.goal(GOAL_ID) == make_goal()
    with pytest.raises(KeyError):
        plan.goal(GoalId("G9"))


def test_committed_weekly_cost_per_stream_F4() -> None:
    """F4: the committed weekly cost of live interventions, per funding stream."""
    other_stream = FundingStreamId("FS-2")
    interventions = (
        make_intervention(),  # 2 x 60 = 120 on FS-1
        make_intervention(id=InterventionId("IV-2"), unit_cost=gbp("10")),  # 20 on FS-1
        make_intervention(
            id=InterventionId("IV-3"), funding_stream_id=other_stream, unit_cost=gbp("5")
        ),
        make_intervention(id=InterventionId("IV-4"), funding_stream_id=None),  # 120 unfunded
        make_intervention(id=InterventionId("IV-5"), frequency=None),  # unknown: skipped
        make_intervention(id=InterventionId("IV-6"), status=InterventionStatus.STOPPED),
        make_intervention(id=InterventionId("IV-7"), status=InterventionStatus.COMPLETED),
    )
    plan = make_plan(interventions=interventions)
    assert plan.committed_weekly_cost() == {
        STREAM_ID: gbp("140"),
        other_stream: gbp("10"),
        None: gbp("120"),
    }
    assert make_plan(interventions=()).committed_weekly_cost() == {}


# ---------------------------------------------------------------------------------------------
# CarePlan transitions


def _agreed_draft() -> CarePlan:
    return make_plan().record_agreement(make_agreement())


@pytest.mark.parametrize("status", EDITABLE_PLAN)
def test_add_goal_and_intervention(status: CarePlanStatus) -> None:
    plan = make_plan(status=status, agreement=make_agreement())
    goal = make_goal(id=GoalId("G2"), domain=GoalDomain.EMPLOYMENT, priority=GoalPriority.HIGH)
    with_goal = plan.add_goal(goal)
    assert [g.id for g in with_goal.goals] == ["G1", "G2"]
    assert with_goal.status is status
    intervention = make_intervention(id=InterventionId("IV-2"), goal_ids=frozenset({goal.id}))
    with_both = with_goal.add_intervention(intervention)
    assert with_both.interventions[-1] == intervention
    assert len(plan.goals) == 1  # unchanged
    assert_rejected(
        lambda: plan.add_intervention(intervention),
        "CarePlan",
        "interventions[1].goal_ids",
        "unknown_goal",
    )
    assert_rejected(lambda: plan.add_goal(make_goal()), "CarePlan", "goals[1].id", "duplicate_id")


@pytest.mark.parametrize(
    "status", [CarePlanStatus.COMPLETED, CarePlanStatus.REVOKED, CarePlanStatus.ENTERED_IN_ERROR]
)
def test_closed_plan_cannot_be_edited(status: CarePlanStatus) -> None:
    plan = make_plan(status=status)
    goal = make_goal(id=GoalId("G2"))
    actions: dict[str, Callable[[], CarePlan]] = {
        "add_goal": lambda: plan.add_goal(goal),
        "add_intervention": lambda: plan.add_intervention(
            make_intervention(id=InterventionId("IV-2"))
        ),
        "replace_goal": lambda: plan.replace_goal(make_goal().activate()),
        "record_agreement": lambda: plan.record_agreement(make_agreement()),
        "activate": plan.activate,
        "hold": plan.hold,
        "complete": plan.complete,
        "revise": lambda: plan.revise(day(2026, 3, 1)),
        "supersede": plan.supersede,
    }
    for name, action in actions.items():
        error = _transition_refused(action, "CarePlan", status.value)
        assert error.action == name


def test_replace_goal() -> None:
    plan = make_plan(goals=(make_goal(), make_goal(id=GoalId("G2"))))
    replaced = plan.replace_goal(plan.goal(GOAL_ID).activate())
    assert replaced.goal(GOAL_ID).lifecycle_status is GoalLifecycleStatus.ACTIVE
    assert [g.id for g in replaced.goals] == ["G1", "G2"]
    assert plan.goal(GOAL_ID).lifecycle_status is GoalLifecycleStatus.PROPOSED
    with pytest.raises(KeyError):
        plan.replace_goal(make_goal(id=GoalId("G9")))


def test_record_agreement_only_on_a_draft_P1() -> None:
    plan = make_plan()
    agreed = plan.record_agreement(make_agreement())
    assert agreed.agreement == make_agreement()
    assert agreed.status is CarePlanStatus.DRAFT
    active = agreed.activate()
    error = _transition_refused(
        lambda: active.record_agreement(make_agreement()), "CarePlan", "active"
    )
    assert error.allowed_from == ("draft",)
    too_early = make_agreement(agreed_at=pendulum.datetime(2025, 12, 1, tz="UTC"))
    assert_rejected(
        lambda: plan.record_agreement(too_early), "CarePlan", "agreement.agreed_at", "before_start"
    )


@pytest.mark.rule("P1")
def test_activate_requires_client_agreement_P1() -> None:
    """P1: the client's agreement is recorded before the plan is in force."""
    plan = make_plan()
    error = _transition_refused(plan.activate, "CarePlan", "not yet agreed with the client (P1)")
    assert error.action == "activate"
    active = _agreed_draft().activate()
    assert active.status is CarePlanStatus.ACTIVE
    assert active.agreement is not None


def test_activate_hold_complete() -> None:
    active = _agreed_draft().activate()
    held = active.hold()
    assert held.status is CarePlanStatus.ON_HOLD
    assert held.activate().status is CarePlanStatus.ACTIVE
    assert active.complete().status is CarePlanStatus.COMPLETED
    assert held.complete().status is CarePlanStatus.COMPLETED
    _transition_refused(_agreed_draft().hold, "CarePlan", "draft")
    _transition_refused(held.hold, "CarePlan", "on-hold")
    _transition_refused(_agreed_draft().complete, "CarePlan", "draft")
    error = _transition_refused(active.activate, "CarePlan", "active")
    assert set(error.allowed_from) == {"draft", "on-hold"}


@pytest.mark.rule("P3")
@pytest.mark.parametrize("make_state", ["draft", "active", "on-hold"])
def test_revise_makes_next_draft_version_P3(make_state: str) -> None:
    """P3: each review may revise the plan; the revision is a new version agreed afresh."""
    plan = _agreed_draft()
    if make_state != "draft":
        plan = plan.activate()
    if make_state == "on-hold":
        plan = plan.hold()
    revised = plan.revise(day(2026, 4, 1))
    assert revised.version == plan.version + 1
    assert revised.status is CarePlanStatus.DRAFT
    assert revised.agreement is None
    assert revised.created_on == day(2026, 4, 1)
    assert revised.id == plan.id
    assert revised.goals == plan.goals
    assert revised.interventions == plan.interventions
    assert revised.period == plan.period
    assert plan.status.value == make_state  # unchanged
    _transition_refused(revised.activate, "CarePlan", "not yet agreed with the client (P1)")
    again = revised.record_agreement(
        make_agreement(agreed_at=pendulum.datetime(2026, 4, 2, 10, tz="Europe/London"))
    ).activate()
    assert again.status is CarePlanStatus.ACTIVE
    assert again.revise(day(2026, 5, 1)).version == plan.version + 2


@pytest.mark.parametrize("status", EDITABLE_PLAN)
def test_supersede(status: CarePlanStatus) -> None:
    plan = make_plan(status=status, agreement=make_agreement())
    superseded = plan.supersede()
    assert superseded.status is CarePlanStatus.REVOKED
    assert superseded.version == plan.version
    _transition_refused(superseded.supersede, "CarePlan", "revoked")


@given(
    steps=st.lists(
        st.sampled_from(["agree", "activate", "hold", "complete", "revise", "add_goal"]),
        max_size=10,
    )
)
def test_plan_transition_sequences_keep_invariants(steps: list[str]) -> None:
    plan = make_plan()
    on = day(2026, 1, 5)
    for index, step in enumerate(steps):
        on = on.add(days=7)
        before = plan
        try:
            if step == "agree":
                plan = plan.record_agreement(
                    make_agreement(
                        agreed_at=pendulum.datetime(on.year, on.month, on.day, 12, tz="UTC")
                    )
                )
            elif step == "activate":
                plan = plan.activate()
            elif step == "hold":
                plan = plan.hold()
            elif step == "complete":
                plan = plan.complete()
            elif step == "revise":
                plan = plan.revise(on)
            else:
                plan = plan.add_goal(make_goal(id=GoalId(f"G-extra-{index}")))
        except InvalidTransitionError:
            assert plan is before
            continue
        if plan.status is CarePlanStatus.ACTIVE:
            assert plan.agreement is not None  # P1
        if step == "revise":
            assert plan.version == before.version + 1
            assert plan.agreement is None
        else:
            assert plan.version == before.version


@given(created=dates(dt.date(2025, 1, 1), dt.date(2027, 1, 1)), hour=st.integers(0, 23))
def test_agreement_before_creation_always_reported(created: pendulum.Date, hour: int) -> None:
    plan = make_plan(created_on=created)
    agreed_at = pendulum.datetime(2026, 1, 1, hour, tz="Europe/London")
    if agreed_at.date() < created:
        assert_rejected(
            lambda: plan.record_agreement(ClientAgreement(agreed_at=agreed_at)),
            "CarePlan",
            "agreement.agreed_at",
            "before_start",
        )
    else:
        assert plan.record_agreement(ClientAgreement(agreed_at=agreed_at)).agreement is not None
