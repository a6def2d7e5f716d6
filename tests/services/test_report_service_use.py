"""Use of services in the programme report (O1): hospital admissions, A&E attendances and
lengths of stay while cases are on the caseload.

The rules tested here (see :class:`casemgmt.services.ServiceUse`): only the care events of a
case's time on the caseload count, from the day it opened to the day it closed or the day
of the report; an admission pairs with the next discharge of the same case; within a day a
discharge comes first while a stay is open, an admission first otherwise; an admission
during a stay counts as an admission but starts no stay; a discharge with no open stay is
ignored and counted; a stay open at the end of the period counts its bed days to that end.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from fractions import Fraction

import attrs
import pendulum
import pytest
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.model import CareEvent, CareEventKind, Case, CaseStatus
from casemgmt.services import ProgrammeReport, ServiceUse, programme_report

from ._review_builders import make_case

BASE = pendulum.date(2026, 1, 5)
ADMIT = CareEventKind.HOSPITAL_ADMISSION
DISCHARGE = CareEventKind.HOSPITAL_DISCHARGE
A_AND_E = CareEventKind.EMERGENCY_DEPARTMENT_ATTENDANCE
SERVICE_KINDS = (ADMIT, DISCHARGE, A_AND_E)
ADDITIVE = (
    "cases",
    "caseload_days",
    "admissions",
    "attendances",
    "stays_completed",
    "completed_bed_days",
    "open_stays",
    "open_bed_days",
    "admissions_during_stay",
    "unpaired_discharges",
)


def d(offset: int) -> pendulum.Date:
    return BASE.add(days=offset)


def event(kind: CareEventKind, offset: int) -> CareEvent:
    return CareEvent(kind=kind, occurred_on=d(offset))


def case(
    events: Sequence[tuple[CareEventKind, int]] = (),
    *,
    opened: int = 0,
    closed: int | None = None,
    status: CaseStatus | None = None,
    n: int = 1,
) -> Case:
    if status is None:
        status = CaseStatus.ACTIVE if closed is None else CaseStatus.CLOSED
    return make_case(
        d(opened),
        status=status,
        closed_on=None if closed is None else d(closed),
        events=tuple(event(kind, offset) for kind, offset in events),
        case_id=f"C-{n}",
    )


def use_of(cases: Sequence[Case], as_of: int = 300) -> ServiceUse:
    return programme_report(cases, as_of=d(as_of)).service_use


def window(item: Case, as_of: pendulum.Date) -> tuple[pendulum.Date, pendulum.Date] | None:
    """The case's time on the caseload, worked out independently of the library."""
    if item.opened_on > as_of or not (item.status.is_open or item.status is CaseStatus.CLOSED):
        return None
    end = as_of if item.closed_on is None else min(item.closed_on, as_of)
    return item.opened_on, end


def o1_notes(report: ProgrammeReport) -> list[str]:
    return [note.message for note in report.notes if note.rule_id == "O1"]


# -- strategies --------------------------------------------------------------------------


@st.composite
def service_cases(draw: st.DrawFn, n: int) -> Case:
    """A case opened in the first two months, active, closed or awaiting a decision, with
    admissions, discharges and A&E attendances from before it opened to after it closed."""
    opened = draw(st.integers(0, 60))
    status = draw(st.sampled_from((CaseStatus.ACTIVE, CaseStatus.CLOSED, CaseStatus.REFERRED)))
    closed = opened + draw(st.integers(0, 150)) if status is CaseStatus.CLOSED else None
    events = draw(
        st.lists(st.tuples(st.sampled_from(SERVICE_KINDS), st.integers(-20, 260)), max_size=10)
    )
    return case(events, opened=opened, closed=closed, status=status, n=n)


@st.composite
def caseloads(draw: st.DrawFn) -> list[Case]:
    return [draw(service_cases(n)) for n in range(draw(st.integers(0, 5)))]


report_days = st.integers(0, 240).map(d)


# -- worked examples -----------------------------------------------------------------------


@pytest.mark.rule("O1")
def test_a_stay_pairs_an_admission_with_the_next_discharge() -> None:
    use = use_of([case([(ADMIT, 10), (DISCHARGE, 17), (A_AND_E, 30), (A_AND_E, 31)])])
    assert (use.admissions, use.attendances) == (1, 2)
    assert (use.stays_completed, use.completed_bed_days) == (1, 7)
    assert use.mean_length_of_stay == Fraction(7)
    assert (use.open_stays, use.open_bed_days, use.bed_days) == (0, 0, 7)
    assert (use.admissions_during_stay, use.unpaired_discharges) == (0, 0)


