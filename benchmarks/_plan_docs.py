"""Deterministic generator of realistic care-plan documents, in two equivalent shapes.

:func:`make_plan` returns the body of a casemgmt ``care-plan`` document (the JSON shape
``casemgmt.serialization.dump_json`` writes: defaults left out, money as
``{"amount": "12.50", "currency": "GBP"}``). :func:`to_fhir` maps the same information to a
FHIR R4/R4B ``CarePlan``: goals as contained ``Goal`` resources with ``target.dueDate``,
interventions as ``activity.detail`` with ``scheduledTiming``, cost and funding stream as
extensions, onward referrals as contained ``ServiceRequest`` resources.

For plan validation, :func:`make_providers` and :func:`make_funding_streams` generate the
reference data a host holds (provider and funding-stream documents for the ids the plans
name), and ``make_plan(..., refs=References.of(providers, streams))`` generates plans that
fit it: each intervention's discipline suits its category, its provider delivers that
discipline (one provider per kind of service in a plan, bar the odd duplicate), its funding
stream pays for its category, every goal is served (bar the odd one), and a next review date
is set. Such a plan passes every check bar a few realistic issues, so the validator does its
full work.
Without ``refs``, :func:`make_plan` generates exactly what it always did.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from casemgmt.model import DISCIPLINE_REGULATORS
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
    ProviderKind,
    Regulator,
    StaffingModel,
)

__all__ = [
    "Doc",
    "References",
    "make_funding_streams",
    "make_plan",
    "make_providers",
    "to_fhir",
    "validation_day",
]

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
# Funding-stream amounts in GBP for plans of 30 interventions (make_funding_streams).
WEEKLY_BUDGET = 8_000
MONTHLY_BUDGET = 20_000
SPEND_AUTHORITY = 4_000
TOTAL_BUDGET = 200_000


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


def _intervention(
    rng: random.Random,
    number: int,
    plan_start: date,
    goal_ids: list[str],
    refs: References | None = None,
    services: dict[tuple[str, str], str] | None = None,
) -> Doc:
    start = plan_start + timedelta(days=rng.randrange(0, 45))
    if refs is None:  # the original draw, in the original order
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
    else:
        intervention = _fitting_intervention(
            rng, number, goal_ids, refs, {} if services is None else services
        )
        intervention["start"] = _iso(start)
        intervention["unit_cost"] = {"amount": _money(rng), "currency": "GBP"}
    frequency: Doc = {"count": rng.randrange(1, 8), "unit": rng.choice(FREQUENCY_UNITS)}
    if rng.random() < 0.2:
        frequency["every"] = 2
    if rng.random() < 0.7:
        frequency["session_minutes"] = rng.choice((30, 45, 60, 90))
    intervention["frequency"] = frequency
    intervention["end"] = _iso(start + timedelta(days=rng.randrange(28, 300)))
    streams = FUNDING_STREAMS if refs is None else refs.streams_for(intervention["category"])
    intervention["funding_stream_id"] = rng.choice(streams)
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


# ---------------------------------------------------------------- reference data for validation

NEXT_REVIEW_AFTER_START = 91
"""With ``refs``, a plan's next review is due this many days after its period starts."""
VALIDATE_AFTER_START = 28
"""A plan is validated this many days after its period starts (:func:`validation_day`)."""
DUPLICATE_RATE = 0.03
"""With ``refs``: how often an intervention's kind of service, already commissioned in the
plan, goes to another provider (``duplicate-service``, E8)."""
UNSERVED_RATE = 0.03
"""With ``refs``: how often an intervention leaves out the goal it was meant to serve."""

