"""Capacity forecast (C9): without discharges capacity runs out (Wandsworth), the projection
moves steadily to its steady state, the closed form agrees with the month-by-month
recurrence, and flow rates are read correctly from a caseload's history."""

from __future__ import annotations

import calendar
import itertools
import math

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.errors import InvariantError
from casemgmt.policies import DH_COMMUNITY_MATRON, RiskTier
from casemgmt.rules import rule
from casemgmt.services import (
    CapacityForecast,
    CaseProfile,
    flow_rates,
    forecast_capacity,
)

AS_OF = pendulum.Date(2026, 11, 23)

capacities = st.floats(min_value=1.0, max_value=5_000.0, allow_subnormal=False)
referral_rates = st.floats(min_value=0.0, max_value=500.0, allow_subnormal=False)
shares = st.floats(min_value=0.0, max_value=1.0, allow_subnormal=False)
discharge_rates = shares
horizons = st.integers(min_value=1, max_value=120)
days = st.dates(min_value=pendulum.Date(2000, 1, 1), max_value=pendulum.Date(2099, 12, 31)).map(
    lambda d: pendulum.Date(d.year, d.month, d.day)
)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, float | int]:
    capacity = draw(capacities)
    return {
        "capacity": capacity,
        "open_cases": draw(
            st.floats(min_value=0.0, max_value=2.0 * capacity, allow_subnormal=False)
        ),
        "referrals_per_month": draw(referral_rates),
        "discharge_rate": draw(discharge_rates),
        "months": draw(horizons),
    }


def _forecast(scenario: dict[str, float | int]) -> CapacityForecast:
    return forecast_capacity(
        capacity=scenario["capacity"],
        open_cases=scenario["open_cases"],
        referrals_per_month=scenario["referrals_per_month"],
        discharge_rate=scenario["discharge_rate"],
        months=int(scenario["months"]),
        as_of=AS_OF,
    )


def _scale(forecast: CapacityForecast) -> float:
    steady = forecast.steady_state
    reach = steady if steady is not None else forecast.referrals_per_month * forecast.months
    return max(1.0, forecast.open_cases, reach, forecast.capacity)


def test_the_rule_is_c9_in_the_catalogue() -> None:
    """C9: the forecast names its rule, and the rule is in the catalogue."""
    assert CapacityForecast.rule_id == "C9"
    assert "Wandsworth" in rule(CapacityForecast.rule_id).statement


@pytest.mark.rule("C9")
@given(
    capacity=capacities,
    share=shares,
    referrals=st.floats(min_value=0.01, max_value=500.0),
    months=horizons,
)
def test_without_discharges_capacity_runs_out(
    capacity: float, share: float, referrals: float, months: int
) -> None:
    """C9 (Wandsworth): with no discharges the caseload grows by the referrals each month,
    so it goes over any capacity once the referrals exceed the room left."""
    open_cases = share * capacity
    forecast = forecast_capacity(
        capacity=capacity,
        open_cases=open_cases,
        referrals_per_month=referrals,
        discharge_rate=0.0,
        months=months,
        as_of=AS_OF,
    )
    assert forecast.steady_state is None
    assert not forecast.sustainable
    room = capacity - open_cases
    if referrals * months > room + 1e-6 * capacity:
        assert forecast.runs_out_on is not None
        month = forecast.runs_out_in
        assert month is not None
        assert referrals * month > room
        assert referrals * (month - 1) <= room + 1e-6 * capacity
    elif referrals * months < room - 1e-6 * capacity:
        assert forecast.runs_out_on is None
    # Beyond any horizon, it runs out all the same.
    later = math.ceil(room / referrals) + 1
    assert forecast.caseload_after(later) > capacity


@given(scenarios())
def test_the_projection_moves_steadily_towards_the_steady_state(
    scenario: dict[str, float | int],
) -> None:
    """C9: the caseload moves one way only, towards the steady state, never past it."""
    forecast = _forecast(scenario)
    tolerance = 1e-9 * _scale(forecast)
    loads = [m.caseload for m in forecast.projection]
    steady = forecast.steady_state
    rising = steady is None or forecast.open_cases <= steady
    for before, after in itertools.pairwise(loads):
        if rising:
            assert after >= before - tolerance
        else:
            assert after <= before + tolerance
        if steady is not None:
            assert abs(after - steady) <= abs(before - steady) + tolerance
            if rising:
                assert after <= steady + tolerance
            else:
                assert after >= steady - tolerance


