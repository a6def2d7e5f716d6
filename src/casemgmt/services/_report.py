"""Programme outcomes (X5, O3, O4, C9, O1): what became of every case referred to a
programme, return to work, time on the caseload, use of hospital services, goal attainment
and cost.

:func:`programme_report` reads a programme's cases on a day and returns a
:class:`ProgrammeReport`: the X5 outcome counts (referred, discharged, still active,
voluntarily withdrawn, ineligible or inappropriately referred, and still awaiting a
decision), which always add up to the cases referred; the return-to-work shares of O3; the
time cases spent on the caseload (C9: discharges keep capacity free); the hospital
admissions, A&E attendances and lengths of stay while on the caseload (O1); the distribution
of the current plans' GAS T-scores (O4); and the cost delivered, per case and against the
savings (O3's cost-benefit ratio). Every share keeps its numerator and denominator, money stays
:class:`~casemgmt.model.Money`, and the text rendering carries no personal data.

Which outcome each closure reason counts as is the public table :data:`CLOSURE_OUTCOMES`
(and :data:`DECLINE_OUTCOMES` for referrals turned down before acceptance), so a host can
read it, and pass its own.

>>> CLOSURE_OUTCOMES[ClosureReason.SELF_DISCHARGE].value
'withdrawn'
>>> str(Share(numerator=270, denominator=375))
'72% (270/375)'
"""

from __future__ import annotations

import enum
import itertools
import statistics
import types
from collections.abc import Iterable, Iterator, Mapping
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction

import attrs
import pendulum

from casemgmt._applies import applies
from casemgmt.errors import CurrencyMismatchError, Problem
from casemgmt.model import (
    CareEventKind,
    CarePlan,
    Case,
    CaseAction,
    CaseRecord,
    CaseStatus,
    ClosureReason,
    EmploymentStatus,
    Intervention,
    InterventionId,
    InterventionStatus,
    Money,
    ReferralOutcome,
)
from casemgmt.model._base import Validated, problem
from casemgmt.policies import ENGLAND_AND_WALES, WorkingCalendar
from casemgmt.services._goal_attainment import goal_attainment

__all__ = [
    "CLOSURE_OUTCOMES",
    "DECLINE_OUTCOMES",
    "GAS_BIN_EDGES",
    "LONG_ABSENCE_WORKING_DAYS",
    "CaseloadTime",
    "GasBin",
    "GasDistribution",
    "OutcomeCounts",
    "OutcomeGroup",
    "ProgrammeCost",
    "ProgrammeReport",
    "ReportNote",
    "ReturnToWork",
    "ServiceUse",
    "Share",
    "programme_report",
]


class OutcomeGroup(enum.Enum):
    """Where a referred case stands in the X5 outcome counts (OHSxtra's groups, seed 004,
    plus the referrals still awaiting a decision on the day of the report)."""

    DISCHARGED = "discharged"
    """Closed for any reason but self-discharge or an ineligible or inappropriate referral."""
    ACTIVE = "active"
    """Still open: accepted and not closed."""
    WITHDRAWN = "withdrawn"
    """Voluntarily withdrawn: closed by self-discharge, or the referral withdrawn."""
    INELIGIBLE = "ineligible"
    """Ineligible or inappropriately referred (E7), before or after acceptance."""
    AWAITING_DECISION = "awaiting-decision"
    """Referred or being screened: not yet accepted or declined."""


_G = OutcomeGroup
_LABELS = {
    _G.DISCHARGED: "discharged",
    _G.ACTIVE: "still active",
    _G.WITHDRAWN: "voluntarily withdrawn",
    _G.INELIGIBLE: "ineligible or inappropriate",
    _G.AWAITING_DECISION: "awaiting decision",
}

CLOSURE_OUTCOMES: Mapping[ClosureReason, OutcomeGroup] = types.MappingProxyType(
    {
        ClosureReason.DEATH: _G.DISCHARGED,
        ClosureReason.SELF_DISCHARGE: _G.WITHDRAWN,
        ClosureReason.CARE_OPTIMISED: _G.DISCHARGED,
        ClosureReason.RISK_BELOW_THRESHOLD: _G.DISCHARGED,
        ClosureReason.INELIGIBLE: _G.INELIGIBLE,
        ClosureReason.INAPPROPRIATE_REFERRAL: _G.INELIGIBLE,
        ClosureReason.FUNDING_ENDED: _G.DISCHARGED,
        ClosureReason.GOALS_ACHIEVED: _G.DISCHARGED,
        ClosureReason.TIME_LIMIT_REACHED: _G.DISCHARGED,
    }
)
"""The X5 outcome group of a closed case, by closure reason: self-discharge is a voluntary
withdrawal; a referral found ineligible or inappropriate after acceptance counts with the
ones turned down before (E7); every other reason, a death included (X1's first route), is a
discharge. Pass another complete table to :func:`programme_report` to count otherwise."""

DECLINE_OUTCOMES: Mapping[ReferralOutcome, OutcomeGroup] = types.MappingProxyType(
    {
        ReferralOutcome.INELIGIBLE: _G.INELIGIBLE,
        ReferralOutcome.INAPPROPRIATE: _G.INELIGIBLE,
        ReferralOutcome.DUPLICATE: _G.INELIGIBLE,
        ReferralOutcome.WITHDRAWN: _G.WITHDRAWN,
    }
)
"""The X5 outcome group of a declined case, by how its referral was turned down (E7): a
referral withdrawn by the client is a voluntary withdrawal; an ineligible, inappropriate or
duplicate one (E8) counts as ineligible or inappropriately referred."""

LONG_ABSENCE_WORKING_DAYS = 21
"""OHSxtra's threshold for a long absence (O3: "off for more than 21 working days")."""

