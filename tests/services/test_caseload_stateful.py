"""A team over time (C1, C3, C6, C7): referrals admitted in batches by ``allocate``,
discharges, case managers leaving through ``reassign_caseload``, joining, and cutting their
hours. After every step no limit the library is responsible for is breached and every open
case has exactly one accountable case manager in the team."""

from __future__ import annotations

import pendulum
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from casemgmt.model import CaseManager, CaseManagerId, PersonName, Profession, Specialism, TeamId
from casemgmt.policies import (
    CaseloadPolicy,
    HighRiskBasis,
    LimitScope,
    RiskTier,
    SpecialismMatch,
)
from casemgmt.rules import Severity
from casemgmt.services import (
    CaseloadStatus,
    CaseProfile,
    allocate,
    caseload_status,
    reassign_caseload,
    team_caseload_status,
)

DAY = pendulum.Date(2026, 11, 23)
LOCALITIES = ("N1", "N7", "E2")
SPECIALISMS = (Specialism.BRAIN_INJURY, Specialism.MENTAL_HEALTH)
FTES = (0.4, 0.5, 0.8, 1.0)

_referral = st.tuples(
    st.sampled_from(RiskTier),
    st.none() | st.sampled_from(LOCALITIES),
    st.frozensets(st.sampled_from(SPECIALISMS), max_size=1),
    st.booleans(),  # returning: to a random present or past case manager
)
_manager = st.tuples(
    st.sampled_from(FTES),
    st.frozensets(st.sampled_from(SPECIALISMS), max_size=2),
    st.none() | st.sampled_from(LOCALITIES),
    st.none() | st.sampled_from(["T1", "T2"]),
)


