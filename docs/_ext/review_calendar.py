"""Sphinx extension: one case manager's reviews as a month calendar, drawn at build time.

The ``review-calendar`` directive reads a ``cases`` document (by default
``examples/reviews/cases.json``, the file ``make demo`` schedules), asks the library's
review services what falls due for one case manager, as ``casemgmt schedule`` does, and
renders:

* an inline SVG calendar, one month grid after another (weeks as rows, Monday to Sunday),
  where each day lists the cases with something due. Weekends, bank holidays and closure
  days of the book's working-day calendar are shaded (bank holidays hatched and named);
  overdue items are marked ``!`` and ``overdue`` (not by colour alone); the day the
  schedule is counted on is outlined and labelled ``as of``;
* a paragraph saying what is overdue, how much falls due, and the bank holidays.

What is drawn: from ``as-of`` to the end of the last month, everything
:func:`casemgmt.services.schedule` lists for each of the case manager's cases (the plan;
an occurrence already met early is still listed, as in the command's period); before
``as-of``, only what :func:`casemgmt.services.reviews_due` says is still overdue, on the
day it fell due. Options (paths relative to the repository root)::

    ```{review-calendar}
    :cases: examples/reviews/cases.json
    :manager: CM-01
    :as-of: 2026-11-23
    :months: 2
    ```

``as-of`` defaults to the day ``casemgmt schedule`` would choose (the latest day the
document records); the calendar starts with that day's month and shows ``months`` months.
The SVG is written as text and depends on the document and the options only, so every
build gives the same bytes. Lines and text use ``currentColor`` and shading is
translucent, so the calendar follows the page's light or dark theme.
"""

from __future__ import annotations

import calendar as _calendar
import html
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal

import pendulum
from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from casemgmt._schedule_cli import default_as_of
from casemgmt.policies import WorkingCalendar
from casemgmt.serialization import load_json
from casemgmt.services import CaseBook, DueReview, ScheduledReview, reviews_due, schedule

__all__ = [
    "DEFAULT_CASES",
    "DEFAULT_MANAGER",
    "DEFAULT_MONTHS",
    "DayEntry",
    "ReviewCalendar",
    "calendar_entries",
    "day_kind",
    "load_book",
    "months_shown",
    "review_calendar_svg",
    "review_summary",
    "setup",
]

DEFAULT_CASES = "examples/reviews/cases.json"
"""The case book drawn when the directive names none (relative to the repository root)."""

DEFAULT_MANAGER = "CM-01"
"""The case manager whose reviews are drawn by default."""

DEFAULT_MONTHS = 2
"""How many months are shown by default: the month of ``as-of`` and the next."""

DayKind = Literal["working", "weekend", "holiday", "closed"]

# Geometry, in SVG user units (px).
_MARGIN = 16
_CELL_W = 120
_LINE_H = 12
_CELL_TOP = 18  # room for the day number
_MIN_LINES = 3
_MAX_LINES = 6
_MONTH_GAP = 22
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FONT = "font-family:system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif"
_OVERDUE = "#d23c3c"  # with the "!" and the word "overdue": never colour alone
_SHADE = 'fill="currentColor" fill-opacity="0.09"'
_TIMES = "\N{MULTIPLICATION SIGN}"


@dataclass(frozen=True)
class DayEntry:
    """One case on one day: what is due for it (each title with its rule), and whether any
    of it is overdue."""

    case_id: str
    titles: tuple[str, ...]
    overdue: bool

    def label(self, most: int = 1000) -> str:
        """The text in the day's cell: the case id, ``! ... overdue`` when overdue, and
        a multiplication sign and n when n things are due for the case that day.

        At most ``most`` characters: the count goes first, then the case id is cut; the
        overdue marker always stays.

        >>> entry = DayEntry(case_id="VW-0302", titles=("a", "b"), overdue=True)
        >>> entry.label(17), entry.label(16)
        ('! VW-0302 overdue', '! VW-03… overdue')
        >>> entry.label() == f"! VW-0302 {_TIMES}2 overdue"
        True
        """
        count = f" {_TIMES}{len(self.titles)}" if len(self.titles) > 1 else ""
        before, after = ("! ", " overdue") if self.overdue else ("", "")
        full = f"{before}{self.case_id}{count}{after}"
        if len(full) <= most:
            return full
        room = most - len(before) - len(after)
        if len(self.case_id) <= room:
            return f"{before}{self.case_id}{after}"
        return f"{before}{self.case_id[: max(room - 1, 1)]}…{after}"


