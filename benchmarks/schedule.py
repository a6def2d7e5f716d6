"""Comparison ``schedule``: a year of routine reviews for 100,000 cases (issue 6).

The workload is performance anchor D's (the same generator and seed): 100,000 cases, each
with a cycle starting on a day ``s`` drawn uniformly from 2026 (``seed 3``) and a risk
tier: high 10% (daily: every working day), medium 30% (weekly), low 60% (monthly, anchored
to ``s`` with the day clipped to the end of a shorter month). Dates that fall on a weekend
or an England and Wales bank holiday move forward to the next working day; every review is
due at 09:00 Europe/London. The window is the due dates in ``(s, s + 365]``: a weekly or
monthly occurrence that moves past ``s + 365`` is not in it (the research script kept it;
every side here filters on the due date, as the library does).

Sides, timed in the same run in interleaved rounds:

- ``ours_bulk``: :func:`casemgmt.services.schedule_columns` over the anchors
  (``datetime64[D]``) and the tiers' values, ``end`` per case: columns of case, due date
  and UTC instant, ordered by case;
- ``numpy``: a hand-written NumPy schedule (``busday_offset`` / ``busday_count`` with a
  holiday ``busdaycalendar``, 09:00 local to UTC through a per-day offset table built from
  ``zoneinfo`` beforehand): flat case and UTC-instant arrays, grouped by tier, not
  ordered by case. The practical limit;
- ``ours_per_case``: :func:`casemgmt.services.schedule` for each case, ``start = s + 1``,
  ``end = s + 365``, on :class:`~casemgmt.model.Case` objects built beforehand (one
  referral, active, a change of risk tier on ``s``; policy
  ``STANDARD_REVIEWS.with_mdt(None).with_initial_assessment(None)``), keeping each
  schedule's :class:`pendulum.Date` tuple;
- ``stdlib``: per case, date ordinals and ``datetime.combine(date, time(9), ZoneInfo)``
  for each review: aware ``datetime`` objects;
- ``pendulum_loop``: per case, ``pendulum.Date`` arithmetic and one
  ``pendulum.datetime(..., tz=...)`` per review, on the first ``PENDULUM_SAMPLE`` cases
  (the full set takes about 48 s); its time is scaled to 100,000 cases and reported as
  extrapolated.

The peers hold the bank holidays of 2026-2028 as GOV.UK lists them; ours reads them from
the ``holidays`` package through :class:`~casemgmt.policies.WorkingCalendar`.

Before timing, every side is checked to give the same count of reviews and the same sum of
their UTC epoch seconds (the per-case dates converted with the same 09:00 London rule; the
pendulum loop on its sample, against ``stdlib`` on the same cases).

Lines (seconds per 100,000 cases x 1 year):

- ``schedule_bulk_100k``: ours_bulk / numpy; target ours within 2x;
- ``schedule_per_case_100k``: ours_per_case / stdlib; target ours within 1.5x;
- ``schedule_per_case_100k_vs_pendulum``: ours_per_case / pendulum_loop (extrapolated);
  reported, no target.
"""

from __future__ import annotations

import calendar
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pendulum
from _results import BenchLine, Outcome, Settings
from _timing import interleaved
from numpy.typing import NDArray

from casemgmt.model import (
    CareEvent,
    CareEventKind,
    Case,
    CaseId,
    CaseManagerId,
    CaseStatus,
    ClientId,
    Referral,
    ReferralId,
    ReferralSourceId,
    RiskTier,
)
from casemgmt.policies import ENGLAND_AND_WALES, STANDARD_REVIEWS
from casemgmt.services import ReviewColumns, schedule, schedule_columns

__all__ = ["run"]