@pytest.mark.rule("O1")
def test_the_recorded_order_of_events_within_a_day_does_not_matter() -> None:
    # No stay open: an admission and a discharge on one day are a day case of 0 bed days.
    for events in ([(ADMIT, 5), (DISCHARGE, 5)], [(DISCHARGE, 5), (ADMIT, 5)]):
        use = use_of([case(events)])
        assert (use.stays_completed, use.completed_bed_days, use.open_stays) == (1, 0, 0)
        assert use.unpaired_discharges == 0
    # A stay open: the discharge closes it and the admission starts a new one.
    for events in (
        [(ADMIT, 1), (ADMIT, 5), (DISCHARGE, 5)],
        [(ADMIT, 1), (DISCHARGE, 5), (ADMIT, 5)],
    ):
        use = use_of([case(events)], as_of=9)
        assert (use.stays_completed, use.completed_bed_days) == (1, 4)
        assert (use.open_stays, use.open_bed_days) == (1, 4)
        assert use.admissions_during_stay == 0


@pytest.mark.rule("O1")
def test_a_second_admission_before_a_discharge_closes_nothing() -> None:
    report = programme_report([case([(ADMIT, 1), (ADMIT, 5), (DISCHARGE, 10)])], as_of=d(300))
    use = report.service_use
    assert use.admissions == 2
    assert (use.stays_completed, use.completed_bed_days) == (1, 9)  # from the first admission
    assert (use.open_stays, use.admissions_during_stay) == (0, 1)
    assert any(
        "1 hospital admission(s) recorded while a stay was open" in m for m in o1_notes(report)
    )


@pytest.mark.rule("O1")
def test_an_unpaired_discharge_is_ignored_and_noted() -> None:
    report = programme_report(
        [case([(DISCHARGE, 3), (ADMIT, 8), (DISCHARGE, 9), (DISCHARGE, 12)])], as_of=d(300)
    )
    use = report.service_use
    assert (use.stays_completed, use.completed_bed_days, use.unpaired_discharges) == (1, 1, 2)
    assert any(m.startswith("2 hospital discharge(s) with no stay open") for m in o1_notes(report))
    # Neither note appears when every admission and discharge pairs up.
    clean = programme_report([case([(ADMIT, 8), (DISCHARGE, 9)])], as_of=d(300))
    assert len(o1_notes(clean)) == 1


@pytest.mark.rule("O1")
def test_only_the_time_on_the_caseload_counts() -> None:
    # Admitted before the case opened, discharged on the caseload: the discharge is unpaired.
    before = use_of([case([(ADMIT, 5), (DISCHARGE, 15), (A_AND_E, 4)], opened=10)])
    assert (before.admissions, before.attendances, before.stays_completed) == (0, 0, 0)
    assert before.unpaired_discharges == 1
    # Admitted on the caseload, discharged after the case closed: open to the closing day.
    closed = use_of([case([(ADMIT, 20), (DISCHARGE, 40), (A_AND_E, 31)], closed=30)])
    assert (closed.admissions, closed.attendances, closed.stays_completed) == (1, 0, 0)
    assert (closed.open_stays, closed.open_bed_days) == (1, 10)
    # Still in hospital on the day of the report: counted to that day; later events not at all.
    still = use_of([case([(ADMIT, 20), (DISCHARGE, 40), (ADMIT, 45)])], as_of=30)
    assert (still.admissions, still.open_stays, still.open_bed_days) == (1, 1, 10)
    assert still.stays_completed == 0
    # Events on the opening day and on the closing day count.
    edges = use_of([case([(ADMIT, 0), (DISCHARGE, 30)], closed=30)])
    assert (edges.stays_completed, edges.completed_bed_days) == (1, 30)


@pytest.mark.rule("O1")
def test_referrals_never_accepted_have_no_time_on_the_caseload() -> None:
    awaiting = case([(ADMIT, 1), (A_AND_E, 2)], status=CaseStatus.REFERRED)
    use = use_of([awaiting])
    assert (use.cases, use.caseload_days, use.admissions, use.attendances) == (0, 0, 0, 0)
    assert use.admissions_per_100_case_months is None
    assert use.mean_length_of_stay is None


