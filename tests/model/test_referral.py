"""Referral sources and referrals: invariants and decisions (E7)."""

# Test names carry the DOMAIN.md rule ids (C6, P1, ...) in their own case.
# ruff: noqa: N802

from __future__ import annotations

import datetime as dt
from typing import Any

import pendulum
import pytest
from _model_builders import (
    NOT_DATE_IDS,
    NOT_DATES,
    assert_rejected,
    dates,
    day,
    found,
    invariant_error,
    make_referral,
    make_source,
)
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.errors import InvalidTransitionError
from casemgmt.model import (
    ReferralId,
    ReferralOutcome,
    ReferralPriority,
    ReferralSourceId,
    ReferralSourceKind,
    RehabilitationCodeTrack,
)

TURNED_DOWN = [
    ReferralOutcome.INELIGIBLE,
    ReferralOutcome.INAPPROPRIATE,
    ReferralOutcome.DUPLICATE,
    ReferralOutcome.WITHDRAWN,
]

# ---------------------------------------------------------------------------------------------
# ReferralSource


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"id": ReferralSourceId("not an id")}, "id", "bad_id"),
        ({"id": None}, "id", "wrong_type"),
        ({"kind": "insurer"}, "kind", "wrong_type"),
        ({"organisation": 7}, "organisation", "wrong_type"),
        ({"contact_name": ("A", "B")}, "contact_name", "wrong_type"),
    ],
)
def test_referral_source_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_source(**overrides), "ReferralSource", path, code)


def test_referral_source_hides_contact_name() -> None:
    source = make_source(
        kind=ReferralSourceKind.CLAIMANT_SOLICITOR,
        organisation="Smith & Co",
        contact_name="Jonathan Harker",
    )
    assert "Harker" not in repr(source)
    assert "Smith & Co" in repr(source)


# ---------------------------------------------------------------------------------------------
# Referral invariants


def test_valid_pending_referral() -> None:
    referral = make_referral(
        priority=ReferralPriority.URGENT,
        programme="OHSxtra",
        rehabilitation_code_track=RehabilitationCodeTrack.IMMEDIATE_NEEDS_ASSESSMENT,
        interim_funds_secured=True,
    )
    assert referral.is_pending
    assert referral.outcome is ReferralOutcome.PENDING
    assert referral.outcome_on is None


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"id": ReferralId("RF 1")}, "id", "bad_id"),
        ({"outcome": ReferralOutcome.ACCEPTED}, "outcome_on", "required"),
        ({"outcome_on": day(2026, 1, 6)}, "outcome_on", "unexpected"),
        (
            {"outcome": ReferralOutcome.ACCEPTED, "outcome_on": day(2026, 1, 4)},
            "outcome_on",
            "before_start",
        ),
        (
            {"outcome": ReferralOutcome.INELIGIBLE, "outcome_on": day(2026, 1, 6)},
            "outcome_reason",
            "required",
        ),
        (
            {
                "outcome": ReferralOutcome.WITHDRAWN,
                "outcome_on": day(2026, 1, 6),
                "outcome_reason": " \n",
            },
            "outcome_reason",
            "required",
        ),
        ({"client_id": 1}, "client_id", "wrong_type"),
        ({"source_id": None}, "source_id", "wrong_type"),
        ({"reason": None}, "reason", "wrong_type"),
        ({"priority": "urgent"}, "priority", "wrong_type"),
        ({"outcome": "accepted"}, "outcome", "wrong_type"),
        ({"outcome_reason": 3}, "outcome_reason", "wrong_type"),
        ({"programme": ["PACE"]}, "programme", "wrong_type"),
        ({"rehabilitation_code_track": "lower-value"}, "rehabilitation_code_track", "wrong_type"),
        ({"interim_funds_secured": 1}, "interim_funds_secured", "wrong_type"),
    ],
)
def test_referral_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_referral(**overrides), "Referral", path, code)


@pytest.mark.parametrize("value", NOT_DATES, ids=NOT_DATE_IDS)
def test_referral_dates_must_be_pendulum_dates(value: Any) -> None:
    assert_rejected(lambda: make_referral(received_on=value), "Referral", "received_on")
    assert_rejected(
        lambda: make_referral(outcome=ReferralOutcome.ACCEPTED, outcome_on=value),
        "Referral",
        "outcome_on",
    )


@pytest.mark.parametrize("outcome", TURNED_DOWN)
def test_referral_not_taken_on_needs_a_reason_E7(outcome: ReferralOutcome) -> None:
    """E7: ineligible or inappropriate referrals are recorded with a reason."""
    assert_rejected(
        lambda: make_referral(outcome=outcome, outcome_on=day(2026, 1, 8)),
        "Referral",
        "outcome_reason",
        "required",
    )
    referral = make_referral(outcome=outcome, outcome_on=day(2026, 1, 8), outcome_reason="why")
    assert not referral.is_pending


