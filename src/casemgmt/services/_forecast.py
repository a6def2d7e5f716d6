"""Capacity forecast (C9): without discharges, capacity runs out.

The virtual ward scheme in Wandsworth admitted more patients than it discharged, which
limited its long-term capacity to deliver case management (Ham et al 2010, in seed 002). A
forecast makes that visible before it happens: from today's caseload, the referrals accepted
each month and the share of the caseload discharged each month, it projects the caseload
month by month and says when it goes over capacity, where it settles, and what discharge
rate would keep it within capacity.

The model is one line. Each month the caseload gains the month's referrals and loses the
month's discharges, a fixed share ``d`` of the caseload held at the start of the month::

    caseload[k + 1] = caseload[k] + referrals_per_month - d * caseload[k]

With ``d > 0`` the caseload moves steadily towards the steady state ``referrals_per_month /
d``, where discharges balance referrals; with ``d = 0`` it grows by the month's referrals
for ever, and any capacity runs out. The projection uses the exact solution of the
recurrence, so it does not drift however long the horizon.

:func:`flow_rates` estimates the rates from the history of a caseload.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import ClassVar

import attrs
import pendulum

from casemgmt._applies import applies
from casemgmt.errors import InvariantError, Problem
from casemgmt.model._base import problem
from casemgmt.policies import CaseloadPolicy
from casemgmt.services._caseload import CaseProfile

__all__ = [
    "CapacityForecast",
    "FlowRates",
    "ForecastMonth",
    "flow_rates",
    "forecast_capacity",
]

_MAX_MONTHS = 1200  # the longest horizon: a century

_TOLERANCE = 1e-9
"""A caseload within this share of the capacity above it counts as at capacity, not over
it: rounding in the last digit never makes a sustainable caseload run out."""


def _over(caseload: float, capacity: float) -> bool:
    return caseload > capacity + _TOLERANCE * max(1.0, capacity)


def _caseload_after(open_cases: float, referrals: float, rate: float, months: int) -> float:
    """The exact solution of the recurrence after ``months`` months."""
    if months == 0:
        return open_cases
    if rate == 0.0:
        return open_cases + months * referrals
    if rate == 1.0:
        return referrals
    exponent = months * math.log1p(-rate)  # log of (1 - rate) ** months, precise for small rates
    remaining = math.exp(exponent)  # share of today's caseload still held
    return open_cases * remaining + referrals * -math.expm1(exponent) / rate


def _number(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _percent(rate: float, *, up: bool = False) -> str:
    tenths = rate * 1000.0
    tenths = math.ceil(tenths - 1e-6) if up else round(tenths)
    return f"{_number(tenths / 10.0)}%"


@attrs.frozen(kw_only=True)
class ForecastMonth:
    """One month of a capacity forecast (C9).

    Attributes:
        month: Months after the forecast's ``as_of`` (0 is ``as_of`` itself).
        month_start: The day the month starts: ``as_of`` plus ``month`` calendar months, so
            a forecast from 31 January has months starting on 28 (or 29) February and
            31 March.
        caseload: The projected caseload on that day, in the forecast's unit.
        headroom: Capacity left: the capacity less the caseload (negative when over).
        over_capacity: True when the caseload is above the capacity.
    """

    month: int
    month_start: pendulum.Date
    caseload: float
    headroom: float
    over_capacity: bool


@attrs.frozen(kw_only=True)
class CapacityForecast:
    """A caseload projected month by month against a capacity (C9), from
    :func:`forecast_capacity`.

    Capacity, caseload and referrals are in one unit: cases, or weighted points (C4) when
    the capacity is a sum of weighted limits.

    Attributes:
        rule_id: The rule the forecast applies, C9.
        capacity: What the team can hold.
        open_cases: The caseload on ``as_of``.
        as_of: The day the forecast starts.
        referrals_per_month: Referrals accepted each month (the inflow).
        discharge_rate: The share of the caseload discharged each month.
        months: The horizon, in months.
        projection: The caseload at the start of each month, from ``as_of`` (month 0) to
            the end of the horizon (month ``months``).
        runs_out_on: The first month start on which the caseload is over capacity
            (``as_of`` when it is over already); ``None`` when it stays within capacity for
            the whole horizon.
    """

    rule_id: ClassVar[str] = "C9"

    capacity: float
    open_cases: float
    as_of: pendulum.Date
    referrals_per_month: float
    discharge_rate: float
    months: int
    projection: tuple[ForecastMonth, ...]
    runs_out_on: pendulum.Date | None

    @property
    def runs_out_in(self) -> int | None:
        """The month (counted from ``as_of``) in which the caseload first goes over
        capacity, or ``None`` when it does not within the horizon."""
        return next((m.month for m in self.projection if m.over_capacity), None)

    @property
    def steady_state(self) -> float | None:
        """The caseload the projection settles at, where discharges balance referrals:
        ``referrals_per_month / discharge_rate``. ``None`` when nothing is discharged and
        referrals keep coming: the caseload then grows without limit."""
        if self.discharge_rate > 0.0:
            return self.referrals_per_month / self.discharge_rate
        return self.open_cases if self.referrals_per_month == 0.0 else None

    @property
    def sustainable(self) -> bool:
        """True when the steady state is within capacity: in the long run the caseload is,
        or comes back, within capacity."""
        steady = self.steady_state
        return steady is not None and not _over(steady, self.capacity)

    @property
    def required_discharge_rate(self) -> float:
        """The least share of the caseload to discharge each month for the steady state to
        be within capacity: ``referrals_per_month / capacity``. Above 1, referrals alone
        exceed the capacity every month and no discharge rate is enough."""
        return self.referrals_per_month / self.capacity

    @property
    def required_discharges_per_month(self) -> float:
        """Discharges each month that hold a full caseload at capacity: as many as the
        referrals."""
        return self.referrals_per_month

    @property
    def net_inflow(self) -> float:
        """Referrals less discharges in the first month. Positive when the programme admits
        more than it discharges, as Wandsworth's virtual ward did."""
        return self.referrals_per_month - self.discharge_rate * self.open_cases

    def caseload_after(self, months: int) -> float:
        """The projected caseload ``months`` months after ``as_of``, beyond the horizon
        too (the exact solution of the recurrence).

        >>> forecast = forecast_capacity(capacity=100, open_cases=0, referrals_per_month=10,
        ...                              discharge_rate=0.0, as_of=pendulum.Date(2026, 1, 31))
        >>> forecast.caseload_after(48)
        480.0
        """
        if isinstance(months, bool) or not isinstance(months, int) or months < 0:
            raise InvariantError(
                "caseload_after",
                [problem("months", "out_of_range", "must be a whole number of at least 0")],
            )
        return _caseload_after(
            self.open_cases, self.referrals_per_month, self.discharge_rate, months
        )

    def explain(self) -> str:
        """The forecast in plain words: when capacity runs out, or where the caseload
        settles, and the discharge rate that keeps it within capacity.

        >>> forecast = forecast_capacity(capacity=200, open_cases=160, referrals_per_month=12,
        ...                              discharge_rate=0.04, as_of=pendulum.Date(2026, 11, 23))
        >>> print(forecast.explain())  # doctest: +NORMALIZE_WHITESPACE
        At 12.0 referrals and 4% of the caseload discharged a month, the caseload goes over
        its capacity of 200 in month 9 (2027-08-23); discharging at least 6% a month would
        keep it within capacity.
        """
        capacity = _number(self.capacity)
        if self.discharge_rate == 0.0:
            flow = f"At {self.referrals_per_month:.1f} referrals and no discharges a month"
        else:
            flow = (
                f"At {self.referrals_per_month:.1f} referrals and "
                f"{_percent(self.discharge_rate)} of the caseload discharged a month"
            )
        steady = self.steady_state
        month = self.runs_out_in
        if month == 0:
            text = (
                f"The caseload of {_number(self.open_cases)} is already over its capacity "
                f"of {capacity}. {flow}, it"
            )
            if steady is not None and self.sustainable:
                return f"{text} comes back within capacity, settling at {_number(steady)}."
            text += " stays over capacity"
            remedy = "would bring it back within capacity"
        elif month is not None:
            text = (
                f"{flow}, the caseload goes over its capacity of {capacity} in month {month} "
                f"({self.projection[month].month_start.to_date_string()})"
            )
            remedy = "would keep it within capacity"
        elif steady is None:
            text = (
                f"{flow}, the caseload grows by {_number(self.referrals_per_month)} a month "
                f"without limit: it stays within its capacity of {capacity} for the "
                f"{self.months} months forecast, but not for ever"
            )
            remedy = "would keep it within capacity"
        elif not self.sustainable:
            text = (
                f"{flow}, the caseload stays within its capacity of {capacity} for the "
                f"{self.months} months forecast, but settles at {_number(steady)}, over it"
            )
            remedy = "would keep it within capacity"
        else:
            return (
                f"{flow}, the caseload settles at {_number(steady)} and stays within its "
                f"capacity of {capacity}."
            )
        if self.required_discharge_rate == 0.0:
            return f"{text}; any discharges {remedy}."
        if self.required_discharge_rate > 1.0:
            return (
                f"{text}; referrals alone exceed the capacity each month, so no discharge "
                "rate is enough."
            )
        return (
            f"{text}; discharging at least {_percent(self.required_discharge_rate, up=True)} "
            f"a month {remedy}."
        )