def load_book(path: Path) -> CaseBook:
    """Read a ``cases`` document the way ``casemgmt schedule`` does (strict JSON, checked).

    Raises:
        OSError: when the file cannot be read.
        casemgmt.errors.DocumentError: when it is not a valid ``cases`` document.
    """
    return load_json(CaseBook, path.read_bytes())


def months_shown(as_of: pendulum.Date, months: int) -> tuple[tuple[int, int], ...]:
    """The (year, month) pairs drawn: ``as_of``'s month and the ``months - 1`` after it.

    >>> months_shown(pendulum.date(2026, 11, 23), 3)
    ((2026, 11), (2026, 12), (2027, 1))
    """
    if months < 1:
        raise ValueError("months must be at least 1")
    first = as_of.year * 12 + as_of.month - 1
    return tuple((index // 12, index % 12 + 1) for index in range(first, first + months))


def _month_days(year: int, month: int) -> int:
    return _calendar.monthrange(year, month)[1]


def _bounds(as_of: pendulum.Date, months: int) -> tuple[pendulum.Date, pendulum.Date]:
    shown = months_shown(as_of, months)
    (y1, m1), (y2, m2) = shown[0], shown[-1]
    return pendulum.date(y1, m1, 1), pendulum.date(y2, m2, _month_days(y2, m2))


def day_kind(calendar: WorkingCalendar, day: pendulum.Date) -> tuple[DayKind, str | None]:
    """Whether ``day`` is a working day of ``calendar``, and if not why: a bank holiday
    (with its name), the weekend, or a closure day of the team."""
    if calendar.is_working_day(day):
        return "working", None
    holiday = calendar.bank_holidays(day.year).get(day)
    if holiday is not None:
        return "holiday", holiday
    if day.isoweekday() in calendar.weekend:
        return "weekend", None
    return "closed", "closed"


def _what(item: ScheduledReview | DueReview) -> str:
    return f"{item.title} ({item.rule_id})" if item.rule_id else item.title


def _due_items(
    book: CaseBook, manager: str, *, as_of: pendulum.Date, last: pendulum.Date
) -> tuple[list[DueReview], list[ScheduledReview]]:
    """What the services say: the items overdue on ``as_of`` and the items scheduled from
    ``as_of`` to ``last``."""
    policy = book.review_policy()
    calendar = book.calendar()
    cases = book.cases_of(manager)
    overdue = list(
        reviews_due(cases, policy=policy, calendar=calendar, as_of=as_of, until=as_of).overdue
    )
    scheduled: list[ScheduledReview] = []
    if as_of <= last:
        for case in cases:
            found = schedule(case, policy=policy, calendar=calendar, start=as_of, end=last)
            scheduled.extend(found.items())
    return overdue, scheduled


def calendar_entries(
    book: CaseBook,
    manager: str,
    *,
    as_of: pendulum.Date,
    first: pendulum.Date,
    last: pendulum.Date,
) -> dict[pendulum.Date, tuple[DayEntry, ...]]:
    """The entries of each day from ``first`` to ``last`` with something on it: the items
    scheduled from ``as_of`` on, and the items overdue on ``as_of`` on the day they fell
    due; one entry per case a day, in case-id order."""
    overdue, scheduled = _due_items(book, manager, as_of=as_of, last=last)
    grouped: dict[pendulum.Date, dict[str, tuple[list[str], bool]]] = {}
    tagged: list[tuple[pendulum.Date, str, str, bool]] = [
        (i.due, str(i.case_id), _what(i), True) for i in overdue
    ] + [(i.due, str(i.case_id), _what(i), False) for i in scheduled]
    for day, case_id, what, late in tagged:
        if not first <= day <= last:
            continue
        titles, was_late = grouped.setdefault(day, {}).get(case_id, ([], False))
        titles.append(what)
        grouped[day][case_id] = (titles, was_late or late)
    return {
        day: tuple(
            DayEntry(case_id=case_id, titles=tuple(titles), overdue=late)
            for case_id, (titles, late) in sorted(cases.items())
        )
        for day, cases in sorted(grouped.items())
    }


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int = 10,
    anchor: str = "start",
    weight: str | None = None,
    fill: str = "currentColor",
    italic: bool = False,
) -> str:
    extra = f' font-weight="{weight}"' if weight else ""
    if italic:
        extra += ' font-style="italic"'
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}"{extra} '
        f'fill="{fill}">{html.escape(text)}</text>'
    )