def test_referral_reports_every_broken_invariant() -> None:
    error = invariant_error(
        lambda: make_referral(
            id=ReferralId("?"), outcome=ReferralOutcome.DUPLICATE, outcome_reason=""
        )
    )
    assert found(error) == {
        ("id", "bad_id"),
        ("outcome_on", "required"),
        ("outcome_reason", "required"),
    }
    error = invariant_error(lambda: make_referral(id=ReferralId("?"), outcome_on=day(2025, 1, 1)))
    assert found(error) == {
        ("id", "bad_id"),
        ("outcome_on", "unexpected"),
        ("outcome_on", "before_start"),
    }


def test_referral_reason_hidden_from_repr() -> None:
    referral = make_referral(reason="Lives alone after stroke")
    assert "stroke" not in repr(referral)
    decided = referral.turn_down(ReferralOutcome.INAPPROPRIATE, day(2026, 1, 7), "Too well")
    assert "Too well" not in repr(decided)


# ---------------------------------------------------------------------------------------------
# Decisions


def test_accept() -> None:
    referral = make_referral()
    accepted = referral.accept(day(2026, 1, 6))
    assert accepted.outcome is ReferralOutcome.ACCEPTED
    assert accepted.outcome_on == day(2026, 1, 6)
    assert accepted.outcome_reason is None
    assert not accepted.is_pending
    assert referral.is_pending  # the original is unchanged
    assert referral.accept(referral.received_on).outcome_on == referral.received_on


@pytest.mark.parametrize("outcome", TURNED_DOWN)
def test_turn_down_records_reason_E7(outcome: ReferralOutcome) -> None:
    """E7: a referral not taken on records the outcome and its reason."""
    referral = make_referral().turn_down(outcome, day(2026, 1, 7), "Not registered with a GP")
    assert referral.outcome is outcome
    assert referral.outcome_on == day(2026, 1, 7)
    assert referral.outcome_reason == "Not registered with a GP"


@pytest.mark.parametrize("outcome", TURNED_DOWN)
def test_turn_down_without_reason_is_rejected_E7(outcome: ReferralOutcome) -> None:
    referral = make_referral()
    assert_rejected(
        lambda: referral.turn_down(outcome, day(2026, 1, 7), "  "),
        "Referral",
        "outcome_reason",
        "required",
    )


def test_decision_before_receipt_is_rejected() -> None:
    referral = make_referral()
    assert_rejected(
        lambda: referral.accept(day(2026, 1, 4)), "Referral", "outcome_on", "before_start"
    )
    assert_rejected(
        lambda: referral.turn_down(ReferralOutcome.INELIGIBLE, day(2025, 12, 1), "Age"),
        "Referral",
        "outcome_on",
        "before_start",
    )


def test_decision_date_must_be_a_pendulum_date() -> None:
    referral = make_referral()
    assert_rejected(
        lambda: referral.accept(dt.date(2026, 1, 6)),  # type: ignore[arg-type]
        "Referral",
        "outcome_on",
    )


@pytest.mark.parametrize(
    "first",
    [
        lambda r: r.accept(day(2026, 1, 6)),
        lambda r: r.turn_down(ReferralOutcome.INELIGIBLE, day(2026, 1, 6), "Under 50"),
        lambda r: r.turn_down(ReferralOutcome.WITHDRAWN, day(2026, 1, 6), "Client moved away"),
    ],
    ids=["accepted", "ineligible", "withdrawn"],
)
@pytest.mark.parametrize(
    "second",
    [
        lambda r: r.accept(day(2026, 1, 9)),
        lambda r: r.turn_down(ReferralOutcome.DUPLICATE, day(2026, 1, 9), "Already known"),
    ],
    ids=["accept", "turn_down"],
)
def test_referral_cannot_be_decided_twice(first: Any, second: Any) -> None:
    decided = first(make_referral())
    with pytest.raises(InvalidTransitionError) as info:
        second(decided)
    error = info.value
    assert error.entity == "Referral"
    assert error.state == decided.outcome.value
    assert error.allowed_from == ("pending",)
    assert error.code == "invalid_transition"


@given(
    received=dates(dt.date(2020, 1, 1), dt.date(2030, 1, 1)),
    wait=st.integers(min_value=0, max_value=365),
    outcome=st.sampled_from(TURNED_DOWN),
    reason=st.text(min_size=1).filter(str.strip),
)
def test_any_decision_after_receipt_keeps_invariants(
    received: pendulum.Date, wait: int, outcome: ReferralOutcome, reason: str
) -> None:
    referral = make_referral(received_on=received)
    on = received.add(days=wait)
    accepted = referral.accept(on)
    turned_down = referral.turn_down(outcome, on, reason)
    for decided in (accepted, turned_down):
        assert not decided.is_pending
        assert decided.outcome_on == on
    assert turned_down.outcome_reason == reason


def test_turn_down_refuses_the_accepted_outcome() -> None:
    referral = make_referral()
    with pytest.raises((InvalidTransitionError, ValueError)):
        referral.turn_down(ReferralOutcome.ACCEPTED, day(2026, 1, 7), "reason")


def test_turn_down_as_pending_is_rejected() -> None:
    referral = make_referral()
    assert_rejected(
        lambda: referral.turn_down(ReferralOutcome.PENDING, day(2026, 1, 7), "reason"),
        "Referral",
        "outcome",
        "not_a_turn_down",
    )