GAS_BIN_EDGES = (40.0, 50.0, 60.0)
"""The edges of the T-score bins of :class:`GasDistribution`: below 40, 40 to 50, 50 to 60,
and 60 or more, each bin including its lower edge. 50 is every goal met as expected, and
each 10 points is one standard deviation of the T-score (O4)."""

_DISPLAY = Context(prec=40, rounding=ROUND_HALF_UP)
_WORKING = frozenset({EmploymentStatus.EMPLOYED, EmploymentStatus.SELF_EMPLOYED})
_DELIVERED = frozenset(
    {
        InterventionStatus.IN_PROGRESS,
        InterventionStatus.ON_HOLD,
        InterventionStatus.COMPLETED,
        InterventionStatus.STOPPED,
    }
)
_TURN_DOWNS = frozenset(DECLINE_OUTCOMES)
# A case-month is an average month, a twelfth of the average year of 365.25 days, so a
# rate does not depend on which months the cases were open.
_CASE_MONTH_DAYS = Fraction(1461, 48)


def _decimal(value: Fraction, places: int) -> Decimal:
    """``value`` rounded half up to ``places`` decimals, for display."""
    exact = _DISPLAY.divide(Decimal(value.numerator), Decimal(value.denominator))
    return exact.quantize(Decimal(1).scaleb(-places), context=_DISPLAY)


@attrs.frozen(kw_only=True)
class Share(Validated):
    """A share that keeps what it is made of, so a host can audit it: ``numerator`` of
    ``denominator`` cases.

    >>> share = Share(numerator=130, denominator=200)
    >>> share.value, share.percent(), share.percent(1)
    (Fraction(13, 20), Decimal('65'), Decimal('65.0'))
    >>> Share(numerator=0, denominator=0).value is None
    True
    """

    numerator: int
    denominator: int

    def _invariants(self) -> Iterator[Problem]:
        if self.denominator < 0:
            yield problem("denominator", "negative", "must not be negative")
        if not 0 <= self.numerator <= max(self.denominator, 0):
            yield problem("numerator", "out_of_range", "must be between 0 and the denominator")

    @property
    def value(self) -> Fraction | None:
        """The exact share, from 0 to 1 (``None`` when there is no one to count)."""
        return None if self.denominator == 0 else Fraction(self.numerator, self.denominator)

    def percent(self, places: int = 0) -> Decimal | None:
        """The share as a percentage rounded half up to ``places`` decimals, for display."""
        value = self.value
        return None if value is None else _decimal(value * 100, places)

    def __str__(self) -> str:
        percent = self.percent()
        shown = "n/a" if percent is None else f"{percent}%"
        return f"{shown} ({self.numerator}/{self.denominator})"


@attrs.frozen(kw_only=True)
class ReportNote:
    """Something a reader of the report needs to know to read a figure, with its rule.

    Attributes:
        rule_id: The rule the figure reports (:data:`casemgmt.rules.RULES`).
        message: What was counted or left out, and why, without personal data.
    """

    rule_id: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule_id}] {self.message}"


@attrs.frozen(kw_only=True)
class OutcomeCounts:
    """The X5 outcome counts: every case referred by the day of the report, each in exactly
    one group, so the groups add up to :attr:`referred`.

    Attributes:
        referred: The cases opened on or before the day of the report.
        discharged: Closed for a reason :data:`CLOSURE_OUTCOMES` counts as a discharge.
        active: Still open (accepted, in assessment, planning, active, on hold or closing).
        withdrawn: Closed by self-discharge, or declined as withdrawn by the client.
        ineligible: Declined as ineligible, inappropriate or a duplicate, or closed as an
            ineligible or inappropriate referral.
        awaiting_decision: Referred or being screened.
        by_closure_reason: The closed cases by closure reason (reasons with none left out).
        by_decline_outcome: The declined cases by how the referral was turned down.
        opened_later: Cases opened after the day of the report, not counted anywhere.
    """

    referred: int
    discharged: int
    active: int
    withdrawn: int
    ineligible: int
    awaiting_decision: int
    by_closure_reason: Mapping[ClosureReason, int]
    by_decline_outcome: Mapping[ReferralOutcome, int]
    opened_later: int = 0

    def count(self, group: OutcomeGroup) -> int:
        """The cases in ``group``.

        >>> OutcomeCounts(referred=3, discharged=1, active=2, withdrawn=0, ineligible=0,
        ...               awaiting_decision=0, by_closure_reason={},
        ...               by_decline_outcome={}).count(OutcomeGroup.ACTIVE)
        2
        """
        return {
            _G.DISCHARGED: self.discharged,
            _G.ACTIVE: self.active,
            _G.WITHDRAWN: self.withdrawn,
            _G.INELIGIBLE: self.ineligible,
            _G.AWAITING_DECISION: self.awaiting_decision,
        }[group]

    def share(self, group: OutcomeGroup) -> Share:
        """The cases in ``group`` as a share of the cases referred."""
        return Share(numerator=self.count(group), denominator=self.referred)


@attrs.frozen(kw_only=True)
class ReturnToWork:
    """Return to work (O3), over the cases that entered the programme (open or closed on the
    day of the report) and come with a case record giving the client's employment.

    *Absent at entry*: the sickness absence started before the case opened and had not ended
    by then (no end date, or one after the opening day), and is not a record of struggling at
    work. *Returned*: the absence ended on or before the day of the report. *Long absence*:
    more than :attr:`long_absence_working_days` working days on the calendar from the day the
    absence started to the day before the case opened. *Struggling at entry*: the record is of
    a person at work but struggling, from on or before the opening day. *Remained in work*:
    still employed or self-employed with no working day lost.

    Attributes:
        returned: Returned to work, of those absent at entry.
        returned_after_long_absence: Returned, of those absent at entry for a long absence.
        remained_in_work: Remained in work, of those struggling at work at entry.
        long_absence_working_days: The threshold of a long absence.
        records: The cases that entered the programme with a case record.
        without_employment: Of those, the ones that record no employment.
    """

    returned: Share
    returned_after_long_absence: Share
    remained_in_work: Share
    long_absence_working_days: int
    records: int
    without_employment: int


