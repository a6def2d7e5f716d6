"""Working-day calendars: the UK's three bank-holiday lists, rolling, counting, instants."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.errors import InvariantError
from casemgmt.policies import (
    ENGLAND_AND_WALES,
    NORTHERN_IRELAND,
    SCOTLAND,
    BankHolidayRegion,
    Roll,
    WorkingCalendar,
)

LONDON = ZoneInfo("Europe/London")

# GOV.UK's published bank holidays for 2026 (https://www.gov.uk/bank-holidays), working days
# only: the list the holidays package must reproduce with each nation's subdivision.
GOV_UK_2026 = {
    BankHolidayRegion.ENGLAND_AND_WALES: [
        "2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25", "2026-08-31",
        "2026-12-25", "2026-12-28",
    ],
    BankHolidayRegion.SCOTLAND: [
        "2026-01-01", "2026-01-02", "2026-04-03", "2026-05-04", "2026-05-25", "2026-08-03",
        "2026-11-30", "2026-12-25", "2026-12-28",
    ],
    BankHolidayRegion.NORTHERN_IRELAND: [
        "2026-01-01", "2026-03-17", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25",
        "2026-07-13", "2026-08-31", "2026-12-25", "2026-12-28",
    ],
}  # fmt: skip

CALENDARS = st.sampled_from(
    [
        ENGLAND_AND_WALES,
        SCOTLAND,
        NORTHERN_IRELAND,
        WorkingCalendar(region=None),
        WorkingCalendar(closures=frozenset({pendulum.Date(2027, 1, 4)})),
    ]
)
DAYS = st.dates(min_value=dt.date(1975, 1, 1), max_value=dt.date(2190, 12, 31)).map(
    lambda d: pendulum.Date(d.year, d.month, d.day)
)


def _weekday_holidays(calendar: WorkingCalendar, year: int) -> list[str]:
    return sorted(d.isoformat() for d in calendar.bank_holidays(year) if d.isoweekday() < 6)


@pytest.mark.parametrize("region", list(BankHolidayRegion))
def test_each_nation_has_its_own_bank_holidays_as_gov_uk_publishes_them(
    region: BankHolidayRegion,
) -> None:
    calendar = WorkingCalendar(region=region)
    found = _weekday_holidays(calendar, 2026)
    # Scotland 2026 also has a one-off holiday for the World Cup (15 June), proclaimed after
    # the GOV.UK list was first published.
    assert [d for d in found if d != "2026-06-15"] == GOV_UK_2026[region]
    for day in GOV_UK_2026[region]:
        assert not calendar.is_working_day(pendulum.Date.fromisoformat(day))


def test_the_uk_list_without_a_subdivision_would_be_wrong() -> None:
    import holidays

    country_only = {d.isoformat() for d in holidays.country_holidays("GB", years=2026)}
    assert "2026-04-06" not in country_only  # Easter Monday is missing without the nation
    assert not ENGLAND_AND_WALES.is_working_day(pendulum.Date(2026, 4, 6))
    assert SCOTLAND.is_working_day(pendulum.Date(2026, 4, 6))


def test_one_off_holidays_are_included() -> None:
    # The State Funeral of Queen Elizabeth II and the Coronation were bank holidays.
    assert not ENGLAND_AND_WALES.is_working_day(pendulum.Date(2022, 9, 19))
    assert not ENGLAND_AND_WALES.is_working_day(pendulum.Date(2023, 5, 8))


def test_weekends_and_closures_are_not_working_days() -> None:
    closed = WorkingCalendar(closures=frozenset({pendulum.Date(2026, 11, 25)}))
    assert not closed.is_working_day(pendulum.Date(2026, 11, 25))
    assert ENGLAND_AND_WALES.is_working_day(pendulum.Date(2026, 11, 25))
    assert not ENGLAND_AND_WALES.is_working_day(pendulum.Date(2026, 11, 28))
    friday_off = WorkingCalendar(weekend=frozenset({5, 6, 7}))
    assert not friday_off.is_working_day(pendulum.Date(2026, 11, 27))


@given(calendar=CALENDARS, day=DAYS)
def test_the_tabulated_calendar_agrees_with_the_definition(
    calendar: WorkingCalendar, day: pendulum.Date
) -> None:
    expected = (
        day.isoweekday() not in calendar.weekend
        and day not in calendar.bank_holidays(day.year)
        and day not in calendar.closures
    )
    assert calendar.is_working_day(day) is expected


@given(calendar=CALENDARS, day=DAYS)
def test_rolling_finds_the_nearest_working_day_in_its_direction(
    calendar: WorkingCalendar, day: pendulum.Date
) -> None:
    forward = calendar.roll(day, Roll.FORWARD)
    backward = calendar.roll(day, Roll.BACKWARD)
    assert calendar.is_working_day(forward)
    assert calendar.is_working_day(backward)
    assert backward <= day <= forward
    for offset in range((forward - day).in_days()):
        assert not calendar.is_working_day(day.add(days=offset))
    for offset in range(1, (day - backward).in_days() + 1):
        assert not calendar.is_working_day(backward.add(days=offset))


@given(calendar=CALENDARS, day=DAYS, count=st.integers(min_value=0, max_value=60))
def test_adding_working_days_and_counting_them_agree(
    calendar: WorkingCalendar, day: pendulum.Date, count: int
) -> None:
    later = calendar.add_working_days(day, count)
    assert calendar.is_working_day(later)
    if count:
        assert calendar.working_days_between(day, later) == count
    else:
        assert later == calendar.roll(day, Roll.FORWARD)
    between = calendar.working_days(day.add(days=1), later)
    assert len(between) == calendar.working_days_between(day, later)


def test_misuse_is_reported() -> None:
    with pytest.raises(ValueError, match="negative"):
        ENGLAND_AND_WALES.add_working_days(pendulum.Date(2026, 1, 1), -1)
    with pytest.raises(ValueError, match="1970 to 2199"):
        ENGLAND_AND_WALES.is_working_day(pendulum.Date(1960, 1, 1))
    with pytest.raises(InvariantError, match="timezone"):
        WorkingCalendar(timezone="Europe/Atlantis")
    with pytest.raises(InvariantError, match="no working day"):
        WorkingCalendar(weekend=frozenset(range(1, 8)))
    assert (
        ENGLAND_AND_WALES.working_days(pendulum.Date(2026, 1, 2), pendulum.Date(2026, 1, 1)) == ()
    )
    assert (
        ENGLAND_AND_WALES.working_days_between(pendulum.Date(2026, 1, 2), pendulum.Date(2026, 1, 1))
        == 0
    )


def _last_sunday(year: int, month: int) -> pendulum.Date:
    day = pendulum.Date(year, month, 31)
    return day.subtract(days=day.isoweekday() % 7)


@given(
    year=st.integers(min_value=1997, max_value=2150),
    autumn=st.booleans(),
    offset=st.integers(min_value=-3, max_value=3),
    hour=st.integers(min_value=0, max_value=23),
    minute=st.sampled_from([0, 30, 59]),
)
def test_instants_follow_rfc_5545_across_the_clock_changes(
    year: int, autumn: bool, offset: int, hour: int, minute: int
) -> None:
    day = _last_sunday(year, 10 if autumn else 3).add(days=offset)
    instant = ENGLAND_AND_WALES.instant(day, hour, minute)
    first = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON, fold=0)
    naive = first.replace(tzinfo=None)
    round_trip = first.astimezone(dt.UTC).astimezone(LONDON).replace(tzinfo=None)
    if round_trip == naive:
        # An existing local time, and the first of two when it happens twice (fold 0).
        # (Compared in UTC: an ambiguous time never equals one in another tzinfo, PEP 495.)
        assert instant.astimezone(dt.UTC) == first.astimezone(dt.UTC)
        assert (instant.hour, instant.minute) == (hour, minute)
    else:
        # It falls in the spring gap: read with the offset before the gap (GMT).
        assert not autumn
        assert (offset, hour) == (0, 1)
        assert instant.isoformat() == naive.replace(hour=2).isoformat() + "+01:00"
    assert instant.utcoffset() in (dt.timedelta(0), dt.timedelta(hours=1))
