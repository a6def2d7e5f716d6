"""Deterministic generator of realistic care-plan documents, in two equivalent shapes.

:func:`make_plan` returns the body of a casemgmt ``care-plan`` document (the JSON shape
``casemgmt.serialization.dump_json`` writes: defaults left out, money as
``{"amount": "12.50", "currency": "GBP"}``). :func:`to_fhir` maps the same information to a
FHIR R4/R4B ``CarePlan``: goals as contained ``Goal`` resources with ``target.dueDate``,
interventions as ``activity.detail`` with ``scheduledTiming``, cost and funding stream as
extensions, onward referrals as contained ``ServiceRequest`` resources.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from casemgmt.model.codes import (
    AgreementParty,
    CarePlanStatus,
    Discipline,
    GoalAchievementStatus,
    GoalDomain,
    GoalLifecycleStatus,
    GoalPriority,
    InterventionCategory,
    InterventionStatus,
    StaffingModel,
)

__all__ = ["Doc", "make_plan", "to_fhir"]

Doc = dict[str, Any]

GOAL_TEXTS = (
    "Walk to the corner shop and back without stopping",
    "Prepare a simple hot meal independently",
    "Manage own medication with a dosette box",
    "Return to work on a phased basis",
    "Use public transport alone to attend appointments",
    "Shower without assistance using a seat and rail",
    "Attend a community group once a week",
    "Reduce falls at home to none in three months",
    "Complete a budgeting course and manage bills",
    "Sleep through the night on most nights",
    "Dress independently within twenty minutes",
    "Resume driving after a formal assessment",
)
TARGET_TEXTS = (
    "Walks 400 m with a stick, rating of perceived exertion below 13",
    "Cooks three times a week with no prompts",
    "No missed doses on the weekly MAR chart",
    "Works 16 hours a week for four consecutive weeks",
    "Makes two return journeys a week alone",
    "Barthel index bathing item scored 5",
)
INTERVENTION_TEXTS = (
    "Community physiotherapy home visit",
    "Occupational therapy kitchen assessment and practice",
    "Support worker morning routine",
    "Neuropsychology session",
    "Vocational rehabilitation job coaching",
    "Speech and language therapy review",
    "Case manager telephone review",
    "Equipment: perching stool and grab rails",
    "District nursing wound care",
    "Counselling session",
)
GAS_TEXTS = (
    "Unable to attempt the task",
    "Attempts the task with hands-on help",
    "Completes the task with verbal prompts",
    "Completes the task alone, slowly",
    "Completes the task alone at normal pace",
)
REFERRAL_TO = (
    "GP surgery",
    "Wheelchair service",
    "Community mental health team",
    "Citizens Advice",
    "Carers centre",
)
FUNDING_STREAMS = ("FS-CHC-01", "FS-PHB-02", "FS-LA-03", "FS-INS-04")
PROVIDERS = tuple(f"PRV-{n:03d}" for n in range(1, 41))
LIVE_STATUSES = (
    InterventionStatus.NOT_STARTED,
    InterventionStatus.SCHEDULED,
    InterventionStatus.IN_PROGRESS,
    InterventionStatus.IN_PROGRESS,
    InterventionStatus.ON_HOLD,
)
GOAL_STATUSES = (
    GoalLifecycleStatus.ACTIVE,
    GoalLifecycleStatus.ACTIVE,
    GoalLifecycleStatus.ACCEPTED,
    GoalLifecycleStatus.PROPOSED,
    GoalLifecycleStatus.ON_HOLD,
)
PLAN_STATUSES = (CarePlanStatus.DRAFT, CarePlanStatus.ACTIVE, CarePlanStatus.ACTIVE)
FREQUENCY_UNITS = ("d", "wk", "wk", "wk", "mo")


def _iso(day: date) -> str:
    return day.isoformat()


def _money(rng: random.Random) -> str:
    pence = rng.choice(("00", "00", "50", "25", "75", f"{rng.randrange(100):02d}"))
    return f"{rng.randrange(8, 150)}.{pence}"


def _goal(rng: random.Random, number: int, plan_start: date) -> Doc:
    start = plan_start + timedelta(days=rng.randrange(0, 30))
    goal: Doc = {
        "id": f"G{number:02d}",
        "description": f"{rng.choice(GOAL_TEXTS)} ({number})",
        "domain": rng.choice(list(GoalDomain)).value,
        "start": _iso(start),
    }
    status = rng.choice(GOAL_STATUSES)
    if status is not GoalLifecycleStatus.PROPOSED:  # the default is left out
        goal["lifecycle_status"] = status.value
    if rng.random() < 0.7:
        goal["achievement_status"] = rng.choice(list(GoalAchievementStatus)).value
    if rng.random() < 0.8:
        goal["priority"] = rng.choice(list(GoalPriority)).value
    goal["target"] = rng.choice(TARGET_TEXTS)
    goal["due"] = _iso(start + timedelta(days=rng.randrange(30, 300)))
    if rng.random() < 0.15:
        goal["self_managed"] = True
    if number % 3 == 1:  # a Goal Attainment Scale on every third goal
        gas: Doc = dict(
            zip(
                ("much_less", "somewhat_less", "expected", "somewhat_more", "much_more"),
                (f"{text} (G{number:02d})" for text in GAS_TEXTS),
                strict=True,
            )
        )
        if rng.random() < 0.3:
            gas["baseline"] = -2
        if rng.random() < 0.5:
            gas["attained"] = rng.choice((-2, -1, 0, 1, 2))
        if rng.random() < 0.4:
            gas["weight"] = rng.randrange(2, 10)
        goal["gas"] = gas
    if "achievement_status" in goal:
        goal["status_date"] = _iso(start + timedelta(days=rng.randrange(0, 60)))
    return goal


def _intervention(rng: random.Random, number: int, plan_start: date, goal_ids: list[str]) -> Doc:
    start = plan_start + timedelta(days=rng.randrange(0, 45))
    intervention: Doc = {
        "id": f"I{number:02d}",
        "category": rng.choice(list(InterventionCategory)).value,
        "discipline": rng.choice(list(Discipline)).value,
        "description": rng.choice(INTERVENTION_TEXTS),
        "provider_id": rng.choice(PROVIDERS),
        "goal_ids": sorted(rng.sample(goal_ids, rng.choice((1, 1, 2, 3)))),
        "start": _iso(start),
        "unit_cost": {"amount": _money(rng), "currency": "GBP"},
    }
    frequency: Doc = {"count": rng.randrange(1, 8), "unit": rng.choice(FREQUENCY_UNITS)}
    if rng.random() < 0.2:
        frequency["every"] = 2
    if rng.random() < 0.7:
        frequency["session_minutes"] = rng.choice((30, 45, 60, 90))
    intervention["frequency"] = frequency
    intervention["end"] = _iso(start + timedelta(days=rng.randrange(28, 300)))
    intervention["funding_stream_id"] = rng.choice(FUNDING_STREAMS)
    status = rng.choice(LIVE_STATUSES)
    if status is not InterventionStatus.NOT_STARTED:
        intervention["status"] = status.value
    if rng.random() < 0.3:
        intervention["staffing"] = rng.choice(list(StaffingModel)).value
    if rng.random() < 0.1:
        intervention["approval"] = {
            "approved_by": "Panel chair",
            "approved_on": _iso(start - timedelta(days=rng.randrange(1, 10))),
            "reference": f"SPA-{rng.randrange(10_000, 99_999)}",
        }
    return intervention


def make_plan(rng: random.Random, index: int, n_goals: int, n_interventions: int) -> Doc:
    """The body (no envelope) of one care-plan document."""
    plan_start = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 500))
    created_on = plan_start - timedelta(days=rng.randrange(0, 10))
    goals = [_goal(rng, n, plan_start) for n in range(1, n_goals + 1)]
    goal_ids = [g["id"] for g in goals]
    interventions = [
        _intervention(rng, n, plan_start, goal_ids) for n in range(1, n_interventions + 1)
    ]
    agreed_day = created_on + timedelta(days=rng.randrange(1, 8))
    offset = timezone(timedelta(hours=1)) if 4 <= agreed_day.month <= 9 else UTC
    agreed_at = datetime(
        agreed_day.year, agreed_day.month, agreed_day.day, rng.randrange(9, 18), 30, tzinfo=offset
    )
    agreement: Doc = {"agreed_at": agreed_at.isoformat()}
    party = rng.choice(list(AgreementParty)) if rng.random() < 0.2 else AgreementParty.CLIENT
    if party is not AgreementParty.CLIENT:  # the default is left out
        agreement["agreed_by"] = party.value
    if rng.random() < 0.5:
        agreement["carer_involved"] = True
    if rng.random() < 0.3:
        agreement["gp_involved"] = True
    referrals: list[Doc] = []
    for _ in range(rng.randrange(0, 4)):
        sent = plan_start + timedelta(days=rng.randrange(0, 30))
        referral: Doc = {"to": rng.choice(REFERRAL_TO), "sent_on": _iso(sent)}
        if rng.random() < 0.6:
            referral["acknowledged_on"] = _iso(sent + timedelta(days=rng.randrange(0, 21)))
        referral["goal_ids"] = sorted(rng.sample(goal_ids, rng.choice((1, 2))))
        referrals.append(referral)
    plan: Doc = {
        "id": f"CP-{index:06d}",
        "client_id": f"CL-{index:06d}",
        "version": rng.randrange(1, 6),
        "status": rng.choice(PLAN_STATUSES).value,
        "period": {"start": _iso(plan_start), "end": _iso(plan_start + timedelta(days=364))},
        "created_on": _iso(created_on),
        "goals": goals,
        "interventions": interventions,
        "agreement": agreement,
    }
    if referrals:
        plan["onward_referrals"] = referrals
    return plan


EXT = "https://casemgmt.example.org/fhir/StructureDefinition/"
CS = "https://casemgmt.example.org/fhir/CodeSystem/"
HL7 = "http://terminology.hl7.org/CodeSystem/"
PERIOD_UNIT = {"d": "d", "wk": "wk", "mo": "mo", "a": "a"}


def _coding(system: str, code: str) -> Doc:
    return {"coding": [{"system": system, "code": code}]}


def _fhir_goal(goal: Doc, subject: Doc) -> Doc:
    resource: Doc = {
        "resourceType": "Goal",
        "id": goal["id"],
        "lifecycleStatus": goal.get("lifecycle_status", "proposed"),
        "category": [_coding(CS + "goal-domain", goal["domain"])],
        "description": {"text": goal["description"]},
        "subject": subject,
        "startDate": goal["start"],
    }
    if "achievement_status" in goal:
        resource["achievementStatus"] = _coding(
            HL7 + "goal-achievement", goal["achievement_status"]
        )
    if "priority" in goal:
        resource["priority"] = _coding(HL7 + "goal-priority", goal["priority"])
    target: Doc = {}
    if "target" in goal:
        target["detailString"] = goal["target"]
    if "due" in goal:
        target["dueDate"] = goal["due"]
    if target:
        resource["target"] = [target]
    if "status_date" in goal:
        resource["statusDate"] = goal["status_date"]
    extensions: list[Doc] = []
    if goal.get("self_managed"):
        extensions.append({"url": EXT + "goal-self-managed", "valueBoolean": True})
    gas = goal.get("gas")
    if gas is not None:
        parts: list[Doc] = [
            {"url": f"level{level:+d}", "valueString": gas[name]}
            for level, name in zip(
                (-2, -1, 0, 1, 2),
                ("much_less", "somewhat_less", "expected", "somewhat_more", "much_more"),
                strict=True,
            )
        ]
        parts.append({"url": "baseline", "valueInteger": gas.get("baseline", -1)})
        if "attained" in gas:
            parts.append({"url": "attained", "valueInteger": gas["attained"]})
        parts.append({"url": "weight", "valueInteger": gas.get("weight", 1)})
        extensions.append({"url": EXT + "goal-attainment-scale", "extension": parts})
    if extensions:
        resource["extension"] = extensions
    return resource


def _fhir_activity(intervention: Doc) -> Doc:
    cost = intervention["unit_cost"]
    extensions: list[Doc] = [
        {
            "url": EXT + "unit-cost",
            "valueMoney": {"value": float(cost["amount"]), "currency": cost["currency"]},
        },
        {"url": EXT + "intervention-category", "valueCode": intervention["category"]},
    ]
    if "funding_stream_id" in intervention:
        extensions.append(
            {
                "url": EXT + "funding-stream",
                "valueReference": {"reference": f"Coverage/{intervention['funding_stream_id']}"},
            }
        )
    if "staffing" in intervention:
        extensions.append({"url": EXT + "staffing-model", "valueCode": intervention["staffing"]})
    approval = intervention.get("approval")
    if approval is not None:
        parts: list[Doc] = [
            {"url": "approvedBy", "valueString": approval["approved_by"]},
            {"url": "approvedOn", "valueDate": approval["approved_on"]},
        ]
        if "reference" in approval:
            parts.append({"url": "reference", "valueString": approval["reference"]})
        extensions.append({"url": EXT + "spend-approval", "extension": parts})
    repeat: Doc = {"boundsPeriod": {"start": intervention["start"]}}
    if "end" in intervention:
        repeat["boundsPeriod"]["end"] = intervention["end"]
    frequency = intervention.get("frequency")
    if frequency is not None:
        repeat["frequency"] = frequency["count"]
        repeat["period"] = frequency.get("every", 1)
        repeat["periodUnit"] = PERIOD_UNIT[frequency["unit"]]
        if "session_minutes" in frequency:
            repeat["duration"] = frequency["session_minutes"]
            repeat["durationUnit"] = "min"
    detail: Doc = {
        "extension": extensions,
        "kind": "ServiceRequest",
        "code": {
            "coding": [{"system": CS + "discipline", "code": intervention["discipline"]}],
            "text": intervention["description"],
        },
        "goal": [{"reference": f"#{goal_id}"} for goal_id in intervention["goal_ids"]],
        "status": intervention.get("status", "not-started"),
        "scheduledTiming": {"repeat": repeat},
        "performer": [{"reference": f"Organization/{intervention['provider_id']}"}],
        "description": intervention["description"],
    }
    return {"id": intervention["id"], "detail": detail}


def to_fhir(plan: Doc) -> Doc:
    """The same plan as a FHIR R4B ``CarePlan`` resource."""
    subject: Doc = {"reference": f"Patient/{plan['client_id']}"}
    contained: list[Doc] = [_fhir_goal(goal, subject) for goal in plan["goals"]]
    activities: list[Doc] = [_fhir_activity(i) for i in plan["interventions"]]
    for number, referral in enumerate(plan.get("onward_referrals", ()), start=1):
        request: Doc = {
            "resourceType": "ServiceRequest",
            "id": f"SR{number}",
            "status": "completed" if "acknowledged_on" in referral else "active",
            "intent": "order",
            "subject": subject,
            "authoredOn": referral["sent_on"],
            "performer": [{"display": referral["to"]}],
            "supportingInfo": [{"reference": f"#{goal_id}"} for goal_id in referral["goal_ids"]],
        }
        if "acknowledged_on" in referral:
            request["extension"] = [
                {"url": EXT + "referral-acknowledged", "valueDate": referral["acknowledged_on"]}
            ]
        contained.append(request)
        activities.append({"reference": {"reference": f"#SR{number}"}})
    agreement = plan.get("agreement")
    extensions: list[Doc] = []
    if agreement is not None:
        extensions.append(
            {
                "url": EXT + "plan-agreement",
                "extension": [
                    {"url": "agreedAt", "valueDateTime": agreement["agreed_at"]},
                    {"url": "agreedBy", "valueCode": agreement.get("agreed_by", "client")},
                    {
                        "url": "carerInvolved",
                        "valueBoolean": agreement.get("carer_involved", False),
                    },
                    {"url": "gpInvolved", "valueBoolean": agreement.get("gp_involved", False)},
                ],
            }
        )
    period: Doc = {"start": plan["period"]["start"]}
    if "end" in plan["period"]:
        period["end"] = plan["period"]["end"]
    resource: Doc = {
        "resourceType": "CarePlan",
        "id": plan["id"],
        "meta": {"versionId": str(plan["version"])},
        "contained": contained,
        "status": plan["status"],
        "intent": "plan",
        "subject": subject,
        "period": period,
        "created": plan["created_on"],
        "goal": [{"reference": f"#{goal['id']}"} for goal in plan["goals"]],
        "activity": activities,
    }
    if extensions:
        resource["extension"] = extensions
    return resource