@pytest.mark.rule("O1")
def test_rates_are_per_100_case_months_of_the_caseload_time() -> None:
    # Two cases, 1461 days on the caseload together: 48 months of 365.25 / 12 days.
    cases = [
        case([(ADMIT, 10), (DISCHARGE, 12), (ADMIT, 20), (DISCHARGE, 21)], closed=730, n=1),
        case([(A_AND_E, 100)], opened=0, closed=731, n=2),
    ]
    report = programme_report(cases, as_of=d(800))
    use = report.service_use
    assert use.caseload_days == report.caseload_time.total_days == 1461
    assert use.cases == report.caseload_time.cases == 2
    assert use.case_months == 48
    assert use.admissions_per_100_case_months == Fraction(200, 48)
    assert use.attendances_per_100_case_months == Fraction(100, 48)
    assert use.mean_length_of_stay == Fraction(3, 2)


@pytest.mark.rule("O1")
def test_nursing_home_admissions_are_noted_as_not_recorded() -> None:
    for cases in ([], [case()]):
        report = programme_report(cases, as_of=d(30))
        assert "admissions to nursing homes are not recorded, so not counted" in o1_notes(report)
        assert "[O1] admissions to nursing homes are not recorded" in report.text()


@pytest.mark.rule("O1")
def test_the_text_gives_counts_and_days_only() -> None:
    report = programme_report([case([(ADMIT, 10), (DISCHARGE, 17), (ADMIT, 40)], n=7)], as_of=d(50))
    text = report.text()
    assert "\nUse of services while on the caseload (O1)\n" in text

    def row(label: str) -> str:
        return next(line for line in text.splitlines() if line.startswith(f"  {label}  "))

    assert row("hospital admissions").split()[2] == "2"
    assert row("A&E attendances").split()[2] == "0"
    assert row("stays completed").endswith(" 1  7 bed days")
    assert row("stays open at the end of the period").endswith(" 1  10 bed days")
    assert row("mean length of stay, days").endswith(" 7.0")
    for personal in ("C-7", "CL-1", "R-1", "CM-1", "frequent admissions"):
        assert personal not in text


# -- properties -----------------------------------------------------------------------------


@pytest.mark.rule("O1")
@given(caseloads(), report_days)
def test_totals_are_the_sums_over_the_cases(cases: list[Case], as_of: pendulum.Date) -> None:
    whole = programme_report(cases, as_of=as_of).service_use
    parts = [programme_report([c], as_of=as_of).service_use for c in cases]
    for name in ADDITIVE:
        assert getattr(whole, name) == sum(getattr(p, name) for p in parts), name
    # The counts are those of the events in each case's window, counted independently.
    windows = [(c, window(c, as_of)) for c in cases]
    inside = [
        e for c, w in windows if w is not None for e in c.events if w[0] <= e.occurred_on <= w[1]
    ]
    assert whole.admissions == sum(1 for e in inside if e.kind is ADMIT)
    assert whole.attendances == sum(1 for e in inside if e.kind is A_AND_E)
    assert whole.cases == sum(1 for _, w in windows if w is not None)
    # Every admission starts a stay, or falls during one.
    assert (
        whole.admissions == whole.stays_completed + whole.open_stays + whole.admissions_during_stay
    )
    assert whole.open_stays <= whole.cases
    # Stays of a case never overlap and lie in its window, so their days fit in its time.
    assert whole.bed_days <= whole.caseload_days
    for part in parts:
        assert part.bed_days <= part.caseload_days
    if whole.stays_completed:
        assert whole.mean_length_of_stay == Fraction(
            whole.completed_bed_days, whole.stays_completed
        )
    else:
        assert whole.mean_length_of_stay is None


@st.composite
def separate_stays(draw: st.DrawFn) -> list[tuple[int, int]]:
    """Stays one after another (a readmission may fall on the day of the discharge), as
    (admission day, discharge day)."""
    stays = []
    day = draw(st.integers(0, 10))
    for _ in range(draw(st.integers(0, 6))):
        length = draw(st.integers(0, 20))
        stays.append((day, day + length))
        day += length + draw(st.integers(0, 15))
    return stays