CASES = 100_000
SEED = 3
PENDULUM_SAMPLE = 5_000
DAYS = 365
HIGH, MEDIUM, LOW = 0, 1, 2
TIERS = (RiskTier.HIGH, RiskTier.MEDIUM, RiskTier.LOW)
ZONE_NAME = "Europe/London"
LONDON = ZoneInfo(ZONE_NAME)
PENDULUM_ZONE = pendulum.timezone(ZONE_NAME)
NINE = time(9)
POLICY = STANDARD_REVIEWS.with_mdt(None).with_initial_assessment(None)
CALENDAR = ENGLAND_AND_WALES
MAX_BULK_RATIO = 2.0
MAX_PER_CASE_RATIO = 1.5
HOLIDAYS = tuple(
    date.fromisoformat(text)
    for text in (
        "2026-01-01",
        "2026-04-03",
        "2026-04-06",
        "2026-05-04",
        "2026-05-25",
        "2026-08-31",
        "2026-12-25",
        "2026-12-28",
        "2027-01-01",
        "2027-03-26",
        "2027-03-29",
        "2027-05-03",
        "2027-05-31",
        "2027-08-30",
        "2027-12-27",
        "2027-12-28",
        "2028-01-03",
    )
)
"""England and Wales bank holidays on working days, 2026 to early 2028 (GOV.UK)."""
HOLIDAY_ORDINALS = frozenset(d.toordinal() for d in HOLIDAYS)
HOLIDAY_DATES = frozenset(pendulum.Date(d.year, d.month, d.day) for d in HOLIDAYS)
EPOCH = date(1970, 1, 1).toordinal()


@dataclass(frozen=True)
class Workload:
    """The cases, in the forms each side takes (built before timing)."""

    starts: list[date]
    tiers: list[int]
    anchors: NDArray[np.datetime64]
    tier_codes: NDArray[np.int64]
    tier_values: NDArray[np.str_]
    ends: NDArray[np.datetime64]
    cases: list[tuple[Case, pendulum.Date, pendulum.Date]]


def make_workload(count: int = CASES, seed: int = SEED) -> Workload:
    """Anchor D's cases: starts uniform in 2026, tiers high 10%, medium 30%, low 60%."""
    rng = np.random.default_rng(seed)
    ordinals = date(2026, 1, 1).toordinal() + rng.integers(0, 365, count)
    codes = rng.choice(3, count, p=[0.10, 0.30, 0.60])
    starts = [date.fromordinal(o) for o in ordinals.tolist()]
    anchors = np.array(starts, dtype="datetime64[D]")
    tier_list: list[int] = codes.tolist()
    return Workload(
        starts=starts,
        tiers=tier_list,
        anchors=anchors,
        tier_codes=codes.astype(np.int64),
        tier_values=np.array([t.value for t in TIERS])[codes],
        ends=(anchors.view(np.int64) + DAYS).view("datetime64[D]"),
        cases=[
            _case(i, s, TIERS[t]) for i, (s, t) in enumerate(zip(starts, tier_list, strict=True))
        ],
    )


def _case(index: int, start: date, tier: RiskTier) -> tuple[Case, pendulum.Date, pendulum.Date]:
    day = pendulum.Date(start.year, start.month, start.day)
    client = ClientId(f"CL-{index:06d}")
    case = Case(
        id=CaseId(f"C-{index:06d}"),
        client_id=client,
        programme="generic",
        status=CaseStatus.ACTIVE,
        opened_on=day,
        referrals=(
            Referral(
                id=ReferralId(f"R-{index:06d}"),
                client_id=client,
                source_id=ReferralSourceId("GP-1"),
                received_on=day,
                reason="frequent admissions",
            ),
        ),
        manager_id=CaseManagerId(f"CM-{index % 200:03d}"),
        events=(CareEvent(kind=CareEventKind.RISK_TIER_CHANGE, occurred_on=day, risk_tier=tier),),
    )
    return case, day.add(days=1), day.add(days=DAYS)


# ---------------------------------------------------------------------------------------
# Ours.


def ours_bulk(work: Workload) -> ReviewColumns:
    return schedule_columns(
        work.anchors, work.tier_values, policy=POLICY, calendar=CALENDAR, end=work.ends
    )


def ours_per_case(work: Workload) -> list[tuple[pendulum.Date, ...]]:
    return [
        schedule(case, policy=POLICY, calendar=CALENDAR, start=start, end=end).dates
        for case, start, end in work.cases
    ]


