"""Review scheduling: what is due for each case, when, and what is overdue (M1-M7, A2, P3).

A case has several *streams* of things due:

- routine **case reviews** at the cadence of its risk tier (M1-M3), on a grid anchored to
  the day the cycle started: the day the case opened, the day of each new plan version (a
  revision restarts the cycle) and the day of each change of risk tier (the new cadence
  applies from that day);
- **MDT discussions** at the policy's MDT cadence (M4);
- **care-plan reviews** of the current plan (P3, M5), from its own ``next_review`` date or
  at the policy's cadence from the day the version was made;
- each open **goal's due date**;
- the **initial assessment** (A2), counted from the day the earliest referral was
  received, or, for the Rehabilitation Code's immediate needs assessment
  (``ina-after-appointment``), from the case manager's appointment: the earliest day a
  referral was accepted (an open case that records none counts from the day it opened);
- an **urgent review** after each hospital admission or A&E attendance (M6);
- **deadlines** of clocks such as the Rehabilitation Code's, started and stopped by events.

A grid occurrence is met by a review held in its *window*: after the previous occurrence's
due date (or the start of the cycle) and up to its own due date. A review held late falls
in the next window and meets that occurrence; the one it missed stays missed. So the next
review of a stream is the first occurrence whose window opens after the latest review, and
it is overdue once its due date has passed.

Dates that fall on a non-working day move to the next or previous working day
(:attr:`~casemgmt.policies.ReviewPolicy.roll`); daily reviews fall on working days only,
unless the programme has out-of-hours cover (M7). A backward move never goes back to or
before the start of the cycle (the date moves forward instead), and occurrences that move
onto the same day are one review. Deadlines counted in calendar days are not moved: they
are someone else's deadlines, fixed by the rules that set them.

Everything is computed on proleptic ordinals against a tabulated calendar
(:meth:`~casemgmt.policies.WorkingCalendar.span`), so a year of reviews for one case costs
microseconds and returns shared :class:`pendulum.Date` objects. The table covers every day
the computation counts from, however far from the period asked about (a referral received
years before the case opened), within the calendars' years, 1970-2199; an item that would
fall due after 2199 is left out.
"""

from __future__ import annotations

import datetime as _dt
import enum
from collections.abc import Iterable, Mapping, Sequence

import attrs
import pendulum

from casemgmt._applies import applies
from casemgmt.model import (
    CareEventKind,
    CarePlanStatus,
    Case,
    CaseAction,
    CaseId,
    CaseManagerId,
    CaseStatus,
    GoalAchievementStatus,
    GoalId,
    GoalLifecycleStatus,
    ReferralOutcome,
    ReviewKind,
    RiskTier,
)
from casemgmt.policies import CalendarSpan, Clock, ReviewPolicy, Roll, WorkingCalendar
from casemgmt.policies._calendar import _FIRST_YEAR, _LAST_YEAR
from casemgmt.policies._review import Cadence

__all__ = [
    "DueKind",
    "DueReview",
    "ReviewSchedule",
    "ReviewStream",
    "ReviewsDue",
    "ScheduledReview",
    "next_review",
    "reviews_due",
    "schedule",
]


class DueKind(enum.Enum):
    """What is due."""

    CASE_REVIEW = "case-review"
    MDT_DISCUSSION = "mdt-discussion"
    CARE_PLAN_REVIEW = "care-plan-review"
    GOAL_DUE = "goal-due"
    INITIAL_ASSESSMENT = "initial-assessment"
    URGENT_REVIEW = "urgent-review"
    DEADLINE = "deadline"

    @property
    def is_review(self) -> bool:
        """True for the case manager's own work (everything but another party's deadline):
        these fall on working days unless the programme has out-of-hours cover."""
        return self is not DueKind.DEADLINE


_RESOLVED_GOAL = frozenset(
    {
        GoalLifecycleStatus.COMPLETED,
        GoalLifecycleStatus.CANCELLED,
        GoalLifecycleStatus.ENTERED_IN_ERROR,
        GoalLifecycleStatus.REJECTED,
    }
)
_FINAL_ACHIEVEMENT = frozenset(
    {
        GoalAchievementStatus.ACHIEVED,
        GoalAchievementStatus.NOT_ACHIEVED,
        GoalAchievementStatus.NOT_ATTAINABLE,
    }
)
_LIVE_PLAN = frozenset({CarePlanStatus.ACTIVE, CarePlanStatus.ON_HOLD})
_NO_LIMIT = 10**9
_URGENCY = {
    kind: rank
    for rank, kind in enumerate(
        (
            DueKind.URGENT_REVIEW,
            DueKind.DEADLINE,
            DueKind.INITIAL_ASSESSMENT,
            DueKind.CASE_REVIEW,
            DueKind.MDT_DISCUSSION,
            DueKind.CARE_PLAN_REVIEW,
            DueKind.GOAL_DUE,
        )
    )
}
"""The order of things due on the same day: the most urgent first."""
_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_END = _dt.date(_LAST_YEAR + 1, 1, 1).toordinal()
"""The day after the last day the working calendars cover: nothing is due from it on."""


@attrs.frozen(kw_only=True)
class ReviewStream:
    """The dates of one stream of a case's schedule.

    Attributes:
        kind: What is due.
        title: What it is, in words (``"weekly case review"``).
        rule_id: The catalogue rule it applies, if any.
        dates: The due dates in the window, in order.
        clock: The clock of a deadline, initial assessment or urgent review.
        goal_id: The goal, for a goal's due date.
    """

    kind: DueKind
    title: str
    rule_id: str | None
    dates: tuple[pendulum.Date, ...]
    clock: Clock | None = None
    goal_id: GoalId | None = None


