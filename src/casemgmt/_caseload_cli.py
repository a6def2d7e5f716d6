"""The work behind ``casemgmt caseload``: read a team, report its caseloads, allocate referrals.

The command line itself (options, help) is in :mod:`casemgmt.cli`; this module reads the
team document, defends the boundary against bad input and writes the output.

Input
    ``FILE`` is a ``team`` document (:class:`casemgmt.services.Team`): the key of a caseload
    policy (:data:`casemgmt.policies.CASELOAD_POLICIES`), the case managers with the case
    profiles they hold, and the referrals waiting for a case manager. It is read as strict
    JSON in UTF-8 (:func:`casemgmt.serialization.load_json`).

The day
    ``as_of`` is the day the caseloads are counted on: cases opened after it, or closed on
    or before it, are not on a caseload. When it is not given, it is the latest
    ``opened_on`` in the document (of a case or a referral); a document that records no
    ``opened_on`` at all cannot be reported without ``--as-of``. The clock is never read, so
    the same file and options always give the same report.

Text output
    A heading (file, policy and its limits, the day and where it came from), then one line
    per holder (a case manager, or a team under a team-scoped policy)::

        CM-01  cases 48  load 56.8/50.0 (hard 80.0)  headroom 23.2  high-risk 7/7
          warning over-soft-limit (C2): weighted load is above the soft limit: ... (56.8 against 50)

    ``load`` is the weighted load against the soft limit (C1, C2, C4), ``headroom`` the
    points left before the hard limit, ``high-risk`` the high-risk cases held against the
    cap (C3); each finding follows, indented, with its severity, code, rule id and numbers.
    A last line totals the team, followed by the team's own findings (C6). With
    ``allocate``, the referrals waiting on the day are allocated
    (:func:`casemgmt.services.allocate`) and listed in id order: ``R-01 -> CM-03 (cost
    12.0)`` with the reasons (C4, C7, C8, the load after), or ``R-07 unplaced`` with why; then
    the objective and the caseloads as they would be after the allocation. Referrals not
    waiting on the day (referred later, or closed) are listed as skipped.

JSON output
    One object: ``file``, ``policy``, ``as_of``, ``as_of_source`` (``"option"`` or
    ``"latest-opened-on"``), ``ok``, ``members`` (one object per holder: ``holder``,
    ``cases``, ``load``, ``soft_limit``, ``hard_limit``, ``headroom``, ``high_risk``,
    ``high_risk_cap``, ``ok``, ``findings``), ``team`` (``cases``, ``load``, ``headroom``,
    ``ok``, ``findings``) and ``allocation`` (``null`` without ``allocate``; else
    ``method``, ``referrals``, ``assignments``, ``unplaced``, ``skipped``, the costs,
    ``objective``, ``lower_bound``, ``proven_optimal`` and ``statuses`` after). A finding
    is ``rule_id``, ``code``, ``severity``, ``message``, ``measured`` and ``limit``.
    Numbers are rounded to 6 decimal places.

Exit status
    0 when no holder is in breach on the day (warnings allowed), 1 when some holder is (an
    error-severity finding: over the hard limit, over the high-risk cap) or a team-level
    rule is (C6). The allocation is a proposal: it does not change the exit status, and
    unplaced referrals are reported, not failed. 2 when the input cannot be used: a
    missing or unreadable file, text that is not JSON, a document of another kind or an
    invalid one (each problem with its JSON path), no ``opened_on`` to default the day to,
    or an allocation method that cannot run (``exact`` on too many referrals, ``lp``
    without scipy). Problems go to standard error, one line each, ``casemgmt: FILE: ...``;
    they never repeat a value read from the file, and no traceback is shown.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, Literal, TextIO

import pendulum

from casemgmt._cli_input import InputError, fail, read_document
from casemgmt.errors import CaseManagementError
from casemgmt.policies import CaseloadPolicy, LimitScope
from casemgmt.rules import Severity
from casemgmt.services import (
    Allocation,
    AllocationMethod,
    CaseloadFinding,
    CaseloadStatus,
    CaseProfile,
    Team,
    TeamCaseloadStatus,
    allocate,
    team_caseload_status,
)

__all__ = ["METHODS", "default_as_of", "run"]

Format = Literal["text", "json"]

METHODS = tuple(m.value for m in AllocationMethod)
"""The values ``--method`` accepts."""

_PROG = "casemgmt"
_DIGITS = 6


# ---------------------------------------------------------------------- reading


def default_as_of(team: Team) -> pendulum.Date | None:
    """The day ``caseload`` reports on when no ``--as-of`` is given: the latest
    ``opened_on`` of a case or a referral in ``team``; ``None`` when none records one.

    >>> from casemgmt.services import TeamMember
    >>> team = Team(policy="dh-community-matron", members=(),
    ...             referrals=(CaseProfile(id="R1", opened_on=pendulum.Date(2026, 11, 23)),
    ...                        CaseProfile(id="R2")))
    >>> default_as_of(team)
    Date(2026, 11, 23)
    >>> default_as_of(Team(policy="dh-community-matron", members=())) is None
    True
    """
    days = [c.opened_on for c in _profiles(team) if c.opened_on is not None]
    return max(days, default=None)


def _profiles(team: Team) -> Iterable[CaseProfile]:
    for member in team.members:
        yield from member.cases
    yield from team.referrals


# ---------------------------------------------------------------------- running


def run(
    file: str,
    *,
    as_of: pendulum.Date | None = None,
    allocate_referrals: bool = False,
    method: str = "auto",
    output: Format = "text",
    out: TextIO,
    err: TextIO,
) -> int:
    """Report the caseloads of the team in ``file``; optionally allocate its referrals.

    Args:
        file: A ``team`` JSON document.
        as_of: The day to count caseloads on; default: the latest ``opened_on`` in the
            document (:func:`default_as_of`).
        allocate_referrals: Also allocate the referrals waiting on the day.
        method: A value of :class:`casemgmt.services.AllocationMethod`.
        output: ``"text"`` or ``"json"``.
        out: Where the report goes.
        err: Where problems go.

    Returns:
        0 when no holder is in breach, 1 when one is, 2 when the input cannot be used (see
        the module documentation).
    """
    requested = AllocationMethod(method)
    try:
        team = read_document(Team, file)
        day = as_of if as_of is not None else default_as_of(team)
        if day is None:
            fail("records no opened_on date to count caseloads on: give --as-of YYYY-MM-DD")
        policy = team.caseload_policy()
        caseloads = team.caseloads()
        status = team_caseload_status(team.managers, caseloads, policy=policy, as_of=day)
        allocation: Allocation | None = None
        waiting = [r for r in team.referrals if r.on_caseload(day)]
        skipped = [r for r in team.referrals if not r.on_caseload(day)]
        if allocate_referrals:
            allocation = _allocate(team, waiting, day, requested)
    except InputError as problem:
        for message in problem.messages:
            print(f"{_PROG}: {file}: {message}", file=err)
        return 2
    except CaseManagementError as error:
        # Library messages name paths, codes and rules, never a value from the file.
        print(f"{_PROG}: {file}: {error}", file=err)
        return 2
    source = "option" if as_of is not None else "latest-opened-on"
    report = _Report(
        file=file,
        policy=policy,
        as_of=day,
        as_of_source=source,
        status=status,
        allocation=allocation,
        waiting=len(waiting),
        skipped=skipped if allocate_referrals else [],
        requested=requested,
    )
    if output == "json":
        print(json.dumps(report.as_json(), indent=2, ensure_ascii=False), file=out)
    else:
        print("\n".join(report.text()), file=out)
    return 0 if status.ok else 1


def _allocate(
    team: Team, waiting: Sequence[CaseProfile], day: pendulum.Date, method: AllocationMethod
) -> Allocation:
    try:
        return allocate(
            waiting,
            team.managers,
            team.caseloads(),
            policy=team.caseload_policy(),
            as_of=day,
            method=method,
        )
    except ImportError:
        fail("--method lp needs scipy: pip install 'casemgmt[allocation]'")
    except ValueError as error:  # EXACT on more referrals than it allows
        fail(f"cannot allocate with --method {method.value}: {error}")


# ---------------------------------------------------------------------- printing


def _finding_text(finding: CaseloadFinding) -> str:
    return str(finding)


def _status_line(status: CaseloadStatus, width: int) -> str:
    return (
        f"{status.holder:<{width}}  cases {status.cases}  "
        f"load {status.load:.1f}/{status.soft_limit:.1f} (hard {status.hard_limit:.1f})  "
        f"headroom {status.headroom:.1f}  high-risk {status.high_risk}/{status.high_risk_cap}"
    )


def _count(findings: Iterable[CaseloadFinding], severity: Severity) -> int:
    return sum(1 for f in findings if f.severity is severity)


def _plural(count: int, noun: str, nouns: str | None = None) -> str:
    return f"{count} {noun if count == 1 else (nouns or noun + 's')}"


def _statuses_text(statuses: Sequence[CaseloadStatus], width: int) -> list[str]:
    lines: list[str] = []
    for status in statuses:
        lines.append(_status_line(status, width))
        lines.extend(f"  {_finding_text(f)}" for f in status.findings)
    return lines


def _not_waiting(referral: CaseProfile, day: pendulum.Date) -> str:
    opened = referral.opened_on
    if opened is not None and opened > day:
        return f"not waiting on {day.isoformat()} (referred later)"
    return f"not waiting on {day.isoformat()} (closed)"


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, _DIGITS)


def _finding_json(finding: CaseloadFinding) -> dict[str, Any]:
    return {
        "rule_id": finding.rule_id,
        "code": finding.code,
        "severity": finding.severity.value,
        "message": finding.message,
        "measured": _round(finding.measured),
        "limit": _round(finding.limit),
    }


def _status_json(status: CaseloadStatus) -> dict[str, Any]:
    return {
        "holder": status.holder,
        "cases": status.cases,
        "load": _round(status.load),
        "soft_limit": _round(status.soft_limit),
        "hard_limit": _round(status.hard_limit),
        "headroom": _round(status.headroom),
        "high_risk": status.high_risk,
        "high_risk_cap": status.high_risk_cap,
        "ok": status.ok,
        "findings": [_finding_json(f) for f in status.findings],
    }


class _Report:
    """Everything the command prints, in either format."""

    def __init__(
        self,
        *,
        file: str,
        policy: CaseloadPolicy,
        as_of: pendulum.Date,
        as_of_source: str,
        status: TeamCaseloadStatus,
        allocation: Allocation | None,
        waiting: int,
        skipped: Sequence[CaseProfile],
        requested: AllocationMethod,
    ) -> None:
        self.file = file
        self.policy = policy
        self.as_of = as_of
        self.as_of_source = as_of_source
        self.status = status
        self.allocation = allocation
        self.waiting = waiting
        self.skipped = sorted(skipped, key=lambda r: r.id)
        self.requested = requested

    # -- text

    def _width(self) -> int:
        holders = [s.holder for s in self.status.members]
        if self.allocation is not None:
            holders += [s.holder for s in self.allocation.statuses]
        return max([len("Team"), *map(len, holders)])

    def text(self) -> list[str]:
        policy = self.policy
        per = "per team" if policy.scope is LimitScope.TEAM else "per whole-time case manager"
        day_note = "given" if self.as_of_source == "option" else "the latest opened_on in the file"
        lines = [
            f"Caseloads: {self.file}",
            f"Policy {policy.key}: soft limit {policy.soft_limit:.1f}, hard limit "
            f"{policy.hard_limit:.1f} ({policy.limit_rule}) {per}; "
            f"high-risk at most {policy.high_risk_share:.0%} (C3)",
            f"As of {self.as_of.isoformat()} ({day_note})",
            "",
        ]
        width = self._width()
        lines += _statuses_text(self.status.members, width)
        lines += self._team_text(width)
        if self.allocation is not None:
            lines += ["", *self._allocation_text(self.allocation, width)]
        return lines

    def _team_text(self, width: int) -> list[str]:
        team = self.status
        findings = [f for m in team.members for f in m.findings] + list(team.findings)
        breaches = _count(findings, Severity.ERROR)
        warnings = _count(findings, Severity.WARNING)
        lines = [
            f"{'Team':<{width}}  cases {team.cases}  load {team.load:.1f}  "
            f"headroom {team.headroom:.1f}  {_plural(breaches, 'breach', 'breaches')}, "
            f"{_plural(warnings, 'warning')}"
        ]
        lines.extend(f"  {_finding_text(f)}" for f in team.findings)
        return lines

    def _allocation_text(self, allocation: Allocation, width: int) -> list[str]:
        used = allocation.method.value
        skipped = [f"{r.id} skipped: {_not_waiting(r, self.as_of)}" for r in self.skipped]
        if not self.waiting:
            return [f"Allocation: no referral waiting on {self.as_of.isoformat()}", *skipped]
        how = f"auto: {used}" if self.requested is AllocationMethod.AUTO else used
        if allocation.proven_optimal:
            how += ", proven optimal"
        lines = [f"Allocation of {_plural(self.waiting, 'referral')} ({how})"]
        placed = {a.referral_id: a for a in allocation.assignments}
        unplaced = {u.referral_id: u for u in allocation.unplaced}
        for referral_id in sorted([*placed, *unplaced]):
            if referral_id in placed:
                a = placed[referral_id]
                lines.append(f"{referral_id} -> {a.manager_id} (cost {a.cost:.1f})")
                lines.extend(f"  {_finding_text(f)}" for f in a.findings)
            else:
                lines.append(f"{referral_id} unplaced")
                lines.extend(f"  {_finding_text(f)}" for f in unplaced[referral_id].findings)
        lines += skipped
        bound = allocation.lower_bound
        lines.append(
            f"Objective {allocation.objective:.1f}: placement {allocation.placement_cost:.1f}, "
            f"unplaced {allocation.unplaced_cost:.1f}, over soft limits "
            f"{allocation.over_soft_cost:.1f}"
            + ("" if bound is None else f"; lower bound {bound:.1f}")
        )
        lines += ["", "Caseloads after allocation"]
        lines += _statuses_text(allocation.statuses, width)
        return lines

    # -- JSON

    def as_json(self) -> dict[str, Any]:
        team = self.status
        return {
            "file": self.file,
            "policy": self.policy.key,
            "as_of": self.as_of.isoformat(),
            "as_of_source": self.as_of_source,
            "ok": team.ok,
            "members": [_status_json(s) for s in team.members],
            "team": {
                "cases": team.cases,
                "load": _round(team.load),
                "headroom": _round(team.headroom),
                "ok": team.ok,
                "findings": [_finding_json(f) for f in team.findings],
            },
            "allocation": None if self.allocation is None else self._allocation_json(),
        }

    def _allocation_json(self) -> dict[str, Any]:
        allocation = self.allocation
        assert allocation is not None
        return {
            "method": allocation.method.value,
            "referrals": self.waiting,
            "assignments": [
                {
                    "referral_id": a.referral_id,
                    "manager_id": str(a.manager_id),
                    "cost": _round(a.cost),
                    "findings": [_finding_json(f) for f in a.findings],
                }
                for a in allocation.assignments
            ],
            "unplaced": [
                {
                    "referral_id": u.referral_id,
                    "findings": [_finding_json(f) for f in u.findings],
                }
                for u in allocation.unplaced
            ],
            "skipped": [r.id for r in self.skipped],
            "placement_cost": _round(allocation.placement_cost),
            "unplaced_cost": _round(allocation.unplaced_cost),
            "over_soft_cost": _round(allocation.over_soft_cost),
            "objective": _round(allocation.objective),
            "lower_bound": _round(allocation.lower_bound),
            "proven_optimal": allocation.proven_optimal,
            "statuses": [_status_json(s) for s in allocation.statuses],
        }
