"""Care-plan validation: every issue of a plan at once, before it is signed off or funded.

The checks are listed in :data:`casemgmt.rules.CHECKS`; each applies one rule of the
catalogue (P1-P9, F1-F4, E8). Every check is linear or ``n log n`` in the size of the plan:
per-stream sums and overlaps are found by sorting, never by comparing every pair.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Sequence
from fractions import Fraction
from typing import TypeVar

import attrs
import pendulum

from casemgmt._applies import applies
from casemgmt.errors import InvariantError, Problem
from casemgmt.model import (
    DISCIPLINE_REGULATORS,
    SERVICE_REGULATORS,
    CarePlan,
    CarePlanId,
    CarePlanStatus,
    Frequency,
    FundingStream,
    FundingStreamId,
    GoalId,
    GoalLifecycleStatus,
    Intervention,
    InterventionStatus,
    Money,
    Provider,
    ProviderId,
    StaffingModel,
)
from casemgmt.policies import PlanPolicy, Programme, SpendAuthorityScope
from casemgmt.rules import CHECKS, RULES, Rule, Severity

__all__ = ["Issue", "PlanValidationReport", "validate_plan"]

K = TypeVar("K")
V = TypeVar("V")

_SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFORMATION: 2}


@attrs.frozen(kw_only=True)
class Issue:
    """One thing wrong with (or worth knowing about) a plan.

    Maps one-to-one onto a FHIR ``OperationOutcome.issue``: ``severity``, ``code`` (the
    check's code, in ``details``), ``paths`` (``expression``), ``message`` (``details.text``)
    and ``rule_id`` with its citation (``diagnostics``).

    Attributes:
        severity: Error, warning or information.
        code: The stable code of the check that found it (:data:`casemgmt.rules.CHECKS`).
        paths: JSON paths of the offending elements in the plan document, the main one
            first (``$.goals[2].target``).
        message: Why, in words. Built from codes, ids, dates and amounts; never from names,
            descriptions or other free text.
        rule_id: The rule the check applies (:data:`casemgmt.rules.RULES`).
    """

    severity: Severity
    code: str
    paths: tuple[str, ...]
    message: str
    rule_id: str

    @property
    def path(self) -> str:
        """The main offending element's JSON path."""
        return self.paths[0]

    @property
    def rule(self) -> Rule:
        """The rule the check applies."""
        return RULES[self.rule_id]

    @property
    def citation(self) -> str:
        """Where the rule comes from."""
        return self.rule.citation

    def under(self, prefix: str) -> Issue:
        """Return the issue with its paths placed under ``prefix`` (``"$.case.plans[2]"``)."""
        return attrs.evolve(
            self,
            paths=tuple(
                Problem(path=p, code="", message="").under(prefix).path for p in self.paths
            ),
        )

    def __str__(self) -> str:
        return f"{self.severity.value} {self.rule_id} {self.code} {self.path}: {self.message}"


@attrs.frozen(kw_only=True)
class PlanValidationReport:
    """Every issue found in one version of a care plan, errors first.

    >>> import pendulum
    >>> from casemgmt.model import CarePlan, CarePlanId, ClientId, CarePlanStatus, DateRange
    >>> plan = CarePlan(
    ...     id=CarePlanId("CP1"),
    ...     client_id=ClientId("CL1"),
    ...     version=1,
    ...     status=CarePlanStatus.ACTIVE,
    ...     period=DateRange(start=pendulum.Date(2026, 1, 5)),
    ...     created_on=pendulum.Date(2026, 1, 5),
    ... )
    >>> report = validate_plan(
    ...     plan, funding=(), policy=PlanPolicy(), as_of=pendulum.Date(2026, 1, 6)
    ... )
    >>> report.ok
    False
    >>> [issue.code for issue in report.errors]
    ['agreement-missing', 'review-date-missing']
    >>> print(report.issues[0].path, report.issues[0].rule_id, report.issues[0].rule.title)
    $.agreement P1 Client agreement recorded

    Attributes:
        plan_id: The plan validated.
        plan_version: Its version.
        as_of: The day the plan was validated for.
        issues: Every issue, errors first, then warnings, then information; within a
            severity, the plan's agreement and review date first, then its goals and its
            interventions in document order, then budgets and duplication, then onward
            referrals.
    """

    plan_id: CarePlanId
    plan_version: int
    as_of: pendulum.Date
    issues: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        """True when no issue is an error (warnings and information may remain)."""
        return not any(i.severity is Severity.ERROR for i in self.issues)

    def _of(self, severity: Severity) -> tuple[Issue, ...]:
        return tuple(i for i in self.issues if i.severity is severity)

    @property
    def errors(self) -> tuple[Issue, ...]:
        """The issues that are errors."""
        return self._of(Severity.ERROR)

    @property
    def warnings(self) -> tuple[Issue, ...]:
        """The issues that are warnings."""
        return self._of(Severity.WARNING)

    @property
    def information(self) -> tuple[Issue, ...]:
        """The informational issues."""
        return self._of(Severity.INFORMATION)

    @property
    def codes(self) -> frozenset[str]:
        """The distinct codes of every issue."""
        return frozenset(i.code for i in self.issues)

    def under(self, prefix: str) -> PlanValidationReport:
        """Return the report with every path placed under ``prefix`` (for a plan inside a
        larger document, such as ``"$.case.plans[2]"`` in a case record)."""
        return attrs.evolve(self, issues=tuple(i.under(prefix) for i in self.issues))

    def summary(self) -> str:
        """One line: the plan, the day and the count of each severity."""
        counts = ", ".join(
            _count(len(self._of(s)), s.value) for s in (Severity.ERROR, Severity.WARNING)
        )
        info = len(self.information)
        verdict = "ok" if self.ok else "not ok"
        return (
            f"care plan {self.plan_id} version {self.plan_version} as of "
            f"{self.as_of.isoformat()}: {verdict} ({counts}, {info} information)"
        )

    def __str__(self) -> str:
        return "\n".join([self.summary(), *(f"  {issue}" for issue in self.issues)])


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


# ------------------------------------------------------------------------- the checks

_PURSUED = frozenset(
    {
        GoalLifecycleStatus.PROPOSED,
        GoalLifecycleStatus.PLANNED,
        GoalLifecycleStatus.ACCEPTED,
        GoalLifecycleStatus.ACTIVE,
        GoalLifecycleStatus.ON_HOLD,
    }
)
_NEEDS_SERVICE = _PURSUED - {GoalLifecycleStatus.ON_HOLD}
_NOT_COMMITTED = frozenset({InterventionStatus.CANCELLED, InterventionStatus.ENTERED_IN_ERROR})
_IN_FORCE = frozenset({CarePlanStatus.ACTIVE, CarePlanStatus.ON_HOLD, CarePlanStatus.COMPLETED})
_UNFINISHED = frozenset({CarePlanStatus.DRAFT, CarePlanStatus.ACTIVE, CarePlanStatus.ON_HOLD})
_OPEN_END = pendulum.Date.max.toordinal() + 1


@applies("E8", "F1", "F2", "F3", "F4", "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9")
def validate_plan(
    plan: CarePlan,
    *,
    funding: Iterable[FundingStream],
    policy: PlanPolicy | Programme,
    as_of: pendulum.Date,
    providers: Iterable[Provider] | None = None,
    services_elsewhere: Iterable[Intervention] = (),
) -> PlanValidationReport:
    """Check a care plan against the rules of care planning and funding.

    Args:
        plan: The plan version to check.
        funding: The funding streams its interventions may be paid from. An intervention
            naming a stream not among them is an error (``funding-stream-unknown``).
        policy: The programme's plan policy (or the programme itself).
        as_of: The day to validate for: due dates, review dates, overdue referrals and
            weekly commitments are judged from this day.
        providers: The providers the plan commissions. ``None``: not supplied, so the
            providers' disciplines and registrations are not checked (reported as
            information); an empty collection means none is known.
        services_elsewhere: Services the client receives outside this plan (other
            programmes, other plans), checked for duplication (E8).

    Returns:
        The report: every issue, each with severity, code, paths, message and rule.

    Raises:
        InvariantError: when two funding streams or two providers share an id.
    """
    plan_policy = policy.plan if isinstance(policy, Programme) else policy
    streams = _by_id("funding", [(s.id, s) for s in funding])
    known_providers = (
        None if providers is None else _by_id("providers", [(p.id, p) for p in providers])
    )
    checker = _Checker(plan, streams, known_providers, plan_policy, as_of)
    checker.run(tuple(services_elsewhere))
    issues = sorted(checker.issues, key=lambda issue: _SEVERITY_RANK[issue.severity])
    return PlanValidationReport(
        plan_id=plan.id, plan_version=plan.version, as_of=as_of, issues=tuple(issues)
    )


def _by_id(what: str, pairs: Sequence[tuple[K, V]]) -> dict[K, V]:
    found: dict[K, V] = {}
    problems: list[Problem] = []
    for index, (key, value) in enumerate(pairs):
        if key in found:
            problems.append(
                Problem(path=f"{what}[{index}].id", code="duplicate", message="repeats an id")
            )
        found[key] = value
    if problems:
        raise InvariantError(what, problems)
    return found


class _Commitment:
    """One intervention's weekly cost on a stream, with its days.

    Costs are exact integers: ``minor * numerator / denominator`` minor units a week, and
    once the plan's common denominator ``D`` is known, ``weekly`` holds that cost times ``D``.
    Integer sums are exact, like fractions, at a fraction of the cost.
    """

    __slots__ = (
        "approved",
        "denominator",
        "end",
        "index",
        "live",
        "minor",
        "numerator",
        "start",
        "weekly",
    )

    def __init__(
        self,
        index: int,
        minor: int,
        ratio: tuple[int, int],
        start: int,
        end: int,
        approved: bool,
        live: bool,
    ) -> None:
        self.index = index
        self.minor = minor
        self.numerator, self.denominator = ratio
        self.start = start  # proleptic ordinals: cheap to compare and sort
        self.end = end  # _OPEN_END when open-ended
        self.approved = approved
        self.live = live  # completed and stopped services no longer commit money each week
        self.weekly = 0


def _where(index: int, field: str | None = None) -> str:
    base = f"$.interventions[{index}]"
    return base if field is None else f"{base}.{field}"


def _money(scaled: int, scale: int, currency: str) -> Money:
    return Money(minor=round(Fraction(scaled, scale)), currency=currency)


def _scaled_limit(amount: Money, ratio: tuple[int, int], scale: int) -> int:
    # An amount per period as a weekly amount times ``scale`` (``scale`` is a multiple of
    # the ratio's denominator).
    numerator, denominator = ratio
    return amount.minor * numerator * (scale // denominator)


class _Checker:
    def __init__(
        self,
        plan: CarePlan,
        streams: dict[FundingStreamId, FundingStream],
        providers: dict[ProviderId, Provider] | None,
        policy: PlanPolicy,
        as_of: pendulum.Date,
    ) -> None:
        self.plan = plan
        self.streams = streams
        self.providers = providers
        self.policy = policy
        self.as_of = as_of
        self.issues: list[Issue] = []
        # What the per-intervention checks need of each stream, worked out once.
        self.stream_facts = {
            stream_id: (
                stream.currency,
                stream.valid.start.toordinal(),
                _OPEN_END if stream.valid.end is None else stream.valid.end.toordinal(),
            )
            for stream_id, stream in streams.items()
        }
        self.provider_facts: dict[tuple[ProviderId, object], tuple[bool, bool]] = {}

    def emit(self, code: str, paths: Sequence[str], message: str) -> None:
        check = CHECKS[code]
        self.issues.append(
            Issue(
                severity=self.policy.severity_of(code, check.severity),
                code=code,
                paths=tuple(paths),
                message=message,
                rule_id=check.rule_id,
            )
        )

    def run(self, elsewhere: tuple[Intervention, ...]) -> None:
        self.check_agreement()
        self.check_review()
        self.check_goals()
        commitments = self.check_interventions()
        self.check_funding(commitments)
        self.check_duplicates()
        if elsewhere:
            self.check_elsewhere(elsewhere)
        self.check_onward_referrals()

    # P1 ---------------------------------------------------------------------------------
    def check_agreement(self) -> None:
        plan = self.plan
        agreement = plan.agreement
        if agreement is None:
            if plan.status in _IN_FORCE:
                self.emit(
                    "agreement-missing",
                    ["$.agreement"],
                    f"the plan is {plan.status.value} but the client's agreement is not recorded",
                )
            elif plan.status is CarePlanStatus.DRAFT:
                self.emit(
                    "agreement-pending",
                    ["$.agreement"],
                    "the draft is not yet agreed with the client; record the agreement "
                    "before activating it",
                )
        elif agreement.agreed_on > self.as_of:
            self.emit(
                "agreement-after-as-of",
                ["$.agreement.agreed_at"],
                f"the agreement is dated {agreement.agreed_on.isoformat()}, after "
                f"{self.as_of.isoformat()}",
            )

    # P3 ---------------------------------------------------------------------------------
    def check_review(self) -> None:
        plan = self.plan
        if plan.status not in _UNFINISHED:
            return
        if plan.next_review is None:
            self.emit("review-date-missing", ["$.next_review"], "no next review date is set")
        elif plan.next_review < self.as_of:
            self.emit(
                "review-overdue",
                ["$.next_review"],
                f"the review due on {plan.next_review.isoformat()} is overdue",
            )

    # P4, P6, P7, P8 ---------------------------------------------------------------------
    def check_goals(self) -> None:
        plan = self.plan
        period = plan.period
        served: set[GoalId] = set()
        for intervention in plan.interventions:
            if intervention.is_live:
                served |= intervention.goal_ids
        for referral in plan.onward_referrals:
            served |= referral.goal_ids
        required = self.policy.required_goal_domains
        domain_met = not required
        for index, goal in enumerate(plan.goals):
            status = goal.lifecycle_status
            if status not in _PURSUED:
                continue
            where = f"$.goals[{index}]"
            if goal.domain in required:
                domain_met = True
            if goal.target is None or not goal.target.strip():
                self.emit(
                    "goal-target-missing",
                    [f"{where}.target"],
                    f"goal {goal.id} has no measurable target",
                )
            due = goal.due
            if due is None:
                self.emit("goal-due-missing", [f"{where}.due"], f"goal {goal.id} has no due date")
            elif not period.contains(due):
                self.emit(
                    "goal-due-outside-plan",
                    [f"{where}.due"],
                    f"goal {goal.id} is due on {due.isoformat()}, outside the plan's period",
                )
            elif due < self.as_of:
                self.emit(
                    "goal-due-passed",
                    [f"{where}.due"],
                    f"goal {goal.id} was due on {due.isoformat()}, before "
                    f"{self.as_of.isoformat()}; revise or close it",
                )
            if status in _NEEDS_SERVICE and not goal.self_managed and goal.id not in served:
                self.emit(
                    "goal-unserved",
                    [where],
                    f"goal {goal.id} is served by no live intervention or onward referral "
                    "and is not marked self-managed",
                )
        if not domain_met and plan.status in _UNFINISHED:
            wanted = " or ".join(sorted(d.value for d in required))
            self.emit(
                "vocational-goal-missing",
                ["$.goals"],
                f"the programme requires a goal in the {wanted} domain and none is pursued",
            )

    # P2, P4, P9, F1, F3 -----------------------------------------------------------------
    def check_interventions(self) -> dict[FundingStreamId, list[_Commitment]]:
        plan = self.plan
        period = plan.period
        pursued = {g.id for g in plan.goals if g.lifecycle_status in _PURSUED}
        commitments: dict[FundingStreamId, list[_Commitment]] = {}
        interventions = plan.interventions
        if self.providers is None and any(i.status not in _NOT_COMMITTED for i in interventions):
            self.emit(
                "provider-registration-unchecked",
                ["$.interventions"],
                "no providers were supplied, so disciplines and registrations were not checked",
            )
        for index, intervention in enumerate(interventions):
            if intervention.status in _NOT_COMMITTED:
                continue
            iv_id = intervention.id
            frequency = intervention.frequency
            end = intervention.end
            if frequency is None:
                self.emit(
                    "intervention-frequency-missing",
                    [_where(index, "frequency")],
                    f"intervention {iv_id} does not say how often it happens",
                )
            if end is None:
                self.emit(
                    "intervention-end-missing",
                    [_where(index, "end")],
                    f"intervention {iv_id} has no end date",
                )
            outside = []
            if intervention.start < period.start:
                outside.append(_where(index, "start"))
            if end is not None and period.end is not None and end > period.end:
                outside.append(_where(index, "end"))
            if outside:
                self.emit(
                    "intervention-outside-plan-period",
                    outside,
                    f"intervention {iv_id} runs outside the plan's period",
                )
            if not intervention.goal_ids:
                self.emit(
                    "intervention-without-goal",
                    [_where(index, "goal_ids")],
                    f"intervention {iv_id} serves no goal of the plan",
                )
            elif intervention.is_live and not intervention.goal_ids & pursued:
                self.emit(
                    "intervention-serves-closed-goal",
                    [_where(index, "goal_ids")],
                    f"intervention {iv_id} is live but every goal it serves is closed",
                )
            self.check_provider(index, intervention)
            commitment = self.check_stream(index, intervention)
            if commitment is not None:
                commitments.setdefault(intervention.funding_stream_id, []).append(commitment)  # type: ignore[arg-type]
        return commitments

    def check_provider(self, index: int, intervention: Intervention) -> None:
        if self.providers is None:
            return
        provider = self.providers.get(intervention.provider_id)
        iv_id = intervention.id
        if provider is None:
            self.emit(
                "provider-unknown",
                [_where(index, "provider_id")],
                f"intervention {iv_id} names provider {intervention.provider_id}, "
                "which is not among the providers supplied",
            )
            return
        discipline = intervention.discipline
        key = (provider.id, discipline)
        facts = self.provider_facts.get(key)
        if facts is None:
            facts = (discipline in provider.disciplines, provider.registered_for(discipline))
            self.provider_facts[key] = facts
        delivers, registered = facts
        if not delivers:
            self.emit(
                "provider-discipline-mismatch",
                [_where(index, "discipline")],
                f"provider {provider.id} does not deliver {discipline.value}",
            )
        if not registered:
            names = sorted(r.value for r in DISCIPLINE_REGULATORS[discipline])
            if provider.is_organisation:
                names += sorted(r.value for r in SERVICE_REGULATORS)
            self.emit(
                "provider-registration-missing",
                [_where(index, "provider_id")],
                f"provider {provider.id} delivers {discipline.value} but holds no "
                f"registration with {' or '.join(names)}",
            )

    def check_stream(self, index: int, intervention: Intervention) -> _Commitment | None:
        stream_id = intervention.funding_stream_id
        iv_id = intervention.id
        if stream_id is None:
            self.emit(
                "intervention-unfunded",
                [_where(index, "funding_stream_id")],
                f"intervention {iv_id} names no funding stream",
            )
            return None
        stream = self.streams.get(stream_id)
        if stream is None:
            self.emit(
                "funding-stream-unknown",
                [_where(index, "funding_stream_id")],
                f"intervention {iv_id} names funding stream {stream_id}, which is not among "
                "the streams supplied",
            )
            return None
        end = intervention.end
        start_day = intervention.start.toordinal()
        end_day = _OPEN_END if end is None else end.toordinal()
        currency, valid_from, valid_to = self.stream_facts[stream_id]
        inactive = []
        if not valid_from <= start_day <= valid_to:
            inactive.append(_where(index, "start"))
        if end is not None and not valid_from <= end_day <= valid_to:
            inactive.append(_where(index, "end"))
        if inactive:
            self.emit(
                "funding-stream-inactive",
                inactive,
                f"funding stream {stream_id} is not active on every day of intervention "
                f"{iv_id} ({stream.valid.start.isoformat()} to "
                f"{stream.valid.end.isoformat() if stream.valid.end else 'open'})",
            )
        if not stream.permits(intervention.category):
            self.emit(
                "funding-category-not-permitted",
                [_where(index, "category")],
                f"funding stream {stream_id} does not pay for {intervention.category.value}",
            )
        if intervention.staffing is StaffingModel.DIRECT_RECRUITMENT and not stream.long_term:
            self.emit(
                "direct-recruitment-short-term-funding",
                [_where(index, "staffing")],
                f"intervention {iv_id} recruits staff directly but funding stream "
                f"{stream_id} is not secured for the long term; agency support suits "
                "short-term funding",
            )
        cost = intervention.unit_cost
        if cost.currency != currency:
            self.emit(
                "funding-currency-mismatch",
                [_where(index, "unit_cost")],
                f"intervention {iv_id} costs in {cost.currency} but funding stream "
                f"{stream_id} is in {currency}",
            )
            return None
        frequency = intervention.frequency
        if frequency is None:
            return None
        return _Commitment(
            index,
            cost.minor,
            frequency.weekly_ratio(),
            start_day,
            end_day,
            intervention.approval is not None,
            intervention.is_live,
        )

    # F2, F4 -----------------------------------------------------------------------------
    def check_funding(self, commitments: dict[FundingStreamId, list[_Commitment]]) -> None:
        if not commitments:
            return
        scale = 52
        for items in commitments.values():
            for c in items:
                scale = math.lcm(scale, c.denominator)
        for items in commitments.values():
            for c in items:
                c.weekly = c.minor * c.numerator * (scale // c.denominator)
        today = self.as_of.toordinal()
        for stream_id, items in commitments.items():
            stream = self.streams[stream_id]
            currency = stream.currency
            budget = stream.budget_per_period
            if budget is not None:
                ratio = Frequency(count=1, unit=stream.budget_period).weekly_ratio()
                limit = _scaled_limit(budget, ratio, scale)
                peak, day, at_peak = _peak(items, today)
                if peak > limit:
                    self.emit(
                        "weekly-budget-exceeded",
                        [_where(c.index) for c in at_peak],
                        f"the plan commits {_money(peak, scale, currency)} a week on funding "
                        f"stream {stream_id} (on {pendulum.Date.fromordinal(day).isoformat()}), "
                        f"above its budget of {budget} a {stream.budget_period.name.lower()}",
                    )
            total_budget = stream.total_budget
            if total_budget is not None:
                bounded = [c for c in items if c.end != _OPEN_END]
                # weekly * days / 7, compared times 7 to stay in integers
                total = sum(c.weekly * (c.end - c.start + 1) for c in bounded)
                if total > total_budget.minor * scale * 7:
                    self.emit(
                        "total-budget-exceeded",
                        [_where(c.index) for c in bounded],
                        f"the plan commits {_money(total, scale * 7, currency)} in all on "
                        f"funding stream {stream_id}, above its total budget of {total_budget}",
                    )
            self.check_authority(stream, items, today, scale)

    def check_authority(
        self, stream: FundingStream, items: list[_Commitment], today: int, scale: int
    ) -> None:
        authority = stream.spend_authority_per_week
        delegated = self.policy.spend_authority_per_week
        if authority is None and delegated is not None and delegated.currency == stream.currency:
            authority = delegated
        if authority is None:
            return
        limit = authority.minor * scale
        unapproved = [c for c in items if not c.approved and c.live and c.end >= today]
        if self.policy.spend_authority_scope is SpendAuthorityScope.INTERVENTION:
            for commitment in unapproved:
                if commitment.weekly > limit:
                    self.emit(
                        "spend-approval-missing",
                        [_where(commitment.index, "approval")],
                        f"commits {_money(commitment.weekly, scale, stream.currency)} a week on "
                        f"funding stream {stream.id}, above the spend authority of "
                        f"{authority} a week, with no recorded approval",
                    )
            return
        peak, day, at_peak = _peak(unapproved, today)
        if peak > limit:
            self.emit(
                "spend-approval-missing",
                [_where(c.index, "approval") for c in at_peak],
                f"the plan commits {_money(peak, scale, stream.currency)} a week without "
                f"approval on funding stream {stream.id} (on "
                f"{pendulum.Date.fromordinal(day).isoformat()}), above the spend authority of "
                f"{authority} a week",
            )

    # E8 ---------------------------------------------------------------------------------
    def check_duplicates(self) -> None:
        groups: dict[tuple[object, object], list[tuple[int, int, int, ProviderId]]] = {}
        for index, iv in enumerate(self.plan.interventions):
            if iv.status in _NOT_COMMITTED:
                continue
            end = _OPEN_END if iv.end is None else iv.end.toordinal()
            groups.setdefault((iv.category, iv.discipline), []).append(
                (iv.start.toordinal(), index, end, iv.provider_id)
            )
        interventions = self.plan.interventions
        for members in groups.values():
            if len(members) < 2:
                continue
            members.sort()
            # The two latest-ending earlier services from different providers are enough to
            # tell whether any earlier service by another provider still runs.
            best: tuple[int, ProviderId, int] | None = None
            second: tuple[int, ProviderId, int] | None = None
            for start, index, end, provider in members:
                other = None
                if best is not None and best[1] != provider and best[0] >= start:
                    other = best[2]
                elif second is not None and second[0] >= start:
                    other = second[2]
                if other is not None:
                    iv = interventions[index]
                    self.emit(
                        "duplicate-service",
                        [_where(index), _where(other)],
                        f"intervention {iv.id} duplicates intervention "
                        f"{interventions[other].id}: the same {iv.category.value} "
                        f"({iv.discipline.value}) from another provider over overlapping dates",
                    )
                entry = (end, provider, index)
                if best is None or provider == best[1]:
                    if best is None or end > best[0]:
                        best = entry
                elif end > best[0]:
                    second, best = best, entry
                elif second is None or end > second[0]:
                    second = entry

    def check_elsewhere(self, elsewhere: tuple[Intervention, ...]) -> None:
        groups: dict[tuple[object, object], list[tuple[int, int, ProviderId, str]]] = {}
        for service in elsewhere:
            if service.status in _NOT_COMMITTED:
                continue
            end = _OPEN_END if service.end is None else service.end.toordinal()
            groups.setdefault((service.category, service.discipline), []).append(
                (service.start.toordinal(), end, service.provider_id, service.id)
            )
        indexed = {key: _OverlapIndex(members) for key, members in groups.items()}
        for index, iv in enumerate(self.plan.interventions):
            if iv.status in _NOT_COMMITTED:
                continue
            found = indexed.get((iv.category, iv.discipline))
            if found is None:
                continue
            end = _OPEN_END if iv.end is None else iv.end.toordinal()
            other = found.overlapping(iv.start.toordinal(), end, iv.provider_id)
            if other is not None:
                self.emit(
                    "duplicate-service-elsewhere",
                    [_where(index)],
                    f"intervention {iv.id} duplicates service {other} the client receives "
                    f"elsewhere: the same {iv.category.value} ({iv.discipline.value}) from "
                    "another provider over overlapping dates",
                )

    # P5 ---------------------------------------------------------------------------------
    def check_onward_referrals(self) -> None:
        window = self.policy.referral_acknowledgement_days
        for index, referral in enumerate(self.plan.onward_referrals):
            if referral.acknowledged_on is not None:
                continue
            waited = (self.as_of - referral.sent_on).days
            if waited > window:
                self.emit(
                    "onward-referral-unacknowledged",
                    [f"$.onward_referrals[{index}].acknowledged_on"],
                    f"the referral sent on {referral.sent_on.isoformat()} is unacknowledged "
                    f"after {waited} days (the policy allows {window})",
                )


def _peak(items: Sequence[_Commitment], today: int) -> tuple[int, int, list[_Commitment]]:
    """The highest scaled weekly commitment of live services from ``today`` on, the first
    day it is reached and the commitments running that day (a sweep over start and end
    events)."""
    events: list[tuple[int, int]] = []
    for c in items:
        if c.end < today or not c.live:
            continue
        # An end event falls on the day after the last day; sorting (day, change) puts the
        # negative change of an ending commitment before the start of another that day.
        events.append((max(c.start, today), c.weekly))
        events.append((c.end + 1, -c.weekly))
    events.sort()
    running = peak = 0
    peak_day = today
    for day, change in events:
        running += change
        if running > peak:
            peak, peak_day = running, day
    at_peak = [c for c in items if c.live and max(c.start, today) <= peak_day <= c.end]
    return peak, peak_day, at_peak


class _OverlapIndex:
    """Services of one kind sorted by start, answering "does one by another provider
    overlap these days?" in ``log n``."""

    def __init__(self, members: list[tuple[int, int, ProviderId, str]]) -> None:
        members.sort()
        self.starts = [m[0] for m in members]
        self.ends = [m[1] for m in members]
        self.providers = [m[2] for m in members]
        self.ids = [m[3] for m in members]
        n = len(members)
        # next_other[i]: the first index >= i whose provider differs from members[i]'s.
        self.next_other = [n] * n
        for i in range(n - 2, -1, -1):
            same = self.providers[i + 1] == self.providers[i]
            self.next_other[i] = self.next_other[i + 1] if same else i + 1
        # Prefix top two (end, provider, index) by end with distinct providers.
        self.top: list[
            tuple[tuple[int, ProviderId, int] | None, tuple[int, ProviderId, int] | None]
        ] = []
        best: tuple[int, ProviderId, int] | None = None
        second: tuple[int, ProviderId, int] | None = None
        for i in range(n):
            entry = (self.ends[i], self.providers[i], i)
            if best is None or entry[1] == best[1]:
                if best is None or entry[0] > best[0]:
                    best = entry
            elif entry[0] > best[0]:
                second, best = best, entry
            elif second is None or entry[0] > second[0]:
                second = entry
            self.top.append((best, second))

    def overlapping(self, start: int, end: int, provider: ProviderId) -> str | None:
        """The id of a service by another provider running on some day in [start, end]."""
        k = bisect.bisect_right(self.starts, start)
        if k:
            best, second = self.top[k - 1]
            if best is not None and best[1] != provider and best[0] >= start:
                return self.ids[best[2]]
            if second is not None and second[0] >= start and second[1] != provider:
                return self.ids[second[2]]
        if k < len(self.starts) and self.starts[k] <= end:
            if self.providers[k] != provider:
                return self.ids[k]
            j = self.next_other[k]
            if j < len(self.starts) and self.starts[j] <= end:
                return self.ids[j]
        return None
