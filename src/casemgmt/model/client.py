"""The client: the person who is case-managed, with carers, consents and risk inputs.

Personal data (name, date of birth, NHS number, address, contact details, employer, carers'
names) is never shown by ``repr`` or ``str`` and never appears in an error message.

>>> from casemgmt.model.values import ClientId, PersonName
>>> client = Client(
...     id=ClientId("CL-1"),
...     name=PersonName(given="Ada", family="Lovelace"),
...     date_of_birth=pendulum.Date(1950, 6, 1),
... )
>>> client
Client(id='CL-1', <personal data hidden>)
>>> client.age_on(pendulum.Date(2026, 5, 31)), client.age_on(pendulum.Date(2026, 6, 1))
(75, 76)
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pendulum

from casemgmt._applies import applies
from casemgmt.errors import InvalidTransitionError, Problem
from casemgmt.model._base import Validated, duplicates, problem
from casemgmt.model.codes import (
    AdministrativeGender,
    AgreementParty,
    CarerNeed,
    ConditionCategory,
    ConsentDecision,
    ConsentScope,
    EmploymentStatus,
    RecipientKind,
    SharingPurpose,
)
from casemgmt.model.values import (
    ID_PATTERN,
    Address,
    CarerId,
    ClientId,
    ContactDetails,
    NhsNumber,
    PersonName,
    id_problems,
)

__all__ = [
    "Carer",
    "Client",
    "Condition",
    "Consent",
    "Employment",
    "RiskInputs",
    "SicknessAbsence",
]


@attrs.frozen(kw_only=True)
class Condition(Validated):
    """A diagnosed condition, grouped into a category that programme criteria use.

    ``code`` may hold a SNOMED CT concept id; ``long_term`` marks a long-term condition (the
    count of those drives Guided Care style criteria, E5).
    """

    category: ConditionCategory
    long_term: bool
    label: str = attrs.field(repr=False)
    code: str | None = None
    onset: pendulum.Date | None = None


@attrs.frozen(kw_only=True)
class Carer(Validated):
    """An informal carer, whose own needs are part of the assessment (A1, seed 002)."""

    id: CarerId = attrs.field(metadata={"schema": {"pattern": ID_PATTERN}})
    relationship: str
    name: PersonName | None = None
    lives_with_client: bool = False
    needs: frozenset[CarerNeed] = frozenset()
    contact: ContactDetails | None = None

    def _invariants(self) -> Iterator[Problem]:
        yield from id_problems("id", self.id)


@attrs.frozen(kw_only=True)
class Consent(Validated):
    """A recorded consent decision (E9): to case management, to sharing records, or to
    contacting the employer or the family.

    A consent is *given* on ``recorded_on`` and applies from ``starts_on`` (the day it was
    given when not set) up to, but not including, the first of ``expires_on`` and
    ``withdrawn_on``: like a withdrawal, an expiry date is the first day on which the
    consent no longer applies. A consent to share may be limited to some ``recipients``
    and some ``purposes``; an empty set means any. Contacting the employer or the family
    names its recipient in its scope, so only ``purposes`` may limit it, and consent to
    case management is never limited (it is not consent to share: seed 004).

    Invariants (each reported with its path): a consent does not start before it was given
    (``starts_on``, ``backdated``); it expires after it starts (``expires_on``,
    ``not_after_start``); it is not withdrawn before it was given (``withdrawn_on``,
    ``before_start``); ``recipients`` only on a record-sharing consent and ``purposes``
    never on a case-management one (``not_applicable``).

    >>> from casemgmt.model.codes import RecipientKind, SharingPurpose
    >>> gp_only = Consent(
    ...     scope=ConsentScope.RECORD_SHARING,
    ...     decision=ConsentDecision.PERMIT,
    ...     recorded_on=pendulum.Date(2026, 3, 2),
    ...     expires_on=pendulum.Date(2027, 3, 2),
    ...     recipients=frozenset({RecipientKind.GP}),
    ... )
    >>> [gp_only.in_force_on(pendulum.Date(2027, 3, d)) for d in (1, 2)]
    [True, False]
    >>> gp_only.covers(RecipientKind.GP, SharingPurpose.CARE_COORDINATION)
    True
    >>> gp_only.covers(RecipientKind.INSURER, SharingPurpose.CLAIM)
    False
    """

    scope: ConsentScope
    decision: ConsentDecision
    recorded_on: pendulum.Date
    starts_on: pendulum.Date | None = None
    expires_on: pendulum.Date | None = None
    withdrawn_on: pendulum.Date | None = None
    purposes: frozenset[SharingPurpose] = frozenset()
    recipients: frozenset[RecipientKind] = frozenset()
    given_by: AgreementParty = AgreementParty.CLIENT

    def _invariants(self) -> Iterator[Problem]:
        if self.starts_on is not None and self.starts_on < self.recorded_on:
            # A consent given today cannot cover what happened before it was given.
            yield problem("starts_on", "backdated", "is before the consent was given")
        if self.expires_on is not None and self.expires_on <= self.effective_from:
            yield problem("expires_on", "not_after_start", "must be after the consent starts")
        if self.withdrawn_on is not None and self.withdrawn_on < self.recorded_on:
            yield problem("withdrawn_on", "before_start", "is before the consent was recorded")
        if self.recipients and self.scope is not ConsentScope.RECORD_SHARING:
            yield problem(
                "recipients", "not_applicable", "only a record-sharing consent names recipients"
            )
        if self.purposes and self.scope is ConsentScope.CASE_MANAGEMENT:
            yield problem(
                "purposes", "not_applicable", "consent to case management has no purposes"
            )

    @property
    def effective_from(self) -> pendulum.Date:
        """The first day the consent applies: ``starts_on``, or the day it was given."""
        return self.recorded_on if self.starts_on is None else self.starts_on

    @applies("E9")
    def in_force_on(self, day: pendulum.Date) -> bool:
        """True when this consent applies on ``day``: started, not expired, not withdrawn."""
        return (
            self.effective_from <= day
            and (self.expires_on is None or day < self.expires_on)
            and (self.withdrawn_on is None or day < self.withdrawn_on)
        )

    @property
    def restricted(self) -> bool:
        """True when the consent names some recipients or purposes (it covers only those)."""
        return bool(self.recipients or self.purposes)

    @applies("E9")
    def covers(self, recipient: RecipientKind, purpose: SharingPurpose) -> bool:
        """True when the consent's recipients and purposes include ``recipient`` and
        ``purpose`` (an empty set includes everything). Scope and dates are not checked:
        see :meth:`in_force_on`."""
        return (not self.recipients or recipient in self.recipients) and (
            not self.purposes or purpose in self.purposes
        )

    @applies("E9")
    def withdraw(self, on: pendulum.Date) -> Consent:
        """Return the consent withdrawn from ``on``.

        Raises:
            InvalidTransitionError: when it was already withdrawn (a second withdrawal
                would rewrite the record of when it stopped applying).
        """
        if self.withdrawn_on is not None:
            raise InvalidTransitionError("Consent", "withdraw", "withdrawn", ["in force"])
        return attrs.evolve(self, withdrawn_on=on)


@attrs.frozen(kw_only=True)
class RiskInputs(Validated):
    """Inputs to case-finding (E1-E3): a predicted risk from a model, and past service use.

    ``predicted_risk`` is a probability (0 to 1) from a predictive model such as the
    Combined Predictive Model; ``scored_on`` says when it was computed.
    """

    predicted_risk: float | None = attrs.field(
        default=None,
        metadata={
            "schema": {
                "minimum": 0,
                "maximum": 1,
                "description": "A probability, 0 to 1 (invariant: out_of_range).",
            }
        },
    )
    scored_on: pendulum.Date | None = None
    emergency_admissions_12m: int = attrs.field(
        default=0,
        metadata={"schema": {"minimum": 0, "description": "Not negative (invariant: negative)."}},
    )
    ae_attendances_12m: int = attrs.field(
        default=0,
        metadata={"schema": {"minimum": 0, "description": "Not negative (invariant: negative)."}},
    )
    nursing_home_level_of_need: bool = False

    def _invariants(self) -> Iterator[Problem]:
        if self.predicted_risk is not None and not 0.0 <= self.predicted_risk <= 1.0:
            yield problem("predicted_risk", "out_of_range", "must be between 0 and 1")
        if self.predicted_risk is not None and self.scored_on is None:
            yield problem("scored_on", "required", "is required with a predicted risk")
        if self.emergency_admissions_12m < 0:
            yield problem("emergency_admissions_12m", "negative", "must not be negative")
        if self.ae_attendances_12m < 0:
            yield problem("ae_attendances_12m", "negative", "must not be negative")


@attrs.frozen(kw_only=True)
class SicknessAbsence(Validated):
    """A spell of sickness absence, or a person at work but struggling (seed 004)."""

    started_on: pendulum.Date
    ended_on: pendulum.Date | None = None
    working_days_lost: int = attrs.field(
        default=0,
        metadata={"schema": {"minimum": 0, "description": "Not negative (invariant: negative)."}},
    )
    struggling_at_work: bool = False

    def _invariants(self) -> Iterator[Problem]:
        if self.ended_on is not None and self.ended_on < self.started_on:
            yield problem("ended_on", "before_start", "is before the absence started")
        if self.working_days_lost < 0:
            yield problem("working_days_lost", "negative", "must not be negative")


@attrs.frozen(kw_only=True)
class Employment(Validated):
    """Work situation, for vocational goals and occupational-health programmes (seed 004)."""

    status: EmploymentStatus
    employer: str | None = attrs.field(default=None, repr=False)
    occupation: str | None = None
    nhs_employee: bool = False
    absence: SicknessAbsence | None = None

    def _invariants(self) -> Iterator[Problem]:
        working = (EmploymentStatus.EMPLOYED, EmploymentStatus.SELF_EMPLOYED)
        if self.absence is not None and self.status not in working:
            yield problem("absence", "not_employed", "sickness absence needs employment")
        if self.nhs_employee and self.status is not EmploymentStatus.EMPLOYED:
            yield problem("nhs_employee", "not_employed", "an NHS employee must be employed")


@attrs.frozen(kw_only=True, repr=False)
class Client(Validated):
    """A person who is, or may be, case-managed.

    Only ``id`` is shown by ``repr``; everything else may identify the person.
    """

    id: ClientId = attrs.field(metadata={"schema": {"pattern": ID_PATTERN}})
    name: PersonName
    date_of_birth: pendulum.Date
    nhs_number: NhsNumber | None = None
    gender: AdministrativeGender = AdministrativeGender.UNKNOWN
    address: Address | None = None
    contact: ContactDetails | None = None
    conditions: tuple[Condition, ...] = ()
    carers: tuple[Carer, ...] = ()
    consents: tuple[Consent, ...] = ()
    risk: RiskInputs = RiskInputs()
    employment: Employment | None = None

    def _invariants(self) -> Iterator[Problem]:
        yield from id_problems("id", self.id)
        yield from duplicates("carers", [c.id for c in self.carers])
        for index, consent in enumerate(self.consents):
            if consent.recorded_on < self.date_of_birth:
                yield problem(f"consents[{index}].recorded_on", "before_birth", "is before birth")
        for index, condition in enumerate(self.conditions):
            if condition.onset is not None and condition.onset < self.date_of_birth:
                yield problem(f"conditions[{index}].onset", "before_birth", "is before birth")

    def __repr__(self) -> str:
        return f"Client(id={self.id!r}, <personal data hidden>)"

    __str__ = __repr__

    def age_on(self, day: pendulum.Date) -> int:
        """Age in whole years on ``day`` (a person born on 29 February ages on 1 March in
        common years)."""
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years

    @property
    def long_term_condition_count(self) -> int:
        """How many long-term conditions are recorded."""
        return sum(1 for c in self.conditions if c.long_term)

    @applies("E9")
    def has_consent(self, scope: ConsentScope, on: pendulum.Date) -> bool:
        """True when the client has consented to ``scope`` and the consent is in force on
        ``on`` (E9): the scope-wide question eligibility asks.

        The latest unlimited consent for the scope in force on the day decides (a later
        decision replaces an earlier one). Without one, a consent limited to some
        recipients or purposes counts when it permits: the client agreed to some of what
        the scope covers. A limited refusal refuses only what it names, so it never
        decides the scope as a whole. Whether one disclosure to one recipient for one
        purpose is allowed is a narrower question: ask
        :func:`casemgmt.services.may_share`.
        """
        in_force = [c for c in self.consents if c.scope is scope and c.in_force_on(on)]
        unlimited = [c for c in in_force if not c.restricted]
        if unlimited:
            latest = max(unlimited, key=lambda c: c.recorded_on)
            return latest.decision is ConsentDecision.PERMIT
        return any(c.decision is ConsentDecision.PERMIT for c in in_force)

    @applies("E9")
    def record_consent(self, consent: Consent) -> Client:
        """Return the client with ``consent`` added to their consent history."""
        return attrs.evolve(self, consents=(*self.consents, consent))

    @applies("E9")
    def withdraw_consent(self, scope: ConsentScope, on: pendulum.Date) -> Client:
        """Return the client with every open consent for ``scope`` withdrawn from ``on``."""
        consents = tuple(
            c.withdraw(on) if c.scope is scope and c.withdrawn_on is None else c
            for c in self.consents
        )
        return attrs.evolve(self, consents=consents)

    def update_risk(self, risk: RiskInputs) -> Client:
        """Return the client with new risk inputs (a rescore, or new admissions)."""
        return attrs.evolve(self, risk=risk)

    def add_carer(self, carer: Carer) -> Client:
        """Return the client with another carer."""
        return attrs.evolve(self, carers=(*self.carers, carer))
