"""Review policies: how often each case is reviewed, discussed by the MDT and has its plan
reviewed, how soon an event or a referral must be acted on, and the Rehabilitation Code's
clocks (M1-M7, A2, P3).

The evidence gives cadences in words ("daily, weekly or monthly" by need: seed 002) and no
figures for MDT meetings, plan reviews, the first assessment or the urgent review after an
admission. Those figures are this library's assumptions, documented as such on the
"Reviews" page and held in fields a host can change.

>>> STANDARD_REVIEWS.cadences.for_tier(RiskTier.HIGH)
Cadence(every=1, unit=<FrequencyUnit.DAY: 'd'>)
>>> str(MONTHLY), str(Cadence(every=2, unit=FrequencyUnit.WEEK)), str(QUARTERLY)
('monthly', 'fortnightly', 'every 3 months')
"""

from __future__ import annotations

import types
from collections.abc import Iterator, Mapping

import attrs

from casemgmt._applies import applies
from casemgmt.errors import Problem
from casemgmt.model import (
    CareEventKind,
    FrequencyUnit,
    RehabilitationCodeTrack,
    ReviewKind,
    RiskTier,
)
from casemgmt.model._base import Validated, problem
from casemgmt.policies._calendar import Roll

__all__ = [
    "DAILY",
    "FORTNIGHTLY",
    "INITIAL_ASSESSMENT",
    "GUIDED_CARE_REVIEWS",
    "MONTHLY",
    "QUARTERLY",
    "REHABILITATION_CODE_CLOCKS",
    "REHABILITATION_CODE_REVIEWS",
    "REVIEW_POLICIES",
    "STANDARD_REVIEWS",
    "URGENT_REVIEW",
    "VIRTUAL_WARD_REVIEWS",
    "WEEKLY",
    "Cadence",
    "Clock",
    "ReviewPolicy",
    "TierCadences",
]

_UNIT_WORDS = {
    FrequencyUnit.DAY: ("daily", "day"),
    FrequencyUnit.WEEK: ("weekly", "week"),
    FrequencyUnit.MONTH: ("monthly", "month"),
    FrequencyUnit.YEAR: ("yearly", "year"),
}


@attrs.frozen(kw_only=True)
class Cadence(Validated):
    """A repeat interval: every ``every`` days, weeks, months or years.

    Monthly and yearly cadences are anchored to their start: the ``k``-th review is ``k``
    months after the anchor, with the day clipped to the end of a shorter month, so
    31 January is followed by 28 (or 29) February and then 31 March, never drifting to the
    28th. A daily cadence means every *working* day unless the policy has out-of-hours
    cover (M7).
    """

    every: int = 1
    unit: FrequencyUnit

    def _invariants(self) -> Iterator[Problem]:
        if not 1 <= self.every <= 366:
            yield problem("every", "out_of_range", "must be from 1 to 366")

    @property
    def is_daily(self) -> bool:
        """True for a cadence of every day."""
        return self.every == 1 and self.unit is FrequencyUnit.DAY

    @property
    def months(self) -> int:
        """The interval in months (0 for a cadence of days or weeks)."""
        if self.unit is FrequencyUnit.MONTH:
            return self.every
        if self.unit is FrequencyUnit.YEAR:
            return 12 * self.every
        return 0

    @property
    def days(self) -> int:
        """The interval in days (0 for a cadence of months or years)."""
        if self.unit is FrequencyUnit.DAY:
            return self.every
        if self.unit is FrequencyUnit.WEEK:
            return 7 * self.every
        return 0

    def __str__(self) -> str:
        adverb, noun = _UNIT_WORDS[self.unit]
        if self.every == 1:
            return adverb
        if self.unit is FrequencyUnit.WEEK and self.every == 2:
            return "fortnightly"
        return f"every {self.every} {noun}s"