CATEGORY_DISCIPLINES: dict[InterventionCategory, tuple[Discipline, ...]] = {
    InterventionCategory.ASSESSMENT: (
        Discipline.OCCUPATIONAL_THERAPY,
        Discipline.PHYSIOTHERAPY,
        Discipline.NEUROPSYCHOLOGY,
        Discipline.SPEECH_AND_LANGUAGE_THERAPY,
        Discipline.CASE_MANAGEMENT,
        Discipline.SOCIAL_WORK,
    ),
    InterventionCategory.THERAPY: (
        Discipline.PHYSIOTHERAPY,
        Discipline.OCCUPATIONAL_THERAPY,
        Discipline.SPEECH_AND_LANGUAGE_THERAPY,
    ),
    InterventionCategory.PSYCHOLOGICAL_THERAPY: (
        Discipline.NEUROPSYCHOLOGY,
        Discipline.CLINICAL_PSYCHOLOGY,
        Discipline.COGNITIVE_BEHAVIOURAL_THERAPY,
        Discipline.COUNSELLING,
    ),
    InterventionCategory.NURSING: (Discipline.NURSING,),
    InterventionCategory.PERSONAL_SUPPORT: (Discipline.SUPPORT_WORK,),
    InterventionCategory.SOCIAL_CARE: (Discipline.SOCIAL_WORK, Discipline.SUPPORT_WORK),
    InterventionCategory.MEDICATION_REVIEW: (
        Discipline.PHARMACY,
        Discipline.MEDICINE,
        Discipline.NURSING,
    ),
    InterventionCategory.SELF_CARE_SUPPORT: (
        Discipline.OCCUPATIONAL_THERAPY,
        Discipline.NURSING,
        Discipline.SUPPORT_WORK,
    ),
    InterventionCategory.VOCATIONAL_REHABILITATION: (
        Discipline.VOCATIONAL_REHABILITATION,
        Discipline.OCCUPATIONAL_THERAPY,
    ),
    InterventionCategory.EQUIPMENT_AND_ADAPTATIONS: (
        Discipline.EQUIPMENT,
        Discipline.OCCUPATIONAL_THERAPY,
    ),
    InterventionCategory.CASE_MANAGEMENT: (Discipline.CASE_MANAGEMENT,),
}
"""With ``refs``: the disciplines that deliver each category of intervention."""

UNREGISTERED_PROVIDERS = ("PRV-008", "PRV-019")
"""Providers of a regulated discipline generated without their registration (a nurse and a
neuropsychologist): interventions they deliver draw ``provider-registration-missing``."""

_INDIVIDUAL_KINDS = (ProviderKind.INDEPENDENT_PRACTITIONER, ProviderKind.DIRECT_EMPLOYMENT)
_KINDS_BY_DISCIPLINE: dict[Discipline, tuple[ProviderKind, ...]] = {
    Discipline.SUPPORT_WORK: (ProviderKind.CARE_AGENCY, ProviderKind.DIRECT_EMPLOYMENT),
    Discipline.EQUIPMENT: (ProviderKind.EQUIPMENT_SUPPLIER,),
    Discipline.NURSING: (ProviderKind.NHS_TRUST, ProviderKind.CARE_AGENCY),
    Discipline.MEDICINE: (ProviderKind.GP_PRACTICE, ProviderKind.NHS_TRUST),
    Discipline.PHARMACY: (ProviderKind.GP_PRACTICE, ProviderKind.INDEPENDENT_PRACTITIONER),
    Discipline.SOCIAL_WORK: (ProviderKind.LOCAL_AUTHORITY, ProviderKind.INDEPENDENT_PRACTITIONER),
    Discipline.VOCATIONAL_REHABILITATION: (
        ProviderKind.OCCUPATIONAL_HEALTH,
        ProviderKind.VOLUNTARY_SECTOR,
    ),
}
_THERAPY_KINDS = (
    ProviderKind.INDEPENDENT_PRACTITIONER,
    ProviderKind.THERAPY_PRACTICE,
    ProviderKind.THERAPY_PRACTICE,
    ProviderKind.NHS_TRUST,
)