def _chars(width: float, size: int, *, bold: bool = False) -> int:
    """How many characters fit ``width`` at ``size`` px (bold is wider)."""
    return int(width / (size * (0.62 if bold else 0.56)))


def _fit(text: str, width: float, size: int) -> str:
    """``text`` cut with an ellipsis to fit ``width`` at ``size`` px."""
    most = _chars(width, size)
    return text if len(text) <= most else text[: max(most - 1, 1)] + "…"


def _weeks(year: int, month: int) -> list[list[pendulum.Date | None]]:
    weeks: list[list[pendulum.Date | None]] = []
    for week in _calendar.Calendar(firstweekday=0).monthdayscalendar(year, month):
        weeks.append([pendulum.date(year, month, d) if d else None for d in week])
    return weeks


def _cell(
    day: pendulum.Date,
    x: float,
    y: float,
    height: float,
    lines: int,
    kind: DayKind,
    note: str | None,
    entries: Sequence[DayEntry],
    as_of: pendulum.Date,
) -> str:
    fill = {
        "working": 'fill="none"',
        "weekend": _SHADE,
        "holiday": 'fill="url(#rc-hatch)"',
        "closed": 'fill="url(#rc-hatch)"',
    }[kind]
    is_as_of = day == as_of
    parts = [
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{_CELL_W}" height="{height:.1f}" {fill} '
        'stroke="currentColor" stroke-opacity="0.35" stroke-width="1"/>',
        _text(x + 5, y + 13, str(day.day), size=11, weight="600"),
    ]
    if is_as_of:
        parts.append(
            f'<rect class="rc-as-of" x="{x + 1.5:.1f}" y="{y + 1.5:.1f}" '
            f'width="{_CELL_W - 3}" height="{height - 3:.1f}" fill="none" '
            'stroke="currentColor" stroke-width="3"/>'
        )
        parts.append(_text(x + _CELL_W - 6, y + 13, "as of", size=9, anchor="end", weight="700"))
    line = 0
    if note is not None:
        parts.append(
            _text(x + 5, y + _CELL_TOP + 10, _fit(note, _CELL_W - 10, 9), size=9, italic=True)
        )
        line = 1
    room = lines - line
    shown = list(entries) if len(entries) <= room else list(entries[: room - 1])
    for entry in shown:
        tip = f"{entry.case_id}: " + "; ".join(entry.titles)
        if entry.overdue:
            tip += " (overdue)"
        parts.append(
            f'<g class="rc-entry" data-case="{html.escape(entry.case_id)}" '
            f'data-overdue="{str(entry.overdue).lower()}"><title>{html.escape(tip)}</title>'
            + _text(
                x + 5,
                y + _CELL_TOP + 10 + line * _LINE_H,
                entry.label(_chars(_CELL_W - 10, 10, bold=entry.overdue)),
                weight="700" if entry.overdue else None,
                fill=_OVERDUE if entry.overdue else "currentColor",
            )
            + "</g>"
        )
        line += 1
    hidden = entries[len(shown) :]
    if hidden:
        tip = "; ".join(f"{e.case_id}: {', '.join(e.titles)}" for e in hidden)
        marker = " (some overdue)" if any(e.overdue for e in hidden) else ""
        parts.append(
            f'<g class="rc-more" data-cases="{html.escape(" ".join(e.case_id for e in hidden))}" '
            f'data-overdue="{str(bool(marker)).lower()}">'
            f"<title>{html.escape(tip)}</title>"
            + _text(x + 5, y + _CELL_TOP + 10 + line * _LINE_H, f"+{len(hidden)} more{marker}")
            + "</g>"
        )
    attrs = f'data-date="{day.isoformat()}" data-kind="{kind}"'
    if is_as_of:
        attrs += ' data-as-of="true"'
    return f'<g class="rc-day" {attrs}>' + "".join(parts) + "</g>"