@attrs.frozen(kw_only=True)
class CaseloadTime:
    """How long cases were on the caseload (C9), in calendar days from the day the case
    opened to the day it closed, or to the day of the report while it is open. Cases that
    entered the programme (open or closed on the day of the report) count; referrals
    awaiting a decision or declined do not.

    Attributes:
        cases: The cases counted.
        total_days: Their days on the caseload, added up.
        mean_days: The exact mean (``None`` with no case).
        median_days: The exact median (the mean of the middle two for an even count).
        longest_days: The longest time on the caseload.
    """

    cases: int
    total_days: int
    mean_days: Fraction | None
    median_days: Fraction | None
    longest_days: int | None


@attrs.frozen(kw_only=True)
class ServiceUse:
    """The use of hospital services while on the caseload (O1): hospital admissions, A&E
    attendances, and the stays and bed days they make.

    The cases counted are those of :class:`CaseloadTime` (C9): the cases that entered the
    programme. Only a case's care events from the day it opened to the day it closed, or to
    the day of the report while it is open, both included, count; events before the case
    opened, after it closed or after the day of the report never do, so the figures measure
    use *while* on the caseload, not a comparison with before.

    Stays pair each admission with the next discharge of the same case, over the events
    counted, in order of day. Within one day the order the events were recorded in does not
    matter: while a stay is open a discharge is taken first (a readmission the same day
    starts a new stay), otherwise an admission (a day case, of 0 bed days). An admission
    recorded while a stay is open starts no stay and closes nothing, but counts as an
    admission (:attr:`admissions_during_stay`); a discharge with no open stay (its admission
    before the case opened, or not recorded) is ignored and counted in
    :attr:`unpaired_discharges`. A stay still open at the end of the
    case's period counts its bed days to that end. The bed days of a stay are the days from
    admission to discharge (the day of discharge minus the day of admission).

    The record does not say whether an admission was an emergency, so every hospital
    admission counts; it records no admission to a nursing home, and the report says so in
    a note.

    Attributes:
        cases: The cases counted (those that entered the programme).
        caseload_days: Their days on the caseload, added up (C9's
            :attr:`CaseloadTime.total_days`): the denominator of the rates.
        admissions: Hospital admissions (every one, including :attr:`admissions_during_stay`).
        attendances: A&E (emergency department) attendances.
        stays_completed: Admissions paired with a discharge.
        completed_bed_days: The bed days of the completed stays.
        mean_length_of_stay: The exact mean bed days of a completed stay (``None`` with none).
        open_stays: Stays with no discharge by the end of the case's period.
        open_bed_days: Their bed days, to that end.
        admissions_during_stay: Admissions recorded while a stay was already open.
        unpaired_discharges: Discharges with no open stay to close.
    """

    cases: int
    caseload_days: int
    admissions: int
    attendances: int
    stays_completed: int
    completed_bed_days: int
    mean_length_of_stay: Fraction | None
    open_stays: int
    open_bed_days: int
    admissions_during_stay: int
    unpaired_discharges: int

    @property
    def bed_days(self) -> int:
        """The bed days of completed and open stays."""
        return self.completed_bed_days + self.open_bed_days

    @property
    def case_months(self) -> Fraction:
        """:attr:`caseload_days` in average months of 365.25 / 12 days.

        >>> use = ServiceUse(cases=1, caseload_days=1461, admissions=3, attendances=0,
        ...     stays_completed=3, completed_bed_days=12, mean_length_of_stay=Fraction(4),
        ...     open_stays=0, open_bed_days=0, admissions_during_stay=0,
        ...     unpaired_discharges=0)
        >>> use.case_months, use.admissions_per_100_case_months
        (Fraction(48, 1), Fraction(25, 4))
        """
        return self.caseload_days / _CASE_MONTH_DAYS

    @property
    def admissions_per_100_case_months(self) -> Fraction | None:
        """Hospital admissions per 100 case-months on the caseload (``None`` with no time)."""
        return _per_100(self.admissions, self.case_months)

    @property
    def attendances_per_100_case_months(self) -> Fraction | None:
        """A&E attendances per 100 case-months on the caseload (``None`` with no time)."""
        return _per_100(self.attendances, self.case_months)


def _per_100(count: int, months: Fraction) -> Fraction | None:
    return None if months == 0 else count * 100 / months


@attrs.frozen(kw_only=True)
class GasBin:
    """One bin of T-scores: ``lower`` (included) to ``upper`` (excluded); ``None`` for an
    open end."""

    lower: float | None
    upper: float | None
    count: int

    @property
    def label(self) -> str:
        """``"<40"``, ``"40-50"``, ``">=60"``."""
        if self.lower is None:
            return f"<{self.upper:g}"
        if self.upper is None:
            return f">={self.lower:g}"
        return f"{self.lower:g}-{self.upper:g}"


@attrs.frozen(kw_only=True)
class GasDistribution:
    """The GAS T-scores (O4) of the current plans of the cases counted that have at least one
    scored goal (:func:`~casemgmt.services.goal_attainment`, weighted, rho 0.3).

    Attributes:
        plans: The plans with a T-score.
        unscored_plans: Current plans with GAS goals of which none is scored yet.
        mean: The mean T-score (``None`` with no plan).
        minimum: The lowest.
        maximum: The highest.
        bins: The count in each bin of :data:`GAS_BIN_EDGES`.
        met_expected: The plans scoring 50 or more (every goal met as expected, on average).
    """

    plans: int
    unscored_plans: int
    mean: float | None
    minimum: float | None
    maximum: float | None
    bins: tuple[GasBin, ...]
    met_expected: Share