# ---------------------------------------------------------------------------------------
# Peers.


class NumpyPeer:
    """The hand-written NumPy schedule, with its calendar and offset table built once."""

    def __init__(self) -> None:
        self.busdays = np.busdaycalendar(
            weekmask="1111100", holidays=np.array(HOLIDAYS, dtype="datetime64[D]")
        )
        self.base = np.datetime64("2025-12-01", "D")
        first = date(2025, 12, 1)
        self.offsets = np.array(
            [
                _utc_offset(datetime.combine(first + timedelta(days=i), NINE, LONDON))
                for i in range(800)
            ],
            dtype=np.int64,
        )

    def __call__(
        self, starts: NDArray[np.datetime64], tiers: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64], NDArray[np.datetime64]]:
        cal = self.busdays
        index = np.arange(starts.size)
        cases: list[NDArray[np.int64]] = []
        dues: list[NDArray[np.datetime64]] = []
        # weekly: s + 7k rolled forward, k = 1..52, due on or before s + 365
        weekly = index[tiers == MEDIUM]
        last = starts[weekly] + np.timedelta64(DAYS, "D")
        nominal = starts[weekly, None] + (7 * np.arange(1, 53)).astype("timedelta64[D]")
        due = np.busday_offset(nominal, 0, roll="forward", busdaycal=cal)
        keep = due <= last[:, None]
        cases.append(np.broadcast_to(weekly[:, None], due.shape)[keep])
        dues.append(due[keep])
        # monthly: s + k months, the day clipped to the month's end, k = 1..12
        monthly = index[tiers == LOW]
        start = starts[monthly]
        last = start + np.timedelta64(DAYS, "D")
        month = start.astype("datetime64[M]")
        day = (start - month.astype("datetime64[D]")).astype(np.int64)
        target = month[:, None] + np.arange(1, 13).astype("timedelta64[M]")
        first = target.astype("datetime64[D]")
        length = ((target + np.timedelta64(1, "M")).astype("datetime64[D]") - first).astype(
            np.int64
        )
        nominal = first + np.minimum(day[:, None], length - 1).astype("timedelta64[D]")
        due = np.busday_offset(nominal, 0, roll="forward", busdaycal=cal)
        keep = due <= last[:, None]
        cases.append(np.broadcast_to(monthly[:, None], due.shape)[keep])
        dues.append(due[keep])
        # daily: every working day in (s, s + 365]
        daily = index[tiers == HIGH]
        begin = starts[daily] + np.timedelta64(1, "D")
        count = np.busday_count(begin, begin + np.timedelta64(DAYS, "D"), busdaycal=cal)
        firsts = np.busday_offset(begin, 0, roll="forward", busdaycal=cal)
        within = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
        due = np.busday_offset(np.repeat(firsts, count), within, roll="forward", busdaycal=cal)
        cases.append(np.repeat(daily, count))
        dues.append(due)
        local = np.concatenate(dues)
        offset = self.offsets[(local - self.base).astype(np.int64)]
        utc = local.astype("datetime64[s]") + (9 * 3600 - offset).astype("timedelta64[s]")
        return np.concatenate(cases), utc


def _utc_offset(moment: datetime) -> int:
    offset = moment.utcoffset()
    assert offset is not None
    return int(offset.total_seconds())


_MONTH_DAYS = {
    (y, m): calendar.monthrange(y, m)[1] for y in range(2025, 2030) for m in range(1, 13)
}