def _number_problems(
    name: str,
    value: object,
    *,
    above: float | None = None,
    at_least: float = 0.0,
    at_most: float | None = None,
) -> Iterator[Problem]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        yield problem(name, "wrong_type", "expected number")
    elif not math.isfinite(value):
        yield problem(name, "out_of_range", "must be a finite number")
    elif above is not None:
        if value <= above:
            yield problem(name, "out_of_range", f"must be above {above:g}")
    elif at_most is not None:
        if not at_least <= value <= at_most:
            yield problem(name, "out_of_range", f"must be between {at_least:g} and {at_most:g}")
    elif value < at_least:
        yield problem(name, "out_of_range", f"must be at least {at_least:g}")


def _date_problems(name: str, value: object) -> Iterator[Problem]:
    if not isinstance(value, pendulum.Date) or isinstance(value, pendulum.DateTime):
        yield problem(name, "wrong_type", "expected pendulum.Date")


def _months_problems(value: object) -> Iterator[Problem]:
    if isinstance(value, bool) or not isinstance(value, int):
        yield problem("months", "wrong_type", "expected int")
    elif not 1 <= value <= _MAX_MONTHS:
        yield problem("months", "out_of_range", f"must be between 1 and {_MAX_MONTHS}")


def _calendar_problems(as_of: pendulum.Date, months: int) -> Iterator[Problem]:
    """The horizon must stay within the calendar (years 1 to 9999)."""
    target = as_of.year * 12 + as_of.month - 1 + months
    if not 12 <= target <= 9999 * 12 + 11:
        yield problem("months", "out_of_range", "takes the horizon outside years 1 to 9999")