@pytest.mark.rule("O1")
@given(separate_stays(), st.booleans(), st.randoms(use_true_random=False))
def test_completed_bed_days_are_the_days_from_admission_to_discharge(
    stays: list[tuple[int, int]], leave_last_open: bool, shuffler: random.Random
) -> None:
    events = [(ADMIT, a) for a, _ in stays] + [(DISCHARGE, b) for _, b in stays]
    completed = stays
    if leave_last_open and stays:
        events.remove((DISCHARGE, stays[-1][1]))
        completed = stays[:-1]
    shuffler.shuffle(events)  # the recorded order is not the order of days
    as_of = 250
    use = use_of([case(events)], as_of=as_of)
    assert use.stays_completed == len(completed)
    assert use.completed_bed_days == sum(b - a for a, b in completed)
    assert use.admissions == len(stays)
    assert (use.admissions_during_stay, use.unpaired_discharges) == (0, 0)
    if leave_last_open and stays:
        assert (use.open_stays, use.open_bed_days) == (1, as_of - stays[-1][0])
    else:
        assert (use.open_stays, use.open_bed_days) == (0, 0)
    if completed:
        assert use.mean_length_of_stay == Fraction(sum(b - a for a, b in completed), len(completed))


@pytest.mark.rule("O1")
@given(caseloads(), report_days, st.data())
def test_events_outside_the_time_on_the_caseload_never_count(
    cases: list[Case], as_of: pendulum.Date, data: st.DataObject
) -> None:
    report = programme_report(cases, as_of=as_of)
    trimmed, padded = [], []
    for item in cases:
        w = window(item, as_of)
        kept = tuple(e for e in item.events if w is not None and w[0] <= e.occurred_on <= w[1])
        trimmed.append(attrs.evolve(item, events=kept))
        # More events before the case opened, and after it closed or after the day.
        first = item.opened_on
        last = first if w is None else w[1]
        before = data.draw(st.lists(st.integers(1, 30), max_size=2))
        after = data.draw(st.lists(st.integers(1, 30), max_size=2))
        days = [first.subtract(days=k) for k in before] + [last.add(days=k) for k in after]
        size = len(days)
        kinds = data.draw(st.lists(st.sampled_from(SERVICE_KINDS), min_size=size, max_size=size))
        extra = tuple(
            CareEvent(kind=kind, occurred_on=on) for kind, on in zip(kinds, days, strict=True)
        )
        if w is None:  # never on the caseload: any day at all is outside
            extra += tuple(
                CareEvent(kind=kind, occurred_on=item.opened_on) for kind in SERVICE_KINDS
            )
        padded.append(attrs.evolve(item, events=(*item.events, *extra)))
    for variant in (trimmed, padded):
        again = programme_report(variant, as_of=as_of)
        assert again.service_use == report.service_use
        assert o1_notes(again) == o1_notes(report)


@pytest.mark.rule("O1")
@given(caseloads(), report_days, st.integers(-20, 260), st.data())
def test_an_admission_never_lowers_the_admissions(
    cases: list[Case], as_of: pendulum.Date, offset: int, data: st.DataObject
) -> None:
    if not cases:
        cases = [case()]
    index = data.draw(st.integers(0, len(cases) - 1))
    target = cases[index]
    more = attrs.evolve(target, events=(*target.events, event(ADMIT, offset)))
    before = use_of(cases, as_of=(as_of - BASE).days)
    after = use_of([*cases[:index], more, *cases[index + 1 :]], as_of=(as_of - BASE).days)
    w = window(target, as_of)
    counted = w is not None and w[0] <= d(offset) <= w[1]
    assert after.admissions == before.admissions + int(counted)
    assert after.attendances == before.attendances
    # An admission ends no stay; it may start one that a discharge left unpaired closes.
    assert after.stays_completed >= before.stays_completed
    assert after.unpaired_discharges <= before.unpaired_discharges


@pytest.mark.rule("O1")
@given(caseloads(), report_days, st.randoms(use_true_random=False))
def test_the_report_does_not_depend_on_the_order_of_cases_or_events(
    cases: list[Case], as_of: pendulum.Date, shuffler: random.Random
) -> None:
    report = programme_report(cases, as_of=as_of)
    shuffled = [
        attrs.evolve(c, events=tuple(shuffler.sample(c.events, len(c.events)))) for c in cases
    ]
    shuffler.shuffle(shuffled)
    again = programme_report(shuffled, as_of=as_of)
    assert again.service_use == report.service_use
    assert again.notes == report.notes
    assert again.text() == report.text()