def stdlib(starts: list[date], tiers: list[int]) -> list[list[datetime]]:
    """Per case: date ordinals, one ``datetime.combine(..., ZoneInfo)`` per review."""
    out: list[list[datetime]] = []
    holidays = HOLIDAY_ORDINALS
    combine, fromordinal = datetime.combine, date.fromordinal
    nine, zone, month_days = NINE, LONDON, _MONTH_DAYS
    for start, tier in zip(starts, tiers, strict=True):
        first = start.toordinal()
        last = first + DAYS
        found: list[datetime] = []
        if tier == HIGH:
            for o in range(first + 1, last + 1):
                if (o - 1) % 7 < 5 and o not in holidays:
                    found.append(combine(fromordinal(o), nine, zone))
        elif tier == MEDIUM:
            for k in range(1, 53):
                o = first + 7 * k
                while (o - 1) % 7 >= 5 or o in holidays:
                    o += 1
                if o > last:
                    break
                found.append(combine(fromordinal(o), nine, zone))
        else:
            base = start.year * 12 + start.month - 1
            for k in range(1, 13):
                year, month0 = divmod(base + k, 12)
                month = month0 + 1
                o = date(year, month, min(start.day, month_days[(year, month)])).toordinal()
                while (o - 1) % 7 >= 5 or o in holidays:
                    o += 1
                if o > last:
                    break
                found.append(combine(fromordinal(o), nine, zone))
        out.append(found)
    return out


def pendulum_loop(starts: list[date], tiers: list[int]) -> list[list[pendulum.DateTime]]:
    """Per case: ``pendulum.Date`` arithmetic, one ``pendulum.datetime(..., tz=...)`` per
    review."""
    out: list[list[pendulum.DateTime]] = []
    holidays = HOLIDAY_DATES
    make, zone = pendulum.datetime, PENDULUM_ZONE
    for start, tier in zip(starts, tiers, strict=True):
        base = pendulum.Date(start.year, start.month, start.day)
        last = base.add(days=DAYS)
        found: list[pendulum.DateTime] = []
        if tier == HIGH:
            for k in range(1, DAYS + 1):
                d = base.add(days=k)
                if d.weekday() < 5 and d not in holidays:
                    found.append(make(d.year, d.month, d.day, 9, tz=zone))
        else:
            for k in range(1, 53 if tier == MEDIUM else 13):
                d = base.add(weeks=k) if tier == MEDIUM else base.add(months=k)
                while d.weekday() >= 5 or d in holidays:
                    d = d.add(days=1)
                if d > last:
                    break
                found.append(make(d.year, d.month, d.day, 9, tz=zone))
        out.append(found)
    return out


# ---------------------------------------------------------------------------------------
# Cross-checks: how many reviews, and the sum of their UTC epoch seconds.

Checksum = tuple[int, int]


def checksum_instants(nested: list[list[datetime]] | list[list[pendulum.DateTime]]) -> Checksum:
    count = total = 0
    for instants in nested:
        count += len(instants)
        total += sum(int(moment.timestamp()) for moment in instants)
    return count, total


def checksum_dates(nested: list[tuple[pendulum.Date, ...]]) -> Checksum:
    """Each date at 09:00 London (the dates hold no time of day)."""
    count = total = 0
    combine, nine, zone = datetime.combine, NINE, LONDON
    for dates in nested:
        count += len(dates)
        total += sum(int(combine(d, nine, zone).timestamp()) for d in dates)
    return count, total


def checksum_array(utc: NDArray[np.datetime64]) -> Checksum:
    seconds = utc.astype("datetime64[s]").view(np.int64)
    return int(seconds.size), int(seconds.sum())


def check(work: Workload, numpy_peer: NumpyPeer) -> dict[str, Any]:
    """Every side gives the same reviews (count and sum of UTC seconds); raises if not."""
    reference = checksum_instants(stdlib(work.starts, work.tiers))
    columns = ours_bulk(work)
    found = {
        "ours_bulk": checksum_array(columns.due_at),
        "numpy": checksum_array(numpy_peer(work.anchors, work.tier_codes)[1]),
        "ours_per_case": checksum_dates(ours_per_case(work)),
    }
    for name, checksum in found.items():
        assert checksum == reference, (name, checksum, reference)
    sample = work.starts[:PENDULUM_SAMPLE], work.tiers[:PENDULUM_SAMPLE]
    sampled = checksum_instants(pendulum_loop(*sample))
    assert sampled == checksum_instants(stdlib(*sample)), sampled
    hours = (columns.due_at - columns.due.astype("datetime64[s]")).astype(np.int64) // 3600
    assert set(np.unique(hours).tolist()) == {8, 9}  # 09:00 BST and 09:00 GMT
    return {"reviews": reference[0], "utc_seconds_sum": reference[1], "sample_reviews": sampled[0]}