DAILY = Cadence(every=1, unit=FrequencyUnit.DAY)
"""Every working day (every day with out-of-hours cover)."""
WEEKLY = Cadence(every=1, unit=FrequencyUnit.WEEK)
"""Every week."""
FORTNIGHTLY = Cadence(every=2, unit=FrequencyUnit.WEEK)
"""Every two weeks."""
MONTHLY = Cadence(every=1, unit=FrequencyUnit.MONTH)
"""Every month, anchored to the start."""
QUARTERLY = Cadence(every=3, unit=FrequencyUnit.MONTH)
"""Every three months, anchored to the start."""


@attrs.frozen(kw_only=True)
class TierCadences(Validated):
    """The case-review cadence of each risk tier (M1, M2); ``None``: no routine reviews
    for the tier."""

    high: Cadence | None = DAILY
    medium: Cadence | None = WEEKLY
    low: Cadence | None = MONTHLY
    unscored: Cadence | None = MONTHLY

    @applies("M1", "M2")
    def for_tier(self, tier: RiskTier) -> Cadence | None:
        """The cadence of ``tier``."""
        if tier is RiskTier.HIGH:
            return self.high
        if tier is RiskTier.MEDIUM:
            return self.medium
        if tier is RiskTier.LOW:
            return self.low
        return self.unscored


@attrs.frozen(kw_only=True)
class Clock(Validated):
    """A deadline counted from a starting day: "within ``days`` (working) days".

    Attributes:
        key: Stable lower-case key (``"rc2015-compensator-response"``).
        title: What must happen by the deadline.
        days: How many days are allowed.
        working_days: Count working days of the calendar (else calendar days).
        starts: For a clock of :attr:`ReviewPolicy.clocks`, the event that starts it.
        stops: For a clock of :attr:`ReviewPolicy.clocks`, the event that stops it.
        tracks: For a Rehabilitation Code clock, the tracks it applies to (empty: all cases).
        rule_id: The catalogue rule it applies, if any.
        source: Where the figure comes from.
        verified: ``True`` only when the figure was checked against a primary source or
            several independent ones agree; items from unverified clocks say so.
    """

    key: str
    title: str
    days: int
    working_days: bool = False
    starts: CareEventKind | None = None
    stops: CareEventKind | None = None
    tracks: frozenset[RehabilitationCodeTrack] = frozenset()
    rule_id: str | None = None
    source: str
    verified: bool

    def _invariants(self) -> Iterator[Problem]:
        if not self.key or self.key != self.key.lower() or " " in self.key:
            yield problem("key", "bad_key", "must be lower-case without spaces")
        if not 0 <= self.days <= 3660:
            yield problem("days", "out_of_range", "must be from 0 to 3660")
        if not self.title.strip():
            yield problem("title", "empty", "must not be empty")
        if not self.source.strip():
            yield problem("source", "empty", "must say where the figure comes from")

    def __str__(self) -> str:
        unit = "working day" if self.working_days else "day"
        return f"within {self.days} {unit}{'' if self.days == 1 else 's'}"


_ALL_REVIEWS = frozenset(ReviewKind)

INITIAL_ASSESSMENT = Clock(
    key="initial-assessment",
    title="initial assessment",
    days=10,
    working_days=True,
    rule_id="A2",
    source=(
        "Assumption of this library: A2 asks for an initial assessment as early as possible "
        "(CMSUK best practice, seed 004; seed 000) and gives no figure."
    ),
    verified=False,
)
"""The first assessment within ten working days of the referral (A2): an assumption."""

URGENT_REVIEW = Clock(
    key="urgent-review",
    title="urgent review after an admission or A&E attendance",
    days=1,
    working_days=True,
    rule_id="M6",
    source=(
        "Assumption of this library: seed 002 has the case manager alerted when a "
        "virtual-ward patient presents or is admitted (Croydon), and gives no figure."
    ),
    verified=False,
)
"""An urgent review the next working day after an admission or A&E attendance (M6): an
assumption."""

