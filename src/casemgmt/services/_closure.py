"""Closure: whether a case may close for a reason, with every finding; the discharge letter;
the open cases past a time limit; and whether a closed case may be re-opened (X1-X6, E6,
E7, M4, P3).

A closure is decided in one pass that lists everything at once: the preconditions every
closure needs (the case is open, its interventions have ended, its goals are resolved, the
final review was held when the programme's :class:`~casemgmt.policies.ClosurePolicy` asks
for one), what the reason itself needs (a destination and the MDT's decision with the
client and carer for care optimised, a score below the programme's threshold, a written
reason for an inappropriate referral, a time limit that has passed ...), and the letter
that explains the decision (X3). Findings that block the closure are kept apart from
reminders that do not.

A return re-opens the case within a window that runs from the day the case closes (X4,
:meth:`ClosurePolicy.return_until <casemgmt.policies.ClosurePolicy.return_until>`): the one
rule both the letter and :func:`evaluate_reopening` apply. The letter is written before the
case closes, so the decision is made for a closing day (``closes_on``, the day of the
decision by default), and the letter names the date that closing day gives.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Iterator

import attrs
import pendulum

from casemgmt._applies import applies
from casemgmt.errors import InvalidTransitionError, MismatchError
from casemgmt.model import (
    TRANSITIONS,
    CarePlan,
    Case,
    CaseAction,
    CaseId,
    CaseStatus,
    Client,
    Closure,
    ClosureReason,
    DischargeDestination,
    Discipline,
    Goal,
    GoalAchievementStatus,
    GoalDomain,
    GoalId,
    GoalLifecycleStatus,
    InterventionCategory,
    InterventionId,
    InterventionStatus,
)
from casemgmt.model._base import problem
from casemgmt.policies import ClosurePolicy, Programme
from casemgmt.rules import rule

__all__ = [
    "ClosureDecision",
    "ClosureFinding",
    "DischargeLetter",
    "LetterGoal",
    "LetterService",
    "ReopenDecision",
    "TimeLimitFlag",
    "evaluate_closure",
    "evaluate_reopening",
    "past_time_limit",
]

_R = ClosureReason
_CLOSABLE = TRANSITIONS[CaseAction.START_CLOSING].sources | TRANSITIONS[CaseAction.CLOSE].sources
_UNVERIFIED = " [unverified figure]"

# Goals that were never really part of the plan: left out of "every goal achieved" and of
# the letter.
_NOT_COUNTED = frozenset({GoalLifecycleStatus.REJECTED, GoalLifecycleStatus.ENTERED_IN_ERROR})
_ACHIEVED = frozenset({GoalAchievementStatus.ACHIEVED, GoalAchievementStatus.SUSTAINING})
# Services that never ran are not services that end.
_NOT_A_SERVICE = frozenset({InterventionStatus.CANCELLED, InterventionStatus.ENTERED_IN_ERROR})


def _words(code: str) -> str:
    return code.replace("-", " ")


def _day(day: pendulum.Date) -> str:
    return f"{day.day} {day.format('MMMM')} {day.year}"


# The letter's lines are wrapped for a plain-text rendering (and a readable doctest).
_WIDTH = 80


def _fill(paragraph: str) -> str:
    return textwrap.fill(paragraph, width=_WIDTH, break_on_hyphens=False)


def _bullet(item: str) -> str:
    return textwrap.fill(
        item, width=_WIDTH, initial_indent="- ", subsequent_indent="  ", break_on_hyphens=False
    )


@attrs.frozen(kw_only=True)
class ClosureFinding:
    """One thing checked before closing (or re-opening) a case.

    Attributes:
        key: What was checked (``"interventions-ended"``, ``"mdt-decision"`` ...).
        rule_id: The rule it applies (:data:`casemgmt.rules.RULES`).
        passed: True when it holds.
        blocking: True when, failed, it prevents the closure; otherwise a reminder.
        message: What was found, in words without personal data.
        path: Where in the case, the proposed closure, the client or the programme the
            finding points (``"plans[1].interventions[0]"``); ``None`` for the case as a whole.
    """

    key: str
    rule_id: str
    passed: bool
    blocking: bool
    message: str
    path: str | None = None

    @property
    def citation(self) -> str:
        """The sources of the rule."""
        return rule(self.rule_id).citation

    def __str__(self) -> str:
        mark = "ok  " if self.passed else ("FAIL" if self.blocking else "NOTE")
        where = "" if self.path is None else f" ({self.path})"
        return f"{mark} {self.key} [{self.rule_id}]: {self.message}{where}"


def _finding(
    key: str,
    rule_id: str,
    passed: bool,
    message: str,
    path: str | None = None,
    *,
    blocking: bool = True,
) -> ClosureFinding:
    return ClosureFinding(
        key=key, rule_id=rule_id, passed=passed, blocking=blocking, message=message, path=path
    )


_GAS_WORDS = {
    -2: "much less than expected",
    -1: "somewhat less than expected",
    0: "as expected",
    1: "somewhat more than expected",
    2: "much more than expected",
}
_ACHIEVEMENT_WORDS = {
    GoalAchievementStatus.SUSTAINING: "achieved and sustained",
}


@attrs.frozen(kw_only=True)
class LetterGoal:
    """A goal of the plan as the discharge letter reports it.

    Attributes:
        goal_id: The goal.
        domain: Its domain (health, independence, employment ...).
        status: Whether it was completed, or is no longer pursued.
        achievement: Its final achievement status, when recorded.
        gas_attained: Its Goal Attainment Scaling level at the last review (-2 .. +2), when
            scored (O4).
        description: The goal in the plan's words; never shown in ``repr``, and in
            :meth:`DischargeLetter.text` only when asked for.
    """

    goal_id: GoalId
    domain: GoalDomain
    status: GoalLifecycleStatus
    achievement: GoalAchievementStatus | None
    gas_attained: int | None
    description: str = attrs.field(default="", repr=False)

    @property
    def achieved(self) -> bool:
        """True when the goal was completed and achieved, or its GAS level reached the
        expected outcome (0) or better."""
        completed = (
            self.status is GoalLifecycleStatus.COMPLETED
            and self.achievement is not None
            and self.achievement in _ACHIEVED
        )
        return completed or (self.gas_attained is not None and self.gas_attained >= 0)

    @property
    def outcome(self) -> str:
        """The goal's outcome in plain words.

        >>> LetterGoal(goal_id=GoalId("G-1"), domain=GoalDomain.INDEPENDENCE,
        ...            status=GoalLifecycleStatus.COMPLETED,
        ...            achievement=GoalAchievementStatus.ACHIEVED, gas_attained=1).outcome
        'achieved; goal attainment level +1 (somewhat more than expected)'
        """
        if self.status is GoalLifecycleStatus.CANCELLED:
            words = "no longer pursued"
        elif self.status is GoalLifecycleStatus.COMPLETED:
            achievement = self.achievement
            words = (
                "completed"
                if achievement is None
                else _ACHIEVEMENT_WORDS.get(achievement, _words(achievement.value))
            )
        else:
            words = "still open"
        if self.gas_attained is not None:
            words += (
                f"; goal attainment level {self.gas_attained:+d} ({_GAS_WORDS[self.gas_attained]})"
            )
        return words


@attrs.frozen(kw_only=True)
class LetterService:
    """A service of the plan that ends with the case.

    Attributes:
        intervention_id: The intervention.
        discipline: Who delivered it.
        category: What kind of service it was.
        status: Completed or stopped (or still live, when the closure is not permitted).
        end: The day it ended, when recorded.
    """

    intervention_id: InterventionId
    discipline: Discipline
    category: InterventionCategory
    status: InterventionStatus
    end: pendulum.Date | None

    @property
    def described(self) -> str:
        """The service and when it ended, in plain words."""
        what = f"{_words(self.discipline.value)} ({_words(self.category.value)})"
        if self.status in (InterventionStatus.COMPLETED, InterventionStatus.STOPPED):
            when = "ended" if self.end is None else f"ended on {_day(self.end)}"
        else:
            when = "ending"
        return f"{what}: {when}"


_DESTINATION_WORDS = {
    DischargeDestination.INDEPENDENT: "you are well enough to live independently",
    DischargeDestination.LESS_INTENSIVE_SUPPORT: (
        "you will have less intensive, ongoing support from now on"
    ),
    DischargeDestination.MORE_INTENSIVE_SUPPORT: (
        "you will have more intensive, ongoing support from now on, such as a nursing home"
    ),
    DischargeDestination.SPECIALIST_CARE: "you will have specialist care from now on",
}
_REASON_WORDS = {
    _R.DEATH: "the person we cared for has died",
    _R.SELF_DISCHARGE: "you told us that you no longer wish to be case managed",
    _R.CARE_OPTIMISED: "your care has been optimised",
    _R.RISK_BELOW_THRESHOLD: (
        "your risk of an unplanned hospital admission has fallen below the level this "
        "programme is for"
    ),
    _R.INELIGIBLE: "you do not meet the programme's criteria",
    _R.INAPPROPRIATE_REFERRAL: "this programme is not the right service for your needs",
    _R.FUNDING_ENDED: "the funding for your case management has ended",
    _R.GOALS_ACHIEVED: "you have achieved the goals of your care plan",
    _R.TIME_LIMIT_REACHED: (
        "the programme offers case management for a fixed period, and that period has ended"
    ),
}


@attrs.frozen(kw_only=True)
class DischargeLetter:
    """What the letter explaining a closure says (X3, as Croydon's virtual wards do).

    The structured content, for a host to render in its own template, and :meth:`text`, a
    plain rendering. Neither names the client nor anyone else: the host adds the address
    block, the salutation and its own reference.

    Attributes:
        case_id: The case closed (for the host's records; not in :meth:`text`).
        programme_name: The programme's display name.
        reason: Why the case closes.
        destination: Where the person goes next (care optimised).
        decided_on: The day of the decision.
        decided_by_mdt: The multidisciplinary team decided (X2); otherwise the case manager.
        client_consulted: The client took part in the decision.
        carer_consulted: Their carer took part.
        goals: Each goal of the current plan with its outcome (O4).
        services: The services of the plan that end.
        return_until: The last day the client can come back without a new referral (X4),
            counted from ``closes_on``; ``None`` when a return needs a new referral.
        closes_on: The day the case closes, from which the return window runs; by default
            the day of the decision. :meth:`text` names it when it is a later day.
    """

    case_id: CaseId
    programme_name: str
    reason: ClosureReason
    destination: DischargeDestination | None
    decided_on: pendulum.Date
    decided_by_mdt: bool
    client_consulted: bool
    carer_consulted: bool
    goals: tuple[LetterGoal, ...]
    services: tuple[LetterService, ...]
    return_until: pendulum.Date | None
    closes_on: pendulum.Date = attrs.field(
        default=attrs.Factory(lambda self: self.decided_on, takes_self=True)
    )

    @property
    def reason_text(self) -> str:
        """The reason in plain words.

        >>> _REASON_WORDS[ClosureReason.FUNDING_ENDED]
        'the funding for your case management has ended'
        """
        words = _REASON_WORDS[self.reason]
        if self.destination is not None:
            words += f": {_DESTINATION_WORDS[self.destination]}"
        return words

    @property
    def decided_by(self) -> str:
        """Who decided, in plain words."""
        if self.reason is _R.SELF_DISCHARGE:
            return "you"
        who = "the multidisciplinary team" if self.decided_by_mdt else "your case manager"
        if self.client_consulted and self.carer_consulted:
            return f"{who}, with you and your carer,"
        if self.client_consulted:
            return f"{who}, with you,"
        return who

    @applies("X3", "X4")
    def text(self, *, with_goal_descriptions: bool = False) -> str:
        """The letter as plain text, without names or an address block.

        Args:
            with_goal_descriptions: Quote each goal in the plan's words (free text the host
                should check before sending); by default goals are named by their id and
                domain only.

        Returns:
            The letter's body: the decision, the goals, the services that end, and how to
            come back.
        """
        decision = (
            f"On {_day(self.decided_on)} {self.decided_by} decided to close your case, "
            f"because {self.reason_text}."
        )
        if self.closes_on != self.decided_on:
            # The return window runs from this day (X4): say which day it is.
            decision += f" Your case closes on {_day(self.closes_on)}."
        lines = [
            f"Your case management with {self.programme_name} has ended",
            "",
            _fill(decision),
        ]
        if self.goals:
            lines += ["", "Your goals"]
            for goal in self.goals:
                label = f"Goal {goal.goal_id} ({_words(goal.domain.value)})"
                if with_goal_descriptions and goal.description.strip():
                    label += f', "{goal.description.strip()}"'
                lines.append(_bullet(f"{label}: {goal.outcome}"))
        if self.services:
            lines += ["", "Services that end"]
            lines += [_bullet(service.described) for service in self.services]
        lines += ["", "Coming back"]
        if self.return_until is None:
            coming_back = (
                "If you need case management again, you will need a new referral, for "
                "example from your GP."
            )
        else:
            coming_back = (
                f"If you need us again on or before {_day(self.return_until)}, contact us "
                "and we will re-open your case without a new referral. After that date you "
                "will need a new referral, for example from your GP."
            )
        lines.append(_fill(coming_back))
        return "\n".join(lines)


@attrs.frozen(kw_only=True)
class ClosureDecision:
    """Whether a case may close for a reason, and every finding.

    Attributes:
        case_id: The case.
        programme: The programme's key.
        as_of: The day of the decision.
        reason: The closure reason asked for.
        findings: Everything checked, in order: the preconditions, what the reason needs,
            the letter. Each says whether it passed and whether it blocks.
        closure: The closure to pass to :meth:`Case.close <casemgmt.model.Case.close>`
            when the closure is permitted; ``None`` otherwise.
        letter: What the discharge letter says (X3), when the closure is permitted and the
            programme explains this reason in writing.
        return_until: The last day a return re-opens the case (X4), counted from
            ``closes_on``: the date :func:`evaluate_reopening` enforces for a case closed on
            that day; ``None`` when the reason does not allow a return.
        closes_on: The day the case is to be closed (``case.close`` on that day), from
            which the return window runs; by default the day of the decision.
    """

    case_id: CaseId
    programme: str
    as_of: pendulum.Date
    reason: ClosureReason
    findings: tuple[ClosureFinding, ...]
    closure: Closure | None
    letter: DischargeLetter | None
    return_until: pendulum.Date | None
    closes_on: pendulum.Date = attrs.field(
        default=attrs.Factory(lambda self: self.as_of, takes_self=True)
    )

    @property
    def permitted(self) -> bool:
        """True when no blocking finding failed."""
        return not self.blocking

    @property
    def blocking(self) -> tuple[ClosureFinding, ...]:
        """The failed findings that prevent the closure: what is left to do."""
        return tuple(f for f in self.findings if f.blocking and not f.passed)

    @property
    def reminders(self) -> tuple[ClosureFinding, ...]:
        """The failed findings that do not prevent the closure."""
        return tuple(f for f in self.findings if not f.blocking and not f.passed)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Every failed finding in words, blocking first (or that every condition holds)."""
        failed = [*self.blocking, *self.reminders]
        if not failed:
            return ("every condition is met",)
        return tuple(f"{f.key}: {f.message}" for f in failed)

    @applies("X3")
    def closure_with_letter(self, sent_on: pendulum.Date) -> Closure:
        """The closure to pass to ``case.close``, recording that the letter was sent on
        ``sent_on`` (X3).

        Raises:
            InvalidTransitionError: when the closure is not permitted.
        """
        if self.closure is None:
            raise InvalidTransitionError("ClosureDecision", "closure_with_letter", "not permitted")
        return attrs.evolve(self.closure, letter_sent_on=sent_on)

    def explain(self) -> str:
        """The decision as text: the answer, then one line per finding (no personal data)."""
        answer = "permitted" if self.permitted else "not permitted"
        lines = [f"{self.case_id}: closing as {self.reason.value} is {answer}"]
        lines += [f"  {finding}" for finding in self.findings]
        return "\n".join(lines)


# -- the checks --------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class _Proposal:
    reason: ClosureReason
    destination: DischargeDestination | None
    decided_by_mdt: bool
    client_consulted: bool
    carer_consulted: bool
    letter_sent_on: pendulum.Date | None
    note: str


def _proposal(reason: ClosureReason | Closure, why: str) -> _Proposal:
    if isinstance(reason, Closure):
        return _Proposal(
            reason=reason.reason,
            destination=reason.destination,
            decided_by_mdt=reason.decided_by_mdt,
            client_consulted=reason.client_consulted,
            carer_consulted=reason.carer_consulted,
            letter_sent_on=reason.letter_sent_on,
            note=reason.note if reason.note.strip() else why,
        )
    return _Proposal(
        reason=reason,
        destination=None,
        decided_by_mdt=False,
        client_consulted=False,
        carer_consulted=False,
        letter_sent_on=None,
        note=why,
    )


def _plan_path(case: Case) -> str:
    return f"plans[{len(case.plans) - 1}]"


def _preconditions(
    case: Case, proposal: _Proposal, policy: ClosurePolicy, as_of: pendulum.Date
) -> Iterator[ClosureFinding]:
    status = case.status
    if status in _CLOSABLE:
        yield _finding("case-open", "X1", True, f"the case is {_words(status.value)}", "status")
        yield _finding(
            "closing-started",
            "X1",
            status is CaseStatus.CLOSING,
            "the case is closing"
            if status is CaseStatus.CLOSING
            else "start closing the case (start_closing) before closing it",
            "status",
            blocking=False,
        )
    else:
        yield _finding(
            "case-open",
            "X1",
            False,
            f"a {_words(status.value)} case cannot be closed: only an open case closes",
            "status",
        )
    plan = case.current_plan
    if plan is not None:
        yield from _plan_preconditions(case, plan)
    if policy.needs_final_review(proposal.reason):
        yield _final_review(case, policy, as_of)


def _plan_preconditions(case: Case, plan: CarePlan) -> Iterator[ClosureFinding]:
    where = _plan_path(case)
    live = False
    for index, intervention in enumerate(plan.interventions):
        if intervention.is_live:
            live = True
            yield _finding(
                "interventions-ended",
                "P3",
                False,
                f"a {_words(intervention.discipline.value)} intervention is still "
                f"{_words(intervention.status.value)}: stop, complete or transfer it",
                f"{where}.interventions[{index}]",
            )
    if not live:
        yield _finding(
            "interventions-ended",
            "P3",
            True,
            "every intervention has ended",
            f"{where}.interventions",
        )
    pursued = False
    for index, goal in enumerate(plan.goals):
        if goal.is_pursued:
            pursued = True
            yield _finding(
                "goals-resolved",
                "P3",
                False,
                f"a goal is still {_words(goal.lifecycle_status.value)}: complete or cancel it",
                f"{where}.goals[{index}]",
            )
    if not pursued:
        yield _finding("goals-resolved", "P3", True, "no goal is still pursued", f"{where}.goals")


def _final_review(case: Case, policy: ClosurePolicy, as_of: pendulum.Date) -> ClosureFinding:
    days = policy.final_review_within_days
    since = as_of.subtract(days=days)
    flag = "" if policy.verified else _UNVERIFIED
    held = [
        r.held_on
        for r in case.reviews
        if r.kind in policy.final_review_kinds and since <= r.held_on <= as_of
    ]
    if held:
        message = f"final review held on {max(held).isoformat()} (within {days} days){flag}"
        return _finding("final-review", "M4", True, message, "reviews")
    message = f"hold a final review: none in the {days} days before the decision{flag}"
    return _finding("final-review", "M4", False, message, "reviews")


def _route(
    case: Case,
    proposal: _Proposal,
    programme: Programme,
    as_of: pendulum.Date,
    client: Client | None,
) -> Iterator[ClosureFinding]:
    reason = proposal.reason
    discharge = programme.eligibility.discharge
    if reason is _R.DEATH:
        yield _finding("route", "X1", True, "the client has died")
    elif reason is _R.SELF_DISCHARGE:
        yield _finding("route", "X1", True, "the client chose to leave the programme (X5)")
    elif reason is _R.FUNDING_ENDED:
        yield _finding("route", "F1", True, "the funding for the case has ended")
    elif reason is _R.CARE_OPTIMISED:
        yield _finding(
            "destination",
            "X1",
            proposal.destination is not None,
            "names where the person goes next"
            if proposal.destination is not None
            else "care optimised needs where the person goes next",
            "closure.destination",
        )
    elif reason is _R.RISK_BELOW_THRESHOLD:
        yield from _risk(discharge.risk_below, as_of, client)
    elif reason in (_R.INELIGIBLE, _R.INAPPROPRIATE_REFERRAL):
        written = bool(proposal.note.strip())
        yield _finding(
            "written-reason",
            "E7",
            written,
            "the reason is recorded in writing"
            if written
            else "record why the referral was ineligible or inappropriate (the closure's note)",
            "closure.note",
        )
    elif reason is _R.GOALS_ACHIEVED:
        yield _finding(
            "discharge-criterion",
            "E6",
            discharge.on_goals_achieved,
            "the programme discharges when the goals are achieved"
            if discharge.on_goals_achieved
            else "the programme does not discharge on goals achieved: close as care optimised",
            "programme.eligibility.discharge.on_goals_achieved",
        )
        yield from _goals_achieved(case)
    else:
        assert reason is _R.TIME_LIMIT_REACHED
        yield _time_limit(case, discharge.time_limit_months, as_of)


def _risk(
    threshold: float | None, as_of: pendulum.Date, client: Client | None
) -> Iterator[ClosureFinding]:
    if threshold is None:
        yield _finding(
            "discharge-criterion",
            "E6",
            False,
            "the programme sets no risk threshold for discharge",
            "programme.eligibility.discharge.risk_below",
        )
        return
    yield _finding(
        "discharge-criterion",
        "E6",
        True,
        f"the programme discharges below a predicted risk of {threshold:g}",
        "programme.eligibility.discharge.risk_below",
    )
    risk = None if client is None else client.risk
    scored = (
        risk is not None
        and risk.predicted_risk is not None
        and (risk.scored_on is None or risk.scored_on <= as_of)
    )
    path = "client.risk.predicted_risk"
    if risk is None or risk.predicted_risk is None or not scored:
        yield _finding(
            "risk-below-threshold", "X1", False, "no predicted risk is recorded by the day", path
        )
    elif risk.predicted_risk < threshold:
        yield _finding(
            "risk-below-threshold", "X1", True, f"the predicted risk is below {threshold:g}", path
        )
    else:
        yield _finding(
            "risk-below-threshold",
            "X1",
            False,
            f"the predicted risk is not below {threshold:g}",
            path,
        )


def _goals_achieved(case: Case) -> Iterator[ClosureFinding]:
    plan = case.current_plan
    goals = _letter_goals(plan)
    if not goals:
        yield _finding(
            "goals-achieved", "O4", False, "the current plan has no goals to achieve", "plans"
        )
        return
    assert plan is not None
    where = _plan_path(case)
    missed = False
    for index, goal in enumerate(plan.goals):
        if goal.lifecycle_status in _NOT_COUNTED:
            continue
        if goal.lifecycle_status is GoalLifecycleStatus.CANCELLED:
            continue
        if not _letter_goal(goal).achieved:
            missed = True
            yield _finding(
                "goals-achieved",
                "O4",
                False,
                "a goal is not recorded as achieved (nor scored at the expected level or above)",
                f"{where}.goals[{index}]",
            )
    counted = [g for g in goals if g.status is not GoalLifecycleStatus.CANCELLED]
    if not counted:
        yield _finding(
            "goals-achieved", "O4", False, "every goal of the plan was cancelled", f"{where}.goals"
        )
    elif not missed:
        yield _finding(
            "goals-achieved", "O4", True, "every goal of the plan was achieved", f"{where}.goals"
        )


def _limit_on(case: Case, months: int) -> pendulum.Date:
    return case.opened_on.add(months=months)


def _time_limit(case: Case, months: int | None, as_of: pendulum.Date) -> ClosureFinding:
    if months is None:
        return _finding(
            "time-limit",
            "X6",
            False,
            "an ongoing programme does not close cases for a time limit",
            "programme.eligibility.discharge.time_limit_months",
        )
    limit_on = _limit_on(case, months)
    if as_of >= limit_on:
        return _finding(
            "time-limit",
            "X6",
            True,
            f"the time limit of {months} months was reached on {limit_on.isoformat()}",
            "opened_on",
        )
    return _finding(
        "time-limit",
        "X6",
        False,
        f"the time limit of {months} months is reached only on {limit_on.isoformat()}",
        "opened_on",
    )


def _mdt(proposal: _Proposal, client: Client | None) -> Iterator[ClosureFinding]:
    yield _finding(
        "mdt-decision",
        "X2",
        proposal.decided_by_mdt,
        "decided by the multidisciplinary team"
        if proposal.decided_by_mdt
        else "the multidisciplinary team must make the decision",
        "closure.decided_by_mdt",
    )
    yield _finding(
        "client-consulted",
        "X2",
        proposal.client_consulted,
        "the client took part in the decision"
        if proposal.client_consulted
        else "the client must take part in the decision",
        "closure.client_consulted",
    )
    path = "closure.carer_consulted"
    if proposal.carer_consulted:
        yield _finding("carer-consulted", "X2", True, "the carer took part in the decision", path)
    elif client is None:
        yield _finding(
            "carer-consulted",
            "X2",
            False,
            "whether the client has a carer is not known: pass the client, or record that "
            "the carer took part",
            path,
        )
    elif client.carers:
        yield _finding(
            "carer-consulted",
            "X2",
            False,
            "the client's carer must take part in the decision",
            path,
        )
    else:
        yield _finding("carer-consulted", "X2", True, "the client has no carer recorded", path)


def _letter_finding(proposal: _Proposal, policy: ClosurePolicy) -> ClosureFinding:
    path = "closure.letter_sent_on"
    if proposal.letter_sent_on is not None:
        return _finding(
            "letter", "X3", True, f"letter sent on {proposal.letter_sent_on.isoformat()}", path
        )
    return _finding(
        "letter",
        "X3",
        False,
        "explain the decision to the client in writing: send the discharge letter and record "
        "the day it was sent",
        path,
        blocking=policy.letter_before_closing,
    )


def _letter_goal(goal: Goal) -> LetterGoal:
    return LetterGoal(
        goal_id=goal.id,
        domain=goal.domain,
        status=goal.lifecycle_status,
        achievement=goal.achievement_status,
        gas_attained=None if goal.gas is None else goal.gas.attained,
        description=goal.description,
    )


def _letter_goals(plan: CarePlan | None) -> tuple[LetterGoal, ...]:
    if plan is None:
        return ()
    return tuple(_letter_goal(g) for g in plan.goals if g.lifecycle_status not in _NOT_COUNTED)


def _letter_services(plan: CarePlan | None) -> tuple[LetterService, ...]:
    if plan is None:
        return ()
    return tuple(
        LetterService(
            intervention_id=i.id,
            discipline=i.discipline,
            category=i.category,
            status=i.status,
            end=i.end,
        )
        for i in plan.interventions
        if i.status not in _NOT_A_SERVICE
    )


@applies("E6", "E7", "P3", "M4", "O4", "X1", "X2", "X3", "X4", "X6")
def evaluate_closure(
    case: Case,
    reason: ClosureReason | Closure,
    *,
    programme: Programme,
    as_of: pendulum.Date,
    client: Client | None = None,
    why: str = "",
    closes_on: pendulum.Date | None = None,
) -> ClosureDecision:
    """Decide whether ``case`` may close for ``reason`` on ``as_of``, with every finding.

    Every closure needs an open case (ideally already closing), every intervention of the
    current plan ended or transferred, no goal still pursued (P3), and, for the reasons the
    programme's :class:`~casemgmt.policies.ClosurePolicy` names, a final review held in the
    days before the decision (M4). Then each reason needs its own (X1):

    - death, self-discharge and funding ended: nothing more;
    - care optimised: where the person goes next;
    - risk below threshold: the programme's discharge threshold
      (``programme.eligibility.discharge.risk_below``, E6) and a predicted risk below it,
      scored by the day (from ``client``);
    - ineligible or inappropriate referral: the reason in writing (E7);
    - goals achieved: a programme that discharges on goals achieved (E6) and every goal of
      the current plan completed and achieved, or scored at the expected GAS level or
      above (cancelled goals aside);
    - time limit reached: a time-limited programme whose limit, counted from the day the
      case opened, has been reached (X6).

    The reasons the policy names are decided by the MDT with the client, and with their
    carer when they have one (X2). A letter explains the decision (X3): unsent, it is a
    reminder unless the policy wants it sent before the case closes.

    A return re-opens the case within a window that runs from the day the case closes
    (X4), as :func:`evaluate_reopening` counts it. The letter is written before that day,
    so it is written for ``closes_on``: close the case on that day (``case.close`` with
    ``at`` on it) and the letter's date is the one :func:`evaluate_reopening` enforces. To
    close on another day, decide again with that ``closes_on``.

    Args:
        case: The case to close.
        reason: The reason, or the proposed :class:`~casemgmt.model.Closure` with its facts
            (destination, who decided, who took part, when the letter was sent, the note).
        programme: The programme, whose ``closure`` policy and discharge criteria apply.
        as_of: The day of the decision.
        client: The case's client: their predicted risk and their carers.
        why: The written reason, when ``reason`` is a bare reason or its closure has no note.
        closes_on: The day the case will be closed, from which the return window runs
            (X4); by default ``as_of``, the day of the decision.

    Returns:
        The decision with every finding; when permitted, the closure to pass to
        :meth:`Case.close <casemgmt.model.Case.close>` and the letter (X3).

    Raises:
        MismatchError: when ``client`` is not the case's client.
        ValueError: when ``closes_on`` is before ``as_of``: a case closes on or after the
            decision.

    >>> import pendulum
    >>> from casemgmt.model import (
    ...     ActorId, CaseId, CaseManagerId, ClientId, Referral, ReferralId, ReferralSourceId)
    >>> from casemgmt.policies import GENERIC
    >>> at = pendulum.datetime(2026, 3, 2, 9, tz="Europe/London")
    >>> referral = Referral(id=ReferralId("RF-1"), client_id=ClientId("CL-1"),
    ...     source_id=ReferralSourceId("GP-1"), received_on=at.date(), reason="falls")
    >>> case, _ = Case.refer(id=CaseId("C-1"), referral=referral, programme="generic",
    ...                      by=ActorId("triage"), at=at)
    >>> case, _ = case.accept(CaseManagerId("CM-1"), by=ActorId("CM-9"), at=at)
    >>> case, _ = case.start_closing(by=ActorId("CM-1"), at=at.add(days=3))
    >>> decision = evaluate_closure(case, ClosureReason.SELF_DISCHARGE, programme=GENERIC,
    ...                             as_of=at.date().add(days=3))
    >>> decision.permitted, decision.return_until
    (True, Date(2026, 9, 5))
    >>> [(f.key, f.rule_id) for f in decision.reminders]
    [('letter', 'X3')]
    >>> print(decision.letter.text())
    Your case management with Generic case management has ended
    <BLANKLINE>
    On 5 March 2026 you decided to close your case, because you told us that you no
    longer wish to be case managed.
    <BLANKLINE>
    Coming back
    If you need us again on or before 5 September 2026, contact us and we will
    re-open your case without a new referral. After that date you will need a new
    referral, for example from your GP.

    Closed two days after the decision, the window runs two days longer, and the letter
    says so:

    >>> later = evaluate_closure(case, ClosureReason.SELF_DISCHARGE, programme=GENERIC,
    ...                          as_of=at.date().add(days=3), closes_on=at.date().add(days=5))
    >>> later.return_until, later.letter.return_until
    (Date(2026, 9, 7), Date(2026, 9, 7))
    >>> "Your case closes on 7 March 2026." in " ".join(later.letter.text().split())
    True
    >>> closed, _ = case.close(later.closure, by=ActorId("CM-1"), at=at.add(days=5))
    >>> evaluate_reopening(closed, programme=GENERIC, as_of=at.date().add(days=5)).return_until
    Date(2026, 9, 7)
    """
    if client is not None and client.id != case.client_id:
        raise MismatchError(
            "evaluate_closure", [problem("client.id", "other_client", "is not the case's client")]
        )
    if closes_on is None:
        closes_on = as_of
    elif closes_on < as_of:
        raise ValueError("closes_on must not be before as_of: a case closes after the decision")
    policy = programme.closure
    proposal = _proposal(reason, why)
    code = proposal.reason
    findings = [*_preconditions(case, proposal, policy, as_of)]
    findings += _route(case, proposal, programme, as_of, client)
    if policy.needs_mdt_decision(code):
        findings += _mdt(proposal, client)
    if policy.needs_letter(code):
        findings.append(_letter_finding(proposal, policy))
    permitted = not any(f.blocking and not f.passed for f in findings)
    # The window runs from the day the case closes, as evaluate_reopening counts it (X4).
    return_until = policy.return_until(closes_on) if policy.allows_reopening(code) else None
    closure: Closure | None = None
    letter: DischargeLetter | None = None
    if permitted:
        closure = Closure(
            reason=code,
            destination=proposal.destination,
            decided_by_mdt=proposal.decided_by_mdt,
            client_consulted=proposal.client_consulted,
            carer_consulted=proposal.carer_consulted,
            letter_sent_on=proposal.letter_sent_on,
            note=proposal.note,
        )
        if policy.needs_letter(code):
            plan = case.current_plan
            letter = DischargeLetter(
                case_id=case.id,
                programme_name=programme.name,
                reason=code,
                destination=proposal.destination,
                decided_on=as_of,
                decided_by_mdt=proposal.decided_by_mdt,
                client_consulted=proposal.client_consulted,
                carer_consulted=proposal.carer_consulted,
                goals=_letter_goals(plan),
                services=_letter_services(plan),
                return_until=return_until,
                closes_on=closes_on,
            )
    return ClosureDecision(
        case_id=case.id,
        programme=programme.key,
        as_of=as_of,
        reason=code,
        findings=tuple(findings),
        closure=closure,
        letter=letter,
        return_until=return_until,
        closes_on=closes_on,
    )


# -- time limits -------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class TimeLimitFlag:
    """An open case of a time-limited programme past its time limit (X6): it must close
    (C9: without discharges, capacity runs out).

    Attributes:
        case_id: The case.
        opened_on: The day it opened.
        months: The programme's time limit.
        limit_on: The day the limit was reached (``months`` after opening).
        days_past: Days since then (0 on the day itself).
    """

    case_id: CaseId
    opened_on: pendulum.Date
    months: int
    limit_on: pendulum.Date
    days_past: int
    rule_id: str = "X6"

    def __str__(self) -> str:
        return (
            f"{self.case_id}: time limit of {self.months} months reached on "
            f"{self.limit_on.isoformat()}, {self.days_past} days ago ({self.rule_id})"
        )


@applies("X6")
def past_time_limit(
    cases: Iterable[Case], *, programme: Programme, as_of: pendulum.Date
) -> tuple[TimeLimitFlag, ...]:
    """The open cases that have reached the programme's time limit by ``as_of`` (X6), the
    longest past first.

    An ongoing programme (no ``time_limit_months``) has none. The limit counts from the
    day each case (episode) opened.

    Args:
        cases: The programme's cases, in any state; only open ones can be flagged.
        programme: The programme, whose ``eligibility.discharge.time_limit_months`` applies.
        as_of: The day to judge.

    Returns:
        One flag per open case on or past its limit.
    """
    months = programme.eligibility.discharge.time_limit_months
    if months is None:
        return ()
    flags = []
    for case in cases:
        if not case.is_open:
            continue
        limit_on = _limit_on(case, months)
        if as_of >= limit_on:
            flags.append(
                TimeLimitFlag(
                    case_id=case.id,
                    opened_on=case.opened_on,
                    months=months,
                    limit_on=limit_on,
                    days_past=(as_of - limit_on).days,
                )
            )
    flags.sort(key=lambda f: (-f.days_past, f.case_id))
    return tuple(flags)


# -- re-opening --------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class ReopenDecision:
    """Whether a client's return re-opens their closed case (X4) or needs a fresh referral.

    Attributes:
        case_id: The closed case.
        as_of: The day of the return.
        findings: Everything checked: the case is closed, its closure reason allows a
            return, and the return falls within the window.
        return_until: The last day a return re-opens the case; ``None`` when it never does.
    """

    case_id: CaseId
    as_of: pendulum.Date
    findings: tuple[ClosureFinding, ...]
    return_until: pendulum.Date | None

    @property
    def permitted(self) -> bool:
        """True when the return re-opens the case (:meth:`Case.reopen
        <casemgmt.model.Case.reopen>`); otherwise a fresh referral is needed."""
        return all(f.passed for f in self.findings)

    @property
    def reasons(self) -> tuple[str, ...]:
        """Every finding in words."""
        return tuple(f"{f.key}: {f.message}" for f in self.findings)


@applies("X4")
def evaluate_reopening(case: Case, *, programme: Programme, as_of: pendulum.Date) -> ReopenDecision:
    """Decide whether a return on ``as_of`` re-opens the closed ``case`` as a linked episode
    (X4), as Brent's service let people return when necessary.

    Args:
        case: The closed case.
        programme: The programme, whose ``closure`` policy names the reasons that allow a
            return and the window after closure.
        as_of: The day the client comes back.

    Returns:
        The decision: permitted when the case is closed, for a reason the policy allows,
        and ``as_of`` is within the window after the closing day (the date the discharge
        letter of :func:`evaluate_closure` names for a case closed on its ``closes_on``).
    """
    policy = programme.closure
    flag = "" if policy.verified else _UNVERIFIED
    closure = case.closure
    findings = [
        _finding(
            "case-closed",
            "X4",
            case.status is CaseStatus.CLOSED,
            "the case is closed"
            if case.status is CaseStatus.CLOSED
            else f"the case is {_words(case.status.value)}, not closed",
            "status",
        )
    ]
    return_until: pendulum.Date | None = None
    if closure is not None and case.closed_on is not None:
        reason = closure.reason
        allowed = policy.allows_reopening(reason)
        findings.append(
            _finding(
                "reason-allows-return",
                "X4",
                allowed,
                f"a case closed as {_words(reason.value)} may be re-opened"
                if allowed
                else f"a case closed as {_words(reason.value)} is never re-opened: a return "
                "needs a fresh referral",
                "closure.reason",
            )
        )
        if allowed:
            return_until = policy.return_until(case.closed_on)
            within = case.closed_on <= as_of <= return_until
            months = policy.reopen_within_months
            findings.append(
                _finding(
                    "within-window",
                    "X4",
                    within,
                    f"within {months} months of closure, until {return_until.isoformat()}{flag}"
                    if within
                    else f"outside the {months} months after closure (until "
                    f"{return_until.isoformat()}): a return needs a fresh referral{flag}",
                    "closed_on",
                )
            )
    return ReopenDecision(
        case_id=case.id, as_of=as_of, findings=tuple(findings), return_until=return_until
    )