# ---------------------------------------------------------------------------------------
# The comparison.


@dataclass(frozen=True)
class ScheduleLine(BenchLine):
    """A BENCH line in seconds per 100,000 cases x one year."""

    unit: str = "seconds per 100,000 cases x 1 year"
    note: str = ""

    def human(self) -> str:
        verdict = "MET" if self.met else "NOT MET"
        note = f" [{self.note}]" if self.note else ""
        return (
            f"  {self.name}: ours {self.ours_s:.3f} s, {self.peer} {self.peer_s:.3f} s{note}, "
            f"ours/{self.peer} = {self.ratio:.3f} (target: {self.target}) -> {verdict}"
        )

    def as_json(self) -> dict[str, Any]:
        found = {**super().as_json(), "unit": self.unit}
        if self.note:
            found["note"] = self.note
        return found


def _log(settings: Settings, message: str) -> None:
    if settings.verbose:
        print(f"  schedule: {message}", file=sys.stderr, flush=True)


def run(settings: Settings) -> Outcome:
    _log(settings, f"building {CASES:,} cases")
    work = make_workload()
    numpy_peer = NumpyPeer()
    _log(settings, "cross-checking every side")
    details: dict[str, Any] = {"cases": CASES, "seed": SEED, **check(work, numpy_peer)}
    sample = work.starts[:PENDULUM_SAMPLE], work.tiers[:PENDULUM_SAMPLE]
    sides: dict[str, Callable[[], object]] = {
        "ours_bulk": lambda: ours_bulk(work),
        "numpy": lambda: numpy_peer(work.anchors, work.tier_codes),
        "ours_per_case": lambda: ours_per_case(work),
        "stdlib": lambda: stdlib(work.starts, work.tiers),
        "pendulum_loop_sample": lambda: pendulum_loop(*sample),
    }
    stats = interleaved(sides, settings.rounds, label="schedule", verbose=settings.verbose)
    scale = CASES / PENDULUM_SAMPLE
    median = {name: s.median for name, s in stats.items()}
    pendulum_extrapolated = median["pendulum_loop_sample"] * scale
    lines = (
        ScheduleLine(
            name="schedule_bulk_100k",
            ours_s=median["ours_bulk"],
            peer="numpy",
            peer_s=median["numpy"],
            max_ratio=MAX_BULK_RATIO,
            target=f"schedule_columns within {MAX_BULK_RATIO:g}x the hand-written NumPy",
        ),
        ScheduleLine(
            name="schedule_per_case_100k",
            ours_s=median["ours_per_case"],
            peer="stdlib",
            peer_s=median["stdlib"],
            max_ratio=MAX_PER_CASE_RATIO,
            target=f"per-case schedule within {MAX_PER_CASE_RATIO:g}x stdlib + zoneinfo",
        ),
        ScheduleLine(
            name="schedule_per_case_100k_vs_pendulum",
            ours_s=median["ours_per_case"],
            peer="pendulum_loop",
            peer_s=pendulum_extrapolated,
            max_ratio=math.inf,
            target="none (reported)",
            note=(
                f"pendulum_loop extrapolated from {PENDULUM_SAMPLE:,} cases "
                f"({median['pendulum_loop_sample']:.3f} s x {scale:g})"
            ),
        ),
    )
    details["rounds"] = settings.rounds
    details["pendulum_sample_cases"] = PENDULUM_SAMPLE
    details["pendulum_loop_extrapolated"] = True
    details["seconds"] = {
        name: {"median": s.median, "min": s.minimum, "max": s.maximum} for name, s in stats.items()
    }
    details["reviews_per_second"] = {
        name: details["reviews"] / value
        for name, value in {**median, "pendulum_loop": pendulum_extrapolated}.items()
        if name != "pendulum_loop_sample"
    }
    return Outcome(lines=lines, details=details)


if __name__ == "__main__":
    for line in run(Settings(rounds=3)).lines:
        print(line.bench())
        print(line.human())