@applies("C9")
def forecast_capacity(
    *,
    capacity: float,
    open_cases: float,
    as_of: pendulum.Date,
    referrals_per_month: float,
    discharge_rate: float,
    months: int = 36,
) -> CapacityForecast:
    """Project the caseload month by month and say whether, and when, it goes over
    ``capacity`` (C9).

    ``capacity`` is what the team can hold (the sum of its case managers' hard or soft
    limits, or a team limit), ``open_cases`` its caseload on ``as_of``, in the same unit.
    ``referrals_per_month`` are accepted each month and ``discharge_rate`` is the share of
    the caseload discharged each month (0.05: one case in twenty). :func:`flow_rates`
    estimates both from the caseload's history. The projection covers ``months`` months
    from ``as_of``; month starts are counted in calendar months from ``as_of``.

    Raises :class:`~casemgmt.errors.InvariantError` listing every bad argument: a capacity
    that is not above 0, a caseload or referrals below 0, a discharge rate outside 0 to 1,
    a horizon outside 1 to 1200 months, a number that is not finite.

    >>> forecast = forecast_capacity(capacity=200, open_cases=160, referrals_per_month=12,
    ...                              discharge_rate=0.04, as_of=pendulum.Date(2026, 11, 23))
    >>> forecast.runs_out_on
    Date(2027, 8, 23)
    >>> forecast.steady_state, forecast.sustainable, forecast.required_discharge_rate
    (300.0, False, 0.06)
    >>> [round(m.caseload, 1) for m in forecast.projection[:3]]
    [160.0, 165.6, 171.0]

    Without discharges (Wandsworth) any capacity runs out:

    >>> forecast_capacity(capacity=200, open_cases=160, referrals_per_month=12,
    ...                   discharge_rate=0, as_of=pendulum.Date(2026, 11, 23)).runs_out_in
    4
    """
    problems = [
        *_number_problems("capacity", capacity, above=0.0),
        *_number_problems("open_cases", open_cases),
        *_date_problems("as_of", as_of),
        *_number_problems("referrals_per_month", referrals_per_month),
        *_number_problems("discharge_rate", discharge_rate, at_most=1.0),
        *_months_problems(months),
    ]
    if not problems:
        problems.extend(_calendar_problems(as_of, months))
    if problems:
        raise InvariantError("forecast_capacity", problems)
    capacity, open_cases = float(capacity), float(open_cases)
    referrals, rate = float(referrals_per_month), float(discharge_rate)
    projection: list[ForecastMonth] = []
    for month in range(months + 1):
        caseload = _caseload_after(open_cases, referrals, rate, month)
        projection.append(
            ForecastMonth(
                month=month,
                month_start=as_of.add(months=month),
                caseload=caseload,
                headroom=capacity - caseload,
                over_capacity=_over(caseload, capacity),
            )
        )
    runs_out_on = next((m.month_start for m in projection if m.over_capacity), None)
    return CapacityForecast(
        capacity=capacity,
        open_cases=open_cases,
        as_of=as_of,
        referrals_per_month=referrals,
        discharge_rate=rate,
        months=months,
        projection=tuple(projection),
        runs_out_on=runs_out_on,
    )


