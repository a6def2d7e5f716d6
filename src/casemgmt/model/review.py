"""What the review schedule reacts to: reviews that were held, and events in the client's
care or claim.

A held :class:`Review` meets the review that was due (M1-M5); a :class:`CareEvent` can
trigger an urgent review (a hospital admission or A&E attendance, M6), change the review
cadence (a change of risk tier), or start and stop one of the Rehabilitation Code's clocks.

>>> import pendulum
>>> from casemgmt.model import CareEventKind, RiskTier
>>> CareEvent(
...     kind=CareEventKind.RISK_TIER_CHANGE,
...     occurred_on=pendulum.date(2026, 3, 2),
...     risk_tier=RiskTier.HIGH,
... ).risk_tier
<RiskTier.HIGH: 'high'>
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pendulum

from casemgmt.errors import Problem
from casemgmt.model._base import Validated, problem
from casemgmt.model.codes import CareEventKind, ContactMode, ReviewKind, RiskTier
from casemgmt.model.values import ID_PATTERN, CaseManagerId, ReviewId, id_problems

__all__ = ["CareEvent", "Review"]


@attrs.frozen(kw_only=True)
class Review(Validated):
    """A review that was held.

    Attributes:
        id: The review's id, unique within its case.
        kind: What the review was: a case review, an MDT discussion, a care-plan review or
            an urgent review.
        held_on: The day it was held.
        contact_mode: Face to face, by telephone, by video or by remote monitoring (A4, M1).
        held_by: The case manager who held it.
        summary: Free text; never shown in ``repr``.
    """

    id: ReviewId = attrs.field(metadata={"schema": {"pattern": ID_PATTERN}})
    kind: ReviewKind
    held_on: pendulum.Date
    contact_mode: ContactMode | None = None
    held_by: CaseManagerId | None = None
    summary: str = attrs.field(default="", repr=False)

    def _invariants(self) -> Iterator[Problem]:
        yield from id_problems("id", self.id)


@attrs.frozen(kw_only=True)
class CareEvent(Validated):
    """Something that happened to the client or the claim on a given day.

    Attributes:
        kind: What happened.
        occurred_on: The day it happened.
        risk_tier: The new risk tier, for a :attr:`~CareEventKind.RISK_TIER_CHANGE` (and only
            for one).
        note: Free text; never shown in ``repr``.

    Invariants: a change of risk tier names the new tier, and no other event names one.
    """

    kind: CareEventKind
    occurred_on: pendulum.Date
    risk_tier: RiskTier | None = None
    note: str = attrs.field(default="", repr=False)

    def _invariants(self) -> Iterator[Problem]:
        tier_change = self.kind is CareEventKind.RISK_TIER_CHANGE
        if tier_change and self.risk_tier is None:
            yield problem("risk_tier", "required", "a change of risk tier names the new tier")
        if not tier_change and self.risk_tier is not None:
            yield problem("risk_tier", "unexpected", "only a change of risk tier names a tier")
