"""Plain-text summaries of case records: what a case manager sees on screen.

A summary names the client and gives their age, but never prints the identifiers a screen
does not need: no NHS number, no date of birth, no address or contact details, no carer's or
referrer's name.

The age is worked out on an *as-of* date passed in by the caller, never read from the clock.
:func:`latest_recorded_date` gives a sensible default: the last day on which something was
recorded in the case (a referral decision, an assessment, a plan agreement, a goal review ...).
Planned dates (due dates, plan periods, funding validity) are not recorded events and do not
count.

>>> from casemgmt.model import FrequencyUnit
>>> _frequency_text(Frequency(count=1, every=2, unit=FrequencyUnit.WEEK, session_minutes=90))
'1 every 2 weeks, 90 min'
>>> _frequency_text(Frequency(count=1, unit=FrequencyUnit.DAY))
'1 a day'
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

import pendulum

from casemgmt.errors import CurrencyMismatchError
from casemgmt.model import (
    CarePlan,
    CaseManager,
    CaseRecord,
    Client,
    ConsentScope,
    Frequency,
    FrequencyUnit,
    FundingStream,
    FundingStreamId,
    Goal,
    Intervention,
    Money,
    PersonName,
    Referral,
)

__all__ = ["latest_recorded_date", "summarise_record"]

_UNIT_WORDS: dict[FrequencyUnit, tuple[str, str]] = {
    FrequencyUnit.DAY: ("day", "days"),
    FrequencyUnit.WEEK: ("week", "weeks"),
    FrequencyUnit.MONTH: ("month", "months"),
    FrequencyUnit.YEAR: ("year", "years"),
}

_INDENT = "  "


def latest_recorded_date(record: CaseRecord) -> pendulum.Date:
    """The last day on which something was recorded in ``record``.

    Counts the case's opening and closing, referral receipts and decisions, assessments,
    plan creation and agreement, goal status dates, onward referrals and their
    acknowledgement, spend approvals, consents, risk scores and sickness absence. Planned
    or future-facing dates (goal due dates, plan periods, intervention end dates, funding
    validity) are not recorded events and are ignored.

    Args:
        record: The case record.

    Returns:
        The latest recorded day (at least the day the case was opened).
    """
    return max(_recorded_dates(record))


def _recorded_dates(record: CaseRecord) -> Iterator[pendulum.Date]:
    case = record.case
    yield case.opened_on
    if case.closed_on is not None:
        yield case.closed_on
    for referral in case.referrals:
        yield referral.received_on
        if referral.outcome_on is not None:
            yield referral.outcome_on
    for assessment in case.assessments:
        yield assessment.performed_on
    for plan in case.plans:
        yield plan.created_on
        if plan.agreement is not None:
            yield plan.agreement.agreed_on
        for goal in plan.goals:
            if goal.status_date is not None:
                yield goal.status_date
        for onward in plan.onward_referrals:
            yield onward.sent_on
            if onward.acknowledged_on is not None:
                yield onward.acknowledged_on
        for intervention in plan.interventions:
            if intervention.approval is not None:
                yield intervention.approval.approved_on
    client = record.client
    for consent in client.consents:
        yield consent.recorded_on
        if consent.withdrawn_on is not None:
            yield consent.withdrawn_on
    if client.risk.scored_on is not None:
        yield client.risk.scored_on
    absence = client.employment.absence if client.employment is not None else None
    if absence is not None:
        yield absence.started_on
        if absence.ended_on is not None:
            yield absence.ended_on


def summarise_record(record: CaseRecord, *, as_of: pendulum.Date | None = None) -> str:
    """A readable, multi-line summary of one case.

    Args:
        record: The case record to summarise.
        as_of: The day the summary is for (the client's age is their age on this day).
            Defaults to :func:`latest_recorded_date`.

    Returns:
        The summary text, without a trailing newline.
    """
    day = latest_recorded_date(record) if as_of is None else as_of
    case = record.case
    lines = [
        f"Case {case.id}: {case.programme} ({_words(case.status.value)})",
        f"{_INDENT}Opened {case.opened_on}"
        + (f", closed {case.closed_on}" if case.closed_on is not None else "")
        + f"; summary as of {day}",
        "",
        *_client_lines(record.client, day),
        "",
        *_referral_lines(record),
        "",
        *_manager_lines(record.case_manager()),
        "",
    ]
    plan = case.current_plan
    if plan is None:
        lines.append("Care plan: none yet")
        return "\n".join(lines)
    lines.extend(_plan_lines(plan, earlier=len(case.plans) - 1))
    lines.append("")
    lines.extend(_goal_lines(plan))
    lines.append("")
    lines.extend(_intervention_lines(record, plan))
    lines.append("")
    lines.extend(_funding_lines(record, plan, day))
    return "\n".join(lines)


def _words(code: str) -> str:
    return code.replace("-", " ")


def _display_name(name: PersonName) -> str:
    return " ".join(part.strip() for part in (name.given, name.family) if part.strip())


def _client_lines(client: Client, day: pendulum.Date) -> list[str]:
    lines = [
        f"Client: {_display_name(client.name)} ({client.id}), "
        f"aged {client.age_on(day)}, {_words(client.gender.value)}"
    ]
    if client.conditions:
        labels = "; ".join(c.label for c in client.conditions)
        lines.append(f"{_INDENT}Conditions: {labels}")
    risk = client.risk
    if risk.predicted_risk is not None:
        lines.append(
            f"{_INDENT}Predicted risk: {risk.predicted_risk:.2f} (scored {risk.scored_on}); "
            f"{risk.emergency_admissions_12m} emergency admissions and "
            f"{risk.ae_attendances_12m} A&E attendances in 12 months"
        )
    employment = client.employment
    if employment is not None:
        work = _words(employment.status.value)
        if employment.occupation:
            work += f", {employment.occupation}"
        if employment.nhs_employee:
            work += " (NHS employee)"
        absence = employment.absence
        if absence is not None:
            if absence.ended_on is None:
                work += f"; absent since {absence.started_on}"
            else:
                work += f"; absent {absence.started_on} to {absence.ended_on}"
            work += f" ({absence.working_days_lost} working days lost)"
        lines.append(f"{_INDENT}Work: {work}")
    for carer in client.carers:
        needs = ", ".join(_words(n.value) for n in sorted(carer.needs, key=lambda n: n.value))
        lives = ", lives with client" if carer.lives_with_client else ""
        own = f"; own needs: {needs}" if needs else ""
        lines.append(f"{_INDENT}Carer: {carer.relationship}{lives}{own}")
    in_force = [_words(s.value) for s in ConsentScope if client.has_consent(s, day)]
    lines.append(f"{_INDENT}Consents in force: {', '.join(in_force) or 'none'}")
    return lines


def _referral_lines(record: CaseRecord) -> list[str]:
    sources = {s.id: s for s in record.referral_sources}
    lines: list[str] = []
    for referral in record.case.referrals:
        source = sources.get(referral.source_id)
        if source is None:
            who = "unknown source"
        elif source.organisation:
            who = f"{source.organisation} [{_words(source.kind.value)}]"
        else:
            who = f"[{_words(source.kind.value)}]"
        lines.append(f"Referral {referral.id} from {who}")
        lines.append(f"{_INDENT}{_referral_status(referral)}")
    return lines


def _referral_status(referral: Referral) -> str:
    text = f"received {referral.received_on}, {_words(referral.priority.value)}"
    if referral.outcome_on is not None:
        text += f"; {referral.outcome.value} {referral.outcome_on}"
    else:
        text += "; pending"
    if referral.rehabilitation_code_track is not None:
        text += f"; Rehabilitation Code track: {_words(referral.rehabilitation_code_track.value)}"
    if referral.interim_funds_secured:
        text += "; interim funds secured"
    return text


def _manager_lines(manager: CaseManager | None) -> list[str]:
    if manager is None:
        return ["Case manager: none assigned"]
    registration = (
        f"registered with {manager.registration.body.value}"
        if manager.registration is not None
        else "not registered"
    )
    lines = [
        f"Case manager: {_display_name(manager.name)}, "
        f"{_words(manager.profession.value)}, {registration}",
    ]
    role = _words(manager.title.value)
    if manager.prescriber:
        role += ", prescriber"
    if manager.fte < 1.0:
        role += f", {manager.fte:.1f} FTE"
    lines.append(f"{_INDENT}{role}")
    if manager.memberships:
        bodies = ", ".join(sorted(b.value for b in manager.memberships))
        lines.append(f"{_INDENT}Member of {bodies}")
    if manager.specialisms:
        fields = ", ".join(sorted(_words(s.value) for s in manager.specialisms))
        lines.append(f"{_INDENT}Specialisms: {fields}")
    return lines


def _period_text(start: pendulum.Date, end: pendulum.Date | None) -> str:
    return f"{start} to {end}" if end is not None else f"from {start}, open-ended"


def _plan_lines(plan: CarePlan, *, earlier: int) -> list[str]:
    lines = [
        f"Care plan {plan.id} version {plan.version} ({_words(plan.status.value)}), "
        f"{_period_text(plan.period.start, plan.period.end)}"
    ]
    agreement = plan.agreement
    if agreement is None:
        lines.append(f"{_INDENT}Created {plan.created_on}; not yet agreed with the client")
    else:
        who = [_words(agreement.agreed_by.value)]
        if agreement.carer_involved:
            who.append("carer")
        if agreement.gp_involved:
            who.append("GP")
        lines.append(
            f"{_INDENT}Created {plan.created_on}; agreed {agreement.agreed_on} "
            f"with {', '.join(who)}"
        )
    if earlier:
        noun = "version" if earlier == 1 else "versions"
        lines.append(f"{_INDENT}{earlier} earlier {noun} kept in the history")
    for onward in plan.onward_referrals:
        state = (
            f"acknowledged {onward.acknowledged_on}"
            if onward.acknowledged_on is not None
            else "awaiting acknowledgement"
        )
        lines.append(f"{_INDENT}Onward referral to {onward.to}: sent {onward.sent_on}, {state}")
    return lines


def _goal_lines(plan: CarePlan) -> list[str]:
    lines = [f"Goals ({len(plan.goals)})"]
    for goal in plan.goals:
        lines.append(f"{_INDENT}- {goal.id} [{_words(goal.domain.value)}] {goal.description}")
        lines.append(f"{_INDENT * 2}{_goal_status(goal)}")
        if goal.target:
            lines.append(f"{_INDENT * 2}Target: {goal.target}")
        if goal.gas is not None:
            scored = (
                f"scored {goal.gas.attained:+d}" if goal.gas.attained is not None else "not scored"
            )
            lines.append(
                f"{_INDENT * 2}GAS: baseline {goal.gas.baseline:+d}, {scored}, "
                f"weight {goal.gas.weight}"
            )
    return lines


def _goal_status(goal: Goal) -> str:
    status = _words(goal.lifecycle_status.value)
    if goal.achievement_status is not None:
        status += f", {_words(goal.achievement_status.value)}"
    if goal.status_date is not None:
        status += f" (at {goal.status_date})"
    parts = [status, f"due {goal.due}" if goal.due is not None else "no due date"]
    if goal.priority is not None:
        parts.append(_words(goal.priority.value))
    if goal.self_managed:
        parts.append("self-managed")
    return "; ".join(parts)


def _frequency_text(frequency: Frequency) -> str:
    singular, plural = _UNIT_WORDS[frequency.unit]
    if frequency.every == 1:
        text = f"{frequency.count} a {singular}"
    else:
        text = f"{frequency.count} every {frequency.every} {plural}"
    if frequency.session_minutes is not None:
        text += f", {frequency.session_minutes} min"
    return text


def _intervention_lines(record: CaseRecord, plan: CarePlan) -> list[str]:
    providers = {p.id: p.name for p in record.providers}
    streams = {f.id: f.name for f in record.funding_streams}
    lines = [f"Interventions ({len(plan.interventions)})"]
    for intervention in plan.interventions:
        provider = providers.get(intervention.provider_id, "unknown provider")
        lines.append(
            f"{_INDENT}- {intervention.id} {_words(intervention.discipline.value)} "
            f"by {provider} ({_words(intervention.status.value)})"
        )
        lines.append(f"{_INDENT * 2}{_intervention_terms(intervention)}")
        stream_id = intervention.funding_stream_id
        funder = streams.get(stream_id, "unknown stream") if stream_id is not None else "unfunded"
        funding = f"Funded by: {funder}"
        if intervention.staffing is not None:
            funding += f"; staffing: {_words(intervention.staffing.value)}"
        if intervention.approval is not None:
            funding += f"; spend approved {intervention.approval.approved_on}"
        lines.append(f"{_INDENT * 2}{funding}")
    return lines


def _intervention_terms(intervention: Intervention) -> str:
    frequency = (
        _frequency_text(intervention.frequency)
        if intervention.frequency is not None
        else "frequency not set"
    )
    weekly = intervention.weekly_cost()
    cost = f"{weekly} a week" if weekly is not None else "weekly cost unknown"
    dates = _period_text(intervention.start, intervention.end)
    return f"{frequency}; {intervention.unit_cost} each, {cost}; {dates}"


def _weekly_budget(stream: FundingStream) -> Money | None:
    budget = stream.budget_per_period
    if budget is None:
        return None
    per_week = Frequency(count=1, unit=stream.budget_period).per_week()
    return budget * per_week


def _funding_lines(record: CaseRecord, plan: CarePlan, day: pendulum.Date) -> list[str]:
    lines = ["Funding (weekly cost committed by the current plan)"]
    try:
        committed = plan.committed_weekly_cost()
    except CurrencyMismatchError:
        lines.append(f"{_INDENT}cannot total: interventions of one stream differ in currency")
        return lines
    for stream in record.funding_streams:
        lines.append(f"{_INDENT}- {stream.name} [{_words(stream.kind.value)}]")
        amount = committed.get(stream.id, Money.zero(stream.currency))
        lines.append(f"{_INDENT * 2}{_budget_text(stream, amount)}")
        authority = stream.spend_authority_per_week
        if authority is not None:
            lines.append(f"{_INDENT * 2}{_authority_text(plan, stream.id, amount, authority)}")
        if not stream.active_on(day):
            lines.append(f"{_INDENT * 2}Not active on {day}")
    unfunded = committed.get(None)
    if unfunded is not None:
        lines.append(f"{_INDENT}- No funding stream: {unfunded} a week")
    return lines


def _budget_text(stream: FundingStream, amount: Money) -> str:
    budget = _weekly_budget(stream)
    if budget is None:
        text = f"{amount} a week committed; no weekly budget"
    elif amount.currency != budget.currency:
        text = f"{amount} a week committed; budget {budget} a week is in another currency"
    else:
        share = f" ({round(Fraction(100 * amount.minor, budget.minor))}%)" if budget.minor else ""
        text = f"{amount} a week committed of {budget} a week budget{share}"
        if amount > budget:
            text += f": OVER BUDGET by {amount - budget}"
    if stream.total_budget is not None:
        text += f"; total budget {stream.total_budget}"
    return text


def _authority_text(
    plan: CarePlan, stream_id: FundingStreamId, amount: Money, authority: Money
) -> str:
    if amount.currency != authority.currency or amount <= authority:
        return f"Within the spend authority of {authority} a week"
    approved = any(
        i.approval is not None
        for i in plan.interventions
        if i.funding_stream_id == stream_id and i.is_live
    )
    state = "approval recorded" if approved else "NO APPROVAL RECORDED"
    return f"Above the spend authority of {authority} a week: {state}"
