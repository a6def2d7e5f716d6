"""Which FHIR element holds which field: the one table both directions and the docs read.

:data:`MAPPED` names, for every entity the bundle carries, the fields that have a FHIR
element of their own and that element. Every other field travels in an extension (see
:mod:`._extensions`); :data:`ALSO_EXTENDED` lists the fields whose FHIR element is coarser
than ours, so the exact value travels in an extension too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from casemgmt.model import (
    CarePlan,
    Carer,
    Case,
    CaseManager,
    Client,
    Condition,
    Consent,
    FundingStream,
    Goal,
    Intervention,
    Provider,
    Referral,
    ReferralSource,
)
from casemgmt.serialization.fhir._extensions import extension_url

__all__ = ["ALSO_EXTENDED", "ENTITY_NAMES", "MAPPED", "RESOURCE_OF", "MappingRow", "rows"]

ENTITY_NAMES: Mapping[type[Any], str] = {
    Client: "client",
    Condition: "condition",
    Carer: "carer",
    Consent: "consent",
    Case: "case",
    Referral: "referral",
    CarePlan: "care-plan",
    Goal: "goal",
    Intervention: "intervention",
    ReferralSource: "referral-source",
    Provider: "provider",
    CaseManager: "case-manager",
    FundingStream: "funding-stream",
}
"""The name of each entity in identifier systems and extension URLs."""

RESOURCE_OF: Mapping[type[Any], str] = {
    Client: "Patient",
    Condition: "Condition",
    Carer: "RelatedPerson",
    Consent: "Consent",
    Case: "EpisodeOfCare",
    Referral: "ServiceRequest",
    CarePlan: "CarePlan",
    Goal: "Goal",
    Intervention: "ServiceRequest",
    ReferralSource: "Organization",
    Provider: "Organization",
    CaseManager: "Practitioner",
    FundingStream: "Coverage",
}
"""The FHIR resource each entity becomes."""

MAPPED: Mapping[type[Any], Mapping[str, str]] = {
    Client: {
        "id": "Patient.identifier (system …/Id/client)",
        "name": "Patient.name[0].family, .given[0]",
        "date_of_birth": "Patient.birthDate",
        "nhs_number": "Patient.identifier (system https://fhir.nhs.uk/Id/nhs-number)",
        "gender": "Patient.gender",
        "address": "Patient.address[0].line, .postalCode",
        "contact": "Patient.telecom (phone, email)",
        "conditions": "Condition resources, subject the Patient",
        "carers": "RelatedPerson resources, patient the Patient",
        "consents": "Consent resources, patient the Patient",
    },
    Condition: {
        "category": "Condition.category[0] (…/CodeSystem/condition-category)",
        "label": "Condition.code.text",
        "code": "Condition.code.coding[0].code (SNOMED CT)",
        "onset": "Condition.onsetDateTime",
    },
    Carer: {
        "id": "RelatedPerson.identifier (system …/Id/carer)",
        "relationship": "RelatedPerson.relationship[0].text",
        "name": "RelatedPerson.name[0]",
        "contact": "RelatedPerson.telecom",
    },
    Consent: {
        "scope": "Consent.category[0] (…/CodeSystem/consent-scope)",
        "decision": "Consent.provision.type",
        "recorded_on": "Consent.dateTime",
        "starts_on": "Consent.provision.period.start",
        "expires_on": "Consent.provision.period.end",
        "purposes": "Consent.provision.purpose (…/CodeSystem/sharing-purpose)",
    },
    Case: {
        "id": "EpisodeOfCare.identifier (system …/Id/case)",
        "client_id": "EpisodeOfCare.patient",
        "programme": "EpisodeOfCare.type[0].text",
        "status": "EpisodeOfCare.status (coarser: see the life cycle page)",
        "opened_on": "EpisodeOfCare.period.start",
        "closed_on": "EpisodeOfCare.period.end",
        "referrals": "EpisodeOfCare.referralRequest: ServiceRequest resources",
        "manager_id": "EpisodeOfCare.careManager: a Practitioner",
        "team_id": "EpisodeOfCare.team: a CareTeam, its identifier (system …/Id/team)",
        "plans": "CarePlan resources, one per version",
        "history": "EpisodeOfCare.statusHistory (the states it went through), and in full "
        "in an extension",
    },
    Referral: {
        "id": "ServiceRequest.identifier (system …/Id/referral)",
        "client_id": "ServiceRequest.subject",
        "source_id": "ServiceRequest.requester: an Organization",
        "received_on": "ServiceRequest.authoredOn",
        "reason": "ServiceRequest.reasonCode[0].text",
        "priority": "ServiceRequest.priority",
        "outcome": "ServiceRequest.status (coarser: pending is active, accepted is "
        "completed, turned down is revoked)",
    },
    CarePlan: {
        "id": "CarePlan.identifier (system …/Id/care-plan)",
        "client_id": "CarePlan.subject",
        "status": "CarePlan.status",
        "period": "CarePlan.period",
        "created_on": "CarePlan.created",
        "goals": "CarePlan.goal: Goal resources",
        "interventions": "CarePlan.activity[].reference: ServiceRequest resources",
        "version": "CarePlan.replaces (the previous version) and an extension",
    },
    Goal: {
        "id": "Goal.identifier (system …/Id/goal)",
        "description": "Goal.description.text",
        "domain": "Goal.category[0] (…/CodeSystem/goal-domain)",
        "start": "Goal.startDate",
        "lifecycle_status": "Goal.lifecycleStatus",
        "achievement_status": "Goal.achievementStatus (goal-achievement)",
        "priority": "Goal.priority (goal-priority)",
        "target": "Goal.target[0].detailString",
        "due": "Goal.target[0].dueDate",
        "status_date": "Goal.statusDate",
    },
    Intervention: {
        "id": "ServiceRequest.identifier (system …/Id/intervention)",
        "category": "ServiceRequest.category[0] (…/CodeSystem/intervention-category)",
        "discipline": "ServiceRequest.performerType (…/CodeSystem/discipline)",
        "description": "ServiceRequest.code.text",
        "provider_id": "ServiceRequest.performer[0]: an Organization",
        "goal_ids": "ServiceRequest extension …/intervention.goal: a reference to each Goal",
        "start": "ServiceRequest.occurrenceTiming.repeat.boundsPeriod.start "
        "(occurrencePeriod.start without a frequency)",
        "end": "… boundsPeriod.end (occurrencePeriod.end)",
        "unit_cost": "ServiceRequest extension …/intervention.unit-cost (valueMoney)",
        "frequency": "ServiceRequest.occurrenceTiming.repeat: frequency, period, periodUnit, "
        "duration in minutes",
        "funding_stream_id": "ServiceRequest.insurance[0]: a Coverage",
        "status": "ServiceRequest.status (coarser: not started, scheduled and in progress "
        "are active; cancelled and stopped are revoked)",
    },
    ReferralSource: {
        "id": "Organization.identifier (system …/Id/referral-source)",
        "kind": "Organization.type[0] (…/CodeSystem/referral-source-kind)",
        "organisation": "Organization.name",
        "contact_name": "Organization.contact[0].name.text",
    },
    Provider: {
        "id": "Organization.identifier (system …/Id/provider)",
        "name": "Organization.name",
        "kind": "Organization.type[0] (…/CodeSystem/provider-kind)",
        "registrations": "Organization.identifier (system …/Id/registration/<regulator>)",
    },
    CaseManager: {
        "id": "Practitioner.identifier (system …/Id/case-manager)",
        "name": "Practitioner.name[0]",
        "profession": "Practitioner.qualification[0].code (…/CodeSystem/profession)",
        "registration": "Practitioner.identifier (system …/Id/registration/<regulator>)",
    },
    FundingStream: {
        "id": "Coverage.identifier (system …/Id/funding-stream)",
        "name": "Coverage.payor[0].display",
        "kind": "Coverage.type (…/CodeSystem/funding-stream-kind)",
        "valid": "Coverage.period",
    },
}
"""For each entity, the fields with a FHIR element and the element."""

ALSO_EXTENDED: Mapping[type[Any], frozenset[str]] = {
    Case: frozenset({"status", "history"}),
    Referral: frozenset({"outcome"}),
    CarePlan: frozenset({"version"}),
    Intervention: frozenset({"status"}),
}
"""Fields whose FHIR element is coarser than ours: the exact value is also in an
extension."""


def skipped(cls: type[Any]) -> frozenset[str]:
    """The fields of ``cls`` its resource holds exactly, so no extension carries them."""
    return frozenset(MAPPED[cls]) - ALSO_EXTENDED.get(cls, frozenset())


@attrs.frozen(kw_only=True)
class MappingRow:
    """One line of the mapping table: an entity's field and where a bundle holds it."""

    entity: str
    field: str
    resource: str
    element: str
    extension: str | None


def rows() -> tuple[MappingRow, ...]:
    """The whole mapping table, entity by entity, fields in declaration order."""
    table: list[MappingRow] = []
    for cls, name in ENTITY_NAMES.items():
        mapped = MAPPED[cls]
        extended = ALSO_EXTENDED.get(cls, frozenset())
        for field in attrs.fields(cls):
            key = field.name
            element = mapped.get(key, "")
            url = extension_url(name, key) if key not in mapped or key in extended else None
            table.append(
                MappingRow(
                    entity=cls.__name__,
                    field=key,
                    resource=RESOURCE_OF[cls],
                    element=element,
                    extension=url,
                )
            )
    return tuple(table)