@attrs.frozen(kw_only=True)
class ProgrammeCost:
    """What the programme cost, per case, and against the savings (O3).

    ``delivered`` is worked out from the interventions of every plan version, each
    intervention counted once (its latest version): its weekly cost for each day from its
    start to its end, the day of the report, the day its case closed, or the day before a
    later plan version dropped it, whichever comes first. Interventions not started,
    scheduled, cancelled or entered in error cost nothing; those without a frequency cannot
    be costed and are counted in ``uncosted_interventions``.

    Attributes:
        total: The cost the figures use: the host's own total when given, else ``delivered``.
        supplied: True when ``total`` is the host's.
        delivered: The cost worked out from the interventions.
        uncosted_interventions: Interventions delivered but without a frequency.
        per_referral: ``total`` over the cases referred.
        served: The cases that entered the programme (open or closed on the day of the
            report): case management is itself the service, whether or not an intervention
            was commissioned.
        per_case_served: ``total`` over ``served``.
        savings: The savings the host supplied, if any.
        cost_benefit: ``savings / total`` exactly (``None`` without savings or with no cost).
    """

    total: Money
    supplied: bool
    delivered: Money
    uncosted_interventions: int
    per_referral: Money | None
    served: int
    per_case_served: Money | None
    savings: Money | None
    cost_benefit: Fraction | None

    @property
    def cost_benefit_display(self) -> Decimal | None:
        """The cost-benefit ratio rounded half up to two decimals (OHSxtra: 1.66)."""
        return None if self.cost_benefit is None else _decimal(self.cost_benefit, 2)


@attrs.frozen(kw_only=True)
class ProgrammeReport:
    """A programme's outcomes on a day. :meth:`text` renders it as a table.

    Attributes:
        as_of: The day of the report.
        programmes: The programme keys of the cases counted, sorted.
        counts: The X5 outcome counts.
        return_to_work: The O3 return-to-work shares; ``None`` when no case came with a
            case record (the notes say so).
        caseload_time: Time on the caseload (C9).
        service_use: Hospital admissions, A&E attendances and stays on the caseload (O1).
        goal_attainment: The GAS T-score distribution (O4).
        cost: Cost, cost per case and the cost-benefit ratio (O3).
        notes: What was left out or assumed, each with its rule.
    """

    as_of: pendulum.Date
    programmes: tuple[str, ...]
    counts: OutcomeCounts
    return_to_work: ReturnToWork | None
    caseload_time: CaseloadTime
    service_use: ServiceUse
    goal_attainment: GasDistribution
    cost: ProgrammeCost
    notes: tuple[ReportNote, ...]

    def text(self) -> str:
        """The report as a plain-text table: counts, shares, days, scores and money only,
        never anything about a person."""
        return "\n".join(_text(self))


# -- the service ------------------------------------------------------------------------------


@applies("E7", "C9", "O1", "O3", "O4", "X5")
def programme_report(
    cases: Iterable[Case | CaseRecord],
    *,
    as_of: pendulum.Date,
    calendar: WorkingCalendar = ENGLAND_AND_WALES,
    savings: Money | None = None,
    cost: Money | None = None,
    long_absence_working_days: int = LONG_ABSENCE_WORKING_DAYS,
    closure_outcomes: Mapping[ClosureReason, OutcomeGroup] = CLOSURE_OUTCOMES,
) -> ProgrammeReport:
    """Report a programme's outcomes on ``as_of`` (X5, O3, O4, C9, O1).

    Each case counts once, by where it stood on ``as_of``: a case with a history is read
    from its events up to that day; a snapshot (no history) from its dates (closed after
    ``as_of``: still open; accepted or declined after ``as_of``: still awaiting a
    decision). Cases opened after ``as_of`` are left out entirely and counted in
    :attr:`OutcomeCounts.opened_later`. A re-opened episode (X4) is a case of its own.
    Hospital use (O1) counts the care events of each case's time on the caseload only
    (:class:`ServiceUse` gives the rules that pair admissions with discharges).

    Args:
        cases: The programme's cases, as cases or case records; only a case record gives the
            client's employment, which the return-to-work shares need.
        as_of: The day of the report.
        calendar: The working-day calendar that measures a long absence (OHSxtra's was
            Scotland's: :data:`~casemgmt.policies.SCOTLAND`).
        savings: The savings the programme made, for the cost-benefit ratio.
        cost: The programme's total cost, when the host knows it; otherwise the cost is
            worked out from the plans' interventions.
        long_absence_working_days: More working days off than this at entry is a long
            absence (21 in OHSxtra).
        closure_outcomes: The outcome group of each closure reason; every reason must have
            one, and a closed case is never active or awaiting a decision.

    Returns:
        The report, with a note for every figure that leaves cases out.

    Raises:
        ValueError: when ``closure_outcomes`` misses a reason or maps one to the active or
            awaiting group, or ``long_absence_working_days`` is negative.
        CurrencyMismatchError: when the interventions, the cost and the savings are not all
            in one currency.

    >>> from casemgmt.model import CaseId, ClientId, ReferralId, ReferralSourceId
    >>> from casemgmt.model import CaseManagerId, CareEvent, CareEventKind, Closure, Referral
    >>> def case(n, status, closure=None, events=()):
    ...     opened = pendulum.date(2026, 1, 5)
    ...     referral = Referral(id=ReferralId(f"RF-{n}"), client_id=ClientId(f"CL-{n}"),
    ...         source_id=ReferralSourceId("OH"), received_on=opened, reason="back pain")
    ...     return Case(id=CaseId(f"C-{n}"), client_id=ClientId(f"CL-{n}"),
    ...         programme="ohsxtra", status=status, opened_on=opened,
    ...         referrals=(referral.accept(opened),), manager_id=CaseManagerId("CM-1"),
    ...         closure=closure, events=events,
    ...         closed_on=pendulum.date(2026, 3, 6) if closure else None)
    >>> done = Closure(reason=ClosureReason.GOALS_ACHIEVED)
    >>> left = Closure(reason=ClosureReason.SELF_DISCHARGE)
    >>> stay = (
    ...     CareEvent(kind=CareEventKind.HOSPITAL_ADMISSION, occurred_on=pendulum.date(2026, 2, 2)),
    ...     CareEvent(kind=CareEventKind.HOSPITAL_DISCHARGE, occurred_on=pendulum.date(2026, 2, 9)))
    >>> report = programme_report(
    ...     [case(1, CaseStatus.CLOSED, done), case(2, CaseStatus.CLOSED, left),
    ...      case(3, CaseStatus.ACTIVE, events=stay)],
    ...     as_of=pendulum.date(2026, 4, 3), cost=Money.gbp("900"), savings=Money.gbp("1494"))
    >>> counts = report.counts
    >>> counts.referred, counts.discharged, counts.withdrawn, counts.active
    (3, 1, 1, 1)
    >>> report.cost.per_referral, report.cost.cost_benefit_display
    (Money(minor=30000, currency='GBP'), Decimal('1.66'))
    >>> report.caseload_time.mean_days
    Fraction(208, 3)
    >>> use = report.service_use
    >>> use.admissions, use.stays_completed, use.completed_bed_days
    (1, 1, 7)
    >>> report.return_to_work is None
    True
    """
    _check_closure_outcomes(closure_outcomes)
    if long_absence_working_days < 0:
        raise ValueError("long_absence_working_days must not be negative")
    tally = _Tally(as_of, calendar, long_absence_working_days, closure_outcomes)
    for item in cases:
        tally.add(item)
    return tally.report(savings=savings, cost=cost)


