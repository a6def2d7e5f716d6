"""Closure policies: what a programme asks before it closes a case, and when a closed case
may be re-opened (X1-X4, E7, M4).

The evidence gives the routes and the practices, not figures. Roland et al's four discharge
routes (X1); the discharge decision made "by the entire multi-disciplinary team in
consultation with the patient and their carer" (X2, seed 002, where the risk model is
combined with the case manager's judgement); Croydon's virtual wards "send a letter to
patients explaining the decision to discharge" (X3, Lewis 2010 in seed 002); Brent's
Unique Care Co-ordination service gave people who discharged themselves "the option of
returning to the programme when necessary" (X4, Adam 2006 in seed 002). How long before the
decision the final review is held, and for how long a return re-opens the earlier episode
rather than needing a fresh referral, are this library's assumptions, marked
``[unverified figure]`` where they are used, and held in fields a host can change.

>>> STANDARD_CLOSURE.allows_reopening(ClosureReason.DEATH)
False
>>> STANDARD_CLOSURE.return_until(pendulum.Date(2026, 8, 31))
Date(2027, 2, 28)
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pendulum

from casemgmt._applies import applies
from casemgmt.errors import Problem
from casemgmt.model import ClosureReason, ReviewKind
from casemgmt.model._base import Validated, problem

__all__ = ["STANDARD_CLOSURE", "ClosurePolicy"]

_R = ClosureReason

# A referral found ineligible or inappropriate is re-assessed from a fresh referral (E7);
# nobody returns after a death.
_NEVER_REOPENED = frozenset({_R.DEATH, _R.INELIGIBLE, _R.INAPPROPRIATE_REFERRAL})

_DEFAULT_FINAL_REVIEW = frozenset(
    {
        _R.CARE_OPTIMISED,
        _R.RISK_BELOW_THRESHOLD,
        _R.GOALS_ACHIEVED,
        _R.FUNDING_ENDED,
        _R.TIME_LIMIT_REACHED,
    }
)
# An urgent review answers an admission (M6); it is not the review that winds a case up.
_DEFAULT_FINAL_REVIEW_KINDS = frozenset(
    {ReviewKind.CASE_REVIEW, ReviewKind.MDT_DISCUSSION, ReviewKind.CARE_PLAN_REVIEW}
)
_DEFAULT_MDT = frozenset({_R.CARE_OPTIMISED, _R.RISK_BELOW_THRESHOLD, _R.GOALS_ACHIEVED})
_DEFAULT_LETTER = frozenset(r for r in ClosureReason if r is not _R.DEATH)
_DEFAULT_REOPEN = frozenset(r for r in ClosureReason if r not in _NEVER_REOPENED)

_STANDARD_SOURCE = (
    "X2: seed 002 (King's Fund 2011) has the discharge decision made by the entire MDT in "
    "consultation with the patient and their carer, combining the risk model with the case "
    "manager's judgement. X3: Croydon's virtual wards send a letter explaining the decision "
    "(Lewis 2010). X4: Brent's Unique Care Co-ordination service let people return when "
    "necessary (Adam 2006). The 28-day final review and the 6-month return window are "
    "assumptions of this library: the evidence gives no figure."
)


@attrs.frozen(kw_only=True)
class ClosurePolicy(Validated):
    """What a programme asks before it closes a case, and when it re-opens one.

    Attributes:
        key: Stable lower-case key (``"standard"``).
        final_review_for: The closure reasons that need a final review held (M4, P3).
        final_review_within_days: The final review is held at most this many days before
            the decision (0: on the day).
        final_review_kinds: The kinds of review held that count as the final review (by
            default a case review, an MDT discussion or a care-plan review, not an urgent
            review).
        mdt_decision_for: The reasons decided by the MDT with the client, and with their
            carer when they have one (X2). Always includes
            :attr:`~casemgmt.model.ClosureReason.CARE_OPTIMISED`, which X1 defines as the
            case manager's or MDT's decision; never death.
        letter_for: The reasons for which the decision is explained to the client in a
            letter (X3); never death.
        letter_before_closing: The letter must be recorded as sent before the case closes;
            otherwise an unsent letter is a reminder, not a bar.
        reopen_for: The reasons after which a return within the window re-opens a linked
            episode (X4); never death, an ineligible or an inappropriate referral, which
            need a fresh referral.
        reopen_within_months: The window after closure, in months, within which a return
            re-opens the case (at least 1).
        source: Where the policy's values come from.
        verified: ``True`` only when the figures (the final review's days, the window's
            months) come from a primary source; findings that use an unverified figure say
            ``[unverified figure]``.

    >>> ClosurePolicy(reopen_for=frozenset({ClosureReason.DEATH}), source="local")
    Traceback (most recent call last):
    ...
    casemgmt.errors.InvariantError: invalid ClosurePolicy: reopen_for: ...
    """

    key: str = "standard"
    final_review_for: frozenset[ClosureReason] = _DEFAULT_FINAL_REVIEW
    final_review_within_days: int = 28
    final_review_kinds: frozenset[ReviewKind] = _DEFAULT_FINAL_REVIEW_KINDS
    mdt_decision_for: frozenset[ClosureReason] = _DEFAULT_MDT
    letter_for: frozenset[ClosureReason] = _DEFAULT_LETTER
    letter_before_closing: bool = False
    reopen_for: frozenset[ClosureReason] = _DEFAULT_REOPEN
    reopen_within_months: int = 6
    source: str
    verified: bool = False

    def _invariants(self) -> Iterator[Problem]:
        if not self.key or self.key != self.key.lower() or " " in self.key:
            yield problem("key", "bad_key", "must be lower-case without spaces")
        if not 0 <= self.final_review_within_days <= 366:
            yield problem("final_review_within_days", "out_of_range", "must be from 0 to 366")
        if not self.final_review_kinds:
            yield problem("final_review_kinds", "empty", "name at least one kind of review")
        if _R.CARE_OPTIMISED not in self.mdt_decision_for:
            yield problem(
                "mdt_decision_for", "missing_care_optimised", "care optimised is an MDT decision"
            )
        if _R.DEATH in self.mdt_decision_for:
            yield problem("mdt_decision_for", "death", "a death is not an MDT decision")
        if _R.DEATH in self.letter_for:
            yield problem("letter_for", "death", "a discharge letter is not sent after a death")
        never = sorted(r.value for r in self.reopen_for & _NEVER_REOPENED)
        if never:
            yield problem(
                "reopen_for", "never_reopened", f"needs a fresh referral: {', '.join(never)}"
            )
        if not 1 <= self.reopen_within_months <= 120:
            yield problem("reopen_within_months", "out_of_range", "must be from 1 to 120")
        if not self.source.strip():
            yield problem("source", "empty", "must say where the values come from")

    @applies("M4")
    def needs_final_review(self, reason: ClosureReason) -> bool:
        """True when closing for ``reason`` needs a final review held (M4, P3)."""
        return reason in self.final_review_for

    @applies("X2")
    def needs_mdt_decision(self, reason: ClosureReason) -> bool:
        """True when closing for ``reason`` is the MDT's decision with the client (X2)."""
        return reason in self.mdt_decision_for

    @applies("X3")
    def needs_letter(self, reason: ClosureReason) -> bool:
        """True when closing for ``reason`` is explained to the client in writing (X3)."""
        return reason in self.letter_for

    @applies("X4")
    def allows_reopening(self, reason: ClosureReason) -> bool:
        """True when a case closed for ``reason`` may be re-opened within the window (X4).

        >>> STANDARD_CLOSURE.allows_reopening(ClosureReason.SELF_DISCHARGE)
        True
        """
        return reason in self.reopen_for

    @applies("X4")
    def return_until(self, closed_on: pendulum.Date) -> pendulum.Date:
        """The last day a return re-opens a case closed on ``closed_on`` (X4): the window's
        months later, clipped to the end of a shorter month."""
        return closed_on.add(months=self.reopen_within_months)

    def with_final_review(
        self,
        within_days: int,
        reasons: frozenset[ClosureReason] | None = None,
    ) -> ClosurePolicy:
        """Return the policy with a different final-review allowance (and reasons)."""
        return attrs.evolve(
            self,
            final_review_within_days=within_days,
            final_review_for=self.final_review_for if reasons is None else reasons,
        )

    def with_reopening(
        self,
        within_months: int,
        reasons: frozenset[ClosureReason] | None = None,
    ) -> ClosurePolicy:
        """Return the policy with a different return window (and reasons) (X4)."""
        return attrs.evolve(
            self,
            reopen_within_months=within_months,
            reopen_for=self.reopen_for if reasons is None else reasons,
        )


STANDARD_CLOSURE = ClosurePolicy(key="standard", source=_STANDARD_SOURCE)
"""The closure rules every preset uses: a final review within 28 days before the decision
for care optimised, risk below threshold, goals achieved, funding ended and time limit
reached ([unverified figure]); the MDT decides with the client and carer for care optimised
and risk below threshold (X2, seed 002) and, by this library's choice, goals achieved; a
letter explains every closure but a death (X3, Croydon); a return within 6 months
([unverified figure]) re-opens the case for every reason but a death, an ineligible or an
inappropriate referral (X4, Brent)."""
