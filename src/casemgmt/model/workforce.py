"""Case managers and the providers they commission services from.

Which regulator registers which profession is data (:data:`PROFESSION_REGULATORS`), used by
the case-manager invariants and, later, by care-plan validation (P9).

>>> from casemgmt.model.codes import Profession
>>> sorted(r.value for r in PROFESSION_REGULATORS[Profession.PHYSIOTHERAPIST])
['HCPC']
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from casemgmt._applies import applies
from casemgmt.errors import Problem
from casemgmt.model._base import Validated, problem
from casemgmt.model.codes import (
    CaseManagerTitle,
    Discipline,
    Profession,
    ProfessionalBody,
    ProviderKind,
    Regulator,
    Specialism,
)
from casemgmt.model.values import (
    ID_PATTERN,
    CaseManagerId,
    PersonName,
    ProviderId,
    Registration,
    TeamId,
    id_problems,
)

__all__ = [
    "CaseManager",
    "DISCIPLINE_REGULATORS",
    "PRESCRIBING_PROFESSIONS",
    "PROFESSION_REGULATORS",
    "SERVICE_REGULATORS",
    "Provider",
]

_SOCIAL_WORK = frozenset(
    {Regulator.SOCIAL_WORK_ENGLAND, Regulator.SSSC, Regulator.SOCIAL_CARE_WALES, Regulator.NISCC}
)

PROFESSION_REGULATORS: dict[Profession, frozenset[Regulator]] = {
    Profession.OCCUPATIONAL_THERAPIST: frozenset({Regulator.HCPC}),
    Profession.PHYSIOTHERAPIST: frozenset({Regulator.HCPC}),
    Profession.PSYCHOLOGIST: frozenset({Regulator.HCPC}),
    Profession.SPEECH_AND_LANGUAGE_THERAPIST: frozenset({Regulator.HCPC}),
    Profession.NURSE: frozenset({Regulator.NMC}),
    Profession.SOCIAL_WORKER: _SOCIAL_WORK,
    Profession.DOCTOR: frozenset({Regulator.GMC}),
    Profession.PHARMACIST: frozenset({Regulator.GPHC}),
    Profession.VOCATIONAL_REHABILITATION_PRACTITIONER: frozenset(),
}
"""The statutory regulators of each profession in the UK (an empty set: not regulated)."""

DISCIPLINE_REGULATORS: dict[Discipline, frozenset[Regulator]] = {
    Discipline.PHYSIOTHERAPY: frozenset({Regulator.HCPC}),
    Discipline.OCCUPATIONAL_THERAPY: frozenset({Regulator.HCPC}),
    Discipline.SPEECH_AND_LANGUAGE_THERAPY: frozenset({Regulator.HCPC}),
    Discipline.NEUROPSYCHOLOGY: frozenset({Regulator.HCPC}),
    Discipline.CLINICAL_PSYCHOLOGY: frozenset({Regulator.HCPC}),
    Discipline.NURSING: frozenset({Regulator.NMC}),
    Discipline.PHARMACY: frozenset({Regulator.GPHC}),
    Discipline.MEDICINE: frozenset({Regulator.GMC}),
    Discipline.SOCIAL_WORK: _SOCIAL_WORK,
}
"""Regulators a practitioner delivering each regulated discipline must be registered with
(P9). Disciplines not listed (support work, counselling, CBT, vocational rehabilitation,
case management, equipment) have no single statutory regulator."""

SERVICE_REGULATORS = frozenset(
    {
        Regulator.CQC,
        Regulator.CARE_INSPECTORATE_WALES,
        Regulator.CARE_INSPECTORATE_SCOTLAND,
        Regulator.RQIA,
    }
)
"""Regulators that register *organisations* providing health and social care (England,
Wales, Scotland, Northern Ireland). An organisation registered with one of them employs
practitioners who hold their own professional registration (P9)."""

_INDIVIDUAL_PROVIDERS = frozenset(
    {ProviderKind.INDEPENDENT_PRACTITIONER, ProviderKind.DIRECT_EMPLOYMENT}
)

PRESCRIBING_PROFESSIONS = frozenset(
    {Profession.NURSE, Profession.PHYSIOTHERAPIST, Profession.PHARMACIST, Profession.DOCTOR}
)
"""Professions that may hold prescribing rights in the UK (nurse case managers may be
prescribers, seed 002)."""


@attrs.frozen(kw_only=True)
class CaseManager(Validated):
    """A case manager: profession, registration, specialisms and working time.

    ``non_clinical_share`` is the share of their time that goes to admin, training and
    meetings when it differs from what their caseload policy assumes (C4); ``locality`` is
    where they are based (allocation's travel cost).

    Invariants: a regulated profession needs a registration with one of its regulators;
    only prescribing professions may be prescribers; ``fte`` is in (0, 1];
    ``non_clinical_share`` is in [0, 1).
    """

    id: CaseManagerId = attrs.field(metadata={"schema": {"pattern": ID_PATTERN}})
    name: PersonName
    profession: Profession
    registration: Registration | None = None
    title: CaseManagerTitle = CaseManagerTitle.CASE_MANAGER
    memberships: frozenset[ProfessionalBody] = frozenset()
    specialisms: frozenset[Specialism] = frozenset()
    fte: float = attrs.field(
        default=1.0,
        metadata={
            "schema": {
                "exclusiveMinimum": 0,
                "maximum": 1,
                "description": "Above 0, at most 1 (invariant: out_of_range).",
            }
        },
    )
    prescriber: bool = False
    team_id: TeamId | None = None
    locality: str | None = None
    non_clinical_share: float | None = attrs.field(
        default=None,
        metadata={
            "schema": {
                "minimum": 0,
                "exclusiveMaximum": 1,
                "description": "At least 0, below 1 (invariant: out_of_range).",
            }
        },
    )

    def _invariants(self) -> Iterator[Problem]:
        yield from id_problems("id", self.id)
        regulators = PROFESSION_REGULATORS[self.profession]
        if regulators and self.registration is None:
            yield problem("registration", "required", "a regulated profession needs one")
        registration = self.registration
        if registration is not None and regulators and registration.body not in regulators:
            yield problem(
                "registration.body", "wrong_regulator", "does not regulate this profession"
            )
        if not 0.0 < self.fte <= 1.0:
            yield problem("fte", "out_of_range", "must be above 0 and at most 1")
        share = self.non_clinical_share
        if share is not None and not 0.0 <= share < 1.0:
            yield problem("non_clinical_share", "out_of_range", "must be at least 0 and below 1")
        if self.prescriber and self.profession not in PRESCRIBING_PROFESSIONS:
            yield problem("prescriber", "not_prescribing_profession", "profession cannot prescribe")

    def with_fte(self, fte: float) -> CaseManager:
        """Return the case manager on a new working-time fraction."""
        return attrs.evolve(self, fte=fte)

    def add_specialism(self, specialism: Specialism) -> CaseManager:
        """Return the case manager with another specialism."""
        return attrs.evolve(self, specialisms=self.specialisms | {specialism})


@attrs.frozen(kw_only=True)
class Provider(Validated):
    """An organisation or practitioner that delivers commissioned services."""

    id: ProviderId = attrs.field(metadata={"schema": {"pattern": ID_PATTERN}})
    name: str = attrs.field(
        metadata={"schema": {"pattern": r"\S", "description": "Not blank (invariant: empty)."}}
    )
    kind: ProviderKind
    disciplines: frozenset[Discipline] = attrs.field(
        metadata={"schema": {"minItems": 1, "description": "At least one (invariant: empty)."}}
    )
    registrations: tuple[Registration, ...] = ()
    locality: str | None = None

    def _invariants(self) -> Iterator[Problem]:
        yield from id_problems("id", self.id)
        if not self.name.strip():
            yield problem("name", "empty", "must not be empty")
        if not self.disciplines:
            yield problem("disciplines", "empty", "a provider delivers at least one discipline")
        bodies = [r.body for r in self.registrations]
        for index, body in enumerate(bodies):
            if body in bodies[:index]:
                yield problem(f"registrations[{index}].body", "duplicate", "repeats a regulator")

    def is_registered_with(self, regulators: frozenset[Regulator]) -> bool:
        """True when the provider holds a registration with any of ``regulators``."""
        return any(r.body in regulators for r in self.registrations)

    @property
    def is_organisation(self) -> bool:
        """False for an independent practitioner or a directly employed worker."""
        return self.kind not in _INDIVIDUAL_PROVIDERS

    @applies("P9")
    def registered_for(self, discipline: Discipline) -> bool:
        """True when the provider's registration fits ``discipline`` (P9).

        A regulated discipline needs a registration with one of its regulators
        (:data:`DISCIPLINE_REGULATORS`: a physiotherapist with the HCPC, a nurse with the
        NMC); an organisation may instead be registered with a service regulator
        (:data:`SERVICE_REGULATORS`, such as the CQC), which requires its practitioners to
        be registered. Unregulated disciplines need no registration.

        >>> from casemgmt.model.codes import Discipline, ProviderKind, Regulator
        >>> from casemgmt.model.values import ProviderId, Registration
        >>> physio = Provider(
        ...     id=ProviderId("PR1"),
        ...     name="Riverside Physiotherapy",
        ...     kind=ProviderKind.INDEPENDENT_PRACTITIONER,
        ...     disciplines=frozenset({Discipline.PHYSIOTHERAPY}),
        ...     registrations=(Registration(body=Regulator.CQC, number="1-000"),),
        ... )
        >>> physio.registered_for(Discipline.PHYSIOTHERAPY)
        False
        """
        regulators = DISCIPLINE_REGULATORS.get(discipline)
        if not regulators or self.is_registered_with(regulators):
            return True
        return self.is_organisation and self.is_registered_with(SERVICE_REGULATORS)