def _check_closure_outcomes(table: Mapping[ClosureReason, OutcomeGroup]) -> None:
    missing = [r.value for r in ClosureReason if r not in table]
    if missing:
        raise ValueError(f"closure_outcomes gives no group for: {', '.join(missing)}")
    open_groups = (_G.ACTIVE, _G.AWAITING_DECISION)
    wrong = [r.value for r in ClosureReason if table[r] in open_groups]
    if wrong:
        raise ValueError(f"a closed case is neither active nor awaiting: {', '.join(wrong)}")


# -- where a case stood on the day ----------------------------------------------------------


@attrs.frozen
class _Standing:
    status: CaseStatus
    closure_reason: ClosureReason | None = None
    declined_as: ReferralOutcome | None = None
    closed_on: pendulum.Date | None = None


_AWAITING = frozenset({CaseStatus.REFERRED, CaseStatus.SCREENING})


def _standing(case: Case, as_of: pendulum.Date) -> _Standing | None:
    """Where ``case`` stood on ``as_of`` (``None``: not yet opened)."""
    if case.opened_on > as_of:
        return None
    if not case.history:
        return _snapshot_standing(case, case.status, as_of)
    last = None
    closure_reason: ClosureReason | None = None
    declined_as: ReferralOutcome | None = None
    closed_on: pendulum.Date | None = None
    for event in case.history:
        if event.on > as_of:
            break  # the history runs forward in time
        last = event
        if event.action is CaseAction.CLOSE and event.closure is not None:
            closure_reason, closed_on = event.closure.reason, event.on
        elif event.action is CaseAction.DECLINE:
            declined_as = event.referral_outcome
    if last is None:
        # A snapshot that recorded changes from some day on: before the first of them it
        # was in the state that change started from.
        before = case.history[0].from_status
        return _snapshot_standing(case, before or case.status, as_of)
    status = last.to_status
    if status is CaseStatus.CLOSED and closure_reason is None and case.closure is not None:
        closure_reason, closed_on = case.closure.reason, case.closed_on
    if status is CaseStatus.DECLINED and declined_as is None:
        declined_as = _turned_down_as(case)
    return _Standing(status, closure_reason, declined_as, closed_on)


def _snapshot_standing(case: Case, status: CaseStatus, as_of: pendulum.Date) -> _Standing:
    """A case without the events of its past: read its dates."""
    if status is CaseStatus.DECLINED:
        decided = [r.outcome_on for r in case.referrals if r.outcome in _TURN_DOWNS]
        if any(day is not None and day > as_of for day in decided):
            return _Standing(CaseStatus.REFERRED)
        return _Standing(status, declined_as=_turned_down_as(case))
    if status.is_open or status is CaseStatus.CLOSED:
        accepted = [
            r.outcome_on
            for r in case.referrals
            if r.outcome is ReferralOutcome.ACCEPTED and r.outcome_on is not None
        ]
        if accepted and min(accepted) > as_of:
            return _Standing(CaseStatus.REFERRED)
    if status is CaseStatus.CLOSED:
        if case.closed_on is not None and case.closed_on > as_of:
            return _Standing(CaseStatus.ACTIVE)
        reason = None if case.closure is None else case.closure.reason
        return _Standing(status, closure_reason=reason, closed_on=case.closed_on)
    return _Standing(status)


def _turned_down_as(case: Case) -> ReferralOutcome | None:
    decided = [r for r in case.referrals if r.outcome in _TURN_DOWNS and r.outcome_on]
    if not decided:
        return None
    return max(decided, key=lambda r: r.outcome_on or r.received_on).outcome


def _entered(standing: _Standing) -> bool:
    return standing.status.is_open or standing.status is CaseStatus.CLOSED


# -- counting ------------------------------------------------------------------------------