def review_calendar_svg(
    book: CaseBook,
    manager: str,
    *,
    as_of: pendulum.Date,
    months: int = DEFAULT_MONTHS,
) -> str:
    """The calendar of ``manager``'s reviews as a standalone SVG document (a string).

    Each day of the months shown is a ``<g class="rc-day">`` with ``data-date`` and
    ``data-kind`` (``working``, ``weekend``, ``holiday`` or ``closed``); each case listed on
    it a ``<g class="rc-entry">`` with ``data-case`` and ``data-overdue``, for tools and
    tests.

    Raises:
        ValueError: when ``months`` is below 1, or the days fall outside 1970-2199.
    """
    calendar = book.calendar()
    first, last = _bounds(as_of, months)
    entries = calendar_entries(book, manager, as_of=as_of, first=first, last=last)
    notes: dict[pendulum.Date, tuple[DayKind, str | None]] = {}
    day = first
    while day <= last:
        notes[day] = day_kind(calendar, day)
        day = day.add(days=1)
    needed = max([len(e) + (notes[d][1] is not None) for d, e in entries.items()] + [_MIN_LINES])
    lines = min(needed, _MAX_LINES)
    cell_h = _CELL_TOP + lines * _LINE_H + 6
    width = 2 * _MARGIN + 7 * _CELL_W
    parts: list[str] = []
    y = float(_MARGIN)
    for year, month in months_shown(as_of, months):
        name = pendulum.date(year, month, 1).format("MMMM YYYY")
        parts.append(_text(_MARGIN, y + 14, name, size=14, weight="700"))
        y += 24
        for index, weekday in enumerate(_WEEKDAYS):
            parts.append(
                _text(_MARGIN + index * _CELL_W + _CELL_W / 2, y + 10, weekday, anchor="middle")
            )
        y += 16
        for week in _weeks(year, month):
            for index, date in enumerate(week):
                if date is None:
                    continue
                kind, note = notes[date]
                parts.append(
                    _cell(
                        date,
                        _MARGIN + index * _CELL_W,
                        y,
                        cell_h,
                        lines,
                        kind,
                        note,
                        entries.get(date, ()),
                        as_of,
                    )
                )
            y += cell_h
        y += _MONTH_GAP
    legend, y = _legend(_MARGIN, y, as_of)
    parts += legend
    height = y + _MARGIN
    title = f"Reviews due for {manager}, {_span_name(first, last)}, as of {_day_name(as_of)}"
    desc = " ".join(review_summary(book, manager, as_of=as_of, months=months))
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="review-calendar" role="img" '
        f'aria-labelledby="rc-title rc-desc" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" style="{_FONT};max-width:100%;height:auto">'
        f'<title id="rc-title">{html.escape(title)}</title>'
        f'<desc id="rc-desc">{html.escape(desc)}</desc>'
        '<defs><pattern id="rc-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="currentColor" '
        'fill-opacity="0.09"/><line x1="0" y1="0" x2="0" y2="6" stroke="currentColor" '
        'stroke-opacity="0.35" stroke-width="2"/></pattern></defs>' + "".join(parts) + "</svg>"
    )


def _legend(x: float, y: float, as_of: pendulum.Date) -> tuple[list[str], float]:
    """The keys on one line; returns them and the y below them."""
    base = y + 10
    parts = [
        f'<rect x="{x:.1f}" y="{base - 10:.1f}" width="18" height="12" {_SHADE} '
        'stroke="currentColor" stroke-opacity="0.35"/>',
        _text(x + 24, base, "weekend"),
        f'<rect x="{x + 90:.1f}" y="{base - 10:.1f}" width="18" height="12" '
        'fill="url(#rc-hatch)" stroke="currentColor" stroke-opacity="0.35"/>',
        _text(x + 114, base, "bank holiday or closure"),
        f'<rect x="{x + 260:.1f}" y="{base - 10:.1f}" width="18" height="12" fill="none" '
        'stroke="currentColor" stroke-width="3"/>',
        _text(x + 284, base, f"as of {as_of.isoformat()}"),
        _text(x + 400, base, "! … overdue", weight="700", fill=_OVERDUE),
        _text(x + 480, base, "still outstanding, on the day it fell due"),
        _text(x + 690, base, f"{_TIMES}2", weight="700"),
        _text(x + 710, base, "two things due for the case"),
    ]
    return parts, base + 8


def _day_name(day: pendulum.Date) -> str:
    return f"{day.day} {day.format('MMMM YYYY')}"


def _span_name(first: pendulum.Date, last: pendulum.Date) -> str:
    if (first.year, first.month) == (last.year, last.month):
        return first.format("MMMM YYYY")
    if first.year == last.year:
        return f"{first.format('MMMM')} to {last.format('MMMM YYYY')}"
    return f"{first.format('MMMM YYYY')} to {last.format('MMMM YYYY')}"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun if count == 1 else noun + 's'}"