def make_providers(rng: random.Random) -> list[Doc]:
    """A provider document body for each id in :data:`PROVIDERS`.

    Provider ``i`` delivers discipline ``i mod 15`` and up to two more, so every discipline
    has two or three providers; each holds the registration its regulated disciplines need
    (organisations often a CQC registration too), except :data:`UNREGISTERED_PROVIDERS`.
    """
    disciplines = list(Discipline)
    providers: list[Doc] = []
    for index, provider_id in enumerate(PROVIDERS):
        primary = disciplines[index % len(disciplines)]
        delivered = {primary}
        if primary not in (Discipline.EQUIPMENT, Discipline.SUPPORT_WORK):
            delivered.update(rng.sample(disciplines, rng.choice((0, 0, 1, 2))))
        kind = rng.choice(_KINDS_BY_DISCIPLINE.get(primary, _THERAPY_KINDS))
        registrations: list[Doc] = []
        if provider_id not in UNREGISTERED_PROVIDERS:
            bodies: list[Regulator] = []
            for discipline in sorted(delivered, key=lambda d: d.value):
                regulators = DISCIPLINE_REGULATORS.get(discipline)
                if regulators:
                    body = min(regulators, key=lambda r: r.value)
                    if body not in bodies:
                        bodies.append(body)
            if kind not in _INDIVIDUAL_KINDS and rng.random() < 0.5:
                bodies.append(Regulator.CQC)
            registrations = [
                {"body": body.value, "number": f"{body.value}{rng.randrange(10_000, 99_999)}"}
                for body in bodies
            ]
        provider: Doc = {
            "id": provider_id,
            "name": f"{primary.value.replace('-', ' ').capitalize()} provider {index + 1}",
            "kind": kind.value,
            "disciplines": sorted(d.value for d in delivered),
        }
        if registrations:
            provider["registrations"] = registrations
        providers.append(provider)
    return providers


def _gbp(amount: int) -> Doc:
    return {"amount": f"{amount}.00", "currency": "GBP"}


def make_funding_streams(scale: int = 1) -> list[Doc]:
    """A funding-stream document body for each id in :data:`FUNDING_STREAMS`.

    Budgets are sized for plans of ``30 * scale`` interventions: most plans stay within
    them, a few do not. The insurer's stream is short-term (F3) and ends on 2027-03-31, so
    the latest interventions outrun it (F1); the personal health budget is monthly and sets
    a spend authority (F2).
    """
    everything = sorted(c.value for c in InterventionCategory)
    return [
        {
            "id": "FS-CHC-01",
            "name": "NHS Continuing Healthcare",
            "kind": "nhs-commissioning",
            "valid": {"start": "2024-04-01", "end": "2028-03-31"},
            "permitted_categories": sorted(
                set(everything) - {"vocational-rehabilitation", "social-care"}
            ),
            "budget_per_period": _gbp(WEEKLY_BUDGET * scale),
            "long_term": True,
        },
        {
            "id": "FS-PHB-02",
            "name": "Personal health budget",
            "kind": "personal-health-budget",
            "valid": {"start": "2024-04-01", "end": "2028-03-31"},
            "permitted_categories": [
                "equipment-and-adaptations",
                "personal-support",
                "psychological-therapy",
                "self-care-support",
                "therapy",
            ],
            "budget_per_period": _gbp(MONTHLY_BUDGET * scale),
            "budget_period": "mo",
            "spend_authority_per_week": _gbp(SPEND_AUTHORITY * scale),
            "holder": "client",
            "long_term": True,
        },
        {
            "id": "FS-LA-03",
            "name": "Local authority adult social care",
            "kind": "local-authority",
            "valid": {"start": "2024-04-01", "end": "2028-03-31"},
            "permitted_categories": [
                "assessment",
                "case-management",
                "equipment-and-adaptations",
                "personal-support",
                "self-care-support",
                "social-care",
            ],
            "budget_per_period": _gbp(WEEKLY_BUDGET * scale),
            "total_budget": _gbp(TOTAL_BUDGET * scale),
        },
        {
            "id": "FS-INS-04",
            "name": "Motor insurer rehabilitation budget",
            "kind": "compensator",
            "valid": {"start": "2024-10-01", "end": "2027-03-31"},
            "permitted_categories": sorted(
                set(everything) - {"nursing", "social-care", "medication-review"}
            ),
            "total_budget": _gbp(TOTAL_BUDGET * scale),
            "holder": "compensator",
        },
    ]


