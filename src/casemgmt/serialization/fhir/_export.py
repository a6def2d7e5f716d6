"""A case record as a FHIR R4 ``Bundle``: one resource per entity, linked by reference."""

from __future__ import annotations

import functools
import uuid
from typing import Any

import attrs

from casemgmt.model import (
    Address,
    CarePlan,
    Carer,
    Case,
    CaseManager,
    CaseRecord,
    CaseStatus,
    Client,
    Condition,
    Consent,
    ContactDetails,
    DateRange,
    FundingStream,
    Goal,
    Intervention,
    PersonName,
    Provider,
    Referral,
    ReferralOutcome,
    ReferralSource,
    Registration,
)
from casemgmt.model.codes import InterventionStatus
from casemgmt.serialization.fhir._extensions import extension_url, fhir_money, field_extensions
from casemgmt.serialization.fhir._mapping import ALSO_EXTENDED, skipped

__all__ = [
    "CODE_SYSTEM",
    "ID_SYSTEM",
    "NHS_NUMBER_SYSTEM",
    "REGISTRATION_SYSTEM",
    "export_bundle",
]

ID_SYSTEM = "https://w3id.org/casemgmt/Id/"
"""Prefix of the identifier systems of our ids (``…/Id/client``, ``…/Id/goal`` ...)."""

CODE_SYSTEM = "https://w3id.org/casemgmt/CodeSystem/"
"""Prefix of the code systems of our codes that FHIR has no value set for
(``…/CodeSystem/goal-domain`` ...)."""

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
"""The identifier system of the NHS number (NHS England's FHIR identifier)."""

REGISTRATION_SYSTEM = ID_SYSTEM + "registration/"
"""Prefix of the identifier systems of registrations, one per regulator
(``…/Id/registration/HCPC``)."""

SNOMED = "http://snomed.info/sct"
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://w3id.org/casemgmt")
_REFERRAL_CATEGORY = {
    "coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}]
}
_CONSENT_SCOPE = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}
    ]
}
_ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement"
_GOAL_PRIORITY = "http://terminology.hl7.org/CodeSystem/goal-priority"
_TARGET_MEASURE = {"text": "the goal's target, as agreed"}

# ServiceRequest.status is coarser than a referral's outcome and an intervention's status.
_REFERRAL_STATUS = {
    ReferralOutcome.PENDING: "active",
    ReferralOutcome.ACCEPTED: "completed",
}
_INTERVENTION_STATUS = {
    InterventionStatus.NOT_STARTED: "active",
    InterventionStatus.SCHEDULED: "active",
    InterventionStatus.IN_PROGRESS: "active",
    InterventionStatus.ON_HOLD: "on-hold",
    InterventionStatus.COMPLETED: "completed",
    InterventionStatus.CANCELLED: "revoked",
    InterventionStatus.STOPPED: "revoked",
    InterventionStatus.ENTERED_IN_ERROR: "entered-in-error",
}
_CARE_TEAM_STATUS = {
    CaseStatus.REFERRED: "proposed",
    CaseStatus.SCREENING: "proposed",
    CaseStatus.DECLINED: "inactive",
    CaseStatus.ON_HOLD: "suspended",
    CaseStatus.CLOSED: "inactive",
}


# Each resource's URL is needed where it is referenced and where it is written: the cache
# makes the second use free within an export.
@functools.lru_cache(maxsize=4096)
def full_url(key: str) -> str:
    """The ``fullUrl`` of the resource for ``key`` (``"goal/CP1/2/G1"``): a UUID URN, the
    same for the same entity in every export."""
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}"


def _ref(url: str) -> dict[str, str]:
    return {"reference": url}


def _identifier(kind: str, value: str) -> dict[str, str]:
    return {"system": ID_SYSTEM + kind, "value": value}


def _code(system: str, value: str) -> dict[str, Any]:
    return {"coding": [{"system": CODE_SYSTEM + system, "code": value}]}


def _period(start: str | None, end: str | None) -> dict[str, str]:
    period = {}
    if start is not None:
        period["start"] = start
    if end is not None:
        period["end"] = end
    return period


def _date_range(dates: DateRange) -> dict[str, str]:
    return _period(dates.start.isoformat(), dates.end.isoformat() if dates.end else None)


def _human_name(name: PersonName) -> dict[str, Any]:
    human: dict[str, Any] = {}
    if name.family:
        human["family"] = name.family
    if name.given:
        human["given"] = [name.given]
    return human


def _address(address: Address) -> dict[str, Any]:
    fhir: dict[str, Any] = {"use": "home"}
    lines = [line for line in address.lines if line]
    if lines:
        fhir["line"] = lines
    if address.postcode:
        fhir["postalCode"] = address.postcode
    return fhir


