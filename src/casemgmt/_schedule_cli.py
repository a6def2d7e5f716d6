"""The work behind ``casemgmt schedule``: one case manager's overdue reviews and what falls
due in a period, as text, JSON and iCalendar.

The command line itself (options, help) is in :mod:`casemgmt.cli`; this module reads the
case book, defends the boundary against bad input and writes the output.

Input
    ``FILE`` is a ``cases`` document (:class:`casemgmt.services.CaseBook`): the programme
    whose review policy applies (:attr:`casemgmt.policies.Programme.reviews`), the
    bank-holiday region, the case managers and their cases with the reviews held and the
    events recorded. It is read as strict JSON in UTF-8
    (:func:`casemgmt.serialization.load_json`).

The days
    ``as_of`` is the day overdue items are counted on (:func:`casemgmt.services.reviews_due`).
    When it is not given, it is the latest day the document records
    (:func:`default_as_of`); the clock is never read, so the same file and options always
    give the same report. The period runs from ``start`` (default: ``as_of``) to ``end``
    (default: the Sunday ending ``as_of``'s week), both included, and lists what falls due
    in it for each of the case manager's cases (:func:`casemgmt.services.schedule`).

Text output
    A heading (file, case manager and cases, programme and review policy, bank-holiday
    region and time zone, the day and where it came from, the period), then::

        Overdue on 2026-11-23: 1
          VW-0102  urgent review after hospital admission on 2026-11-19 (M6): due
          2026-11-20, 3 days overdue (1 working day) [unverified figure]

        Due from 2026-11-23 to 2026-11-29: 12
        Mon 2026-11-23
          09:00  VW-0101  daily case review (M2)

    (each item on one line). ``missed`` counts the occurrences of a routine review (case,
    MDT or plan review) that passed with no review; ``[unverified figure]`` marks an item
    whose allowance is not verified against a primary source. A day that is not a working
    day says why (a bank holiday's name, or the weekend); days with nothing due are left
    out, except bank holidays, listed with ``nothing due``.

JSON output
    One object: ``file``, ``manager``, ``programme``, ``review_policy``, ``region``,
    ``timezone``, ``as_of``, ``as_of_source`` (``"option"`` or ``"latest-recorded-date"``),
    ``start``, ``end``, ``cases`` (the case manager's case ids and statuses), ``ok`` (nothing
    overdue), ``overdue`` (items with ``case_id``, ``kind``, ``title``, ``rule_id``, ``due``,
    ``due_at``, ``goal_id``, ``clock``, ``verified``, ``days_overdue``,
    ``working_days_overdue`` and ``missed``), ``due`` (one object per day with something
    due: ``date``, ``working_day``, ``holiday``, ``items``), ``bank_holidays`` (those of
    the period: ``date``, ``name``) and ``ics`` (the file written, or ``null``).

iCalendar
    With ``ics``, the items of the period are also written to that file
    (:func:`casemgmt.serialization.to_icalendar`), stamped ``as_of`` at 00:00 UTC, so the
    same input always gives the same file.

Exit status
    0 when nothing is overdue on ``as_of``, 1 when something is. 2 when the input cannot be
    used: a missing or unreadable file, text that is not JSON, a document of another kind
    or an invalid one (each problem with its JSON path), a case manager the document does
    not know (the known ones are listed), no recorded day to default ``as_of`` to, a
    period that ends before it starts or falls outside 1970-2199, or an iCalendar file that
    cannot be written. Problems go to standard error, one line each, ``casemgmt: FILE:
    ...``; no traceback is shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, TextIO

import pendulum

from casemgmt._cli_input import InputError, fail, read_document
from casemgmt.errors import CaseManagementError
from casemgmt.model import Case, CaseStatus
from casemgmt.policies import BankHolidayRegion, WorkingCalendar
from casemgmt.serialization import to_icalendar
from casemgmt.services import (
    CaseBook,
    DueKind,
    DueReview,
    ScheduledReview,
    reviews_due,
    schedule,
)

__all__ = ["default_as_of", "default_end", "run"]

Format = Literal["text", "json"]

_PROG = "casemgmt"
_ROUTINE = frozenset({DueKind.CASE_REVIEW, DueKind.MDT_DISCUSSION, DueKind.CARE_PLAN_REVIEW})
_REGION_NAMES = {
    BankHolidayRegion.ENGLAND_AND_WALES: "England and Wales",
    BankHolidayRegion.SCOTLAND: "Scotland",
    BankHolidayRegion.NORTHERN_IRELAND: "Northern Ireland",
}


# ---------------------------------------------------------------------- reading


def _recorded_days(case: Case) -> Iterator[pendulum.Date]:
    yield case.opened_on
    if case.closed_on is not None:
        yield case.closed_on
    yield from (r.received_on for r in case.referrals)
    yield from (a.performed_on for a in case.assessments)
    yield from (p.created_on for p in case.plans)
    yield from (r.held_on for r in case.reviews)
    yield from (e.occurred_on for e in case.events)


def default_as_of(book: CaseBook) -> pendulum.Date | None:
    """The day ``schedule`` counts overdue items on when no ``--as-of`` is given: the latest
    day the document records (a case opened or closed, a referral received, an assessment
    performed, a plan version made, a review held, an event); ``None`` for a document with
    no cases. Dates still to come (a plan's next review, a goal's due date) do not count.

    >>> from casemgmt.model import Referral
    >>> referral = Referral(id="R-1", client_id="CL-1", source_id="GP-1",
    ...                     received_on=pendulum.date(2026, 11, 19), reason="COPD")
    >>> case = Case(id="VW-1", client_id="CL-1", programme="virtual-ward",
    ...             status=CaseStatus.ASSESSMENT, opened_on=pendulum.date(2026, 11, 23),
    ...             referrals=(referral,), manager_id="CM-01")
    >>> default_as_of(CaseBook(programme="virtual-ward", cases=(case,)))
    Date(2026, 11, 23)
    >>> default_as_of(CaseBook(programme="virtual-ward", cases=())) is None
    True
    """
    return max((day for case in book.cases for day in _recorded_days(case)), default=None)


def default_end(as_of: pendulum.Date) -> pendulum.Date:
    """The last day of the period by default: the Sunday ending ``as_of``'s week.

    >>> default_end(pendulum.date(2026, 11, 23)), default_end(pendulum.date(2026, 11, 29))
    (Date(2026, 11, 29), Date(2026, 11, 29))
    """
    return as_of.add(days=7 - as_of.isoweekday())


# ---------------------------------------------------------------------- running


def run(
    file: str,
    *,
    manager: str,
    as_of: pendulum.Date | None = None,
    start: pendulum.Date | None = None,
    end: pendulum.Date | None = None,
    ics: str | None = None,
    output: Format = "text",
    out: TextIO,
    err: TextIO,
) -> int:
    """Report what is overdue and what falls due for one case manager of the case book in
    ``file``; optionally write the period's items as iCalendar.

    Args:
        file: A ``cases`` JSON document.
        manager: The case manager's id.
        as_of: The day overdue items are counted on; default: the latest day the document
            records (:func:`default_as_of`).
        start: The first day of the period; default: ``as_of``.
        end: The last day of the period; default: the Sunday ending ``as_of``'s week.
        ics: Where to write the period's items as iCalendar, if anywhere.
        output: ``"text"`` or ``"json"``.
        out: Where the report goes.
        err: Where problems go.

    Returns:
        0 when nothing is overdue, 1 when something is, 2 when the input cannot be used
        (see the module documentation).
    """
    try:
        book = read_document(CaseBook, file)
        known = book.manager_ids
        if manager not in known:
            listed = ", ".join(known) if known else "none"
            fail(f"no case manager {manager!r} in the document; known case managers: {listed}")
        day = as_of if as_of is not None else default_as_of(book)
        if day is None:
            fail("records no date to report on: give --as-of YYYY-MM-DD")
        first = start if start is not None else day
        last = end if end is not None else default_end(day)
        if last < first:
            fail(f"the period ends ({last.isoformat()}) before it starts ({first.isoformat()})")
        report = _build(book, file, manager, day, first, last, as_of_given=as_of is not None)
        if ics is not None:
            _write_ics(ics, report)
    except InputError as problem:
        for message in problem.messages:
            print(f"{_PROG}: {problem.file or file}: {message}", file=err)
        return 2
    except CaseManagementError as error:
        # Library messages name paths, codes and rules, never a value from the file.
        print(f"{_PROG}: {file}: {error}", file=err)
        return 2
    report.ics = ics
    if output == "json":
        print(json.dumps(report.as_json(), indent=2, ensure_ascii=False), file=out)
    else:
        print("\n".join(report.text()), file=out)
    return 1 if report.overdue else 0


def _build(
    book: CaseBook,
    file: str,
    manager: str,
    as_of: pendulum.Date,
    start: pendulum.Date,
    end: pendulum.Date,
    *,
    as_of_given: bool,
) -> _Report:
    policy = book.review_policy()
    calendar = book.calendar()
    cases = book.cases_of(manager)
    try:
        due = reviews_due(cases, policy=policy, calendar=calendar, as_of=as_of, until=as_of)
        items = [
            item
            for case in cases
            for item in schedule(
                case, policy=policy, calendar=calendar, start=start, end=end
            ).items()
        ]
    except ValueError:  # a day the working calendars do not cover
        fail("the days asked about must fall between 1970 and 2199")
    items.sort(key=lambda i: (i.due, i.due_at.timestamp(), str(i.case_id), _kind_index(i)))
    return _Report(
        file=file,
        book=book,
        manager=manager,
        cases=cases,
        calendar=calendar,
        as_of=as_of,
        as_of_source="option" if as_of_given else "latest-recorded-date",
        start=start,
        end=end,
        overdue=due.overdue,
        items=tuple(items),
    )


_KIND_ORDER = {kind: index for index, kind in enumerate(DueKind)}


def _kind_index(item: ScheduledReview) -> int:
    return _KIND_ORDER[item.kind]


def _write_ics(path: str, report: _Report) -> None:
    day = report.as_of
    text = to_icalendar(
        report.items,
        calendar=report.calendar,
        stamp=pendulum.datetime(day.year, day.month, day.day, tz="UTC"),
        name=f"casemgmt reviews: {report.manager}",
    )
    try:
        Path(path).write_bytes(text.encode("utf-8"))
    except OSError as error:
        fail(f"cannot write the file ({error.strerror or type(error).__name__})", path)


# ---------------------------------------------------------------------- printing


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun if count == 1 else noun + 's'}"


def _what(item: ScheduledReview | DueReview) -> tuple[str, str]:
    """The item in words (title and rule; a goal's title names it), and its
    unverified-figure flag."""
    rule = f" ({item.rule_id})" if item.rule_id else ""
    flag = "" if item.clock is None or item.clock.verified else " [unverified figure]"
    return f"{item.title}{rule}", flag


def _item_json(item: ScheduledReview | DueReview) -> dict[str, Any]:
    clock = item.clock
    return {
        "case_id": str(item.case_id),
        "kind": item.kind.value,
        "title": item.title,
        "rule_id": item.rule_id,
        "due": item.due.isoformat(),
        "due_at": item.due_at.isoformat(),
        "goal_id": None if item.goal_id is None else str(item.goal_id),
        "clock": None if clock is None else clock.key,
        "verified": clock is None or clock.verified,
    }


class _Report:
    """Everything the command prints, in either format."""

    def __init__(
        self,
        *,
        file: str,
        book: CaseBook,
        manager: str,
        cases: Sequence[Case],
        calendar: WorkingCalendar,
        as_of: pendulum.Date,
        as_of_source: str,
        start: pendulum.Date,
        end: pendulum.Date,
        overdue: Sequence[DueReview],
        items: Sequence[ScheduledReview],
    ) -> None:
        self.file = file
        self.book = book
        self.manager = manager
        self.cases = tuple(cases)
        self.calendar = calendar
        self.as_of = as_of
        self.as_of_source = as_of_source
        self.start = start
        self.end = end
        self.overdue = tuple(overdue)
        self.items = tuple(items)
        self.ics: str | None = None

    def _days(self) -> list[tuple[pendulum.Date, list[ScheduledReview]]]:
        days: dict[pendulum.Date, list[ScheduledReview]] = {}
        for item in self.items:
            days.setdefault(item.due, []).append(item)
        return sorted(days.items())

    def _holidays(self) -> list[tuple[pendulum.Date, str]]:
        """The bank holidays from :attr:`start` to :attr:`end`."""
        found: list[tuple[pendulum.Date, str]] = []
        for year in range(self.start.year, self.end.year + 1):
            for day, name in self.calendar.bank_holidays(year).items():
                if self.start <= day <= self.end:
                    found.append((day, name))
        return sorted(found)

    def _closed_note(self, day: pendulum.Date) -> str | None:
        """Why ``day`` is not a working day (``None`` when it is one)."""
        if self.calendar.is_working_day(day):
            return None
        holiday = self.calendar.bank_holidays(day.year).get(day)
        if holiday is not None:
            return f"bank holiday: {holiday}"
        if day.isoweekday() in self.calendar.weekend:
            return "weekend"
        return "closed"

    # -- text

    def text(self) -> list[str]:
        book = self.book
        policy = book.review_policy()
        region = _REGION_NAMES[book.region]
        day_note = "given" if self.as_of_source == "option" else "the latest date in the file"
        lines = [
            f"Review schedule: {self.file}",
            f"Case manager {self.manager}: {self._cases_text()}",
            f"Programme {book.programme}: review policy {policy.key} (case reviews "
            f"{policy.cadence_rule}); {region} bank holidays, {self.calendar.timezone}",
            f"As of {self.as_of.isoformat()} ({day_note}); "
            f"period {self.start.isoformat()} to {self.end.isoformat()}",
            "",
            f"Overdue on {self.as_of.isoformat()}: {len(self.overdue) or 'nothing'}",
        ]
        width = max((len(str(c.id)) for c in self.cases), default=0)
        for item in self.overdue:
            what, flag = _what(item)
            working = _plural(item.working_days_overdue, "working day")
            # Missed occurrences only mean something for a routine stream.
            routine = item.kind in _ROUTINE
            missed = f", {item.missed} missed" if routine else ""
            lines.append(
                f"  {item.case_id!s:<{width}}  {what}: due {item.due.isoformat()}, "
                f"{_plural(item.days_overdue, 'day')} overdue ({working}){missed}{flag}"
            )
        lines += [
            "",
            f"Due from {self.start.isoformat()} to {self.end.isoformat()}: "
            f"{len(self.items) or 'nothing'}",
        ]
        days = dict(self._days())
        for day, _ in self._holidays():
            days.setdefault(day, [])
        for day, items in sorted(days.items()):
            note = self._closed_note(day)
            heading = f"{day.format('ddd')} {day.isoformat()}" + (f" ({note})" if note else "")
            lines.append(heading if items else f"{heading}: nothing due")
            for entry in items:
                what, flag = _what(entry)
                local = entry.due_at.in_timezone(self.calendar.timezone)
                lines.append(f"  {local.format('HH:mm')}  {entry.case_id!s:<{width}}  {what}{flag}")
        return lines

    def _cases_text(self) -> str:
        cases = self.cases
        open_cases = [c for c in cases if c.is_open]
        parts = [f"{_plural(len(cases), 'case')}, {len(open_cases)} open"]
        on_hold = sum(1 for c in cases if c.status is CaseStatus.ON_HOLD)
        if on_hold:
            parts.append(f"{on_hold} on hold (routine reviews paused)")
        return "; ".join(parts)

    # -- JSON

    def as_json(self) -> dict[str, Any]:
        book = self.book
        return {
            "file": self.file,
            "manager": self.manager,
            "programme": book.programme,
            "review_policy": book.review_policy().key,
            "region": book.region.value,
            "timezone": self.calendar.timezone,
            "as_of": self.as_of.isoformat(),
            "as_of_source": self.as_of_source,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "cases": [{"id": str(c.id), "status": c.status.value} for c in self.cases],
            "ok": not self.overdue,
            "overdue": [
                {
                    **_item_json(item),
                    "days_overdue": item.days_overdue,
                    "working_days_overdue": item.working_days_overdue,
                    "missed": item.missed,
                }
                for item in self.overdue
            ],
            "due": [
                {
                    "date": day.isoformat(),
                    "working_day": self.calendar.is_working_day(day),
                    "holiday": self.calendar.bank_holidays(day.year).get(day),
                    "items": [_item_json(item) for item in items],
                }
                for day, items in self._days()
            ],
            "bank_holidays": [
                {"date": day.isoformat(), "name": name} for day, name in self._holidays()
            ],
            "ics": self.ics,
        }
