"""Referral sources and referrals (seed 003 for the personal-injury sources; 002 and 004 for
the NHS and occupational-health ones)."""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pendulum

from casemgmt._applies import applies
from casemgmt.errors import InvalidTransitionError, InvariantError, Problem
from casemgmt.model._base import Validated, problem
from casemgmt.model.codes import (
    ReferralOutcome,
    ReferralPriority,
    ReferralSourceKind,
    RehabilitationCodeTrack,
)
from casemgmt.model.values import (
    ID_PATTERN,
    ClientId,
    ReferralId,
    ReferralSourceId,
    id_problems,
)

__all__ = ["Referral", "ReferralSource"]


@attrs.frozen(kw_only=True)
class ReferralSource(Validated):
    """Who refers clients: an organisation or a person acting for the client.

    ``organisation`` names a firm, insurer, commissioner or practice. ``contact_name`` is the
    individual's name and is personal data (hidden from ``repr``).
    """

    id: ReferralSourceId = attrs.field(metadata={"schema": {"pattern": ID_PATTERN}})
    kind: ReferralSourceKind
    organisation: str | None = None
    contact_name: str | None = attrs.field(default=None, repr=False)

    def _invariants(self) -> Iterator[Problem]:
        yield from id_problems("id", self.id)


_CLOSED_OUTCOMES = frozenset(
    {
        ReferralOutcome.INELIGIBLE,
        ReferralOutcome.INAPPROPRIATE,
        ReferralOutcome.DUPLICATE,
        ReferralOutcome.WITHDRAWN,
    }
)


@attrs.frozen(kw_only=True)
class Referral(Validated):
    """A request that a client be case-managed.

    A referral that is not accepted records why (E7): ``outcome`` says which way it went and
    ``outcome_reason`` explains it. ``interim_funds_secured`` records a claimant solicitor's
    interim payment from the court (seed 003).
    """

    id: ReferralId = attrs.field(metadata={"schema": {"pattern": ID_PATTERN}})
    client_id: ClientId
    source_id: ReferralSourceId
    received_on: pendulum.Date
    reason: str = attrs.field(repr=False)
    priority: ReferralPriority = ReferralPriority.ROUTINE
    outcome: ReferralOutcome = ReferralOutcome.PENDING
    outcome_on: pendulum.Date | None = None
    outcome_reason: str | None = attrs.field(default=None, repr=False)
    programme: str | None = None
    rehabilitation_code_track: RehabilitationCodeTrack | None = None
    interim_funds_secured: bool = False

    def _invariants(self) -> Iterator[Problem]:
        yield from id_problems("id", self.id)
        decided = self.outcome is not ReferralOutcome.PENDING
        if decided and self.outcome_on is None:
            yield problem("outcome_on", "required", "is required once the referral is decided")
        if not decided and self.outcome_on is not None:
            yield problem("outcome_on", "unexpected", "must be empty while the referral is pending")
        if self.outcome_on is not None and self.outcome_on < self.received_on:
            yield problem("outcome_on", "before_start", "is before the referral was received")
        if self.outcome in _CLOSED_OUTCOMES and not (self.outcome_reason or "").strip():
            yield problem("outcome_reason", "required", "a referral not taken on needs a reason")

    @property
    def is_pending(self) -> bool:
        """True until the referral is accepted or turned down."""
        return self.outcome is ReferralOutcome.PENDING

    def accept(self, on: pendulum.Date) -> Referral:
        """Return the referral accepted on ``on``."""
        return self._decide(ReferralOutcome.ACCEPTED, on, None)

    @applies("E7")
    def turn_down(self, outcome: ReferralOutcome, on: pendulum.Date, reason: str) -> Referral:
        """Return the referral turned down as ineligible, inappropriate, duplicate or
        withdrawn, with the reason recorded (E7).

        Raises:
            InvariantError: when ``outcome`` is not one of the turn-down outcomes.
            InvalidTransitionError: when the referral was already decided.
        """
        if outcome not in _CLOSED_OUTCOMES:
            allowed = ", ".join(sorted(o.value for o in _CLOSED_OUTCOMES))
            raise InvariantError(
                "Referral", [problem("outcome", "not_a_turn_down", f"must be one of {allowed}")]
            )
        return self._decide(outcome, on, reason)

    def _decide(self, outcome: ReferralOutcome, on: pendulum.Date, reason: str | None) -> Referral:
        if not self.is_pending:
            raise InvalidTransitionError(
                "Referral", outcome.value, self.outcome.value, [ReferralOutcome.PENDING.value]
            )
        return attrs.evolve(self, outcome=outcome, outcome_on=on, outcome_reason=reason)