@given(scenarios())
def test_the_closed_form_agrees_with_the_recurrence(scenario: dict[str, float | int]) -> None:
    """C9: the projection (the exact solution) matches caseload[k+1] = caseload[k] +
    referrals - rate x caseload[k], iterated month by month, and so does caseload_after."""
    forecast = _forecast(scenario)
    tolerance = 1e-9 * _scale(forecast)
    caseload = forecast.open_cases
    for month in forecast.projection:
        assert math.isclose(month.caseload, caseload, rel_tol=1e-9, abs_tol=tolerance)
        assert math.isclose(
            forecast.caseload_after(month.month), caseload, rel_tol=1e-9, abs_tol=tolerance
        )
        assert month.headroom == forecast.capacity - month.caseload
        caseload = caseload + forecast.referrals_per_month - forecast.discharge_rate * caseload
    assert len(forecast.projection) == forecast.months + 1


@given(scenarios())
def test_runs_out_on_is_the_first_month_over_capacity(scenario: dict[str, float | int]) -> None:
    """C9: runs_out_on is None exactly when no projected month is over capacity, and
    otherwise the start of the first month that is."""
    forecast = _forecast(scenario)
    over = [m for m in forecast.projection if m.over_capacity]
    if not over:
        assert forecast.runs_out_on is None
        assert forecast.runs_out_in is None
    else:
        assert forecast.runs_out_on == over[0].month_start
        assert forecast.runs_out_in == over[0].month
    slack = 1e-6 * max(1.0, forecast.capacity)
    for month in forecast.projection:
        if month.over_capacity:
            assert month.caseload > forecast.capacity
        else:
            assert month.caseload <= forecast.capacity + slack


@pytest.mark.rule("C9")
@given(
    capacity=capacities,
    share=shares,
    load=shares,
    spare=shares,
    months=horizons,
)
def test_discharging_at_the_required_rate_never_runs_out(
    capacity: float, share: float, load: float, spare: float, months: int
) -> None:
    """C9: discharging at least the required share a month keeps a caseload that is within
    capacity within it, for ever."""
    referrals = load * capacity
    required = referrals / capacity
    rate = min(1.0, required + spare * (1.0 - required))
    forecast = forecast_capacity(
        capacity=capacity,
        open_cases=share * capacity,
        referrals_per_month=referrals,
        discharge_rate=rate,
        months=months,
        as_of=AS_OF,
    )
    assert forecast.required_discharge_rate == required
    assert forecast.required_discharges_per_month == referrals
    assert forecast.runs_out_on is None
    assert forecast.sustainable


@given(scenarios())
def test_sustainable_means_the_steady_state_is_within_capacity(
    scenario: dict[str, float | int],
) -> None:
    """C9: the steady state is referrals over the discharge rate, and sustainable says
    whether it is within capacity; a sustainable caseload within capacity never runs out."""
    forecast = _forecast(scenario)
    steady = forecast.steady_state
    if forecast.discharge_rate > 0:
        assert steady == forecast.referrals_per_month / forecast.discharge_rate
    if forecast.sustainable and forecast.open_cases <= forecast.capacity:
        assert forecast.runs_out_on is None
    if steady is not None and steady < forecast.capacity * (1 - 1e-6):
        assert forecast.sustainable
    if steady is None or steady > forecast.capacity * (1 + 1e-6):
        assert not forecast.sustainable


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (
            pendulum.Date(2027, 1, 31),
            ["2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31"],
        ),
        (
            pendulum.Date(2028, 1, 31),
            ["2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30", "2028-05-31"],
        ),
        (
            pendulum.Date(2026, 11, 30),
            ["2026-11-30", "2026-12-30", "2027-01-30", "2027-02-28", "2027-03-30"],
        ),
    ],
)
def test_months_are_anchored_on_as_of(as_of: pendulum.Date, expected: list[str]) -> None:
    """C9: month starts count calendar months from as_of, so a short month does not shift
    the later ones."""
    forecast = forecast_capacity(
        capacity=10, open_cases=0, referrals_per_month=1, discharge_rate=0.1, months=4, as_of=as_of
    )
    assert [m.month_start.to_date_string() for m in forecast.projection] == expected