def _holidays(
    calendar: WorkingCalendar, first: pendulum.Date, last: pendulum.Date
) -> list[tuple[pendulum.Date, str]]:
    found: list[tuple[pendulum.Date, str]] = []
    for year in range(first.year, last.year + 1):
        found.extend(
            (day, name)
            for day, name in calendar.bank_holidays(year).items()
            if first <= day <= last
        )
    return sorted(found)


def review_summary(
    book: CaseBook,
    manager: str,
    *,
    as_of: pendulum.Date,
    months: int = DEFAULT_MONTHS,
) -> list[str]:
    """The calendar in sentences: what is overdue on ``as_of`` (each item, with the days it
    is late), how much falls due to the end of the last month, and the bank holidays."""
    first, last = _bounds(as_of, months)
    overdue, scheduled = _due_items(book, manager, as_of=as_of, last=last)
    cases = book.cases_of(manager)
    open_cases = sum(1 for c in cases if c.is_open)
    sentences = [
        f"{manager} holds {_plural(len(cases), 'case')} ({open_cases} open) on {_day_name(as_of)}."
    ]
    if overdue:
        listed = "; ".join(
            f"{i.case_id} {_what(i)}, due {_day_name(i.due)}, "
            f"{_plural(i.days_overdue, 'day')} overdue"
            for i in overdue
        )
        sentences.append(f"Overdue: {listed}.")
    else:
        sentences.append("Nothing is overdue.")
    days = {i.due for i in scheduled}
    sentences.append(
        f"From {_day_name(as_of)} to {_day_name(last)}, {_plural(len(scheduled), 'item')} "
        f"fall due on {_plural(len(days), 'day')}."
        if scheduled
        else f"Nothing falls due from {_day_name(as_of)} to {_day_name(last)}."
    )
    holidays = _holidays(book.calendar(), first, last)
    if holidays:
        named = ", ".join(f"{name} ({_day_name(day)})" for day, name in holidays)
        sentences.append(f"Bank holidays: {named}.")
    return sentences


def _date_option(argument: str | None) -> str:
    text = (argument or "").strip()
    try:
        pendulum.Date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected a date YYYY-MM-DD, not {text!r}") from None
    return text


def _months_option(argument: str | None) -> int:
    value = int(directives.positive_int(argument))
    if value > 12:
        raise ValueError("at most 12 months")
    return value


class ReviewCalendar(SphinxDirective):
    """Render one case manager's review calendar and its summary in words."""

    has_content = False
    option_spec: ClassVar[dict[str, Callable[[str], Any]]] = {
        "cases": str,
        "manager": str,
        "as-of": _date_option,
        "months": _months_option,
    }

    def run(self) -> list[nodes.Node]:
        root = Path(self.env.srcdir).resolve().parent
        path = root / self.options.get("cases", DEFAULT_CASES)
        # The picture lives in the example file and the library: rebuild when they change.
        self.env.note_dependency(str(path))
        self._note_modules(("casemgmt.services._reviews", "casemgmt.policies._review"))
        try:
            book = load_book(path)
        except Exception as error:  # an unreadable or invalid file: a build warning
            raise self.error(f"review-calendar: cannot load {path.name}: {error}") from None
        manager = self.options.get("manager", DEFAULT_MANAGER)
        if manager not in book.manager_ids:
            raise self.error(f"review-calendar: no case manager {manager!r} in {path.name}")
        given = self.options.get("as-of")
        day = pendulum.Date.fromisoformat(given) if given else default_as_of(book)
        if day is None:
            raise self.error("review-calendar: the case book records no date: give :as-of:")
        months = self.options.get("months", DEFAULT_MONTHS)
        svg = review_calendar_svg(book, manager, as_of=day, months=months)
        raw = nodes.raw("", f'<div class="review-calendar">{svg}</div>', format="html")
        summary = " ".join(review_summary(book, manager, as_of=day, months=months))
        return [raw, nodes.paragraph(summary, summary)]

    def _note_modules(self, names: Iterable[str]) -> None:
        modules: Mapping[str, Any] = sys.modules
        for name in names:
            module_file = getattr(modules.get(name), "__file__", None)
            if module_file:
                self.env.note_dependency(str(Path(module_file).resolve()))


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the ``review-calendar`` directive."""
    app.add_directive("review-calendar", ReviewCalendar)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