class _Tally:
    """The running counts, one case at a time (the cases may be a stream)."""

    def __init__(
        self,
        as_of: pendulum.Date,
        calendar: WorkingCalendar,
        long_days: int,
        closure_outcomes: Mapping[ClosureReason, OutcomeGroup],
    ) -> None:
        self.as_of = as_of
        self.calendar = calendar
        self.long_days = long_days
        self.closure_outcomes = closure_outcomes
        self.groups = dict.fromkeys(OutcomeGroup, 0)
        self.by_reason: dict[ClosureReason, int] = {}
        self.by_decline: dict[ReferralOutcome, int] = {}
        self.unrecorded_declines = 0
        self.opened_later = 0
        self.programmes: set[str] = set()
        # return to work: [numerator, denominator] pairs
        self.absent = [0, 0]
        self.long_absent = [0, 0]
        self.struggling = [0, 0]
        self.records = 0
        self.seen_records = 0
        self.plain_cases = 0
        self.without_employment = 0
        self.days: list[int] = []
        self.t_scores: list[float] = []
        self.unscored_plans = 0
        self.delivered: dict[str, Fraction] = {}
        self.uncosted = 0
        # use of services (O1)
        self.admissions = 0
        self.attendances = 0
        self.stay_days: list[int] = []
        self.open_stays = 0
        self.open_bed_days = 0
        self.admissions_during_stay = 0
        self.unpaired_discharges = 0

    def add(self, item: Case | CaseRecord) -> None:
        record = item if isinstance(item, CaseRecord) else None
        case = item.case if isinstance(item, CaseRecord) else item
        standing = _standing(case, self.as_of)
        if standing is None:
            self.opened_later += 1
            return
        self.programmes.add(case.programme)
        self.groups[self._group(standing)] += 1
        if record is None:
            self.plain_cases += 1
        else:
            self.seen_records += 1
        if not _entered(standing):
            return
        closed_on = standing.closed_on if standing.status is CaseStatus.CLOSED else None
        last_day = self.as_of if closed_on is None else min(closed_on, self.as_of)
        self.days.append(last_day.toordinal() - case.opened_on.toordinal())
        if record is not None:
            self._work(record)
        self._service_use(case, last_day)
        self._gas(case.current_plan)
        self._cost(case, last_day)

    def _group(self, standing: _Standing) -> OutcomeGroup:
        status = standing.status
        if status in _AWAITING:
            return _G.AWAITING_DECISION
        if status is CaseStatus.DECLINED:
            outcome = standing.declined_as
            if outcome is None or outcome not in DECLINE_OUTCOMES:
                self.unrecorded_declines += 1
                return _G.INELIGIBLE
            self.by_decline[outcome] = self.by_decline.get(outcome, 0) + 1
            return DECLINE_OUTCOMES[outcome]
        if status is CaseStatus.CLOSED and standing.closure_reason is not None:
            reason = standing.closure_reason
            self.by_reason[reason] = self.by_reason.get(reason, 0) + 1
            return self.closure_outcomes[reason]
        return _G.ACTIVE

    def _work(self, record: CaseRecord) -> None:
        self.records += 1
        employment = record.client.employment
        if employment is None:
            self.without_employment += 1
            return
        absence = employment.absence
        if absence is None:
            return
        opened = record.case.opened_on
        if absence.struggling_at_work:
            if absence.started_on <= opened:
                remained = employment.status in _WORKING and absence.working_days_lost == 0
                _count(self.struggling, remained)
            return
        still_off = absence.ended_on is None or absence.ended_on > opened
        if not (absence.started_on < opened and still_off):
            return
        returned = absence.ended_on is not None and absence.ended_on <= self.as_of
        _count(self.absent, returned)
        # Working days off before entry: from the first day of absence to the day before
        # the case opened, both included.
        off = self.calendar.working_days_between(
            absence.started_on.subtract(days=1), opened.subtract(days=1)
        )
        if off > self.long_days:
            _count(self.long_absent, returned)

    def _service_use(self, case: Case, last_day: pendulum.Date) -> None:
        # Admissions and discharges by day, over the case's time on the caseload only.
        moves: dict[pendulum.Date, list[int]] = {}
        for event in case.events:
            if not case.opened_on <= event.occurred_on <= last_day:
                continue
            if event.kind is CareEventKind.EMERGENCY_DEPARTMENT_ATTENDANCE:
                self.attendances += 1
            elif event.kind is CareEventKind.HOSPITAL_ADMISSION:
                self.admissions += 1
                moves.setdefault(event.occurred_on, [0, 0])[0] += 1
            elif event.kind is CareEventKind.HOSPITAL_DISCHARGE:
                moves.setdefault(event.occurred_on, [0, 0])[1] += 1
        admitted: pendulum.Date | None = None
        for day in sorted(moves):
            admissions, discharges = moves[day]
            # Within a day the recorded order is not trusted (events come in any order):
            # a discharge first while a stay is open, so a same-day readmission starts a
            # new stay; an admission first if not, so a day case pairs.
            while admissions or discharges:
                if admitted is not None and discharges:
                    self.stay_days.append(day.toordinal() - admitted.toordinal())
                    admitted, discharges = None, discharges - 1
                elif admitted is None and admissions:
                    admitted, admissions = day, admissions - 1
                elif admitted is not None:
                    self.admissions_during_stay += admissions
                    admissions = 0
                else:
                    self.unpaired_discharges += discharges
                    discharges = 0
        if admitted is not None:
            self.open_stays += 1
            self.open_bed_days += last_day.toordinal() - admitted.toordinal()

    def _gas(self, plan: CarePlan | None) -> None:
        if plan is None:
            return
        attainment = goal_attainment(plan)
        if attainment.t_score is not None:
            self.t_scores.append(attainment.t_score)
        elif attainment.goals:
            self.unscored_plans += 1

    def _cost(self, case: Case, last_day: pendulum.Date) -> None:
        # Each intervention once, in its latest version; one a later plan version dropped
        # ran until the day before that version.
        latest: dict[InterventionId, tuple[Intervention, pendulum.Date]] = {}
        plans = case.plans
        for index, plan in enumerate(plans):
            later = plans[index + 1] if index + 1 < len(plans) else None
            kept = frozenset() if later is None else {i.id for i in later.interventions}
            for intervention in plan.interventions:
                cap = last_day
                if later is not None and intervention.id not in kept:
                    cap = min(last_day, later.created_on.subtract(days=1))
                latest[intervention.id] = (intervention, cap)
        for intervention, cap in latest.values():
            if intervention.status not in _DELIVERED:
                continue
            per_week = intervention.frequency.per_week() if intervention.frequency else None
            if per_week is None:
                self.uncosted += 1
                continue
            end = cap if intervention.end is None else min(cap, intervention.end)
            days = end.toordinal() - intervention.start.toordinal() + 1
            if days <= 0:
                continue
            currency = intervention.unit_cost.currency
            amount = Fraction(intervention.unit_cost.minor) * per_week * days / 7
            self.delivered[currency] = self.delivered.get(currency, Fraction(0)) + amount

    def report(self, *, savings: Money | None, cost: Money | None) -> ProgrammeReport:
        referred = sum(self.groups.values())
        counts = OutcomeCounts(
            referred=referred,
            discharged=self.groups[_G.DISCHARGED],
            active=self.groups[_G.ACTIVE],
            withdrawn=self.groups[_G.WITHDRAWN],
            ineligible=self.groups[_G.INELIGIBLE],
            awaiting_decision=self.groups[_G.AWAITING_DECISION],
            by_closure_reason={r: self.by_reason[r] for r in ClosureReason if r in self.by_reason},
            by_decline_outcome={
                o: self.by_decline[o] for o in ReferralOutcome if o in self.by_decline
            },
            opened_later=self.opened_later,
        )
        return ProgrammeReport(
            as_of=self.as_of,
            programmes=tuple(sorted(self.programmes)),
            counts=counts,
            return_to_work=self._return_to_work(),
            caseload_time=self._caseload_time(),
            service_use=self._service_use_report(),
            goal_attainment=self._distribution(),
            cost=self._programme_cost(referred, savings, cost),
            notes=tuple(self._notes(cost)),
        )

    def _return_to_work(self) -> ReturnToWork | None:
        if self.seen_records == 0:
            return None
        return ReturnToWork(
            returned=_share(self.absent),
            returned_after_long_absence=_share(self.long_absent),
            remained_in_work=_share(self.struggling),
            long_absence_working_days=self.long_days,
            records=self.records,
            without_employment=self.without_employment,
        )

    def _caseload_time(self) -> CaseloadTime:
        days = self.days
        if not days:
            return CaseloadTime(
                cases=0, total_days=0, mean_days=None, median_days=None, longest_days=None
            )
        ordered = sorted(days)
        middle = len(ordered) // 2
        median = (
            Fraction(ordered[middle])
            if len(ordered) % 2
            else Fraction(ordered[middle - 1] + ordered[middle], 2)
        )
        return CaseloadTime(
            cases=len(days),
            total_days=sum(days),
            mean_days=Fraction(sum(days), len(days)),
            median_days=median,
            longest_days=ordered[-1],
        )

    def _service_use_report(self) -> ServiceUse:
        stays = self.stay_days
        return ServiceUse(
            cases=len(self.days),
            caseload_days=sum(self.days),
            admissions=self.admissions,
            attendances=self.attendances,
            stays_completed=len(stays),
            completed_bed_days=sum(stays),
            mean_length_of_stay=Fraction(sum(stays), len(stays)) if stays else None,
            open_stays=self.open_stays,
            open_bed_days=self.open_bed_days,
            admissions_during_stay=self.admissions_during_stay,
            unpaired_discharges=self.unpaired_discharges,
        )

    def _distribution(self) -> GasDistribution:
        scores = self.t_scores
        edges: tuple[float | None, ...] = (None, *GAS_BIN_EDGES, None)
        bins = []
        for lower, upper in itertools.pairwise(edges):
            count = sum(
                1 for t in scores if (lower is None or t >= lower) and (upper is None or t < upper)
            )
            bins.append(GasBin(lower=lower, upper=upper, count=count))
        met = sum(1 for t in scores if t >= 50.0)
        return GasDistribution(
            plans=len(scores),
            unscored_plans=self.unscored_plans,
            mean=statistics.fmean(scores) if scores else None,
            minimum=min(scores) if scores else None,
            maximum=max(scores) if scores else None,
            bins=tuple(bins),
            met_expected=Share(numerator=met, denominator=len(scores)),
        )

    def _programme_cost(
        self, referred: int, savings: Money | None, cost: Money | None
    ) -> ProgrammeCost:
        currencies = sorted(self.delivered)
        if len(currencies) > 1:
            raise CurrencyMismatchError(currencies[0], currencies[1])
        fallback = (cost or savings or Money.zero()).currency
        currency = currencies[0] if currencies else fallback
        delivered = Money(minor=round(self.delivered.get(currency, Fraction(0))), currency=currency)
        total = delivered if cost is None else cost
        if currencies:
            _same_currency(total, delivered)  # a supplied cost in another currency is a mistake
        served = len(self.days)
        ratio = None
        if savings is not None:
            _same_currency(savings, total)
            ratio = None if total.minor == 0 else Fraction(savings.minor, total.minor)
        return ProgrammeCost(
            total=total,
            supplied=cost is not None,
            delivered=delivered,
            uncosted_interventions=self.uncosted,
            per_referral=total * Fraction(1, referred) if referred else None,
            served=served,
            per_case_served=total * Fraction(1, served) if served else None,
            savings=savings,
            cost_benefit=ratio,
        )

    def _notes(self, cost: Money | None) -> Iterator[ReportNote]:
        if self.opened_later:
            yield ReportNote(
                rule_id="X5",
                message=f"{self.opened_later} case(s) opened after {self.as_of} are not counted",
            )
        if self.unrecorded_declines:
            yield ReportNote(
                rule_id="E7",
                message=f"{self.unrecorded_declines} declined case(s) record no reason for "
                "turning the referral down; counted as ineligible or inappropriate",
            )
        if self.seen_records == 0:
            yield ReportNote(
                rule_id="O3",
                message="no return-to-work figures: they need case records, which give the "
                "client's employment, and only cases were given",
            )
        elif self.plain_cases:
            yield ReportNote(
                rule_id="O3",
                message=f"{self.plain_cases} case(s) without a case record are left out of "
                "the return-to-work figures",
            )
        if self.without_employment:
            yield ReportNote(
                rule_id="O3",
                message=f"{self.without_employment} case record(s) record no employment",
            )
        yield ReportNote(
            rule_id="O1",
            message="admissions to nursing homes are not recorded, so not counted",
        )
        if self.admissions_during_stay:
            yield ReportNote(
                rule_id="O1",
                message=f"{self.admissions_during_stay} hospital admission(s) recorded while a "
                "stay was open are counted as admissions but start no stay",
            )
        if self.unpaired_discharges:
            yield ReportNote(
                rule_id="O1",
                message=f"{self.unpaired_discharges} hospital discharge(s) with no stay open "
                "to close (admitted before the case opened, or not recorded) are ignored",
            )
        if self.unscored_plans:
            yield ReportNote(
                rule_id="O4",
                message=f"{self.unscored_plans} current plan(s) have GAS goals not yet scored",
            )
        if cost is not None:
            yield ReportNote(rule_id="O3", message="the total cost is the one supplied")
        if self.uncosted:
            yield ReportNote(
                rule_id="O3",
                message=f"{self.uncosted} intervention(s) without a frequency are not costed",
            )