def _telecom(contact: ContactDetails | None) -> list[dict[str, str]]:
    if contact is None:
        return []
    points = []
    if contact.phone:
        points.append({"system": "phone", "value": contact.phone})
    if contact.email:
        points.append({"system": "email", "value": contact.email})
    return points


def _registration(registration: Registration) -> dict[str, str]:
    return {"system": REGISTRATION_SYSTEM + registration.body.value, "value": registration.number}


_COMPOSITES = (PersonName, Address, ContactDetails)


def _exact(cls: type[Any], entity: object) -> frozenset[str]:
    """The fields of ``entity`` its resource holds exactly. FHIR strings cannot be empty, so
    a field whose element would lose an empty text (or an empty record) goes in an
    extension as well."""
    skip = skipped(cls)
    return skip - {name for name in skip if _loses_text(getattr(entity, name))}


def _loses_text(value: object) -> bool:
    if value == "":
        return True
    if isinstance(value, _COMPOSITES):
        parts = [getattr(value, f.name) for f in attrs.fields(type(value))]
        texts = [t for part in parts for t in (part if isinstance(part, tuple) else (part,))]
        return "" in texts or all(t is None for t in texts)
    return False


class _Bundle:
    """The entries being written, and the fullUrl of each entity already written."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def add(self, key: str, resource_type: str, body: dict[str, Any], extensions: list[Any]) -> str:
        url = full_url(key)
        resource: dict[str, Any] = {"resourceType": resource_type, "id": url[9:]}
        if extensions:
            resource["extension"] = extensions
        resource.update(body)
        self.entries.append({"fullUrl": url, "resource": resource})
        return url


def export_bundle(record: CaseRecord) -> dict[str, Any]:
    """The case record as a FHIR R4 ``Bundle`` of type ``collection`` (a dict ready for
    JSON).

    One resource per entity: the client is a ``Patient`` (with its conditions, carers and
    consents as ``Condition``, ``RelatedPerson`` and ``Consent``), the case an
    ``EpisodeOfCare`` with its ``CareTeam``, each referral and each commissioned
    intervention a ``ServiceRequest``, each plan version a ``CarePlan`` with its ``Goal``
    resources, referral sources and providers ``Organization``, case managers
    ``Practitioner`` and funding streams ``Coverage``. Every reference is to a ``fullUrl``
    in the bundle; the UUIDs come from the entities' ids, so the same record always gives
    the same bundle. Fields with no FHIR element travel in extensions
    (:data:`~casemgmt.serialization.fhir.MAPPING`), so
    :func:`~casemgmt.serialization.fhir.import_bundle` gives back an equal record.

    Raises:
        ExportError: for an amount too large for a FHIR decimal
            (:data:`~casemgmt.serialization.fhir.MONEY_LIMIT`).
    """
    out = _Bundle()
    case, client = record.case, record.client
    patient = _patient(out, client)
    carers = [_carer(out, client, carer, patient) for carer in client.carers]
    for index, condition in enumerate(client.conditions):
        _condition(out, client, index, condition, patient)
    for index, consent in enumerate(client.consents):
        _consent(out, client, index, consent, patient)
    sources: dict[str, str] = {
        s.id: full_url(f"referral-source/{s.id}") for s in record.referral_sources
    }
    managers: dict[str, str] = {
        m.id: full_url(f"case-manager/{m.id}") for m in record.case_managers
    }
    providers: dict[str, str] = {p.id: full_url(f"provider/{p.id}") for p in record.providers}
    streams: dict[str, str] = {
        f.id: full_url(f"funding-stream/{f.id}") for f in record.funding_streams
    }
    referrals = [_referral(out, referral, patient, sources) for referral in case.referrals]
    team = _care_team(out, case, patient, managers, providers, carers)
    _episode(out, case, patient, referrals, managers, team)
    previous: str | None = None
    for plan in case.plans:
        previous = _care_plan(out, plan, patient, team, previous, providers, streams)
    for source in record.referral_sources:
        _referral_source(out, source)
    for manager in record.case_managers:
        _case_manager(out, manager)
    for provider in record.providers:
        _provider(out, provider)
    for stream in record.funding_streams:
        _coverage(out, stream, patient)
    return {"resourceType": "Bundle", "type": "collection", "entry": out.entries}


def _patient(out: _Bundle, client: Client) -> str:
    identifiers = [_identifier("client", client.id)]
    if client.nhs_number is not None:
        identifiers.append({"system": NHS_NUMBER_SYSTEM, "value": client.nhs_number.value})
    body: dict[str, Any] = {
        "identifier": identifiers,
        "name": [_human_name(client.name)],
        "gender": client.gender.value,
        "birthDate": client.date_of_birth.isoformat(),
    }
    if client.address is not None:
        body["address"] = [_address(client.address)]
    telecom = _telecom(client.contact)
    if telecom:
        body["telecom"] = telecom
    extensions = field_extensions(client, "client", _exact(Client, client))
    return out.add(f"client/{client.id}", "Patient", body, extensions)


def _carer(out: _Bundle, client: Client, carer: Carer, patient: str) -> str:
    body: dict[str, Any] = {
        "identifier": [_identifier("carer", carer.id)],
        "patient": _ref(patient),
    }
    if carer.relationship:
        body["relationship"] = [{"text": carer.relationship}]
    if carer.name is not None:
        body["name"] = [_human_name(carer.name)]
    telecom = _telecom(carer.contact)
    if telecom:
        body["telecom"] = telecom
    return out.add(
        f"carer/{client.id}/{carer.id}",
        "RelatedPerson",
        body,
        field_extensions(carer, "carer", _exact(Carer, carer)),
    )


def _condition(
    out: _Bundle, client: Client, index: int, condition: Condition, patient: str
) -> None:
    code: dict[str, Any] = {}
    if condition.code:
        code["coding"] = [{"system": SNOMED, "code": condition.code}]
    if condition.label:
        code["text"] = condition.label
    body: dict[str, Any] = {"category": [_code("condition-category", condition.category.value)]}
    if code:
        body["code"] = code
    body["subject"] = _ref(patient)
    if condition.onset is not None:
        body["onsetDateTime"] = condition.onset.isoformat()
    out.add(
        f"condition/{client.id}/{index}",
        "Condition",
        body,
        field_extensions(condition, "condition", _exact(Condition, condition)),
    )


def _consent(out: _Bundle, client: Client, index: int, consent: Consent, patient: str) -> None:
    provision: dict[str, Any] = {"type": consent.decision.value}
    period = _period(
        consent.starts_on.isoformat() if consent.starts_on else None,
        consent.expires_on.isoformat() if consent.expires_on else None,
    )
    if period:
        provision["period"] = period
    if consent.purposes:
        provision["purpose"] = [
            {"system": CODE_SYSTEM + "sharing-purpose", "code": p.value}
            for p in sorted(consent.purposes, key=lambda p: p.value)
        ]
    opt = "OPTIN" if consent.decision.value == "permit" else "OPTOUT"
    body = {
        "status": "active" if consent.withdrawn_on is None else "inactive",
        "scope": _CONSENT_SCOPE,
        "category": [_code("consent-scope", consent.scope.value)],
        "patient": _ref(patient),
        "dateTime": consent.recorded_on.isoformat(),
        "policyRule": {"coding": [{"system": _ACT_CODE, "code": opt}]},
        "provision": provision,
    }
    out.add(
        f"consent/{client.id}/{index}",
        "Consent",
        body,
        field_extensions(consent, "consent", skipped(Consent)),
    )


def _referral(out: _Bundle, referral: Referral, patient: str, sources: dict[str, str]) -> str:
    body: dict[str, Any] = {
        "identifier": [_identifier("referral", referral.id)],
        "status": _REFERRAL_STATUS.get(referral.outcome, "revoked"),
        "intent": "order",
        "category": [_REFERRAL_CATEGORY],
        "priority": referral.priority.value,
        "subject": _ref(patient),
        "authoredOn": referral.received_on.isoformat(),
        "requester": _ref(sources[referral.source_id]),
    }
    if referral.reason:
        body["reasonCode"] = [{"text": referral.reason}]
    return out.add(
        f"referral/{referral.id}",
        "ServiceRequest",
        body,
        field_extensions(referral, "referral", _exact(Referral, referral)),
    )


def _care_team(
    out: _Bundle,
    case: Case,
    patient: str,
    managers: dict[str, str],
    providers: dict[str, str],
    carers: list[str],
) -> str:
    members: list[tuple[str, str]] = []
    if case.manager_id is not None:
        members.append(("case manager", managers[case.manager_id]))
    current = case.current_plan
    if current is not None:
        seen: set[str] = set()
        for intervention in current.interventions:
            if intervention.provider_id not in seen:
                seen.add(intervention.provider_id)
                members.append(("provider", providers[intervention.provider_id]))
    members.extend(("carer", url) for url in carers)
    body: dict[str, Any] = {}
    if case.team_id is not None:
        body["identifier"] = [_identifier("team", case.team_id)]
    body["status"] = _CARE_TEAM_STATUS.get(case.status, "active")
    body["subject"] = _ref(patient)
    if members:
        body["participant"] = [
            {"role": [{"text": role}], "member": _ref(url)} for role, url in members
        ]
    return out.add(f"care-team/{case.id}", "CareTeam", body, [])


def _episode(
    out: _Bundle,
    case: Case,
    patient: str,
    referrals: list[str],
    managers: dict[str, str],
    team: str,
) -> None:
    history: list[dict[str, Any]] = []
    for period in case.status_history():
        code = period.status.fhir_status
        if history and history[-1]["status"] == code:
            history[-1]["period"].pop("end", None)
        else:
            history.append({"status": code, "period": {}})
        history[-1]["period"] = _period(
            history[-1]["period"].get("start", period.start.isoformat()),
            period.end.isoformat() if period.end is not None else None,
        )
    body: dict[str, Any] = {
        "identifier": [_identifier("case", case.id)],
        "status": case.status.fhir_status,
    }
    if history:
        body["statusHistory"] = history
    body["type"] = [{"text": case.programme}]
    body["patient"] = _ref(patient)
    body["period"] = _period(
        case.opened_on.isoformat(), case.closed_on.isoformat() if case.closed_on else None
    )
    body["referralRequest"] = [_ref(url) for url in referrals]
    if case.manager_id is not None:
        body["careManager"] = _ref(managers[case.manager_id])
    body["team"] = [_ref(team)]
    out.add(f"case/{case.id}", "EpisodeOfCare", body, field_extensions(case, "case", skipped(Case)))


def _care_plan(
    out: _Bundle,
    plan: CarePlan,
    patient: str,
    team: str,
    previous: str | None,
    providers: dict[str, str],
    streams: dict[str, str],
) -> str:
    key = f"care-plan/{plan.id}/{plan.version}"
    url = full_url(key)
    goal_urls: dict[str, str] = {
        g.id: full_url(f"goal/{plan.id}/{plan.version}/{g.id}") for g in plan.goals
    }
    body: dict[str, Any] = {"identifier": [_identifier("care-plan", plan.id)]}
    if previous is not None:
        body["replaces"] = [_ref(previous)]
    body.update(
        status=plan.status.value,
        intent="plan",
        subject=_ref(patient),
        period=_date_range(plan.period),
        created=plan.created_on.isoformat(),
        careTeam=[_ref(team)],
    )
    if plan.goals:
        body["goal"] = [_ref(goal_urls[g.id]) for g in plan.goals]
    if plan.interventions:
        body["activity"] = [
            {"reference": _ref(full_url(f"intervention/{plan.id}/{plan.version}/{i.id}"))}
            for i in plan.interventions
        ]
    out.add(key, "CarePlan", body, field_extensions(plan, "care-plan", skipped(CarePlan)))
    for goal in plan.goals:
        _goal(out, plan, goal, patient)
    for intervention in plan.interventions:
        _intervention(out, plan, intervention, patient, url, goal_urls, providers, streams)
    return url


def _goal(out: _Bundle, plan: CarePlan, goal: Goal, patient: str) -> None:
    body: dict[str, Any] = {
        "identifier": [_identifier("goal", goal.id)],
        "lifecycleStatus": goal.lifecycle_status.value,
    }
    if goal.achievement_status is not None:
        body["achievementStatus"] = {
            "coding": [{"system": _GOAL_ACHIEVEMENT, "code": goal.achievement_status.value}]
        }
    body["category"] = [_code("goal-domain", goal.domain.value)]
    if goal.priority is not None:
        body["priority"] = {"coding": [{"system": _GOAL_PRIORITY, "code": goal.priority.value}]}
    body["description"] = {"text": goal.description}
    body["subject"] = _ref(patient)
    body["startDate"] = goal.start.isoformat()
    target: dict[str, Any] = {}
    if goal.target:
        target["measure"] = _TARGET_MEASURE
        target["detailString"] = goal.target
    if goal.due is not None:
        target["dueDate"] = goal.due.isoformat()
    if target:
        body["target"] = [target]
    if goal.status_date is not None:
        body["statusDate"] = goal.status_date.isoformat()
    out.add(
        f"goal/{plan.id}/{plan.version}/{goal.id}",
        "Goal",
        body,
        field_extensions(goal, "goal", _exact(Goal, goal)),
    )


def _intervention(
    out: _Bundle,
    plan: CarePlan,
    intervention: Intervention,
    patient: str,
    plan_url: str,
    goal_urls: dict[str, str],
    providers: dict[str, str],
    streams: dict[str, str],
) -> None:
    goal_url = extension_url("intervention", "goal")
    extensions: list[dict[str, Any]] = [
        {"url": goal_url, "valueReference": _goal_reference(goal_id, goal_urls)}
        for goal_id in sorted(intervention.goal_ids)
    ]
    extensions.append(
        {
            "url": extension_url("intervention", "unit_cost"),
            "valueMoney": fhir_money(intervention.unit_cost),
        }
    )
    extensions.extend(
        field_extensions(
            intervention,
            "intervention",
            _exact(Intervention, intervention),
            ALSO_EXTENDED[Intervention],
        )
    )
    body: dict[str, Any] = {
        "identifier": [_identifier("intervention", intervention.id)],
        "basedOn": [_ref(plan_url)],
        "status": _INTERVENTION_STATUS[intervention.status],
        "intent": "order",
        "category": [_code("intervention-category", intervention.category.value)],
    }
    if intervention.description:
        body["code"] = {"text": intervention.description}
    body["subject"] = _ref(patient)
    dates = _period(
        intervention.start.isoformat(),
        intervention.end.isoformat() if intervention.end is not None else None,
    )
    frequency = intervention.frequency
    if frequency is None:
        body["occurrencePeriod"] = dates
    else:
        repeat: dict[str, Any] = {
            "boundsPeriod": dates,
            "frequency": frequency.count,
            "period": frequency.every,
            "periodUnit": frequency.unit.value,
        }
        if frequency.session_minutes is not None:
            repeat["duration"] = frequency.session_minutes
            repeat["durationUnit"] = "min"
        body["occurrenceTiming"] = {"repeat": repeat}
    body["performerType"] = _code("discipline", intervention.discipline.value)
    body["performer"] = [_ref(providers[intervention.provider_id])]
    if intervention.funding_stream_id is not None:
        body["insurance"] = [_ref(streams[intervention.funding_stream_id])]
    out.add(
        f"intervention/{plan.id}/{plan.version}/{intervention.id}",
        "ServiceRequest",
        body,
        extensions,
    )


def _goal_reference(goal_id: str, goal_urls: dict[str, str]) -> dict[str, Any]:
    # A goal the plan does not hold (plan validation reports it) is named, not linked.
    if goal_id in goal_urls:
        return _ref(goal_urls[goal_id])
    return {"identifier": _identifier("goal", goal_id)}


def _referral_source(out: _Bundle, source: ReferralSource) -> None:
    body: dict[str, Any] = {
        "identifier": [_identifier("referral-source", source.id)],
        "type": [_code("referral-source-kind", source.kind.value)],
    }
    if source.organisation:
        body["name"] = source.organisation
    if source.contact_name:
        body["contact"] = [{"name": {"text": source.contact_name}}]
    out.add(
        f"referral-source/{source.id}",
        "Organization",
        body,
        field_extensions(source, "referral-source", _exact(ReferralSource, source)),
    )


def _provider(out: _Bundle, provider: Provider) -> None:
    body: dict[str, Any] = {
        "identifier": [
            _identifier("provider", provider.id),
            *(_registration(r) for r in provider.registrations),
        ],
        "active": True,
        "type": [_code("provider-kind", provider.kind.value)],
    }
    if provider.name:
        body["name"] = provider.name
    out.add(
        f"provider/{provider.id}",
        "Organization",
        body,
        field_extensions(provider, "provider", _exact(Provider, provider)),
    )


def _case_manager(out: _Bundle, manager: CaseManager) -> None:
    identifiers = [_identifier("case-manager", manager.id)]
    if manager.registration is not None:
        identifiers.append(_registration(manager.registration))
    body = {
        "identifier": identifiers,
        "name": [_human_name(manager.name)],
        "qualification": [{"code": _code("profession", manager.profession.value)}],
    }
    out.add(
        f"case-manager/{manager.id}",
        "Practitioner",
        body,
        field_extensions(manager, "case-manager", _exact(CaseManager, manager)),
    )


def _coverage(out: _Bundle, stream: FundingStream, patient: str) -> None:
    body: dict[str, Any] = {
        "identifier": [_identifier("funding-stream", stream.id)],
        "status": "active",
        "type": _code("funding-stream-kind", stream.kind.value),
        "beneficiary": _ref(patient),
        "period": _date_range(stream.valid),
        "payor": [{"display": stream.name}],
    }
    out.add(
        f"funding-stream/{stream.id}",
        "Coverage",
        body,
        field_extensions(stream, "funding-stream", _exact(FundingStream, stream)),
    )