@given(as_of=days, months=horizons)
def test_every_month_start_keeps_the_day_of_as_of(as_of: pendulum.Date, months: int) -> None:
    """C9: each month start falls on as_of's day of the month, or the month's last day."""
    forecast = forecast_capacity(
        capacity=10,
        open_cases=0,
        referrals_per_month=1,
        discharge_rate=0,
        months=months,
        as_of=as_of,
    )
    for month in forecast.projection:
        start = month.month_start
        offset = (start.year - as_of.year) * 12 + start.month - as_of.month
        assert offset == month.month
        assert start.day == min(as_of.day, calendar.monthrange(start.year, start.month)[1])


def _history() -> list[CaseProfile]:
    def case(
        case_id: str, opened: pendulum.Date | None, closed: pendulum.Date | None = None
    ) -> CaseProfile:
        return CaseProfile(id=case_id, opened_on=opened, closed_on=closed)

    d = pendulum.Date
    return [
        case("A", d(2026, 1, 10)),  # open throughout
        case("B", d(2026, 2, 1), d(2026, 5, 15)),  # discharged in the window
        case("C", d(2026, 4, 1), d(2026, 6, 1)),  # opened on the window start: not counted
        case("D", d(2026, 4, 20)),  # referred in the window
        case("E", d(2026, 6, 10), d(2026, 6, 20)),  # in and out between month starts
        case("F", d(2026, 7, 1)),  # opened on as_of: counted
        case("G", d(2025, 1, 1), d(2026, 3, 1)),  # before the window
        case("H", None),  # no dates: always on the caseload
    ]


def test_flow_rates_from_a_hand_built_history() -> None:
    """C9: referrals and discharges are counted in (start, as_of], and the discharge rate
    divides discharges a month by the caseload averaged over the month starts.

    Month starts 1 April (A B C H), 1 May (A B C D H), 1 June (A D H): mean 12 / 3 = 4.
    Referrals D E F, discharges B C E: 1 a month each, a rate of 1 / 4.
    """
    rates = flow_rates(_history(), as_of=pendulum.Date(2026, 7, 1), months=3)
    assert rates.window_start == pendulum.Date(2026, 4, 1)
    assert rates.window_end == pendulum.Date(2026, 7, 1)
    assert (rates.referrals, rates.discharges) == (3.0, 3.0)
    assert rates.referrals_per_month == 1.0
    assert rates.discharges_per_month == 1.0
    assert rates.mean_caseload == 4.0
    assert rates.discharge_rate == 0.25
    assert rates.open_cases == 4.0  # A D F H


def test_flow_rates_weigh_cases_under_a_policy() -> None:
    """C9 with C4: under a policy each case counts its weight, to forecast against
    weighted limits."""
    history = [
        CaseProfile(id="A", risk_tier=RiskTier.HIGH, opened_on=pendulum.Date(2026, 1, 10)),
        CaseProfile(
            id="B",
            risk_tier=RiskTier.LOW,
            opened_on=pendulum.Date(2026, 5, 2),
            closed_on=pendulum.Date(2026, 6, 15),
        ),
    ]
    rates = flow_rates(
        history, as_of=pendulum.Date(2026, 7, 1), months=3, policy=DH_COMMUNITY_MATRON
    )
    assert (rates.referrals, rates.discharges) == (0.5, 0.5)
    assert rates.mean_caseload == pytest.approx((2.0 + 2.0 + 2.5) / 3)
    assert rates.open_cases == 2.0


def test_flow_rates_cap_the_rate_at_one() -> None:
    """C9: a caseload that turns over within the month is capped at a rate of 1."""
    d = pendulum.Date
    history = [
        CaseProfile(id=f"S{i}", opened_on=d(2026, 6, 2), closed_on=d(2026, 6, 9)) for i in range(5)
    ]
    history.append(CaseProfile(id="L", opened_on=d(2026, 1, 5)))
    rates = flow_rates(history, as_of=d(2026, 7, 1), months=1)
    assert rates.discharges_per_month == 5.0
    assert rates.mean_caseload == 1.0
    assert rates.discharge_rate == 1.0
    empty = flow_rates(history[:5], as_of=d(2026, 7, 1), months=1)
    assert empty.mean_caseload == 0.0
    assert empty.discharge_rate == 1.0
    assert flow_rates([], as_of=d(2026, 7, 1)).discharge_rate == 0.0