class TeamOverTime(RuleBasedStateMachine):
    """A team under a capacity-based high-risk cap: discharges never breach it, so after
    every step nothing at all is breached."""

    basis = HighRiskBasis.CAPACITY

    def __init__(self) -> None:
        super().__init__()
        self.policy = CaseloadPolicy(key="small", soft_limit=6, hard_limit=8)
        self.managers: dict[CaseManagerId, CaseManager] = {}
        self.caseloads: dict[CaseManagerId, list[CaseProfile]] = {}
        self.serial = 0
        self.past: list[CaseManagerId] = []

    # -- helpers ------------------------------------------------------------------------------

    def _next(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}-{self.serial:03d}"

    def _hire(self, spec: tuple[float, frozenset[Specialism], str | None, str | None]) -> None:
        fte, specialisms, locality, team = spec
        manager = CaseManager(
            id=CaseManagerId(self._next("CM")),
            name=PersonName(given="A", family="B"),
            profession=Profession.VOCATIONAL_REHABILITATION_PRACTITIONER,
            specialisms=specialisms,
            fte=fte,
            locality=locality,
            team_id=None if team is None else TeamId(team),
        )
        self.managers[manager.id] = manager
        self.caseloads[manager.id] = []

    def _statuses(self) -> dict[str, CaseloadStatus]:
        status = team_caseload_status(
            list(self.managers.values()), self.caseloads, policy=self.policy, as_of=DAY
        )
        return {m.holder: m for m in status.members}

    def _breaches(self) -> dict[str, set[str]]:
        return {
            holder: {f.code for f in s.findings if f.severity is Severity.ERROR}
            for holder, s in self._statuses().items()
        }

    def _no_new_breach(self, before: dict[str, set[str]]) -> None:
        for holder, codes in self._breaches().items():
            assert codes <= before.get(holder, set()), (holder, codes)

    # -- steps --------------------------------------------------------------------------------

    @initialize(
        scope=st.sampled_from(LimitScope),
        match=st.sampled_from(SpecialismMatch),
        share=st.sampled_from([0.15, 0.25, 0.5]),
        first=_manager,
        second=_manager,
    )
    def start(
        self,
        scope: LimitScope,
        match: SpecialismMatch,
        share: float,
        first: tuple[float, frozenset[Specialism], str | None, str | None],
        second: tuple[float, frozenset[Specialism], str | None, str | None],
    ) -> None:
        soft = 6 if scope is LimitScope.CASE_MANAGER else 14
        self.policy = CaseloadPolicy(
            key="small",
            soft_limit=soft,
            hard_limit=soft + 2,
            scope=scope,
            high_risk_share=share,
            high_risk_warning_share=0.1,
            high_risk_basis=self.basis,
            specialism_match=match,
        )
        self._hire(first)
        self._hire(second)

    @rule(batch=st.lists(_referral, max_size=4), data=st.data())
    def admit(
        self,
        batch: list[tuple[RiskTier, str | None, frozenset[Specialism], bool]],
        data: st.DataObject,
    ) -> None:
        """Allocate a batch of referrals and open a case for each placement."""
        known = sorted([*self.managers, *self.past])
        referrals = [
            CaseProfile(
                id=self._next("R"),
                risk_tier=tier,
                locality=locality,
                needs=needs,
                previous_manager_id=data.draw(st.sampled_from(known)) if returning else None,
            )
            for tier, locality, needs, returning in batch
        ]
        before = self._breaches()
        result = allocate(
            referrals,
            list(self.managers.values()),
            self.caseloads,
            policy=self.policy,
            as_of=DAY,
        )
        placed = {r.id: r for r in referrals}
        assert len(result.assignments) + len(result.unplaced) == len(referrals)
        for a in result.assignments:
            self.caseloads[a.manager_id].append(placed[a.referral_id])
        self._no_new_breach(before)

    @precondition(lambda self: any(self.caseloads.values()))
    @rule(data=st.data())
    def discharge(self, data: st.DataObject) -> None:
        """Close one open case."""
        held = sorted((m, c.id) for m, cases in self.caseloads.items() for c in cases)
        manager, case_id = data.draw(st.sampled_from(held))
        self.caseloads[manager] = [c for c in self.caseloads[manager] if c.id != case_id]

    @precondition(lambda self: len(self.managers) >= 2)
    @rule(data=st.data())
    def leave(self, data: st.DataObject) -> None:
        """A case manager leaves when their whole caseload can be handed over (C7); otherwise
        they stay accountable for it (C6)."""
        leaving = data.draw(st.sampled_from(sorted(self.managers)))
        handover = reassign_caseload(
            leaving, list(self.managers.values()), self.caseloads, policy=self.policy, as_of=DAY
        )
        held = self.caseloads[leaving]
        moved = [a.referral_id for a in handover.allocation.assignments]
        assert sorted(moved + [u.referral_id for u in handover.allocation.unplaced]) == sorted(
            c.id for c in held
        )
        if not handover.complete:
            return
        staying = {k: v for k, v in self.managers.items() if k != leaving}
        # judged as reassign_caseload sees the team, without the leaving manager's cases:
        # under a team scope their own team's share may still rise (an xfail test in
        # test_allocation.py documents it)
        before = {
            s.holder: {f.code for f in s.findings if f.severity is Severity.ERROR}
            for s in team_caseload_status(
                list(staying.values()),
                {k: v for k, v in self.caseloads.items() if k != leaving},
                policy=self.policy,
                as_of=DAY,
            ).members
        }
        for case in held:
            target = handover.new_manager(case.id)
            assert target is not None
            assert target != leaving
            self.caseloads[target].append(case)
        del self.caseloads[leaving]
        del self.managers[leaving]
        self.past.append(leaving)
        self._no_new_breach(before)

    @rule(spec=_manager)
    def join(self, spec: tuple[float, frozenset[Specialism], str | None, str | None]) -> None:
        """A case manager joins with an empty caseload."""
        self._hire(spec)

    @rule(data=st.data(), fte=st.sampled_from(FTES))
    def cut_hours(self, data: st.DataObject, fte: float) -> None:
        """A case manager moves to fewer hours, only when their caseload still fits (C4)."""
        chosen = data.draw(st.sampled_from(sorted(self.managers)))
        manager = self.managers[chosen]
        if fte >= manager.fte:
            return
        shorter = manager.with_fte(fte)
        status = caseload_status(shorter, self.caseloads[chosen], policy=self.policy, as_of=DAY)
        if self.policy.scope is LimitScope.CASE_MANAGER and not status.ok:
            return
        self.managers[chosen] = shorter

    # -- invariants ---------------------------------------------------------------------------

    @invariant()
    def nothing_is_breached(self) -> None:
        """C1, C3: no hard limit and no high-risk cap is breached."""
        for holder, codes in self._breaches().items():
            allowed = set() if self.basis is HighRiskBasis.CAPACITY else {"high-risk-over-cap"}
            assert codes <= allowed, (holder, codes)

    @invariant()
    def every_open_case_has_one_accountable_manager(self) -> None:
        """C6: each case is held by exactly one case manager, who is in the team."""
        ids = [c.id for cases in self.caseloads.values() for c in cases]
        assert len(ids) == len(set(ids))
        assert set(self.caseloads) == set(self.managers)
        status = team_caseload_status(
            list(self.managers.values()), self.caseloads, policy=self.policy, as_of=DAY
        )
        assert not any(f.rule_id == "C6" for f in status.findings)
        assert status.cases == len(ids)


class TeamOverTimeByCaseload(TeamOverTime):
    """The same team under a caseload-share cap: a discharge may push the share over, but the
    library's own allocations and hand-overs never turn a pool within its share into one
    over it (checked in ``admit`` and ``leave``)."""

    basis = HighRiskBasis.CASELOAD


_SETTINGS = settings(max_examples=30, stateful_step_count=20, deadline=None)


@pytest.mark.rule("C6")
def test_team_over_time_capacity_basis() -> None:
    """C6: under the capacity basis nothing is ever breached and every case is held once."""
    run_state_machine_as_test(TeamOverTime, settings=_SETTINGS)


@pytest.mark.rule("C3")
def test_team_over_time_caseload_basis() -> None:
    """C3: under the caseload basis allocation and hand-over never create a share breach."""
    run_state_machine_as_test(TeamOverTimeByCaseload, settings=_SETTINGS)