@attrs.frozen(kw_only=True)
class FlowRates:
    """How fast a caseload took in and discharged cases over a past window, from
    :func:`flow_rates`: the inputs of :func:`forecast_capacity` (C9).

    The window runs from ``window_start`` (excluded) to ``window_end`` (included): a case
    opened or closed on ``window_end`` counts, one on ``window_start`` does not, so the
    caseload at the end is the caseload at the start plus the referrals less the
    discharges.

    Attributes:
        window_start: ``months`` calendar months before ``window_end``.
        window_end: The day the rates are estimated on (``as_of``).
        months: The length of the window, in months.
        referrals: Cases opened in the window (weighted points under a policy).
        discharges: Cases closed in the window.
        mean_caseload: The caseload at the start of each month of the window, averaged.
        open_cases: The caseload on ``window_end``.
    """

    window_start: pendulum.Date
    window_end: pendulum.Date
    months: int
    referrals: float
    discharges: float
    mean_caseload: float
    open_cases: float

    @property
    def referrals_per_month(self) -> float:
        """Referrals opened per month of the window."""
        return self.referrals / self.months

    @property
    def discharges_per_month(self) -> float:
        """Discharges per month of the window."""
        return self.discharges / self.months

    @property
    def discharge_rate(self) -> float:
        """Discharges per month as a share of the mean caseload, at most 1.

        A caseload whose cases stay less than a month can discharge more each month than it
        holds at the start of one; the monthly model cannot, so the rate is capped at 1,
        which overstates the caseload the forecast projects (a cautious error). With no
        caseload at any month start, the rate is 1 when anything was discharged, else 0.
        """
        if self.discharges == 0.0:
            return 0.0
        if self.mean_caseload == 0.0:
            return 1.0
        return min(1.0, self.discharges_per_month / self.mean_caseload)

    @applies("C9")
    def forecast(self, *, capacity: float, months: int = 36) -> CapacityForecast:
        """Forecast from ``window_end`` at these rates (:func:`forecast_capacity`)."""
        return forecast_capacity(
            capacity=capacity,
            open_cases=self.open_cases,
            as_of=self.window_end,
            referrals_per_month=self.referrals_per_month,
            discharge_rate=self.discharge_rate,
            months=months,
        )


@applies("C9")
def flow_rates(
    cases: Iterable[CaseProfile],
    *,
    as_of: pendulum.Date,
    months: int = 12,
    policy: CaseloadPolicy | None = None,
) -> FlowRates:
    """Estimate referral and discharge rates from the ``months`` months before ``as_of``
    (C9), from when each case was opened and closed.

    Referrals are the cases opened in the window, discharges the cases closed in it; the
    discharge rate divides the discharges per month by the mean caseload, the caseload on
    the first day of each month of the window (``as_of`` less ``months``, less
    ``months - 1``, ... calendar months) averaged. A case without ``opened_on`` has been on
    the caseload from the start, and one without ``closed_on`` is still open. Cases count 1
    each; under a ``policy``, their weights (C4), to forecast against weighted limits.

    >>> history = [
    ...     CaseProfile(id="A", opened_on=pendulum.Date(2025, 6, 2)),
    ...     CaseProfile(id="B", opened_on=pendulum.Date(2025, 9, 1),
    ...                 closed_on=pendulum.Date(2026, 2, 16)),
    ...     CaseProfile(id="C", opened_on=pendulum.Date(2026, 2, 9)),
    ... ]
    >>> rates = flow_rates(history, as_of=pendulum.Date(2026, 4, 1), months=3)
    >>> rates.window_start, rates.referrals, rates.discharges, rates.mean_caseload
    (Date(2026, 1, 1), 1.0, 1.0, 2.0)
    >>> rates.referrals_per_month, round(rates.discharge_rate, 3), rates.open_cases
    (0.3333333333333333, 0.167, 2.0)
    """
    problems = [*_date_problems("as_of", as_of), *_months_problems(months)]
    if not problems:
        problems.extend(_calendar_problems(as_of, -months))
    if problems:
        raise InvariantError("flow_rates", problems)
    held = list(cases)
    starts = [as_of.subtract(months=months - i) for i in range(months)]
    window_start = starts[0]

    def size(case: CaseProfile) -> float:
        return 1.0 if policy is None else case.weight(policy)

    def in_window(day: pendulum.Date | None) -> bool:
        return day is not None and window_start < day <= as_of

    return FlowRates(
        window_start=window_start,
        window_end=as_of,
        months=months,
        referrals=math.fsum(size(c) for c in held if in_window(c.opened_on)),
        discharges=math.fsum(size(c) for c in held if in_window(c.closed_on)),
        mean_caseload=math.fsum(size(c) for day in starts for c in held if c.on_caseload(day))
        / months,
        open_cases=math.fsum(size(c) for c in held if c.on_caseload(as_of)),
    )