REHABILITATION_CODE_CLOCKS: tuple[Clock, ...] = (
    Clock(
        key="rc2015-compensator-response",
        title="compensator's response to the request for rehabilitation",
        days=21,
        starts=CareEventKind.REHABILITATION_REQUESTED,
        stops=CareEventKind.COMPENSATOR_RESPONDED,
        source=(
            "Rehabilitation Code 2015: the compensator should respond within 21 days "
            "(Higgs LLP; Hill Dickinson; Sintons, which all agree)."
        ),
        verified=True,
    ),
    Clock(
        key="rc2015-lower-value-funding",
        title="compensator's funding decision on the triage report (lower-value track)",
        days=15,
        starts=CareEventKind.TRIAGE_REPORT_RECEIVED,
        stops=CareEventKind.FUNDING_DECISION,
        tracks=frozenset({RehabilitationCodeTrack.LOWER_VALUE}),
        source=(
            "Rehabilitation Code 2015, lower-value track: the compensator advises within 15 "
            "days of the funds it will make available (Hill Dickinson's summary only; not "
            "checked against the Code's text)."
        ),
        verified=False,
    ),
)
"""The Rehabilitation Code 2015's clocks, as data with their sources: the figures come from
secondary summaries because only the opening of the Code's text could be retrieved."""


@attrs.frozen(kw_only=True)
class ReviewPolicy(Validated):
    """When a programme's cases are reviewed, and how soon things must happen.

    Attributes:
        key: Stable lower-case key.
        cadences: The case-review cadence of each risk tier (M1, M2, M3).
        cadence_rule: The rule the cadences apply (``"M1"``; ``"M2"`` for virtual-ward
            rounds, ``"M3"`` for monthly monitoring).
        mdt: How often each case is discussed at the multi-disciplinary team meeting (M4);
            ``None``: no separate MDT discussion.
        care_plan_review: How often the care plan is reviewed (P3, M5), counted from the
            day the current plan version was made. A plan's own ``next_review`` date comes
            first.
        goal_due_dates: Schedule each open goal's due date.
        initial_assessment: The first assessment after the referral (A2).
        urgent_review: How soon an event of :attr:`urgent_triggers` must be followed by a
            review (M6).
        urgent_triggers: The events that trigger an urgent review.
        clocks: Further deadlines started and stopped by events (the Rehabilitation Code's).
        counts_as_case_review: Which kinds of review held meet a routine case review.
        roll: Where a review that falls on a non-working day moves to.
        out_of_hours_cover: The programme has cover outside working hours (M7): daily
            reviews then fall on every day, and an urgent review's allowance counts every
            day. Without it no review falls on a non-working day.
        review_hour: The local hour of a review's instant (calendar entries).
        review_minute: The minute of a review's instant.
        pause_on_hold: Routine reviews stop while a case is on hold (urgent reviews and
            clocks still run).
    """

    key: str
    cadences: TierCadences = TierCadences()
    cadence_rule: str = "M1"
    mdt: Cadence | None = None
    care_plan_review: Cadence | None = QUARTERLY
    goal_due_dates: bool = True
    initial_assessment: Clock | None = INITIAL_ASSESSMENT
    urgent_review: Clock = URGENT_REVIEW
    urgent_triggers: frozenset[CareEventKind] = frozenset(
        {CareEventKind.HOSPITAL_ADMISSION, CareEventKind.EMERGENCY_DEPARTMENT_ATTENDANCE}
    )
    clocks: tuple[Clock, ...] = ()
    counts_as_case_review: frozenset[ReviewKind] = _ALL_REVIEWS
    roll: Roll = Roll.FORWARD
    out_of_hours_cover: bool = False
    review_hour: int = 9
    review_minute: int = 0
    pause_on_hold: bool = True

    def _invariants(self) -> Iterator[Problem]:
        if not self.key or self.key != self.key.lower() or " " in self.key:
            yield problem("key", "bad_key", "must be lower-case without spaces")
        if self.cadence_rule not in {"M1", "M2", "M3"}:
            yield problem("cadence_rule", "unknown_rule", "must be M1, M2 or M3")
        if not 0 <= self.review_hour <= 23:
            yield problem("review_hour", "out_of_range", "must be from 0 to 23")
        if not 0 <= self.review_minute <= 59:
            yield problem("review_minute", "out_of_range", "must be from 0 to 59")
        for index, clock in enumerate(self.clocks):
            if clock.starts is None or clock.stops is None:
                yield problem(
                    f"clocks[{index}]", "no_events", "must name the events that start and stop it"
                )
        keys = [c.key for c in self.clocks]
        if len(set(keys)) != len(keys):
            yield problem("clocks", "duplicate", "clock keys must be unique")

    def with_cover(self, out_of_hours_cover: bool = True) -> ReviewPolicy:
        """Return the policy with (or without) out-of-hours cover (M7)."""
        return attrs.evolve(self, out_of_hours_cover=out_of_hours_cover)

    def with_mdt(self, mdt: Cadence | None) -> ReviewPolicy:
        """Return the policy with a different MDT cadence (``None``: no MDT discussions)."""
        return attrs.evolve(self, mdt=mdt)

    def with_initial_assessment(self, clock: Clock | None) -> ReviewPolicy:
        """Return the policy with a different allowance for the first assessment."""
        return attrs.evolve(self, initial_assessment=clock)


