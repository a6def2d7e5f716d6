"""Builders shared by the review-scheduling tests."""

from __future__ import annotations

from collections.abc import Sequence

import pendulum

from casemgmt.model import (
    ActorId,
    Assessment,
    CareEvent,
    CareEventKind,
    CarePlan,
    Case,
    CaseId,
    CaseManagerId,
    CaseStatus,
    ClientId,
    Closure,
    ClosureReason,
    Referral,
    ReferralId,
    ReferralSourceId,
    RehabilitationCodeTrack,
    Review,
    RiskTier,
)
from casemgmt.policies import STANDARD_REVIEWS

CLIENT = ClientId("CL-1")
BARE = STANDARD_REVIEWS.with_mdt(None).with_initial_assessment(None)
"""Routine case reviews only (no MDT, no initial assessment; no plan, so no plan review)."""
BY = ActorId("CM-1")
"""Who records reviews and events in these tests."""


def day(text: str) -> pendulum.Date:
    return pendulum.Date.fromisoformat(text)


def at(on: pendulum.Date) -> pendulum.DateTime:
    """The end of the working day ``on``, when what happened that day is recorded."""
    return pendulum.datetime(on.year, on.month, on.day, 17, tz="Europe/London")


def tier_change(on: pendulum.Date, tier: RiskTier) -> CareEvent:
    return CareEvent(kind=CareEventKind.RISK_TIER_CHANGE, occurred_on=on, risk_tier=tier)


def make_case(
    opened: pendulum.Date,
    tier: RiskTier | None = None,
    *,
    status: CaseStatus = CaseStatus.ACTIVE,
    reviews: Sequence[Review] = (),
    events: Sequence[CareEvent] = (),
    plans: Sequence[CarePlan] = (),
    assessments: Sequence[Assessment] = (),
    referred: pendulum.Date | None = None,
    track: RehabilitationCodeTrack | None = None,
    closed_on: pendulum.Date | None = None,
    manager: str = "CM-1",
    case_id: str = "C-1",
    closure: Closure | None = None,
) -> Case:
    tiers = (tier_change(opened, tier),) if tier is not None else ()
    return Case(
        id=CaseId(case_id),
        client_id=CLIENT,
        programme="generic",
        status=status,
        opened_on=opened,
        referrals=(
            Referral(
                id=ReferralId("R-1"),
                client_id=CLIENT,
                source_id=ReferralSourceId("SRC-1"),
                received_on=referred or opened,
                reason="frequent admissions",
                rehabilitation_code_track=track,
            ),
        ),
        manager_id=CaseManagerId(manager) if status.is_open or manager != "CM-1" else None,
        reviews=tuple(reviews),
        events=(*tiers, *events),
        plans=tuple(plans),
        assessments=tuple(assessments),
        closed_on=closed_on,
        # Why a case closed does not change its reviews; a closed case just needs a reason.
        closure=closure
        or (Closure(reason=ClosureReason.GOALS_ACHIEVED) if status is CaseStatus.CLOSED else None),
    )