@attrs.frozen(kw_only=True)
class ScheduledReview:
    """One dated entry of a schedule, with its instant in the calendar's time zone."""

    case_id: CaseId
    manager_id: CaseManagerId | None
    kind: DueKind
    title: str
    rule_id: str | None
    due: pendulum.Date
    due_at: pendulum.DateTime
    clock: Clock | None = None
    goal_id: GoalId | None = None


@attrs.frozen(kw_only=True)
class ReviewSchedule:
    """What falls due for one case between two dates (both included).

    ``streams`` holds the dates by kind; :meth:`items` lists them as dated entries with
    their instants, and :attr:`dates` merges them.
    """

    case_id: CaseId
    manager_id: CaseManagerId | None
    start: pendulum.Date
    end: pendulum.Date
    streams: tuple[ReviewStream, ...]
    calendar: WorkingCalendar = attrs.field(repr=False)
    review_hour: int = attrs.field(default=9, repr=False)
    review_minute: int = attrs.field(default=0, repr=False)

    @property
    def dates(self) -> tuple[pendulum.Date, ...]:
        """Every due date of every stream, in order (a date twice when two things are due)."""
        if len(self.streams) == 1:
            return self.streams[0].dates
        return tuple(sorted(d for s in self.streams for d in s.dates))

    def __len__(self) -> int:
        return sum(len(s.dates) for s in self.streams)

    def items(self) -> tuple[ScheduledReview, ...]:
        """Every entry, by due date, then kind, with its instant (the policy's review time in
        the calendar's time zone; see :meth:`WorkingCalendar.instant`)."""
        entries = [
            ScheduledReview(
                case_id=self.case_id,
                manager_id=self.manager_id,
                kind=stream.kind,
                title=stream.title,
                rule_id=stream.rule_id,
                due=day,
                due_at=self.calendar.instant(day, self.review_hour, self.review_minute),
                clock=stream.clock,
                goal_id=stream.goal_id,
            )
            for stream in self.streams
            for day in stream.dates
        ]
        entries.sort(key=lambda e: (e.due, _URGENCY[e.kind], e.title))
        return tuple(entries)


@attrs.frozen(kw_only=True)
class DueReview:
    """Something due for a case on or after a given day, or overdue.

    Attributes:
        case_id: The case.
        manager_id: Its accountable case manager.
        kind: What is due.
        title: What it is, in words.
        rule_id: The catalogue rule it applies, if any.
        due: The due date.
        due_at: The due instant (the policy's review time, in the calendar's time zone).
        days_overdue: Calendar days since the due date (0 when not overdue).
        working_days_overdue: Working days since the due date (0 when not overdue).
        missed: Occurrences of a routine stream whose due date has passed with no review
            since (1 for an overdue one-off item).
        clock: The clock of a deadline, initial assessment or urgent review.
        goal_id: The goal, for a goal's due date.
    """

    case_id: CaseId
    manager_id: CaseManagerId | None
    kind: DueKind
    title: str
    rule_id: str | None
    due: pendulum.Date
    due_at: pendulum.DateTime
    days_overdue: int = 0
    working_days_overdue: int = 0
    missed: int = 0
    clock: Clock | None = None
    goal_id: GoalId | None = None

    @property
    def overdue(self) -> bool:
        """True once the due date has passed."""
        return self.days_overdue > 0

    @property
    def verified(self) -> bool:
        """False when the item comes from a clock whose figure is not verified."""
        return self.clock is None or self.clock.verified

    def __str__(self) -> str:
        rule = f" ({self.rule_id})" if self.rule_id else ""
        flag = "" if self.verified else " [unverified figure]"
        if self.overdue:
            when = f"overdue since {self.due.isoformat()} ({self.days_overdue} days)"
        else:
            when = f"due {self.due.isoformat()}"
        return f"{self.case_id}: {self.title}{rule} {when}{flag}"


@attrs.frozen(kw_only=True)
class ReviewsDue:
    """What is due or overdue across many cases on a day.

    Attributes:
        as_of: The day asked about.
        until: The last day of the period looked ahead to.
        items: Every overdue item, and every item due from ``as_of`` to ``until``, ordered
            by case manager, then due date.
    """

    as_of: pendulum.Date
    until: pendulum.Date
    items: tuple[DueReview, ...]

    @property
    def overdue(self) -> tuple[DueReview, ...]:
        """The overdue items."""
        return tuple(i for i in self.items if i.overdue)

    @property
    def due(self) -> tuple[DueReview, ...]:
        """The items due from ``as_of`` to ``until``."""
        return tuple(i for i in self.items if not i.overdue)

    def by_manager(self) -> Mapping[CaseManagerId | None, tuple[DueReview, ...]]:
        """The items grouped by accountable case manager (``None``: no manager)."""
        groups: dict[CaseManagerId | None, list[DueReview]] = {}
        for item in self.items:
            groups.setdefault(item.manager_id, []).append(item)
        return {manager: tuple(items) for manager, items in groups.items()}

    def for_manager(self, manager_id: CaseManagerId) -> tuple[DueReview, ...]:
        """The items of one case manager."""
        return tuple(i for i in self.items if i.manager_id == manager_id)


# ---------------------------------------------------------------------------------------
# The grid: segments of one cadence, and the due dates of their occurrences.