STANDARD_REVIEWS = ReviewPolicy(key="standard", mdt=MONTHLY)
"""Daily, weekly or monthly reviews by risk tier (M1: high, medium, low; unscored monthly),
a monthly MDT discussion (M4), a plan review every three months, the first assessment within
ten working days and an urgent review the next working day after an admission or A&E
attendance. Only the daily / weekly / monthly cadences come from the evidence."""

VIRTUAL_WARD_REVIEWS = ReviewPolicy(
    key="virtual-ward",
    cadence_rule="M2",
    care_plan_review=MONTHLY,
)
"""Virtual-ward rounds: each patient discussed daily, weekly or monthly by risk status, with
the plan amended at the round (M2, seed 002). The round is the MDT discussion, so there is
no separate one. Rounds run on working days; a ward that also holds them at weekends sets
``out_of_hours_cover``."""

GUIDED_CARE_REVIEWS = ReviewPolicy(
    key="guided-care",
    cadences=TierCadences(high=MONTHLY, medium=MONTHLY, low=MONTHLY, unscored=MONTHLY),
    cadence_rule="M3",
    mdt=MONTHLY,
)
"""Guided Care: the nurse monitors each patient monthly (M3, seed 002)."""

REHABILITATION_CODE_REVIEWS = ReviewPolicy(
    key="rehabilitation-code",
    cadences=TierCadences(high=WEEKLY, medium=MONTHLY, low=MONTHLY, unscored=MONTHLY),
    cadence_rule="M3",
    mdt=QUARTERLY,
    initial_assessment=Clock(
        key="ina-after-appointment",
        title="immediate needs assessment visit",
        days=21,
        rule_id="A2",
        source=(
            "A claimant firm's practice statement (Sintons): the INA visit usually takes "
            "place within 21 days of the case manager's appointment. Not the Code's text."
        ),
        verified=False,
    ),
    clocks=REHABILITATION_CODE_CLOCKS,
)
"""Personal-injury case management under the Rehabilitation Code 2015: monthly visits
(M3, seed 001; weekly for the highest risk, an assumption), a quarterly round-table (M4,
seed 003, assumption), the INA within 21 days, and the Code's clocks."""

REVIEW_POLICIES: Mapping[str, ReviewPolicy] = types.MappingProxyType(
    {
        p.key: p
        for p in (
            STANDARD_REVIEWS,
            VIRTUAL_WARD_REVIEWS,
            GUIDED_CARE_REVIEWS,
            REHABILITATION_CODE_REVIEWS,
        )
    }
)
"""Every review-policy preset, by key."""
