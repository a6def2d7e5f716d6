"""A case taken through its whole life with the lifecycle methods, for the serialisation
tests."""

from __future__ import annotations

import attrs
import pendulum

from casemgmt.model import (
    ActorId,
    Assessment,
    AssessmentId,
    AssessmentKind,
    CareEvent,
    CareEventKind,
    CarePlan,
    CarePlanId,
    CarePlanStatus,
    Case,
    CaseId,
    CaseManagerId,
    ClientAgreement,
    ClientId,
    Closure,
    ClosureReason,
    ContactMode,
    DateRange,
    DischargeDestination,
    Discipline,
    Goal,
    GoalDomain,
    GoalId,
    Intervention,
    InterventionCategory,
    InterventionId,
    InterventionStatus,
    Money,
    ProviderId,
    Referral,
    ReferralId,
    ReferralSourceId,
    Review,
    ReviewId,
    ReviewKind,
    TeamId,
)

LONDON = "Europe/London"
CLIENT = ClientId("CL-1")
ME = ActorId("CM-1")


def at(month: int, dom: int, hour: int = 10) -> pendulum.DateTime:
    return pendulum.datetime(2026, month, dom, hour, 15, tz=LONDON)


def referral(referral_id: str, received: pendulum.Date) -> Referral:
    return Referral(
        id=ReferralId(referral_id),
        client_id=CLIENT,
        source_id=ReferralSourceId("RS-GP"),
        received_on=received,
        reason="three emergency admissions in a year",
    )


def _plan() -> CarePlan:
    start = pendulum.Date(2026, 2, 2)
    goal = Goal(
        id=GoalId("G1"),
        description="Walk to the corner shop",
        domain=GoalDomain.INDEPENDENCE,
        start=start,
        due=pendulum.Date(2026, 5, 1),
    )
    intervention = Intervention(
        id=InterventionId("IV-1"),
        category=InterventionCategory.THERAPY,
        discipline=Discipline.PHYSIOTHERAPY,
        description="Gait training",
        provider_id=ProviderId("PR-1"),
        goal_ids=frozenset({goal.id}),
        start=start,
        unit_cost=Money.gbp("48.00"),
        status=InterventionStatus.IN_PROGRESS,
    )
    return CarePlan(
        id=CarePlanId("CP-1"),
        client_id=CLIENT,
        version=1,
        status=CarePlanStatus.DRAFT,
        period=DateRange(start=start),
        created_on=start,
        goals=(goal,),
        interventions=(intervention,),
    )


def lived_case() -> Case:
    """A case taken through its whole life with the lifecycle methods, across the change to
    British Summer Time (29 March 2026), so its history holds instants at two UTC offsets
    and every kind of payload: referrals, a manager, an assessment, plan versions, a review,
    a care event and the closure."""
    case, _ = Case.refer(
        id=CaseId("CS-1"),
        referral=referral("RF-1", pendulum.Date(2026, 1, 5)),
        programme="virtual-ward",
        by=ActorId("triage"),
        at=at(1, 5, 9),
        why="from the GP",
    )
    case, _ = case.start_screening(by=ME, at=at(1, 6))
    case, _ = case.accept(CaseManagerId("CM-1"), TeamId("T-1"), by=ME, at=at(1, 7))
    case, _ = case.start_assessment(by=ME, at=at(1, 8))
    assessment = Assessment(
        id=AssessmentId("AS-1"),
        client_id=CLIENT,
        kind=AssessmentKind.INITIAL,
        performed_on=pendulum.Date(2026, 1, 20),
        contact_mode=ContactMode.FACE_TO_FACE,
        performed_by=CaseManagerId("CM-1"),
    )
    case, _ = case.record_assessment(assessment, by=ME, at=at(1, 20, 16))
    case, _ = case.start_planning(by=ME, at=at(1, 21))
    case, _ = case.adopt_plan(_plan(), by=ME, at=at(2, 2))
    current = case.current_plan
    assert current is not None
    agreed = current.record_agreement(ClientAgreement(agreed_at=at(2, 3, 11))).activate()
    case, _ = case.replace_current_plan(agreed, by=ME, at=at(2, 3, 12), why="agreed")
    case, _ = case.activate(by=ME, at=at(2, 3, 13))
    review = Review(
        id=ReviewId("RV-1"),
        kind=ReviewKind.CASE_REVIEW,
        held_on=pendulum.Date(2026, 3, 2),
        contact_mode=ContactMode.TELEPHONE,
        held_by=CaseManagerId("CM-1"),
    )
    case, _ = case.record_review(review, by=ME, at=at(3, 2))
    admitted = CareEvent(
        kind=CareEventKind.HOSPITAL_ADMISSION, occurred_on=pendulum.Date(2026, 3, 20)
    )
    case, _ = case.record_event(admitted, by=ME, at=at(3, 20))
    case, _ = case.put_on_hold(by=ME, at=at(3, 20, 11), why="in hospital")
    case, _ = case.resume(by=ME, at=at(4, 2))  # British Summer Time from here
    case, _ = case.assign(CaseManagerId("CM-2"), by=ActorId("team-lead"), at=at(4, 6))
    case, _ = case.add_referral(referral("RF-2", pendulum.Date(2026, 4, 7)), by=ME, at=at(4, 7))
    case, _ = case.start_closing(by=ME, at=at(5, 1))
    current = case.current_plan
    assert current is not None
    (intervention,) = current.interventions
    ended = attrs.evolve(
        current, interventions=(intervention.stop(pendulum.Date(2026, 5, 1)),)
    ).complete()
    case, _ = case.replace_current_plan(ended, by=ME, at=at(5, 1, 12))
    closure = Closure(
        reason=ClosureReason.CARE_OPTIMISED,
        destination=DischargeDestination.INDEPENDENT,
        decided_by_mdt=True,
        client_consulted=True,
        letter_sent_on=pendulum.Date(2026, 5, 5),
        note="back to independent living",
    )
    case, _ = case.close(closure, by=ME, at=at(5, 5), why="goals met at MDT")
    return case