@attrs.frozen
class _Segment:
    """One cycle of a routine stream: occurrences at ``anchor + k * cadence`` for
    ``k >= first_k``, the first window opening at ``start``, until ``limit`` (exclusive)."""

    start: int
    anchor: int
    cadence: Cadence
    limit: int
    first_k: int = 1


def _month_add(anchor: _dt.date, months: int) -> int:
    """The ordinal ``months`` after ``anchor``, the day clipped to the end of a shorter
    month. The anchor is a date, not a look-up in the span: a cycle may start long before
    the days the span tabulates."""
    year, month0 = divmod(anchor.year * 12 + anchor.month - 1 + months, 12)
    month = month0 + 1
    length = _MONTH_DAYS[month0]
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        length = 29
    return _dt.date(year, month, min(anchor.day, length)).toordinal()


def _segment_dues(
    span: CalendarSpan,
    segment: _Segment,
    *,
    forward: bool,
    cover: bool,
    low: int,
    high: int,
) -> list[int]:
    """The due dates (ordinals) of the segment's occurrences that fall from ``low`` to
    ``high`` (both included), in order."""
    limit = min(segment.limit, high + 1)
    # A move to a working day shifts a date by at most the calendar's longest closure.
    slack = span.longest_closure + 1
    if segment.anchor - slack >= limit:  # a cycle anchored after the window: nothing in it
        return []
    cadence = segment.cadence
    if cadence.is_daily:
        first = max(segment.start + 1, low)
        if first >= limit:
            return []
        if cover:
            return list(range(first, limit))
        a, b = span.working_slice(first, limit - 1)
        return list(span.working_ords[a:b])
    step = cadence.days
    months = cadence.months
    anchor = segment.anchor
    anchor_day = _dt.date.fromordinal(anchor)
    # Start before the first occurrence that can reach ``low``.
    if step:
        k = max(segment.first_k, (low - anchor) // step - 1 - slack // step)
    else:
        low_day = _dt.date.fromordinal(low)
        gap = (low_day.year - anchor_day.year) * 12 + low_day.month - anchor_day.month
        k = max(segment.first_k, gap // months - 1 - slack // 28)
    start = segment.start
    previous = start
    if k > segment.first_k:
        nominal = anchor + (k - 1) * step if step else _month_add(anchor_day, (k - 1) * months)
        previous = max(start, _roll(span, nominal, forward, start))
    dues: list[int] = []
    while True:
        nominal = anchor + k * step if step else _month_add(anchor_day, k * months)
        due = _roll(span, nominal, forward, start)
        if due >= limit:
            return dues
        if due > previous:
            if due >= low:
                dues.append(due)
            previous = due
        k += 1


def _roll(span: CalendarSpan, nominal: int, forward: bool, start: int) -> int:
    """``nominal`` moved to a working day; a move back never reaches ``start``. A day the
    span cannot move (its working day would fall past the span's end) comes back as
    ``span.end``, later than any day the span serves."""
    offset = nominal - span.base
    ords = span.working_ords
    if offset < 0:  # before the span (never, for the days the span is built for)
        found = _rolled(span, nominal, True)
        return span.end if found is None else found
    try:
        index = span.next_working[offset]
        found = ords[index]
    except IndexError:  # past the span's end, or no working day after the day in the span
        return span.end
    if forward or found == nominal:
        return found
    if index and ords[index - 1] > start:
        return ords[index - 1]
    return found


def _rolled(span: CalendarSpan, ordinal: int, forward: bool) -> int | None:
    """:meth:`CalendarSpan.roll`, or ``None`` when the working day it would move to is not
    in the span. The span's own look-ups index past its end there, or, for a day before
    its start, wrap round to the other end of its tables and answer a wrong day."""
    offset = ordinal - span.base
    if not 0 <= offset < len(span.working):
        return None
    ords = span.working_ords
    index = span.next_working[offset]
    if index < len(ords) and (forward or ords[index] == ordinal):
        return ords[index]
    if not forward and index > 0:
        return ords[index - 1]
    return None


def _add_working(span: CalendarSpan, start: int, count: int) -> int | None:
    """:meth:`CalendarSpan.add_working_days`, or ``None`` when the day it would answer is not
    in the span."""
    offset = start - span.base
    if not 0 <= offset < len(span.working):
        return None
    ords = span.working_ords
    index = span.next_working[offset]
    if count and (index == len(ords) or ords[index] != start):
        count -= 1  # the first working day after a non-working one is the next one
    target = index + count
    return ords[target] if target < len(ords) else None


def _date(span: CalendarSpan, ordinal: int) -> pendulum.Date:
    """The date of ``ordinal``: the span's shared object when it tabulates the day."""
    if span.base <= ordinal < span.end:
        return span.date(ordinal)
    day = _dt.date.fromordinal(ordinal)
    return pendulum.Date(day.year, day.month, day.day)


def _first_dues(
    span: CalendarSpan, segment: _Segment, *, forward: bool, cover: bool, low: int, count: int
) -> list[int]:
    """The first ``count`` due dates of the segment from ``low`` on (fewer when the segment
    ends, or the tabulated span does, first)."""
    low = max(low, segment.start)
    last = min(segment.limit, span.end - 370)  # leave room to roll past the window
    high = min(low + 40, last)
    while True:
        dues = _segment_dues(span, segment, forward=forward, cover=cover, low=low, high=high)
        if len(dues) >= count or high >= last:
            return dues[:count]
        high = min(last, low + 2 * (high - low) + 400)


# ---------------------------------------------------------------------------------------
# The streams of a case.


@attrs.frozen
class _Routine:
    kind: DueKind
    title: str
    rule_id: str
    segments: tuple[_Segment, ...]
    counts: frozenset[ReviewKind]


class _Count(enum.Enum):
    """How a one-off item's due date is counted from the day it starts."""

    ALLOWANCE = "allowance"
    """The case manager's own work "within" a clock (:func:`_allowance`)."""
    DEADLINE = "deadline"
    """Another party's deadline: counted, never moved."""
    DATE = "date"
    """A date of the plan (a goal's due date, the plan's own review date), moved to a working
    day."""


@attrs.frozen
class _OneOff:
    """A one-off item before its due date is counted: what is due, the day (ordinal) its
    count starts, how it is counted, and the day it was met, if it was."""

    kind: DueKind
    title: str
    rule_id: str | None
    start: int
    count: _Count
    met_on: int | None
    clock: Clock | None = None
    goal_id: GoalId | None = None
    cover: bool = False
    floor: int = -1  # a date of the plan never moves back to or before this day


def _tier_on(case: Case, ordinal: int) -> RiskTier:
    """The case's risk tier on a day (:meth:`Case.risk_tier_on`), unscored when none is
    recorded."""
    return case.risk_tier_on(pendulum.Date.fromordinal(ordinal)) or RiskTier.UNSCORED


def _case_limit(case: Case) -> int:
    return case.closed_on.toordinal() + 1 if case.closed_on is not None else _NO_LIMIT


def _resumptions(case: Case, policy: ReviewPolicy) -> tuple[int, ...]:
    """The days (ordinals) the case came back from a hold, when the policy pauses routine
    reviews during one: each starts a new cycle, so the reviews the hold skipped are not
    reported as missed. Read from the case's history; a snapshot without one has none."""
    if not policy.pause_on_hold:
        return ()
    return tuple(
        event.on.toordinal()
        for event in case.history
        if event.action is CaseAction.RESUME and event.from_status is CaseStatus.ON_HOLD
    )


def _routines(case: Case, policy: ReviewPolicy) -> list[_Routine]:
    if not case.is_open or (case.status is CaseStatus.ON_HOLD and policy.pause_on_hold):
        return []
    opened = case.opened_on.toordinal()
    limit = _case_limit(case)
    routines: list[_Routine] = []
    # Case reviews: a new cycle on opening, at each plan version, at each tier change and
    # on each return from a hold that paused them.
    starts = {opened, *_resumptions(case, policy)}
    for version in case.plans:
        starts.add(max(opened, version.created_on.toordinal()))
    for event in case.events:
        if event.kind is CareEventKind.RISK_TIER_CHANGE:
            starts.add(max(opened, event.occurred_on.toordinal()))
    ordered = sorted(s for s in starts if s < limit)
    segments: list[_Segment] = []
    cadences = policy.cadences
    for index, start in enumerate(ordered):
        cadence = cadences.for_tier(_tier_on(case, start))
        end = ordered[index + 1] if index + 1 < len(ordered) else limit
        if cadence is not None:
            segments.append(_Segment(start, start, cadence, end))
    if segments:
        routines.append(
            _Routine(
                DueKind.CASE_REVIEW,
                "case review",
                policy.cadence_rule,
                tuple(segments),
                policy.counts_as_case_review,
            )
        )
    if policy.mdt is not None:
        routines.append(
            _Routine(
                DueKind.MDT_DISCUSSION,
                "MDT discussion",
                "M4",
                (_Segment(opened, opened, policy.mdt, limit),),
                frozenset({ReviewKind.MDT_DISCUSSION}),
            )
        )
    plan = case.current_plan
    if plan is not None and plan.status in _LIVE_PLAN:
        created = max(opened, plan.created_on.toordinal())
        cadence = policy.care_plan_review
        if cadence is not None:
            if plan.next_review is not None:
                anchor = plan.next_review.toordinal()
                plan_segment = _Segment(created, anchor, cadence, limit, 0)
            else:
                plan_segment = _Segment(created, created, cadence, limit)
            routines.append(
                _Routine(
                    DueKind.CARE_PLAN_REVIEW,
                    "care-plan review",
                    "P3",
                    (plan_segment,),
                    frozenset({ReviewKind.CARE_PLAN_REVIEW}),
                )
            )
    return routines


_FROM_APPOINTMENT = frozenset({"ina-after-appointment"})
"""Keys of initial-assessment clocks (A2) counted from the case manager's appointment
rather than from the referral: the Rehabilitation Code's immediate needs assessment, "within
21 days of the case manager's appointment" (``REHABILITATION_CODE_REVIEWS``)."""


def _assessment_starts(case: Case, clock: Clock) -> int | None:
    """The day (ordinal) the initial-assessment clock starts (A2); ``None`` when it has not.

    A clock of :data:`_FROM_APPOINTMENT` starts when the case manager is appointed: on the
    earliest day a referral of the case was accepted, which :meth:`Case.accept
    <casemgmt.model.Case.accept>` and :meth:`Case.reopen <casemgmt.model.Case.reopen>`
    record on the referrals (``outcome_on``). An open case whose referrals record no
    acceptance (a snapshot) counts from the day it opened, the earliest its manager can have
    been appointed, so the deadline is never later than the real one; a case not yet
    accepted has no case manager, and nothing is due yet. Every other clock starts on the
    day the earliest referral was received.
    """
    if clock.key not in _FROM_APPOINTMENT:
        return min(r.received_on for r in case.referrals).toordinal()
    accepted = [
        r.outcome_on
        for r in case.referrals
        if r.outcome is ReferralOutcome.ACCEPTED and r.outcome_on is not None
    ]
    if accepted:
        return min(accepted).toordinal()
    return case.opened_on.toordinal() if case.is_open else None


def _one_offs(case: Case, policy: ReviewPolicy) -> list[_OneOff]:
    """The case's one-off items, with the day each count starts; their due dates are
    counted by :func:`_dated` once the calendar covers those days."""
    if case.status in (CaseStatus.CLOSED, CaseStatus.DECLINED):
        return []
    items: list[_OneOff] = []
    cover = policy.out_of_hours_cover
    reviews = sorted(r.held_on.toordinal() for r in case.reviews)
    reviews_by_kind = [(r.held_on.toordinal(), r.kind) for r in case.reviews]
    clock = policy.initial_assessment
    if clock is not None and case.referrals:
        begins = _assessment_starts(case, clock)
        done = [a.performed_on.toordinal() for a in case.assessments]
        if begins is not None:
            items.append(
                _OneOff(
                    DueKind.INITIAL_ASSESSMENT,
                    clock.title,
                    clock.rule_id,
                    begins,
                    _Count.ALLOWANCE,
                    min(done) if done else None,
                    clock,
                )
            )
    urgent = policy.urgent_review
    for event in case.events:
        if event.kind not in policy.urgent_triggers:
            continue
        start = event.occurred_on.toordinal()
        met = next((r for r in reviews if r >= start), None)
        items.append(
            _OneOff(
                DueKind.URGENT_REVIEW,
                f"urgent review after {event.kind.value.replace('-', ' ')} "
                f"on {event.occurred_on.isoformat()}",
                urgent.rule_id,
                start,
                _Count.ALLOWANCE,
                met,
                urgent,
                cover=cover,
            )
        )
    tracks = {r.rehabilitation_code_track for r in case.referrals}
    for clock in policy.clocks:
        if clock.tracks and not (clock.tracks & tracks):
            continue
        stops = sorted(e.occurred_on.toordinal() for e in case.events if e.kind is clock.stops)
        for event in case.events:
            if event.kind is not clock.starts:
                continue
            start = event.occurred_on.toordinal()
            met = next((s for s in stops if s >= start), None)
            items.append(
                _OneOff(
                    DueKind.DEADLINE, clock.title, clock.rule_id, start, _Count.DEADLINE, met, clock
                )
            )
    plan = case.current_plan
    live = plan is not None and plan.status in _LIVE_PLAN
    if live and plan is not None and plan.next_review and policy.care_plan_review is None:
        # A plan's own review date, with no cadence to follow it: one review on that date.
        created = plan.created_on.toordinal()
        held = [
            o for o, kind in reviews_by_kind if kind is ReviewKind.CARE_PLAN_REVIEW and o > created
        ]
        items.append(
            _OneOff(
                DueKind.CARE_PLAN_REVIEW,
                "care-plan review",
                "P3",
                plan.next_review.toordinal(),
                _Count.DATE,
                min(held) if held else None,
                floor=created,
            )
        )
    if policy.goal_due_dates and live and plan is not None:
        for goal in plan.goals:
            if goal.due is None or goal.lifecycle_status in _RESOLVED_GOAL:
                continue
            if goal.achievement_status in _FINAL_ACHIEVEMENT:
                continue
            items.append(
                _OneOff(
                    DueKind.GOAL_DUE,
                    f"goal {goal.id}",
                    None,
                    goal.due.toordinal(),
                    _Count.DATE,
                    None,
                    goal_id=goal.id,
                )
            )
    return items


def _due(span: CalendarSpan, item: _OneOff, forward: bool) -> int | None:
    """The item's due date (ordinal), or ``None`` when counting it runs past the span, or
    it falls due after 2199."""
    due: int | None
    if item.count is _Count.DATE:
        due = _roll(span, item.start, forward, item.floor)
        if due >= span.end:
            return None
    else:
        clock = item.clock
        assert clock is not None  # every counted item has its clock
        if item.count is _Count.ALLOWANCE:
            due = _allowance(span, item.start, clock, cover=item.cover)
        elif clock.working_days:
            due = _add_working(span, item.start, clock.days)
        else:
            due = item.start + clock.days
    return None if due is None or due >= _END else due


def _allowance(span: CalendarSpan, start: int, clock: Clock, *, cover: bool) -> int | None:
    """The due date of the case manager's own work "within ``clock.days``" of ``start``:
    every day counts with out-of-hours cover; otherwise it ends on a working day, moved
    back into the allowance if it can be. ``None`` when that day is past the span."""
    if cover:
        return start + clock.days
    if clock.working_days:
        return _add_working(span, start, clock.days)
    due = start + clock.days
    rolled = _rolled(span, due, False)
    if rolled is not None and rolled >= start:
        return rolled
    return _rolled(span, due, True)


def _last_year(item: _OneOff) -> int:
    """The last year the item's count may read, to tabulate: a year to spare after a
    calendar-day count, and at least a year per 200 working days (as
    :meth:`WorkingCalendar.add_working_days` tabulates; :func:`_dated` counts an item
    again on the calendar's whole range when a calendar has fewer working days)."""
    clock = item.clock
    year = _dt.date.fromordinal(item.start).year
    if clock is None or item.count is _Count.DATE:
        return year + 1
    if clock.working_days and not (item.count is _Count.ALLOWANCE and item.cover):
        return year + 1 + clock.days // 200
    return _dt.date.fromordinal(min(item.start + clock.days, _END)).year + 1


def _span_for(
    case: Case,
    calendar: WorkingCalendar,
    first: int,
    last: int,
    routines: Sequence[_Routine],
    items: Sequence[_OneOff],
) -> CalendarSpan:
    """The tabulated calendar for one case's computation: the years ``first`` to ``last``
    (the window asked about), and every day the computation counts from, however far from
    the window: the opening day and the anchors of the routine cycles, and the start of
    each one-off item (a referral received or a case manager appointed years before, an
    event, a goal's due date) with the room its allowance needs. Past 2199, the last year
    the calendars cover, items are left out (:func:`_dated`).

    Raises:
        ValueError: when a day the computation counts from is before 1970.
    """
    if routines:
        first = min(first, case.opened_on.year)
        for routine in routines:
            for segment in routine.segments:
                first = min(first, _dt.date.fromordinal(segment.anchor).year)
    for item in items:
        first = min(first, _dt.date.fromordinal(item.start).year)
        last = max(last, _last_year(item))
    if first < _FIRST_YEAR:
        raise ValueError(
            f"case {case.id}: a day it is counted from falls before {_FIRST_YEAR}, and "
            f"working calendars cover {_FIRST_YEAR} to {_LAST_YEAR}"
        )
    return calendar.span(first, min(last, _LAST_YEAR))


def _dated(
    calendar: WorkingCalendar, span: CalendarSpan, items: Iterable[_OneOff], forward: bool
) -> list[tuple[_OneOff, int]]:
    """Each item with its due date (ordinal). An item whose count runs past ``span`` (an
    allowance of working days on a calendar with few of them) is counted again on the
    calendar's whole range; one that runs past that too, after 2199, is left out."""
    found: list[tuple[_OneOff, int]] = []
    whole: CalendarSpan | None = None
    for item in items:
        due = _due(span, item, forward)
        if due is None:
            if whole is None:
                whole = calendar.span(span.date(span.base).year, _LAST_YEAR)
            due = _due(whole, item, forward)
        if due is not None:
            found.append((item, due))
    return found


# ---------------------------------------------------------------------------------------
# Public services.


@applies("A2", "P3", "M1", "M2", "M3", "M4", "M6", "M7")
def schedule(
    case: Case,
    *,
    policy: ReviewPolicy,
    calendar: WorkingCalendar,
    start: pendulum.Date,
    end: pendulum.Date,
) -> ReviewSchedule:
    """Everything that falls due for ``case`` from ``start`` to ``end`` (both included).

    Routine reviews, MDT discussions and plan reviews follow the grid of each cycle (see the
    module's description); the initial assessment, urgent reviews, deadlines and goal due
    dates appear when they fall in the window and were not yet met by ``end``. A schedule is
    the plan, not the state of play: a routine occurrence already met by a review held
    early in its window is still listed. :func:`next_review` and :func:`reviews_due` say
    what is outstanding.

    Args:
        case: The case.
        policy: The programme's review policy.
        calendar: The team's working-day calendar and time zone.
        start: The first day of the window.
        end: The last day of the window.

    Returns:
        The schedule, one stream per kind (one per goal, clock and event for one-off items).

    Raises:
        ValueError: when ``end`` is before ``start``, the window is outside 1970-2199, or a
            day the case's schedule in the window counts from (its opening, a referral, an
            event) is before 1970.

    A low-risk case opened on 31 January is reviewed monthly, anchored to the 31st: 28
    February is a Saturday, so that review moves to Monday 2 March, and the next is still
    on 31 March.

    >>> import pendulum
    >>> from casemgmt.model import (
    ...     Case, CaseStatus, CareEvent, CareEventKind, Referral, RiskTier)
    >>> from casemgmt.policies import ENGLAND_AND_WALES, STANDARD_REVIEWS
    >>> referral = Referral(id="R-1", client_id="CL-1", source_id="GP-1",
    ...                     received_on=pendulum.date(2026, 1, 20), reason="falls")
    >>> low_risk = CareEvent(kind=CareEventKind.RISK_TIER_CHANGE,
    ...                      occurred_on=pendulum.date(2026, 1, 31), risk_tier=RiskTier.LOW)
    >>> case = Case(id="C-1", client_id="CL-1", programme="generic",
    ...             status=CaseStatus.ACTIVE, opened_on=pendulum.date(2026, 1, 31),
    ...             referrals=(referral,), manager_id="CM-1", events=(low_risk,))
    >>> planned = schedule(case, policy=STANDARD_REVIEWS, calendar=ENGLAND_AND_WALES,
    ...                    start=pendulum.date(2026, 2, 1), end=pendulum.date(2026, 5, 31))
    >>> for stream in planned.streams:
    ...     print(stream.title, [d.isoformat() for d in stream.dates])
    monthly case review ['2026-03-02', '2026-03-31', '2026-04-30']
    monthly MDT discussion ['2026-03-02', '2026-03-31', '2026-04-30']
    initial assessment ['2026-02-03']
    """
    if end < start:
        raise ValueError("end must not be before start")
    _check_years(start, end)
    low, high = start.toordinal(), end.toordinal()
    forward = policy.roll is Roll.FORWARD
    cover = policy.out_of_hours_cover
    routines = _routines(case, policy)
    # Only what can still fall due in the window: not met by its end, and not starting after
    # it (a date of the plan moved back to a working day can land in it from just after).
    items = [
        item
        for item in _one_offs(case, policy)
        if (item.met_on is None or item.met_on > high)
        and (item.start <= high or (item.count is _Count.DATE and not forward))
    ]
    span = _span_for(case, calendar, start.year, end.year, routines, items)
    streams: list[ReviewStream] = []
    days = span.days
    base = span.base
    for routine in routines:
        # One stream per cycle in the window, so that each is titled with its own cadence.
        for segment in routine.segments:
            if segment.limit <= low or segment.start > high:
                continue
            dues = _segment_dues(span, segment, forward=forward, cover=cover, low=low, high=high)
            if dues:
                streams.append(
                    ReviewStream(
                        kind=routine.kind,
                        title=_routine_title(routine, segment),
                        rule_id=routine.rule_id,
                        dates=tuple([days[o - base] for o in dues]),
                    )
                )
    for item, due in _dated(calendar, span, items, forward):
        if low <= due <= high:
            streams.append(
                ReviewStream(
                    kind=item.kind,
                    title=item.title,
                    rule_id=item.rule_id,
                    dates=(span.date(due),),
                    clock=item.clock,
                    goal_id=item.goal_id,
                )
            )
    return ReviewSchedule(
        case_id=case.id,
        manager_id=case.manager_id,
        start=start,
        end=end,
        streams=tuple(streams),
        calendar=calendar,
        review_hour=policy.review_hour,
        review_minute=policy.review_minute,
    )


def _routine_title(routine: _Routine, segment: _Segment | None) -> str:
    if segment is None or routine.kind is DueKind.CARE_PLAN_REVIEW:
        return routine.title
    return f"{segment.cadence} {routine.title}"


def _outstanding(
    case: Case,
    *,
    policy: ReviewPolicy,
    calendar: WorkingCalendar,
    as_of: pendulum.Date,
) -> list[DueReview]:
    _check_years(as_of, as_of)
    today = as_of.toordinal()
    forward = policy.roll is Roll.FORWARD
    cover = policy.out_of_hours_cover
    routines = _routines(case, policy)
    items = [i for i in _one_offs(case, policy) if i.met_on is None or i.met_on > today]
    # Three years ahead, so that the next occurrence of a routine stream can be found.
    span = _span_for(case, calendar, as_of.year, as_of.year + 3, routines, items)
    held = [(r.held_on.toordinal(), r.kind) for r in case.reviews]
    found: list[DueReview] = []

    def due_review(
        kind: DueKind,
        title: str,
        rule_id: str | None,
        due: int,
        missed: int,
        clock: Clock | None = None,
        goal_id: GoalId | None = None,
    ) -> DueReview:
        day = _date(span, due)
        late = max(0, today - due)
        return DueReview(
            case_id=case.id,
            manager_id=case.manager_id,
            kind=kind,
            title=title,
            rule_id=rule_id,
            due=day,
            due_at=calendar.instant(day, policy.review_hour, policy.review_minute),
            days_overdue=late,
            working_days_overdue=span.count(due + 1, today) if late else 0,
            missed=missed if late else 0,
            clock=clock,
            goal_id=goal_id,
        )

    for routine in routines:
        last = max((o for o, k in held if k in routine.counts and o <= today), default=None)
        # A new cycle (a plan revision, a change of tier) supersedes what the old one left
        # outstanding: only the cycle running today counts.
        current = [s for s in routine.segments if s.limit > today]
        following = _next_occurrence(span, current, last, forward=forward, cover=cover)
        if following is None:
            continue
        missed = 0
        if following < today:
            missed = sum(
                len(
                    _segment_dues(
                        span, s, forward=forward, cover=cover, low=following, high=today - 1
                    )
                )
                for s in current
                if s.start < today
            )
        cycle = next((s for s in current if s.start < following < s.limit), None)
        title = _routine_title(routine, cycle)
        found.append(due_review(routine.kind, title, routine.rule_id, following, missed))
    for item, due in _dated(calendar, span, items, forward):
        found.append(
            due_review(item.kind, item.title, item.rule_id, due, 1, item.clock, item.goal_id)
        )
    return found


def _check_years(first: pendulum.Date, last: pendulum.Date) -> None:
    if first.year < _FIRST_YEAR or last.year > _LAST_YEAR:
        raise ValueError(f"working calendars cover {_FIRST_YEAR} to {_LAST_YEAR}")


def _next_occurrence(
    span: CalendarSpan,
    segments: Sequence[_Segment],
    last: int | None,
    *,
    forward: bool,
    cover: bool,
) -> int | None:
    """The due date of the first occurrence whose window opens at or after ``last``."""
    for segment in segments:
        if last is not None and segment.limit <= last:
            continue
        if last is None or last <= segment.start:
            dues = _first_dues(
                span, segment, forward=forward, cover=cover, low=segment.start, count=1
            )
            if dues:
                return dues[0]
            continue
        # The first due date on or after the review is the occurrence it met.
        dues = _first_dues(span, segment, forward=forward, cover=cover, low=last, count=2)
        if len(dues) == 2:
            return dues[1]
    return None


@applies("A2", "P3", "M1", "M2", "M3", "M4", "M6", "M7")
def next_review(
    case: Case,
    *,
    policy: ReviewPolicy,
    calendar: WorkingCalendar,
    as_of: pendulum.Date,
) -> DueReview | None:
    """The first thing due for ``case`` on ``as_of``: the longest-overdue item, or else the
    next one due (``None`` when nothing is: a closed case, or a policy with nothing to
    schedule).

    Args:
        case: The case, with the reviews held and the events recorded so far.
        policy: The programme's review policy.
        calendar: The team's working-day calendar and time zone.
        as_of: The day asked about; reviews and events after it are ignored.

    Raises:
        ValueError: when ``as_of`` is outside 1970-2199, or a day the case's outstanding
            items count from is before 1970.

    A medium-risk case opened on Monday 2 March is reviewed weekly; one review held on
    4 March met the review due on the 9th, so on the 20th the one due on the 16th is four
    days overdue.

    >>> import pendulum
    >>> from casemgmt.model import (
    ...     Assessment, AssessmentKind, Case, CaseStatus, CareEvent, CareEventKind,
    ...     ContactMode, Referral, Review, ReviewKind, RiskTier)
    >>> from casemgmt.policies import ENGLAND_AND_WALES, STANDARD_REVIEWS
    >>> referral = Referral(id="R-1", client_id="CL-1", source_id="GP-1",
    ...                     received_on=pendulum.date(2026, 2, 20), reason="COPD")
    >>> assessed = Assessment(id="A-1", client_id="CL-1", kind=AssessmentKind.INITIAL,
    ...                       performed_on=pendulum.date(2026, 2, 27),
    ...                       contact_mode=ContactMode.FACE_TO_FACE)
    >>> case = Case(id="C-1", client_id="CL-1", programme="generic",
    ...             status=CaseStatus.ACTIVE, opened_on=pendulum.date(2026, 3, 2),
    ...             referrals=(referral,), assessments=(assessed,), manager_id="CM-1",
    ...             events=(CareEvent(kind=CareEventKind.RISK_TIER_CHANGE,
    ...                               occurred_on=pendulum.date(2026, 3, 2),
    ...                               risk_tier=RiskTier.MEDIUM),),
    ...             reviews=(Review(id="RV-1", kind=ReviewKind.CASE_REVIEW,
    ...                             held_on=pendulum.date(2026, 3, 4)),))
    >>> due = next_review(case, policy=STANDARD_REVIEWS.with_mdt(None),
    ...                   calendar=ENGLAND_AND_WALES, as_of=pendulum.date(2026, 3, 20))
    >>> print(due)
    C-1: weekly case review (M1) overdue since 2026-03-16 (4 days)
    >>> due.missed, due.working_days_overdue
    (1, 4)
    """
    items = _outstanding(case, policy=policy, calendar=calendar, as_of=as_of)
    if not items:
        return None
    return min(items, key=lambda i: (i.due, _URGENCY[i.kind], i.title))


@applies("A2", "P3", "M1", "M2", "M3", "M4", "M6", "M7")
def reviews_due(
    cases: Iterable[Case],
    *,
    policy: ReviewPolicy,
    calendar: WorkingCalendar,
    as_of: pendulum.Date,
    until: pendulum.Date | None = None,
) -> ReviewsDue:
    """Everything overdue on ``as_of``, and everything due from ``as_of`` to ``until``, for
    many cases, ordered by case manager and due date.

    Args:
        cases: The cases (closed ones contribute nothing).
        policy: The programme's review policy.
        calendar: The team's working-day calendar and time zone.
        as_of: The day asked about.
        until: The last day to look ahead to; by default the Sunday ending ``as_of``'s week.

    Raises:
        ValueError: when ``until`` is before ``as_of``, ``as_of`` is outside 1970-2199, or
            a day a case's outstanding items count from is before 1970.

    A high-risk patient on a virtual ward since Monday 2 March, with no review held, and
    admitted to hospital on Friday 6 March: on Monday 9 March the daily review has been
    overdue since the 3rd, and the urgent review is due that day, the next working day.

    >>> import pendulum
    >>> from casemgmt.model import (
    ...     Case, CaseStatus, CareEvent, CareEventKind, Referral, RiskTier)
    >>> from casemgmt.policies import ENGLAND_AND_WALES, VIRTUAL_WARD_REVIEWS
    >>> referral = Referral(id="R-1", client_id="CL-1", source_id="GP-1",
    ...                     received_on=pendulum.date(2026, 2, 20), reason="heart failure")
    >>> case = Case(id="C-1", client_id="CL-1", programme="virtual-ward",
    ...             status=CaseStatus.ACTIVE, opened_on=pendulum.date(2026, 3, 2),
    ...             referrals=(referral,), manager_id="CM-1",
    ...             events=(CareEvent(kind=CareEventKind.RISK_TIER_CHANGE,
    ...                               occurred_on=pendulum.date(2026, 3, 2),
    ...                               risk_tier=RiskTier.HIGH),
    ...                     CareEvent(kind=CareEventKind.HOSPITAL_ADMISSION,
    ...                               occurred_on=pendulum.date(2026, 3, 6))))
    >>> week = reviews_due([case], policy=VIRTUAL_WARD_REVIEWS.with_initial_assessment(None),
    ...                    calendar=ENGLAND_AND_WALES, as_of=pendulum.date(2026, 3, 9))
    >>> for item in week.items:
    ...     print(item.title, item.rule_id, item.due.isoformat(), item.days_overdue)
    daily case review M2 2026-03-03 6
    urgent review after hospital admission on 2026-03-06 M6 2026-03-09 0
    """
    if until is None:
        until = as_of.add(days=7 - as_of.isoweekday())
    if until < as_of:
        raise ValueError("until must not be before as_of")
    horizon = until.toordinal()
    found: list[DueReview] = []
    for case in cases:
        for item in _outstanding(case, policy=policy, calendar=calendar, as_of=as_of):
            if item.due.toordinal() <= horizon:
                found.append(item)
    found.sort(key=lambda i: (str(i.manager_id or ""), i.due, i.case_id, _URGENCY[i.kind], i.title))
    return ReviewsDue(as_of=as_of, until=until, items=tuple(found))
