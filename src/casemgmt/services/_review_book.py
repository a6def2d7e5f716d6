"""A case book: the cases a team's case managers hold, as one document (kind ``cases``), with
what their reviews are scheduled by: the programme's review policy and the nation's
bank holidays.

>>> import pendulum
>>> from casemgmt.model import Case, CaseStatus, Referral
>>> referral = Referral(id="R-1", client_id="CL-1", source_id="GP-1",
...                     received_on=pendulum.date(2026, 11, 16), reason="COPD")
>>> case = Case(id="VW-1", client_id="CL-1", programme="virtual-ward",
...             status=CaseStatus.ACTIVE, opened_on=pendulum.date(2026, 11, 18),
...             referrals=(referral,), manager_id="CM-01")
>>> book = CaseBook(programme="virtual-ward", region=BankHolidayRegion.SCOTLAND,
...                 cases=(case,))
>>> book.review_policy().key, book.calendar().region.value
('virtual-ward', 'scotland')
>>> [c.id for c in book.cases_of("CM-01")], book.manager_ids
(['VW-1'], ('CM-01',))
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from casemgmt.errors import Problem
from casemgmt.model import Case, CaseManager, CaseManagerId
from casemgmt.model._base import Validated, duplicates, problem
from casemgmt.policies import PROGRAMMES, BankHolidayRegion, ReviewPolicy, WorkingCalendar

__all__ = ["CaseBook"]


@attrs.frozen(kw_only=True)
class CaseBook(Validated):
    """The cases of a team's case managers, as one document (kind ``cases``): what
    ``casemgmt schedule`` reads.

    Attributes:
        programme: The key of the programme the cases are in
            (:data:`casemgmt.policies.PROGRAMMES`); its
            :attr:`~casemgmt.policies.Programme.reviews` schedules them.
        region: Whose bank holidays are not working days.
        case_managers: The case managers (optional: without them, the cases' own
            ``manager_id`` values are the case managers).
        cases: The cases, with the reviews held and the events recorded.

    Invariants: the programme is known; case ids, and case-manager ids, are unique; when
    ``case_managers`` is not empty, every case's accountable case manager is one of them.
    """

    programme: str
    region: BankHolidayRegion = BankHolidayRegion.ENGLAND_AND_WALES
    case_managers: tuple[CaseManager, ...] = ()
    cases: tuple[Case, ...]

    def _invariants(self) -> Iterator[Problem]:
        if self.programme not in PROGRAMMES:
            known = ", ".join(sorted(PROGRAMMES))
            yield problem("programme", "unknown_programme", f"must be one of {known}")
        yield from duplicates("case_managers", [str(m.id) for m in self.case_managers])
        yield from duplicates("cases", [str(c.id) for c in self.cases])
        if self.case_managers:
            known_managers = {m.id for m in self.case_managers}
            for index, case in enumerate(self.cases):
                if case.manager_id is not None and case.manager_id not in known_managers:
                    yield problem(
                        f"cases[{index}].manager_id",
                        "unresolved_reference",
                        "names no case manager in this document",
                    )

    @property
    def manager_ids(self) -> tuple[CaseManagerId, ...]:
        """The case managers' ids: those of :attr:`case_managers` in their order, or else
        the cases' accountable case managers, sorted."""
        if self.case_managers:
            return tuple(m.id for m in self.case_managers)
        return tuple(sorted({c.manager_id for c in self.cases if c.manager_id is not None}))

    def review_policy(self) -> ReviewPolicy:
        """The programme's review policy."""
        return PROGRAMMES[self.programme].reviews

    def calendar(self) -> WorkingCalendar:
        """The working-day calendar of :attr:`region` (Monday to Friday, Europe/London)."""
        return WorkingCalendar(region=self.region)

    def cases_of(self, manager_id: CaseManagerId | str) -> tuple[Case, ...]:
        """The cases ``manager_id`` is accountable for, in the document's order."""
        return tuple(c for c in self.cases if c.manager_id == manager_id)

    def case_manager(self, manager_id: CaseManagerId | str) -> CaseManager | None:
        """The record of case manager ``manager_id``, if the document has one."""
        for manager in self.case_managers:
            if manager.id == manager_id:
                return manager
        return None