@dataclass(frozen=True)
class References:
    """What plans generated with ``refs`` may name: providers by discipline, funding streams
    by the category they pay for."""

    providers_by_discipline: Mapping[str, tuple[str, ...]]
    streams_by_category: Mapping[str, tuple[str, ...]]

    @classmethod
    def of(cls, providers: Sequence[Doc], streams: Sequence[Doc]) -> References:
        """Index provider and funding-stream document bodies."""
        by_discipline: dict[str, list[str]] = {}
        for provider in providers:
            for discipline in provider["disciplines"]:
                by_discipline.setdefault(discipline, []).append(provider["id"])
        by_category: dict[str, list[str]] = {}
        for stream in streams:
            for category in stream["permitted_categories"]:
                by_category.setdefault(category, []).append(stream["id"])
        return cls(
            providers_by_discipline={k: tuple(v) for k, v in by_discipline.items()},
            streams_by_category={k: tuple(v) for k, v in by_category.items()},
        )

    def streams_for(self, category: str) -> tuple[str, ...]:
        """The streams that pay for ``category``."""
        return self.streams_by_category[category]


def _fitting_intervention(
    rng: random.Random,
    number: int,
    goal_ids: list[str],
    refs: References,
    services: dict[tuple[str, str], str],
) -> Doc:
    category = rng.choice(list(CATEGORY_DISCIPLINES))
    discipline = rng.choice(CATEGORY_DISCIPLINES[category])
    description = rng.choice(INTERVENTION_TEXTS)
    kind = (category.value, discipline.value)
    provider = services.get(kind)
    if provider is None or rng.random() < DUPLICATE_RATE:
        provider = rng.choice(refs.providers_by_discipline[discipline.value])
        services.setdefault(kind, provider)
    served = set(rng.sample(goal_ids, rng.choice((0, 0, 1, 2))))
    if not served or rng.random() >= UNSERVED_RATE:
        served.add(goal_ids[(number - 1) % len(goal_ids)])
    return {
        "id": f"I{number:02d}",
        "category": category.value,
        "discipline": discipline.value,
        "description": description,
        "provider_id": provider,
        "goal_ids": sorted(served),
    }


def validation_day(plan: Doc) -> date:
    """The day a generated plan is validated for: :data:`VALIDATE_AFTER_START` days into its
    period (after its agreement, before its next review)."""
    return date.fromisoformat(plan["period"]["start"]) + timedelta(days=VALIDATE_AFTER_START)


def make_plan(
    rng: random.Random,
    index: int,
    n_goals: int,
    n_interventions: int,
    *,
    refs: References | None = None,
) -> Doc:
    """The body (no envelope) of one care-plan document.

    With ``refs``, the plan fits that reference data (see the module docstring) and has a
    next review date; without, it is the original document, draw for draw.
    """
    plan_start = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 500))
    created_on = plan_start - timedelta(days=rng.randrange(0, 10))
    goals = [_goal(rng, n, plan_start) for n in range(1, n_goals + 1)]
    goal_ids = [g["id"] for g in goals]
    services: dict[tuple[str, str], str] = {}  # with refs: the provider of each kind of service
    interventions = [
        _intervention(rng, n, plan_start, goal_ids, refs, services)
        for n in range(1, n_interventions + 1)
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
    if refs is not None:
        plan["next_review"] = _iso(plan_start + timedelta(days=NEXT_REVIEW_AFTER_START))
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
    if "next_review" in plan:
        extensions.append({"url": EXT + "plan-next-review", "valueDate": plan["next_review"]})
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