@st.composite
def histories(draw: st.DrawFn) -> list[CaseProfile]:
    base = pendulum.Date(2025, 1, 1)
    cases = []
    for index in range(draw(st.integers(min_value=0, max_value=25))):
        opened = draw(st.none() | st.integers(min_value=0, max_value=700))
        stay = draw(st.none() | st.integers(min_value=0, max_value=400))
        opened_on = None if opened is None else base.add(days=opened)
        closed_on = None
        if stay is not None:
            closed_on = (opened_on or base).add(days=stay)
        cases.append(CaseProfile(id=f"C{index}", opened_on=opened_on, closed_on=closed_on))
    return cases


@pytest.mark.rule("C9")
@given(history=histories(), months=st.integers(min_value=1, max_value=18))
def test_flow_rates_balance_the_caseload(history: list[CaseProfile], months: int) -> None:
    """C9: the caseload at the end of the window is the caseload at its start plus the
    referrals less the discharges, and the rates it gives are valid forecast inputs."""
    as_of = pendulum.Date(2026, 3, 31)
    rates = flow_rates(history, as_of=as_of, months=months)
    at_start = sum(1 for c in history if c.on_caseload(rates.window_start))
    assert rates.open_cases == at_start + rates.referrals - rates.discharges
    assert 0.0 <= rates.discharge_rate <= 1.0
    forecast = rates.forecast(capacity=10, months=6)
    assert forecast.as_of == as_of
    assert forecast.open_cases == rates.open_cases
    assert forecast.referrals_per_month == rates.referrals_per_month


def test_bad_arguments_are_all_listed() -> None:
    """C9: every bad argument is reported at once, by name, without its value."""
    with pytest.raises(InvariantError) as caught:
        forecast_capacity(
            capacity=-5.0,
            open_cases=math.nan,
            referrals_per_month=math.inf,
            discharge_rate=1.5,
            months=0,
            as_of=pendulum.datetime(2026, 1, 1),
        )
    error = caught.value
    assert error.entity == "forecast_capacity"
    assert {(p.path, p.code) for p in error.problems} == {
        ("capacity", "out_of_range"),
        ("open_cases", "out_of_range"),
        ("referrals_per_month", "out_of_range"),
        ("discharge_rate", "out_of_range"),
        ("months", "out_of_range"),
        ("as_of", "wrong_type"),
    }
    assert "1.5" not in str(error)
    assert "-5" not in str(error)


@pytest.mark.parametrize(
    ("arguments", "path", "code"),
    [
        ({"capacity": 0}, "capacity", "out_of_range"),
        ({"capacity": "200"}, "capacity", "wrong_type"),
        ({"open_cases": True}, "open_cases", "wrong_type"),
        ({"open_cases": -1}, "open_cases", "out_of_range"),
        ({"discharge_rate": -0.01}, "discharge_rate", "out_of_range"),
        ({"months": 1201}, "months", "out_of_range"),
        ({"months": 12.0}, "months", "wrong_type"),
    ],
)
def test_each_bad_argument_is_refused(arguments: dict[str, object], path: str, code: str) -> None:
    """C9: a capacity of 0, a negative caseload or rate, a wrong type or a horizon out of
    range is refused."""
    given_arguments: dict[str, object] = {
        "capacity": 200,
        "open_cases": 100,
        "referrals_per_month": 10,
        "discharge_rate": 0.05,
        "as_of": AS_OF,
        **arguments,
    }
    with pytest.raises(InvariantError) as caught:
        forecast_capacity(**given_arguments)  # type: ignore[arg-type]
    assert [(p.path, p.code) for p in caught.value.problems] == [(path, code)]


def test_the_horizon_stays_within_the_calendar() -> None:
    """C9: a horizon that runs past the year 9999, or a window before the year 1, is
    refused rather than failing in the calendar."""
    with pytest.raises(InvariantError) as caught:
        forecast_capacity(
            capacity=10,
            open_cases=0,
            referrals_per_month=1,
            discharge_rate=0.1,
            months=1200,
            as_of=pendulum.Date(9950, 1, 1),
        )
    assert [p.path for p in caught.value.problems] == ["months"]
    with pytest.raises(InvariantError):
        flow_rates([], as_of=pendulum.Date(1, 6, 1), months=12)
    assert flow_rates([], as_of=pendulum.Date(2, 1, 1), months=12).window_start == (
        pendulum.Date(1, 1, 1)
    )