def _same_currency(left: Money, right: Money) -> None:
    if left.currency != right.currency:
        raise CurrencyMismatchError(left.currency, right.currency)


def _count(pair: list[int], hit: bool) -> None:
    pair[1] += 1
    if hit:
        pair[0] += 1


def _share(pair: list[int]) -> Share:
    return Share(numerator=pair[0], denominator=pair[1])


# -- the text table ---------------------------------------------------------------------------

_WIDTH = 40


def _row(label: str, value: object, detail: str = "") -> str:
    line = f"  {label:<{_WIDTH}}{value!s:>16}"
    return f"{line}  {detail}" if detail else line


def _days(value: Fraction | None) -> str:
    return "n/a" if value is None else str(_decimal(value, 1))


def _rate(value: Fraction | None) -> str:
    return f"{_days(value)} per 100 case-months"


def _score(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}"


def _money(value: Money | None) -> str:
    return "n/a" if value is None else str(value)


def _text(report: ProgrammeReport) -> Iterator[str]:
    programmes = ", ".join(report.programmes) or "no cases"
    yield f"Programme report on {report.as_of} ({programmes})"
    counts = report.counts
    yield "Outcomes (X5)"
    yield _row("referred", counts.referred)
    for group in OutcomeGroup:
        yield _row(_LABELS[group], counts.count(group), str(counts.share(group)))
    if counts.by_closure_reason:
        yield "Closed, by reason (X1)"
        for reason, number in counts.by_closure_reason.items():
            yield _row(reason.value, number)
    if counts.by_decline_outcome:
        yield "Declined, by outcome (E7)"
        for outcome, number in counts.by_decline_outcome.items():
            yield _row(outcome.value, number)
    work = report.return_to_work
    yield "Return to work (O3)"
    if work is None:
        yield "  n/a: no case records"
    else:
        yield _row("returned, of those absent", _pc(work.returned), _of(work.returned))
        yield _row(
            f"returned, off > {work.long_absence_working_days} working days",
            _pc(work.returned_after_long_absence),
            _of(work.returned_after_long_absence),
        )
        yield _row(
            "remained in work, of those struggling",
            _pc(work.remained_in_work),
            _of(work.remained_in_work),
        )
    time = report.caseload_time
    yield "Time on the caseload (C9)"
    yield _row("cases", time.cases)
    yield _row("mean days", _days(time.mean_days))
    yield _row("median days", _days(time.median_days))
    use = report.service_use
    yield "Use of services while on the caseload (O1)"
    yield _row("case-months", _days(use.case_months))
    yield _row("hospital admissions", use.admissions, _rate(use.admissions_per_100_case_months))
    yield _row("A&E attendances", use.attendances, _rate(use.attendances_per_100_case_months))
    yield _row("stays completed", use.stays_completed, f"{use.completed_bed_days} bed days")
    yield _row("mean length of stay, days", _days(use.mean_length_of_stay))
    yield _row(
        "stays open at the end of the period", use.open_stays, f"{use.open_bed_days} bed days"
    )
    gas = report.goal_attainment
    yield "Goal attainment T-scores (O4)"
    yield _row("plans scored", gas.plans)
    yield _row("mean", _score(gas.mean), f"min {_score(gas.minimum)}, max {_score(gas.maximum)}")
    for gas_bin in gas.bins:
        yield _row(gas_bin.label, gas_bin.count)
    cost = report.cost
    yield "Cost (O3)"
    yield _row("total", _money(cost.total), "supplied" if cost.supplied else "delivered")
    yield _row("per case referred", _money(cost.per_referral))
    yield _row("per case served", _money(cost.per_case_served), f"{cost.served} served")
    if cost.savings is not None:
        yield _row("savings", _money(cost.savings))
        ratio = cost.cost_benefit_display
        yield _row("saved per 1 spent", "n/a" if ratio is None else ratio)
    if report.notes:
        yield "Notes"
        for note in report.notes:
            yield f"  {note}"


def _pc(share: Share) -> str:
    percent = share.percent()
    return "n/a" if percent is None else f"{percent}%"


def _of(share: Share) -> str:
    return f"{share.numerator}/{share.denominator}"
