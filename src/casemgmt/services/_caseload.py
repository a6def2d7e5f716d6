"""Caseload status and acceptance (C1-C8): who holds how much, against which limits.

The unit of a caseload is a :class:`CaseProfile`: what capacity planning needs to know about a
case (or a referral waiting for a case manager), built by the host or derived from a
:class:`~casemgmt.model.CaseRecord` with :func:`case_profile`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence

import attrs
import pendulum

from casemgmt._applies import applies
from casemgmt.errors import Problem
from casemgmt.model import (
    CaseManager,
    CaseManagerId,
    CaseRecord,
    ClientId,
    Complexity,
    ConditionCategory,
    Intensity,
    NeedLevel,
    Specialism,
    TeamId,
)
from casemgmt.model._base import Validated, problem
from casemgmt.policies import (
    CASELOAD_POLICIES,
    CaseloadPolicy,
    HighRiskBasis,
    LimitScope,
    Programme,
    RiskTier,
    SpecialismMatch,
    normalise_postcode,
)
from casemgmt.rules import Severity

__all__ = [
    "AcceptDecision",
    "CONDITION_SPECIALISMS",
    "CaseProfile",
    "CaseloadFinding",
    "CaseloadStatus",
    "Team",
    "TeamCaseloadStatus",
    "TeamMember",
    "can_accept",
    "case_profile",
    "caseload_status",
    "team_caseload_status",
]

_EPSILON = 1e-9


@attrs.frozen(kw_only=True)
class CaseProfile(Validated):
    """What capacity planning needs to know about a case, or a referral awaiting a case
    manager: its risk tier and the other weighting factors (C4), where the client lives,
    the specialisms the case needs (C8) and the case manager they had before (C7).

    ``opened_on`` and ``closed_on`` say when it is on a caseload (both optional: a profile
    without them is on the caseload on every day). No personal data: ``locality`` is a
    postcode district or a host's area code.

    >>> CaseProfile(id="C-1", risk_tier=RiskTier.HIGH).is_high_risk
    True
    """

    id: str = attrs.field(
        metadata={"schema": {"pattern": r"\S", "description": "Not blank (invariant: empty)."}}
    )
    client_id: ClientId | None = None
    risk_tier: RiskTier = RiskTier.UNSCORED
    complexity: Complexity = Complexity.MODERATE
    intensity: Intensity = Intensity.STANDARD
    rural: bool = False
    locality: str | None = None
    needs: frozenset[Specialism] = frozenset()
    previous_manager_id: CaseManagerId | None = None
    opened_on: pendulum.Date | None = None
    closed_on: pendulum.Date | None = None

    def _invariants(self) -> Iterator[Problem]:
        if not self.id.strip():
            yield problem("id", "empty", "must not be empty")
        if (
            self.opened_on is not None
            and self.closed_on is not None
            and self.closed_on < self.opened_on
        ):
            yield problem("closed_on", "before_start", "is before the case was opened")

    @property
    def is_high_risk(self) -> bool:
        """True in the high-risk tier (C3)."""
        return self.risk_tier is RiskTier.HIGH

    @applies("C4")
    def weight(self, policy: CaseloadPolicy) -> float:
        """How much capacity the case takes under ``policy`` (C4)."""
        return policy.weights.weight(
            self.risk_tier, self.complexity, self.intensity, rural=self.rural
        )

    def on_caseload(self, day: pendulum.Date) -> bool:
        """True when the case is held on ``day``: opened by then and not yet closed."""
        if self.opened_on is not None and self.opened_on > day:
            return False
        return self.closed_on is None or self.closed_on > day


CONDITION_SPECIALISMS: Mapping[ConditionCategory, Specialism] = {
    ConditionCategory.LONG_TERM_CONDITION: Specialism.LONG_TERM_CONDITIONS,
    ConditionCategory.BRAIN_INJURY: Specialism.BRAIN_INJURY,
    ConditionCategory.SPINAL_CORD_INJURY: Specialism.SPINAL_CORD_INJURY,
    ConditionCategory.ORTHOPAEDIC_INJURY: Specialism.ORTHOPAEDIC,
    ConditionCategory.AMPUTATION: Specialism.AMPUTEE,
    ConditionCategory.MUSCULOSKELETAL: Specialism.MUSCULOSKELETAL,
    ConditionCategory.MENTAL_HEALTH: Specialism.MENTAL_HEALTH,
    ConditionCategory.FRAILTY: Specialism.OLDER_PEOPLE,
}
"""The specialism a condition calls for (C8), used by :func:`case_profile`. Categories not
listed (cerebral palsy, soft-tissue injury, other) call for none in particular."""

_HIGH_NEEDS = frozenset({NeedLevel.HIGH, NeedLevel.CRITICAL})


def _complexity(record: CaseRecord, as_of: pendulum.Date) -> Complexity:
    done = [a for a in record.case.assessments if a.performed_on <= as_of]
    if not done:
        return Complexity.MODERATE
    latest = max(done, key=lambda a: a.performed_on)
    high = sum(1 for f in latest.findings if f.need in _HIGH_NEEDS)
    if high >= 3:
        return Complexity.HIGH
    if high >= 1 or any(f.need is NeedLevel.MODERATE for f in latest.findings):
        return Complexity.MODERATE
    return Complexity.LOW


def _district(postcode: str) -> str:
    compact = normalise_postcode(postcode)
    return compact[:-3] if len(compact) > 3 else compact


@applies("C4", "C7", "C8")
def case_profile(
    record: CaseRecord,
    *,
    programme: Programme,
    as_of: pendulum.Date,
    intensity: Intensity = Intensity.STANDARD,
    rural: bool = False,
) -> CaseProfile:
    """Derive a case's profile from its record.

    - risk tier: the latest change of risk tier recorded on the case by ``as_of`` (the same
      tier the review schedule uses), else the client's predicted risk in the programme's
      tiers (unscored when the programme does not tier or no risk is recorded);
    - complexity: from the latest assessment on or before ``as_of``: high with three or more
      domains of high or critical need, low when no domain needs more than low, moderate
      otherwise and when there is no assessment yet (an assumption to override);
    - needs: the specialisms of the client's conditions (:data:`CONDITION_SPECIALISMS`);
    - locality: the postcode district of the client's address;
    - previous case manager: the case's accountable case manager.

    Intensity and rurality are not in the record: pass them.
    """
    case = record.case
    client = record.client
    tiers = programme.eligibility.tiers
    tier = case.risk_tier_on(as_of) or (
        RiskTier.UNSCORED if tiers is None else tiers.tier(client.risk.predicted_risk)
    )
    needs = frozenset(
        CONDITION_SPECIALISMS[c.category]
        for c in client.conditions
        if c.category in CONDITION_SPECIALISMS
    )
    address = client.address
    locality = _district(address.postcode) if address and address.postcode else None
    return CaseProfile(
        id=str(case.id),
        client_id=client.id,
        risk_tier=tier,
        complexity=_complexity(record, as_of),
        intensity=intensity,
        rural=rural,
        locality=locality,
        needs=needs,
        previous_manager_id=case.manager_id,
        opened_on=case.opened_on,
        closed_on=case.closed_on,
    )


@attrs.frozen(kw_only=True)
class CaseloadFinding:
    """One finding about a caseload or an allocation: a breach, a warning or a reason.

    ``measured`` and ``limit`` give the numbers behind it where there are any.
    """

    rule_id: str
    code: str
    severity: Severity
    message: str
    measured: float | None = None
    limit: float | None = None

    def __str__(self) -> str:
        text = f"{self.severity.value} {self.code} ({self.rule_id}): {self.message}"
        if self.measured is not None and self.limit is not None:
            text += f" ({_figure(self.measured)} against {_figure(self.limit)})"
        elif self.measured is not None:
            text += f" ({_figure(self.measured)})"
        return text


def _figure(value: float) -> str:
    # One decimal at most: loads are sums of weights like 0.75 x 1.25.
    return f"{value:.1f}".removesuffix(".0")


@attrs.frozen(kw_only=True)
class Capacity:
    """The limits of one pool (a case manager, or a team under a team-scoped policy)."""

    soft_limit: float
    hard_limit: float
    high_risk_cap: int | None  # a count under CAPACITY basis; None under CASELOAD basis


def capacity_of(manager: CaseManager | None, policy: CaseloadPolicy) -> Capacity:
    """The limits of ``manager`` (``None``: a team under a team-scoped policy)."""
    if manager is None or policy.scope is LimitScope.TEAM:
        soft, hard = policy.soft_limit, policy.hard_limit
    else:
        soft, hard = policy.scaled(manager.fte, manager.non_clinical_share)
    cap = None
    if policy.high_risk_basis is HighRiskBasis.CAPACITY:
        cap = math.floor(policy.high_risk_share * soft + _EPSILON)
    return Capacity(soft_limit=soft, hard_limit=hard, high_risk_cap=cap)


def high_risk_allowed(policy: CaseloadPolicy, capacity: Capacity, high: int, count: int) -> bool:
    """True when ``high`` high-risk patients among ``count`` is within the cap (C3)."""
    if capacity.high_risk_cap is not None:
        return high <= capacity.high_risk_cap
    return high <= policy.high_risk_share * count + _EPSILON


@attrs.frozen(kw_only=True)
class CaseloadStatus:
    """One case manager's (or team's) caseload on a day.

    Attributes:
        holder: The case manager's id, or the team's id under a team-scoped policy.
        cases: Open cases held.
        load: Their weighted load (C4).
        soft_limit: The holder's soft limit after FTE and non-clinical scaling.
        hard_limit: The holder's hard limit, scaled the same way.
        high_risk: High-risk cases held.
        high_risk_cap: The most high-risk cases allowed now (C3).
        findings: Every breach and warning, with its rule id.
    """

    holder: str
    as_of: pendulum.Date
    cases: int
    load: float
    soft_limit: float
    hard_limit: float
    high_risk: int
    high_risk_cap: int
    findings: tuple[CaseloadFinding, ...]

    @property
    def headroom(self) -> float:
        """Weighted points left before the hard limit (negative when over)."""
        return self.hard_limit - self.load

    @property
    def utilisation(self) -> float:
        """Load as a fraction of the soft limit."""
        return self.load / self.soft_limit

    @property
    def high_risk_share(self) -> float:
        """High-risk cases as a share of all cases held."""
        return self.high_risk / self.cases if self.cases else 0.0

    @property
    def ok(self) -> bool:
        """True when nothing is breached (warnings allowed)."""
        return not any(f.severity is Severity.ERROR for f in self.findings)

    def summary(self) -> str:
        """One line: load, headroom and the number of breaches.

        >>> from casemgmt.policies import DH_COMMUNITY_MATRON
        >>> status = caseload_status(None, [], policy=DH_COMMUNITY_MATRON,
        ...                          as_of=pendulum.Date(2026, 11, 23), holder="T1")
        >>> status.summary()
        'T1: 0 cases, load 0.0 of 50.0 (hard 80.0), headroom 80.0, high-risk 0/7'
        """
        text = (
            f"{self.holder}: {self.cases} cases, load {self.load:.1f} of {self.soft_limit:.1f} "
            f"(hard {self.hard_limit:.1f}), headroom {self.headroom:.1f}, "
            f"high-risk {self.high_risk}/{self.high_risk_cap}"
        )
        if self.findings:
            text += f", {len(self.findings)} finding(s)"
        return text


def _limit_findings(
    policy: CaseloadPolicy, capacity: Capacity, load: float
) -> Iterator[CaseloadFinding]:
    rule = policy.limit_rule
    if load > capacity.hard_limit + _EPSILON:
        yield CaseloadFinding(
            rule_id=rule,
            code="over-hard-limit",
            severity=Severity.ERROR,
            message="weighted load is above the hard limit",
            measured=load,
            limit=capacity.hard_limit,
        )
    elif load > capacity.soft_limit + _EPSILON:
        yield CaseloadFinding(
            rule_id="C2" if rule == "C1" else rule,
            code="over-soft-limit",
            severity=Severity.WARNING,
            message="weighted load is above the soft limit: a heavy caseload",
            measured=load,
            limit=capacity.soft_limit,
        )


def _high_risk_cap(policy: CaseloadPolicy, capacity: Capacity, count: int) -> int:
    if capacity.high_risk_cap is not None:
        return capacity.high_risk_cap
    return math.floor(policy.high_risk_share * count + _EPSILON)


def _share_findings(
    policy: CaseloadPolicy, capacity: Capacity, high: int, count: int
) -> Iterator[CaseloadFinding]:
    if not high_risk_allowed(policy, capacity, high, count):
        yield CaseloadFinding(
            rule_id="C3",
            code="high-risk-over-cap",
            severity=Severity.ERROR,
            message="more high-risk cases than the high-risk share allows",
            measured=high,
            limit=_high_risk_cap(policy, capacity, count),
        )
        return
    base = count if policy.high_risk_basis is HighRiskBasis.CASELOAD else capacity.soft_limit
    if high > policy.high_risk_warning_share * base + _EPSILON:
        yield CaseloadFinding(
            rule_id="C3",
            code="high-risk-above-warning",
            severity=Severity.WARNING,
            message="high-risk share is above the warning level",
            measured=high,
            limit=math.floor(policy.high_risk_warning_share * base + _EPSILON),
        )


@applies("C1", "C2", "C3", "C4", "C5")
def caseload_status(
    manager: CaseManager | None,
    cases: Iterable[CaseProfile],
    *,
    policy: CaseloadPolicy,
    as_of: pendulum.Date,
    holder: str | None = None,
) -> CaseloadStatus:
    """The caseload of ``manager`` on ``as_of``: weighted load, headroom, high-risk share and
    every breach with its rule id (C1-C4).

    ``cases`` are the profiles of the cases the manager holds; those not on the caseload on
    ``as_of`` (not yet opened, or closed) are left out. ``manager`` is ``None`` for a team
    under a team-scoped policy; ``holder`` names it (default: the manager's id).

    >>> from casemgmt.policies import DH_COMMUNITY_MATRON
    >>> cases = [CaseProfile(id=f"C{i}", risk_tier=RiskTier.HIGH) for i in range(45)]
    >>> status = caseload_status(None, cases, policy=DH_COMMUNITY_MATRON,
    ...                          as_of=pendulum.Date(2026, 11, 23), holder="T1")
    >>> status.load, status.headroom
    (90.0, -10.0)
    >>> [f.code for f in status.findings]
    ['over-hard-limit', 'high-risk-over-cap']
    """
    day_cases = [c for c in cases if c.on_caseload(as_of)]
    capacity = capacity_of(manager, policy)
    load = math.fsum(c.weight(policy) for c in day_cases)
    high = sum(1 for c in day_cases if c.is_high_risk)
    findings = (
        *_limit_findings(policy, capacity, load),
        *_share_findings(policy, capacity, high, len(day_cases)),
    )
    name = holder if holder is not None else (str(manager.id) if manager is not None else "")
    return CaseloadStatus(
        holder=name,
        as_of=as_of,
        cases=len(day_cases),
        load=load,
        soft_limit=capacity.soft_limit,
        hard_limit=capacity.hard_limit,
        high_risk=high,
        high_risk_cap=_high_risk_cap(policy, capacity, len(day_cases)),
        findings=findings,
    )


@attrs.frozen(kw_only=True)
class TeamCaseloadStatus:
    """A team's caseloads on a day: each holder's status, and the team's own findings
    (cases held by no case manager of the team, C6)."""

    as_of: pendulum.Date
    members: tuple[CaseloadStatus, ...]
    findings: tuple[CaseloadFinding, ...]

    @property
    def cases(self) -> int:
        """Open cases across the team."""
        return sum(m.cases for m in self.members)

    @property
    def load(self) -> float:
        """Weighted load across the team."""
        return math.fsum(m.load for m in self.members)

    @property
    def headroom(self) -> float:
        """Weighted points left before the hard limits, counting only holders below them."""
        return math.fsum(max(0.0, m.headroom) for m in self.members)

    @property
    def ok(self) -> bool:
        """True when no holder and no team-level rule is breached."""
        return all(m.ok for m in self.members) and not any(
            f.severity is Severity.ERROR for f in self.findings
        )


@applies("C1", "C2", "C3", "C4", "C5", "C6")
def team_caseload_status(
    managers: Sequence[CaseManager],
    caseloads: Mapping[CaseManagerId, Sequence[CaseProfile]],
    *,
    policy: CaseloadPolicy,
    as_of: pendulum.Date,
) -> TeamCaseloadStatus:
    """Every case manager's caseload, and the team's (C1-C6).

    Under a case-manager-scoped policy there is one status per case manager. Under a
    team-scoped one (PACE) there is one per team (``team_id``; case managers without one
    form a team of their own). Cases listed under an id that is not one of ``managers``
    have no accountable case manager in this team: a C6 breach each.

    >>> from casemgmt.policies import DH_COMMUNITY_MATRON
    >>> team = team_caseload_status([], {CaseManagerId("CM-9"): [CaseProfile(id="C1")]},
    ...                             policy=DH_COMMUNITY_MATRON, as_of=pendulum.Date(2026, 1, 5))
    >>> [(f.rule_id, f.code) for f in team.findings]
    [('C6', 'no-accountable-manager')]
    """
    known = {m.id for m in managers}
    findings = tuple(
        CaseloadFinding(
            rule_id="C6",
            code="no-accountable-manager",
            severity=Severity.ERROR,
            message=f"case {case.id} is held by no case manager of this team",
        )
        for holder, held in caseloads.items()
        if holder not in known
        for case in held
        if case.on_caseload(as_of)
    )
    if policy.scope is LimitScope.CASE_MANAGER:
        members = tuple(
            caseload_status(m, caseloads.get(m.id, ()), policy=policy, as_of=as_of)
            for m in managers
        )
    else:
        teams: dict[str, list[CaseProfile]] = {}
        for m in managers:
            teams.setdefault(team_key(m), []).extend(caseloads.get(m.id, ()))
        members = tuple(
            caseload_status(None, held, policy=policy, as_of=as_of, holder=key)
            for key, held in teams.items()
        )
    return TeamCaseloadStatus(as_of=as_of, members=members, findings=findings)


def team_key(manager: CaseManager) -> str:
    """The pool a case manager's cases count against under a team-scoped policy."""
    team: TeamId | None = manager.team_id
    return str(team) if team is not None else f"{manager.id} (no team)"


@attrs.frozen(kw_only=True)
class AcceptDecision:
    """Whether a case manager can take a case now, and every reason (C1-C8).

    ``accepted`` is false when any finding is an error; warnings (a heavy caseload, a
    missing preferred specialism) and information (continuity kept) are reasons too.
    """

    manager_id: CaseManagerId
    case_id: str
    accepted: bool
    load_after: float
    findings: tuple[CaseloadFinding, ...]

    def explain(self) -> str:
        """The decision and its reasons, one per line."""
        verdict = "can accept" if self.accepted else "cannot accept"
        lines = [f"{self.manager_id} {verdict} {self.case_id}"]
        lines.extend(f"  {f}" for f in self.findings)
        return "\n".join(lines)


def fit_findings(
    manager: CaseManager, case: CaseProfile, policy: CaseloadPolicy
) -> Iterator[CaseloadFinding]:
    """Specialism (C8) and continuity (C7) findings for placing ``case`` with ``manager``."""
    missing = case.needs - manager.specialisms
    if missing:
        required = policy.specialism_match is SpecialismMatch.REQUIRED
        names = ", ".join(sorted(s.value for s in missing))
        yield CaseloadFinding(
            rule_id="C8",
            code="specialism-missing",
            severity=Severity.ERROR if required else Severity.WARNING,
            message=f"case needs {names}",
        )
    elif case.needs:
        yield CaseloadFinding(
            rule_id="C8",
            code="specialism-matched",
            severity=Severity.INFORMATION,
            message="holds every specialism the case needs",
        )
    previous = case.previous_manager_id
    if previous is not None:
        kept = previous == manager.id
        yield CaseloadFinding(
            rule_id="C7",
            code="continuity-kept" if kept else "continuity-broken",
            severity=Severity.INFORMATION if kept else Severity.WARNING,
            message="the client's previous case manager"
            if kept
            else "not the client's previous case manager",
        )


def _not_this_case(finding: CaseloadFinding) -> CaseloadFinding:
    # A case that is not high-risk never causes a high-risk breach (it adds no high-risk
    # case, and under the CASELOAD basis lowers the share): the breach is the caseload's.
    if finding.code != "high-risk-over-cap":
        return finding
    return attrs.evolve(
        finding,
        severity=Severity.WARNING,
        message="the caseload is already over the high-risk cap; this case does not add to it",
    )


@applies("C1", "C2", "C3", "C4", "C5", "C7", "C8")
def can_accept(
    manager: CaseManager,
    case: CaseProfile,
    caseload: Iterable[CaseProfile],
    *,
    policy: CaseloadPolicy,
    as_of: pendulum.Date,
    pool: Iterable[CaseProfile] | None = None,
) -> AcceptDecision:
    """Whether ``manager``, holding ``caseload``, can take ``case`` on ``as_of``.

    Errors (``accepted`` false): the hard limit would be exceeded (C1, C2 or C5 per the
    policy), the high-risk cap would be exceeded (C3), or a required specialism is missing
    (C8). Warnings: the soft limit would be exceeded, the high-risk share would pass its
    warning level, a preferred specialism is missing, continuity would be broken (C7).
    Under a team-scoped policy, pass the whole team's caseload as ``pool``: the limits apply
    to it.

    >>> from casemgmt.model import CaseManager, PersonName, Profession
    >>> from casemgmt.policies import EVERCARE_CASELOAD
    >>> sam = CaseManager(id=CaseManagerId("CM-1"), name=PersonName(given="Sam", family="Lee"),
    ...                   profession=Profession.VOCATIONAL_REHABILITATION_PRACTITIONER)
    >>> held = [CaseProfile(id=f"C{i}") for i in range(50)]
    >>> decision = can_accept(sam, CaseProfile(id="NEW"), held, policy=EVERCARE_CASELOAD,
    ...                       as_of=pendulum.Date(2026, 11, 23))
    >>> decision.accepted
    False
    >>> print(decision.explain())
    CM-1 cannot accept NEW
      error over-hard-limit (C2): weighted load is above the hard limit (51 against 50)
    """
    held = list(caseload if pool is None else pool)
    status = caseload_status(
        None if policy.scope is LimitScope.TEAM else manager,
        [*held, case],
        policy=policy,
        as_of=as_of,
    )
    findings = [_not_this_case(f) if not case.is_high_risk else f for f in status.findings]
    findings.extend(fit_findings(manager, case, policy))
    accepted = not any(f.severity is Severity.ERROR for f in findings)
    return AcceptDecision(
        manager_id=manager.id,
        case_id=case.id,
        accepted=accepted,
        load_after=status.load,
        findings=tuple(findings),
    )


@attrs.frozen(kw_only=True)
class TeamMember(Validated):
    """A case manager and the cases they hold."""

    manager: CaseManager
    cases: tuple[CaseProfile, ...] = ()


@attrs.frozen(kw_only=True)
class Team(Validated):
    """A team as one document (kind ``team``): its case managers with their caseloads, the
    referrals waiting for a case manager, and the key of its caseload policy
    (:data:`casemgmt.policies.CASELOAD_POLICIES`).

    Invariants: case-manager ids, and case and referral ids, are unique; the policy key is
    known.
    """

    policy: str
    members: tuple[TeamMember, ...]
    referrals: tuple[CaseProfile, ...] = ()

    def _invariants(self) -> Iterator[Problem]:
        if self.policy not in CASELOAD_POLICIES:
            known = ", ".join(sorted(CASELOAD_POLICIES))
            yield problem("policy", "unknown_policy", f"must be one of {known}")
        seen: set[str] = set()
        for index, member in enumerate(self.members):
            if str(member.manager.id) in seen:
                yield problem(f"members[{index}].manager.id", "duplicate", "repeats a case manager")
            seen.add(str(member.manager.id))
        cases: set[str] = set()
        for index, member in enumerate(self.members):
            for c_index, case in enumerate(member.cases):
                if case.id in cases:
                    yield problem(
                        f"members[{index}].cases[{c_index}].id", "duplicate", "repeats a case"
                    )
                cases.add(case.id)
        for index, referral in enumerate(self.referrals):
            if referral.id in cases:
                yield problem(f"referrals[{index}].id", "duplicate", "repeats a case or referral")
            cases.add(referral.id)

    @property
    def managers(self) -> tuple[CaseManager, ...]:
        """The team's case managers."""
        return tuple(m.manager for m in self.members)

    def caseloads(self) -> dict[CaseManagerId, tuple[CaseProfile, ...]]:
        """Each case manager's cases, by id."""
        return {m.manager.id: m.cases for m in self.members}

    def caseload_policy(self) -> CaseloadPolicy:
        """The team's caseload policy."""
        return CASELOAD_POLICIES[self.policy]