def test_flow_rates_refuse_bad_arguments() -> None:
    """C9: flow_rates lists a bad day and a bad window together."""
    with pytest.raises(InvariantError) as caught:
        flow_rates([], as_of="2026-01-01", months=0)  # type: ignore[arg-type]
    assert [p.path for p in caught.value.problems] == ["as_of", "months"]


def test_caseload_after_refuses_a_negative_month() -> None:
    """C9: there is no caseload before as_of."""
    forecast = forecast_capacity(
        capacity=10, open_cases=0, referrals_per_month=1, discharge_rate=0.1, as_of=AS_OF
    )
    with pytest.raises(InvariantError):
        forecast.caseload_after(-1)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (
            {"open_cases": 220, "referrals_per_month": 5, "discharge_rate": 0.1},
            "The caseload of 220 is already over its capacity of 200. At 5.0 referrals and "
            "10% of the caseload discharged a month, it comes back within capacity, settling "
            "at 50.",
        ),
        (
            {"open_cases": 220, "referrals_per_month": 12, "discharge_rate": 0.0},
            "The caseload of 220 is already over its capacity of 200. At 12.0 referrals and "
            "no discharges a month, it stays over capacity; discharging at least 6% a month "
            "would bring it back within capacity.",
        ),
        (
            {"open_cases": 220, "referrals_per_month": 0, "discharge_rate": 0.0},
            "The caseload of 220 is already over its capacity of 200. At 0.0 referrals and "
            "no discharges a month, it stays over capacity; any discharges would bring it "
            "back within capacity.",
        ),
        (
            {"open_cases": 0, "referrals_per_month": 1, "discharge_rate": 0.0},
            "At 1.0 referrals and no discharges a month, the caseload grows by 1 a month "
            "without limit: it stays within its capacity of 200 for the 36 months forecast, "
            "but not for ever; discharging at least 0.5% a month would keep it within "
            "capacity.",
        ),
        (
            {"open_cases": 0, "referrals_per_month": 2, "discharge_rate": 0.005},
            "At 2.0 referrals and 0.5% of the caseload discharged a month, the caseload "
            "stays within its capacity of 200 for the 36 months forecast, but settles at "
            "400, over it; discharging at least 1% a month would keep it within capacity.",
        ),
        (
            {"open_cases": 120, "referrals_per_month": 7.5, "discharge_rate": 0.05},
            "At 7.5 referrals and 5% of the caseload discharged a month, the caseload "
            "settles at 150 and stays within its capacity of 200.",
        ),
        (
            {"open_cases": 0, "referrals_per_month": 250, "discharge_rate": 1.0},
            "At 250.0 referrals and 100% of the caseload discharged a month, the caseload "
            "goes over its capacity of 200 in month 1 (2026-12-23); referrals alone exceed "
            "the capacity each month, so no discharge rate is enough.",
        ),
        (
            {"open_cases": 100, "referrals_per_month": 12.3, "discharge_rate": 0.04},
            "At 12.3 referrals and 4% of the caseload discharged a month, the caseload goes "
            "over its capacity of 200 in month 17 (2028-04-23); discharging at least 6.2% a "
            "month would keep it within capacity.",
        ),
    ],
)
def test_explain_in_plain_words(arguments: dict[str, float], expected: str) -> None:
    """C9: the explanation says when capacity runs out, or where the caseload settles, and
    the discharge rate (rounded up) that keeps it within capacity."""
    forecast = forecast_capacity(capacity=200, as_of=AS_OF, **arguments)  # type: ignore[arg-type]
    assert forecast.explain() == expected


def test_net_inflow_shows_admitting_more_than_discharging() -> None:
    """C9 (Wandsworth): referrals above discharges are a positive net inflow."""
    forecast = forecast_capacity(
        capacity=200, open_cases=100, referrals_per_month=12, discharge_rate=0.05, as_of=AS_OF
    )
    assert forecast.net_inflow == pytest.approx(7.0)
