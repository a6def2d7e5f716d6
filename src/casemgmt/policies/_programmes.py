"""Programmes: one value per programme bundling everything it decides, and the named presets
from the evidence.

Each service reads its own part of a :class:`Programme`; plan validation reads
:attr:`Programme.plan`. Every preset names the sources its values come from.
"""

from __future__ import annotations

import enum
import types
from collections.abc import Iterator, Mapping

import attrs

from casemgmt.errors import Problem
from casemgmt.model import GoalDomain, Money
from casemgmt.model._base import Validated, problem
from casemgmt.policies._plan import PlanPolicy

__all__ = [
    "CASTLEFIELDS",
    "EVERCARE",
    "GENERIC",
    "GUIDED_CARE",
    "OHSXTRA",
    "PACE",
    "PROGRAMMES",
    "REHABILITATION_CODE",
    "VIRTUAL_WARD",
    "WALES_APN",
    "CaseManagementContext",
    "Programme",
    "programme",
]


class CaseManagementContext(enum.Enum):
    """The three contexts of case management the library serves (DOMAIN.md)."""

    PERSONAL_INJURY = "personal-injury"
    LONG_TERM_CONDITIONS = "long-term-conditions"
    OCCUPATIONAL_HEALTH = "occupational-health"


@attrs.frozen(kw_only=True)
class Programme(Validated):
    """A case-management programme and everything it decides.

    Attributes:
        key: Stable lower-case key (``"castlefields"``), used by the CLI and in documents.
        name: Display name.
        context: Which of the three contexts it belongs to.
        sources: Ids of the source documents its values come from
            (:data:`casemgmt.rules.SOURCES`).
        plan: How it validates care plans.
    """

    key: str
    name: str
    context: CaseManagementContext
    sources: tuple[str, ...] = ()
    plan: PlanPolicy = attrs.field(factory=PlanPolicy)

    def _invariants(self) -> Iterator[Problem]:
        if not self.key or not self.key.replace("-", "").isalnum() or self.key != self.key.lower():
            yield problem("key", "bad_key", "must be lower-case letters, digits and hyphens")
        if not self.name.strip():
            yield problem("name", "empty", "must not be empty")

    def with_plan_policy(self, plan: PlanPolicy) -> Programme:
        """Return the programme with a different plan policy (a local variant of a preset)."""
        return attrs.evolve(self, plan=plan)


_VOCATIONAL = frozenset({GoalDomain.EMPLOYMENT, GoalDomain.EDUCATION})

GENERIC = Programme(
    key="generic",
    name="Generic case management",
    context=CaseManagementContext.LONG_TERM_CONDITIONS,
)
"""No programme-specific values: the library's defaults."""

CASTLEFIELDS = Programme(
    key="castlefields",
    name="Castlefields Health Centre, Runcorn",
    context=CaseManagementContext.LONG_TERM_CONDITIONS,
    sources=("002",),
    plan=PlanPolicy(spend_authority_per_week=Money.gbp("200")),
)
"""Pooled health and social care budget: social workers could commit up to GBP 200 a week
without a further referral (F2; King's Fund 2011, p 23)."""

GUIDED_CARE = Programme(
    key="guided-care",
    name="Guided Care",
    context=CaseManagementContext.LONG_TERM_CONDITIONS,
    sources=("002",),
)
"""Guided Care (Johns Hopkins): nurses case-managing older people with several conditions."""

PACE = Programme(
    key="pace",
    name="Program of All-inclusive Care for the Elderly (PACE)",
    context=CaseManagementContext.LONG_TERM_CONDITIONS,
    sources=("002",),
)
"""PACE: team-based care for people certified as needing nursing-home care."""

EVERCARE = Programme(
    key="evercare",
    name="Evercare",
    context=CaseManagementContext.LONG_TERM_CONDITIONS,
    sources=("002",),
)
"""Evercare: advanced practice nurses for people over 65 at risk of unplanned admission."""

WALES_APN = Programme(
    key="wales-apn",
    name="Wales advanced practice nurse programme",
    context=CaseManagementContext.LONG_TERM_CONDITIONS,
    sources=("002",),
)
"""Wales APN: people over 50 with two or more admissions in the year before."""

VIRTUAL_WARD = Programme(
    key="virtual-ward",
    name="Virtual Ward (Croydon, Wandsworth, Devon)",
    context=CaseManagementContext.LONG_TERM_CONDITIONS,
    sources=("002",),
)
"""Virtual wards: people at the highest predicted risk, discussed at daily to monthly rounds."""

OHSXTRA = Programme(
    key="ohsxtra",
    name="OHSxtra occupational health case management",
    context=CaseManagementContext.OCCUPATIONAL_HEALTH,
    sources=("004",),
    plan=PlanPolicy(required_goal_domains=_VOCATIONAL),
)
"""OHSxtra: NHS employees absent from or struggling at work; the outcome that matters is
return to work, so a plan needs an employment or education goal (P7)."""

REHABILITATION_CODE = Programme(
    key="rehabilitation-code",
    name="Personal injury rehabilitation (Rehabilitation Code)",
    context=CaseManagementContext.PERSONAL_INJURY,
    sources=("000", "003"),
)
"""Personal-injury rehabilitation under a joint solicitor and insurer instruction, from the
initial needs assessment to closure."""

PROGRAMMES: Mapping[str, Programme] = types.MappingProxyType(
    {
        p.key: p
        for p in (
            GENERIC,
            CASTLEFIELDS,
            EVERCARE,
            GUIDED_CARE,
            OHSXTRA,
            PACE,
            REHABILITATION_CODE,
            VIRTUAL_WARD,
            WALES_APN,
        )
    }
)
"""Every preset, by key."""


def programme(key: str) -> Programme:
    """The preset with ``key`` (``KeyError`` naming the key when there is none).

    >>> programme("castlefields").plan.spend_authority_per_week
    Money(minor=20000, currency='GBP')
    """
    return PROGRAMMES[key]
