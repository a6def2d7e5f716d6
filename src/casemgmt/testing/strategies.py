"""Hypothesis strategies for every entity of the model, valid by construction.

Use them in your own property tests; each takes keyword arguments to constrain what it
generates. With the ``testing`` extra installed, ``st.from_type(Client)`` (and every other
entity) works too: the strategies are registered through hypothesis' entry point.

Generated personal data is synthetic: NHS numbers come from the 999 range, which passes the
Modulus 11 check but is never issued.

>>> from hypothesis import given, settings
>>> @settings(max_examples=5)
... @given(care_plans(min_goals=2))
... def test_interventions_serve_known_goals(plan):
...     goal_ids = {g.id for g in plan.goals}
...     assert all(i.goal_ids <= goal_ids for i in plan.interventions)
>>> test_interventions_serve_known_goals()
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence
from fractions import Fraction
from typing import TypeVar

import attrs
import pendulum
from hypothesis import strategies as st

from casemgmt.model import (
    DISCIPLINE_REGULATORS,
    PROFESSION_REGULATORS,
    SERVICE_REGULATORS,
    TRANSITIONS,
    ActorId,
    Address,
    AdministrativeGender,
    AgreementParty,
    Assessment,
    AssessmentDomain,
    AssessmentId,
    AssessmentKind,
    BudgetHolder,
    CareEvent,
    CareEventKind,
    CarePlan,
    CarePlanId,
    CarePlanStatus,
    Carer,
    CarerId,
    CarerNeed,
    Case,
    CaseAction,
    CaseEvent,
    CaseId,
    CaseManager,
    CaseManagerId,
    CaseManagerTitle,
    CaseRecord,
    CaseStatus,
    Client,
    ClientAgreement,
    ClientId,
    Closure,
    ClosureReason,
    Complexity,
    Condition,
    ConditionCategory,
    Consent,
    ConsentDecision,
    ConsentScope,
    ContactDetails,
    ContactMode,
    DateRange,
    DischargeDestination,
    Discipline,
    DomainFinding,
    Employment,
    EmploymentStatus,
    Frequency,
    FrequencyUnit,
    FundingStream,
    FundingStreamId,
    FundingStreamKind,
    GasScale,
    Goal,
    GoalAchievementStatus,
    GoalDomain,
    GoalId,
    GoalLifecycleStatus,
    GoalPriority,
    Intensity,
    Intervention,
    InterventionCategory,
    InterventionId,
    InterventionStatus,
    Money,
    NeedLevel,
    NhsNumber,
    OnwardReferral,
    PersonName,
    Profession,
    ProfessionalBody,
    Provider,
    ProviderId,
    ProviderKind,
    RecipientKind,
    Referral,
    ReferralId,
    ReferralOutcome,
    ReferralPriority,
    ReferralSource,
    ReferralSourceId,
    ReferralSourceKind,
    Registration,
    Regulator,
    RehabilitationCodeTrack,
    Review,
    ReviewId,
    ReviewKind,
    RiskInputs,
    SharingPurpose,
    SicknessAbsence,
    Specialism,
    SpendApproval,
    StaffingModel,
    TeamId,
)
from casemgmt.model.workforce import PRESCRIBING_PROFESSIONS
from casemgmt.policies import (
    CASELOAD_POLICIES,
    PROGRAMMES,
    AbsentOrStrugglingAtWork,
    AgeAtLeast,
    AgeComparison,
    BankHolidayRegion,
    CaseloadPolicy,
    ConditionCategoryIn,
    ConsentRecorded,
    Criterion,
    EligibilityFacts,
    EligibilityPolicy,
    EmergencyAdmissionsAtLeast,
    Exclusion,
    HighRiskBasis,
    InCatchment,
    LongTermConditionsAtLeast,
    NhsEmployee,
    NotAlreadyCaseManaged,
    NursingHomeLevelOfNeed,
    PlanPolicy,
    PredictedRiskAtLeast,
    ReferralSourceIn,
    RiskTier,
    RiskTiers,
    SpecialismMatch,
    SpendAuthorityScope,
)
from casemgmt.rules import CHECKS, Severity
from casemgmt.services import (
    CaseBook,
    CaseProfile,
    PlanValidationReport,
    Team,
    TeamMember,
    validate_plan,
)

__all__ = [
    "FundablePlan",
    "assessments",
    "care_plans",
    "case_books",
    "case_events",
    "case_managers",
    "case_profiles",
    "caseload_policies",
    "teams",
    "care_events",
    "case_records",
    "cases",
    "clients",
    "closures",
    "criteria",
    "dates",
    "eligibility_facts",
    "eligibility_policies",
    "fundable_plans",
    "funding_streams",
    "goals",
    "identifiers",
    "instants",
    "interventions",
    "money",
    "nhs_numbers",
    "providers",
    "referral_sources",
    "referrals",
    "reviews",
]

T = TypeVar("T")

EARLIEST = pendulum.Date(2000, 1, 1)
LATEST = pendulum.Date(2040, 12, 31)
_ID_CHARS = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
_TEXT = st.text(
    alphabet=st.characters(categories=("L", "N", "Zs", "Pd", "Po"), codec="utf-8"),
    min_size=1,
    max_size=24,
).filter(lambda s: s.strip() != "")
_OPTIONAL_TEXT = st.none() | _TEXT


def _plain(day: _dt.date) -> pendulum.Date:
    return pendulum.Date(day.year, day.month, day.day)


def dates(
    *, min_value: pendulum.Date = EARLIEST, max_value: pendulum.Date = LATEST
) -> st.SearchStrategy[pendulum.Date]:
    """Calendar days as ``pendulum.Date`` between the bounds (inclusive)."""
    return st.dates(min_value=min_value, max_value=max_value).map(_plain)


def _after(day: pendulum.Date, max_days: int = 400) -> st.SearchStrategy[pendulum.Date]:
    return st.integers(min_value=0, max_value=max_days).map(lambda n: day.add(days=n))


def instants(
    *,
    min_value: pendulum.Date = EARLIEST,
    max_value: pendulum.Date = LATEST,
    timezones: Sequence[str] = ("Europe/London", "UTC"),
) -> st.SearchStrategy[pendulum.DateTime]:
    """Timezone-aware instants on days between the bounds, in one of ``timezones``."""
    return st.builds(
        lambda day, seconds, tz: pendulum.datetime(day.year, day.month, day.day, tz=tz).add(
            seconds=seconds
        ),
        dates(min_value=min_value, max_value=max_value),
        st.integers(min_value=0, max_value=86_399),
        st.sampled_from(list(timezones)),
    )


def identifiers(prefix: str) -> st.SearchStrategy[str]:
    """Identifiers like ``G-7K2`` that satisfy the model's identifier rule."""
    return st.text(alphabet=_ID_CHARS, min_size=1, max_size=8).map(lambda s: f"{prefix}-{s}")


def money(
    *, min_minor: int = 0, max_minor: int = 10_000_000, currency: str = "GBP"
) -> st.SearchStrategy[Money]:
    """Amounts in minor units (pence) between the bounds."""
    return st.integers(min_value=min_minor, max_value=max_minor).map(
        lambda minor: Money(minor=minor, currency=currency)
    )


def _check_digit(nine: str) -> int:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return 0 if check == 11 else check


def nhs_numbers(*, synthetic: bool = True) -> st.SearchStrategy[NhsNumber]:
    """Valid NHS numbers; by default from the synthetic 999 range, never issued to anyone."""
    prefix_digits = 6 if synthetic else 9
    body = st.text(alphabet="0123456789", min_size=prefix_digits, max_size=prefix_digits)
    nine = body.map(lambda s: ("999" + s) if synthetic else s)
    return (
        nine.map(lambda s: (s, _check_digit(s)))
        .filter(lambda pair: pair[1] != 10)
        .map(lambda pair: NhsNumber(value=f"{pair[0]}{pair[1]}"))
    )


def _person_names() -> st.SearchStrategy[PersonName]:
    return st.builds(PersonName, given=_TEXT, family=_TEXT)


def _conditions(born: pendulum.Date) -> st.SearchStrategy[Condition]:
    return st.builds(
        Condition,
        category=st.sampled_from(ConditionCategory),
        long_term=st.booleans(),
        label=_TEXT,
        code=st.none() | st.from_regex(r"[1-9][0-9]{5,10}", fullmatch=True),
        onset=st.none() | _after(born, 30_000),
    )


def _carers() -> st.SearchStrategy[Carer]:
    return st.builds(
        Carer,
        id=identifiers("CR").map(CarerId),
        relationship=st.sampled_from(["spouse", "partner", "daughter", "son", "friend", "parent"]),
        name=st.none() | _person_names(),
        lives_with_client=st.booleans(),
        needs=st.frozensets(st.sampled_from(CarerNeed), max_size=3),
        contact=st.none() | st.builds(ContactDetails, phone=_OPTIONAL_TEXT, email=_OPTIONAL_TEXT),
    )


def _consents(born: pendulum.Date) -> st.SearchStrategy[Consent]:
    @st.composite
    def build(draw: st.DrawFn) -> Consent:
        scope = draw(st.sampled_from(ConsentScope))
        recorded = draw(_after(born, 40_000))
        starts = draw(st.none() | _after(recorded, 60))
        expires = draw(st.none() | _after((starts or recorded).add(days=1), 800))
        withdrawn = draw(st.none() | _after(recorded))
        # Only record sharing names recipients, and case management is never limited.
        sharing = scope is ConsentScope.RECORD_SHARING
        limited = scope is not ConsentScope.CASE_MANAGEMENT
        return Consent(
            scope=scope,
            decision=draw(st.sampled_from(ConsentDecision)),
            recorded_on=recorded,
            starts_on=starts,
            expires_on=expires,
            withdrawn_on=withdrawn,
            purposes=draw(st.frozensets(st.sampled_from(SharingPurpose), max_size=3))
            if limited
            else frozenset(),
            recipients=draw(st.frozensets(st.sampled_from(RecipientKind), max_size=3))
            if sharing
            else frozenset(),
            given_by=draw(st.sampled_from(AgreementParty)),
        )

    return build()


@st.composite
def _risk_inputs(draw: st.DrawFn) -> RiskInputs:
    risk = draw(st.none() | st.floats(min_value=0.0, max_value=1.0, allow_nan=False))
    return RiskInputs(
        predicted_risk=risk,
        scored_on=None if risk is None else draw(dates()),
        emergency_admissions_12m=draw(st.integers(min_value=0, max_value=20)),
        ae_attendances_12m=draw(st.integers(min_value=0, max_value=30)),
        nursing_home_level_of_need=draw(st.booleans()),
    )


@st.composite
def _employment(draw: st.DrawFn) -> Employment:
    status = draw(st.sampled_from(EmploymentStatus))
    working = status in (EmploymentStatus.EMPLOYED, EmploymentStatus.SELF_EMPLOYED)
    absence = None
    if working and draw(st.booleans()):
        started = draw(dates())
        absence = SicknessAbsence(
            started_on=started,
            ended_on=draw(st.none() | _after(started, 200)),
            working_days_lost=draw(st.integers(min_value=0, max_value=250)),
            struggling_at_work=draw(st.booleans()),
        )
    return Employment(
        status=status,
        employer=draw(_OPTIONAL_TEXT),
        occupation=draw(_OPTIONAL_TEXT),
        nhs_employee=status is EmploymentStatus.EMPLOYED and draw(st.booleans()),
        absence=absence,
    )


@st.composite
def _clients(
    draw: st.DrawFn,
    client_id: ClientId | None,
    born: st.SearchStrategy[pendulum.Date],
    max_conditions: int,
) -> Client:
    date_of_birth = draw(born)
    carers = draw(st.lists(_carers(), max_size=2, unique_by=lambda c: c.id))
    return Client(
        id=client_id or ClientId(draw(identifiers("CL"))),
        name=draw(_person_names()),
        date_of_birth=date_of_birth,
        nhs_number=draw(st.none() | nhs_numbers()),
        gender=draw(st.sampled_from(AdministrativeGender)),
        address=draw(
            st.none()
            | st.builds(
                Address,
                lines=st.lists(_TEXT, min_size=1, max_size=3).map(tuple),
                postcode=st.none() | st.sampled_from(["LS1 4AB", "M1 1AE", "CF10 1EP", "ZZ99 3VZ"]),
            )
        ),
        contact=draw(
            st.none() | st.builds(ContactDetails, phone=_OPTIONAL_TEXT, email=_OPTIONAL_TEXT)
        ),
        conditions=tuple(draw(st.lists(_conditions(date_of_birth), max_size=max_conditions))),
        carers=tuple(carers),
        consents=tuple(draw(st.lists(_consents(date_of_birth), max_size=3))),
        risk=draw(_risk_inputs()),
        employment=draw(st.none() | _employment()),
    )


def clients(
    *,
    client_id: ClientId | None = None,
    born: st.SearchStrategy[pendulum.Date] | None = None,
    max_conditions: int = 4,
) -> st.SearchStrategy[Client]:
    """Clients with conditions, carers, consents, risk inputs and employment.

    Args:
        client_id: Fix the id (to tie the client to a case).
        born: Strategy for the date of birth (default: 1920 to 2024).
        max_conditions: Most conditions to generate.
    """
    born = born or dates(min_value=pendulum.Date(1920, 1, 1), max_value=pendulum.Date(2024, 12, 31))
    return _clients(client_id, born, max_conditions)


def referral_sources(
    *, kind: ReferralSourceKind | None = None
) -> st.SearchStrategy[ReferralSource]:
    """Referral sources of any kind (or of ``kind``)."""
    return st.builds(
        ReferralSource,
        id=identifiers("RS").map(ReferralSourceId),
        kind=st.just(kind) if kind is not None else st.sampled_from(ReferralSourceKind),
        organisation=_OPTIONAL_TEXT,
        contact_name=_OPTIONAL_TEXT,
    )


@st.composite
def _referrals(
    draw: st.DrawFn, client_id: ClientId | None, source_id: ReferralSourceId | None
) -> Referral:
    received = draw(dates())
    outcome = draw(st.sampled_from(ReferralOutcome))
    decided = outcome is not ReferralOutcome.PENDING
    needs_reason = decided and outcome is not ReferralOutcome.ACCEPTED
    return Referral(
        id=ReferralId(draw(identifiers("RF"))),
        client_id=client_id or ClientId(draw(identifiers("CL"))),
        source_id=source_id or ReferralSourceId(draw(identifiers("RS"))),
        received_on=received,
        reason=draw(_TEXT),
        priority=draw(st.sampled_from(ReferralPriority)),
        outcome=outcome,
        outcome_on=draw(_after(received, 60)) if decided else None,
        outcome_reason=draw(_TEXT) if needs_reason else draw(_OPTIONAL_TEXT),
        programme=draw(st.none() | st.sampled_from(["virtual-ward", "guided-care", "ohsxtra"])),
        rehabilitation_code_track=draw(st.none() | st.sampled_from(RehabilitationCodeTrack)),
        interim_funds_secured=draw(st.booleans()),
    )


def referrals(
    *, client_id: ClientId | None = None, source_id: ReferralSourceId | None = None
) -> st.SearchStrategy[Referral]:
    """Referrals, pending or decided (a turned-down referral always has its reason, E7)."""
    return _referrals(client_id, source_id)


def _registrations(bodies: st.SearchStrategy[Regulator]) -> st.SearchStrategy[Registration]:
    return st.builds(
        Registration, body=bodies, number=st.from_regex(r"[A-Z]{2}[0-9]{5,7}", fullmatch=True)
    )


@st.composite
def _case_managers(draw: st.DrawFn, profession: Profession | None) -> CaseManager:
    chosen = profession or draw(st.sampled_from(Profession))
    regulators = PROFESSION_REGULATORS[chosen]
    registration = None
    if regulators:
        registration = draw(_registrations(st.sampled_from(sorted(regulators, key=str))))
    return CaseManager(
        id=CaseManagerId(draw(identifiers("CM"))),
        name=draw(_person_names()),
        profession=chosen,
        registration=registration,
        title=draw(st.sampled_from(CaseManagerTitle)),
        memberships=draw(st.frozensets(st.sampled_from(ProfessionalBody))),
        specialisms=draw(st.frozensets(st.sampled_from(Specialism), max_size=3)),
        fte=draw(st.sampled_from([0.2, 0.4, 0.5, 0.6, 0.8, 1.0])),
        prescriber=chosen in PRESCRIBING_PROFESSIONS and draw(st.booleans()),
        locality=draw(_OPTIONAL_TEXT),
        non_clinical_share=draw(st.none() | st.sampled_from([0.0, 0.1, 0.2, 0.3])),
    )


def case_managers(*, profession: Profession | None = None) -> st.SearchStrategy[CaseManager]:
    """Case managers, registered with a regulator of their profession when it is regulated."""
    return _case_managers(profession)


def providers(*, discipline: Discipline | None = None) -> st.SearchStrategy[Provider]:
    """Providers; with ``discipline``, providers that deliver it."""
    disciplines = st.frozensets(st.sampled_from(Discipline), min_size=1, max_size=3)
    if discipline is not None:
        disciplines = disciplines.map(lambda ds: ds | {discipline})
    return st.builds(
        Provider,
        id=identifiers("PR").map(ProviderId),
        name=_TEXT,
        kind=st.sampled_from(ProviderKind),
        disciplines=disciplines,
        registrations=st.lists(
            _registrations(st.sampled_from(Regulator)), max_size=2, unique_by=lambda r: r.body
        ).map(tuple),
        locality=_OPTIONAL_TEXT,
    )


@st.composite
def _funding_streams(draw: st.DrawFn, valid_from: pendulum.Date | None) -> FundingStream:
    start = valid_from or draw(dates())
    return FundingStream(
        id=FundingStreamId(draw(identifiers("FS"))),
        name=draw(_TEXT),
        kind=draw(st.sampled_from(FundingStreamKind)),
        valid=DateRange(start=start, end=draw(st.none() | _after(start, 1500))),
        permitted_categories=draw(st.frozensets(st.sampled_from(InterventionCategory), min_size=1)),
        budget_per_period=draw(st.none() | money(max_minor=500_000)),
        budget_period=draw(st.sampled_from(FrequencyUnit)),
        total_budget=draw(st.none() | money(max_minor=50_000_000)),
        spend_authority_per_week=draw(st.none() | money(max_minor=100_000)),
        holder=draw(st.sampled_from(BudgetHolder)),
        long_term=draw(st.booleans()),
    )


def funding_streams(*, valid_from: pendulum.Date | None = None) -> st.SearchStrategy[FundingStream]:
    """Funding streams in GBP, with optional caps and spend authority."""
    return _funding_streams(valid_from)


def _gas_scales() -> st.SearchStrategy[GasScale]:
    return st.builds(
        lambda levels, baseline, attained, weight: GasScale(
            much_less=levels[0],
            somewhat_less=levels[1],
            expected=levels[2],
            somewhat_more=levels[3],
            much_more=levels[4],
            baseline=baseline,
            attained=attained,
            weight=weight,
        ),
        st.lists(_TEXT, min_size=5, max_size=5, unique_by=lambda s: s.strip().casefold()),
        st.sampled_from([-2, -1]),
        st.none() | st.integers(min_value=-2, max_value=2),
        st.integers(min_value=1, max_value=9),
    )


@st.composite
def _goals(draw: st.DrawFn, goal_id: GoalId | None, start: pendulum.Date | None) -> Goal:
    begins = start or draw(dates())
    return Goal(
        id=goal_id or GoalId(draw(identifiers("G"))),
        description=draw(_TEXT),
        domain=draw(st.sampled_from(GoalDomain)),
        start=begins,
        lifecycle_status=draw(st.sampled_from(GoalLifecycleStatus)),
        achievement_status=draw(st.none() | st.sampled_from(GoalAchievementStatus)),
        priority=draw(st.none() | st.sampled_from(GoalPriority)),
        target=draw(_OPTIONAL_TEXT),
        due=draw(st.none() | _after(begins)),
        self_managed=draw(st.booleans()),
        gas=draw(st.none() | _gas_scales()),
        status_date=draw(st.none() | _after(begins)),
    )


def goals(
    *, goal_id: GoalId | None = None, start: pendulum.Date | None = None
) -> st.SearchStrategy[Goal]:
    """Goals in any lifecycle and achievement status, some with a GAS scale."""
    return _goals(goal_id, start)


@st.composite
def _interventions(
    draw: st.DrawFn,
    goal_ids: Sequence[GoalId] | None,
    provider_ids: Sequence[ProviderId] | None,
    funding_stream_ids: Sequence[FundingStreamId] | None,
    start: pendulum.Date | None,
) -> Intervention:
    begins = start or draw(dates())
    if goal_ids is None:
        serves = draw(st.frozensets(identifiers("G").map(GoalId), max_size=2))
    elif goal_ids:
        serves = draw(st.frozensets(st.sampled_from(list(goal_ids)), max_size=3))
    else:
        serves = frozenset()
    provider = (
        draw(st.sampled_from(list(provider_ids)))
        if provider_ids
        else ProviderId(draw(identifiers("PR")))
    )
    if funding_stream_ids is not None:
        stream = (
            draw(st.none() | st.sampled_from(list(funding_stream_ids)))
            if funding_stream_ids
            else None
        )
    else:
        stream = draw(st.none() | identifiers("FS").map(FundingStreamId))
    return Intervention(
        id=InterventionId(draw(identifiers("I"))),
        category=draw(st.sampled_from(InterventionCategory)),
        discipline=draw(st.sampled_from(Discipline)),
        description=draw(_TEXT),
        provider_id=provider,
        goal_ids=serves,
        start=begins,
        unit_cost=draw(money(max_minor=50_000)),
        frequency=draw(
            st.none()
            | st.builds(
                Frequency,
                count=st.integers(min_value=1, max_value=7),
                unit=st.sampled_from(FrequencyUnit),
                every=st.integers(min_value=1, max_value=4),
                session_minutes=st.none() | st.integers(min_value=15, max_value=480),
            )
        ),
        end=draw(st.none() | _after(begins)),
        funding_stream_id=stream,
        status=draw(st.sampled_from(InterventionStatus)),
        staffing=draw(st.none() | st.sampled_from(StaffingModel)),
        approval=draw(
            st.none()
            | st.builds(
                SpendApproval,
                approved_by=_TEXT,
                approved_on=_after(begins, 30),
                reference=_OPTIONAL_TEXT,
            )
        ),
    )


def interventions(
    *,
    goal_ids: Sequence[GoalId] | None = None,
    provider_ids: Sequence[ProviderId] | None = None,
    funding_stream_ids: Sequence[FundingStreamId] | None = None,
    start: pendulum.Date | None = None,
) -> st.SearchStrategy[Intervention]:
    """Interventions; pass the ids of a plan's goals, providers and funding streams to tie
    them to a plan or a case record (an empty ``funding_stream_ids`` means unfunded)."""
    return _interventions(goal_ids, provider_ids, funding_stream_ids, start)


_LIVE_PLAN = (CarePlanStatus.DRAFT, CarePlanStatus.ACTIVE, CarePlanStatus.ON_HOLD)
_ENDED_PLAN = (CarePlanStatus.REVOKED, CarePlanStatus.COMPLETED, CarePlanStatus.ENTERED_IN_ERROR)


@st.composite
def _care_plans(
    draw: st.DrawFn,
    client_id: ClientId | None,
    status: CarePlanStatus | None,
    version: int | None,
    min_goals: int,
    max_goals: int,
    max_interventions: int,
    provider_ids: Sequence[ProviderId] | None,
    funding_stream_ids: Sequence[FundingStreamId] | None,
) -> CarePlan:
    created = draw(dates(max_value=pendulum.Date(2035, 12, 31)))
    goal_list = draw(
        st.lists(
            goals(start=created),
            min_size=min_goals,
            max_size=max_goals,
            unique_by=lambda g: g.id,
        )
    )
    goal_ids = [g.id for g in goal_list]
    intervention_list = draw(
        st.lists(
            interventions(
                goal_ids=goal_ids,
                provider_ids=provider_ids,
                funding_stream_ids=funding_stream_ids,
                start=created,
            ),
            max_size=max_interventions,
            unique_by=lambda i: i.id,
        )
    )
    chosen_status = status or draw(st.sampled_from(CarePlanStatus))
    agreed = chosen_status is CarePlanStatus.ACTIVE or draw(st.booleans())
    agreement = None
    if agreed:
        agreement = ClientAgreement(
            agreed_at=draw(instants(min_value=created, max_value=created.add(days=30))),
            agreed_by=draw(st.sampled_from(AgreementParty)),
            carer_involved=draw(st.booleans()),
            gp_involved=draw(st.booleans()),
        )
    onward = draw(
        st.lists(
            st.builds(
                lambda to, sent, ack, served: OnwardReferral(
                    to=to,
                    sent_on=sent,
                    acknowledged_on=ack if ack and ack >= sent else None,
                    goal_ids=served,
                ),
                _TEXT,
                _after(created, 60),
                st.none() | _after(created, 120),
                st.frozensets(st.sampled_from(goal_ids), max_size=2)
                if goal_ids
                else st.just(frozenset()),
            ),
            max_size=2,
        )
    )
    return CarePlan(
        id=CarePlanId(draw(identifiers("CP"))),
        client_id=client_id or ClientId(draw(identifiers("CL"))),
        version=version or draw(st.integers(min_value=1, max_value=9)),
        status=chosen_status,
        period=DateRange(start=created, end=draw(st.none() | _after(created, 800))),
        created_on=created,
        goals=tuple(goal_list),
        interventions=tuple(intervention_list),
        agreement=agreement,
        onward_referrals=tuple(onward),
        next_review=draw(st.none() | _after(created, 120)),
    )


def care_plans(
    *,
    client_id: ClientId | None = None,
    status: CarePlanStatus | None = None,
    version: int | None = None,
    min_goals: int = 0,
    max_goals: int = 6,
    max_interventions: int = 8,
    provider_ids: Sequence[ProviderId] | None = None,
    funding_stream_ids: Sequence[FundingStreamId] | None = None,
) -> st.SearchStrategy[CarePlan]:
    """Care plans whose interventions serve goals of the same plan; an active plan always
    carries the client's agreement (P1)."""
    return _care_plans(
        client_id,
        status,
        version,
        min_goals,
        max_goals,
        max_interventions,
        provider_ids,
        funding_stream_ids,
    )


def reviews(
    *,
    held_from: pendulum.Date | None = None,
    held_by: Sequence[CaseManagerId] = (),
    max_days: int = 400,
) -> st.SearchStrategy[Review]:
    """Reviews held (M1-M6), from ``held_from`` up to ``max_days`` after it."""
    return st.builds(
        Review,
        id=identifiers("RV").map(ReviewId),
        kind=st.sampled_from(ReviewKind),
        held_on=_after(held_from, max_days) if held_from else dates(),
        contact_mode=st.none() | st.sampled_from(ContactMode),
        held_by=st.none() | st.sampled_from(list(held_by)) if held_by else st.none(),
        summary=st.just("") | _TEXT,
    )


@st.composite
def _care_events(draw: st.DrawFn, occurred_from: pendulum.Date | None, max_days: int) -> CareEvent:
    kind = draw(st.sampled_from(CareEventKind))
    return CareEvent(
        kind=kind,
        occurred_on=draw(_after(occurred_from, max_days) if occurred_from else dates()),
        risk_tier=(
            draw(st.sampled_from(RiskTier)) if kind is CareEventKind.RISK_TIER_CHANGE else None
        ),
        note=draw(st.just("") | _TEXT),
    )


def care_events(
    *, occurred_from: pendulum.Date | None = None, max_days: int = 400
) -> st.SearchStrategy[CareEvent]:
    """Events in a client's care or claim (a change of risk tier always names the tier)."""
    return _care_events(occurred_from, max_days)


def assessments(
    *, client_id: ClientId | None = None, performed_by: Sequence[CaseManagerId] = ()
) -> st.SearchStrategy[Assessment]:
    """Assessments covering any subset of the A1 domains."""
    return st.builds(
        Assessment,
        id=identifiers("AS").map(AssessmentId),
        client_id=st.just(client_id) if client_id else identifiers("CL").map(ClientId),
        kind=st.sampled_from(AssessmentKind),
        performed_on=dates(),
        contact_mode=st.sampled_from(ContactMode),
        findings=st.lists(
            st.builds(
                DomainFinding,
                domain=st.sampled_from(AssessmentDomain),
                need=st.sampled_from(NeedLevel),
                summary=st.just("") | _TEXT,
            ),
            max_size=len(AssessmentDomain),
            unique_by=lambda f: f.domain,
        ).map(tuple),
        performed_by=st.none() | st.sampled_from(list(performed_by)) if performed_by else st.none(),
    )


@st.composite
def _cases(
    draw: st.DrawFn,
    client_id: ClientId | None,
    status: CaseStatus | None,
    manager_ids: Sequence[CaseManagerId] | None,
    source_ids: Sequence[ReferralSourceId] | None,
    provider_ids: Sequence[ProviderId] | None,
    funding_stream_ids: Sequence[FundingStreamId] | None,
    max_plan_versions: int,
) -> Case:
    client = client_id or ClientId(draw(identifiers("CL")))
    chosen = status or draw(st.sampled_from(CaseStatus))
    opened = draw(dates(max_value=pendulum.Date(2035, 12, 31)))
    sources = list(source_ids) if source_ids else None
    referral_list = draw(
        st.lists(
            referrals(client_id=client).flatmap(
                lambda r: (
                    st.sampled_from(sources).map(lambda s: _with_source(r, s))
                    if sources
                    else st.just(r)
                )
            ),
            min_size=1,
            max_size=2,
            unique_by=lambda r: r.id,
        )
    )
    managers = list(manager_ids) if manager_ids else None
    manager: CaseManagerId | None
    if managers:
        manager = (
            draw(st.sampled_from(managers))
            if chosen.is_open
            else draw(st.none() | st.sampled_from(managers))
        )
    else:
        manager = CaseManagerId(draw(identifiers("CM"))) if chosen.is_open else None
    versions = draw(st.integers(min_value=0, max_value=max_plan_versions))
    plans: list[CarePlan] = []
    for number in range(1, versions + 1):
        last = number == versions
        plan_status = draw(st.sampled_from(CarePlanStatus if last else _ENDED_PLAN))
        plans.append(
            draw(
                care_plans(
                    client_id=client,
                    status=plan_status,
                    version=number,
                    max_goals=3,
                    max_interventions=3,
                    provider_ids=provider_ids,
                    funding_stream_ids=funding_stream_ids,
                )
            )
        )
    closed_on = draw(_after(opened, 3000)) if chosen is CaseStatus.CLOSED else None
    closure = None
    if closed_on is not None:
        closure = draw(closures(letter_from=closed_on))
        if plans:
            # A closed case's interventions have all ended (X1): the current plan keeps none live.
            plans[-1] = _ended(plans[-1], draw)
    performers = list(manager_ids or ())
    return Case(
        id=CaseId(draw(identifiers("CS"))),
        client_id=client,
        programme=draw(st.sampled_from(_PROGRAMME_KEYS)),
        status=chosen,
        opened_on=opened,
        referrals=tuple(referral_list),
        manager_id=manager,
        assessments=tuple(
            draw(
                st.lists(
                    assessments(client_id=client, performed_by=performers),
                    max_size=2,
                    unique_by=lambda a: a.id,
                )
            )
        ),
        plans=tuple(plans),
        closed_on=closed_on,
        closure=closure,
        previous_case_id=draw(st.none() | identifiers("CSP").map(CaseId)),
        reviews=tuple(
            draw(
                st.lists(
                    reviews(held_from=opened, held_by=performers),
                    max_size=3,
                    unique_by=lambda r: r.id,
                )
            )
        ),
        events=tuple(draw(st.lists(care_events(occurred_from=opened), max_size=3))),
    )


_ENDED_INTERVENTION = (
    InterventionStatus.COMPLETED,
    InterventionStatus.CANCELLED,
    InterventionStatus.STOPPED,
    InterventionStatus.ENTERED_IN_ERROR,
)


def _ended(plan: CarePlan, draw: st.DrawFn) -> CarePlan:
    ended = tuple(
        attrs.evolve(i, status=draw(st.sampled_from(_ENDED_INTERVENTION))) if i.is_live else i
        for i in plan.interventions
    )
    return attrs.evolve(plan, interventions=ended)


def _with_source(referral: Referral, source: ReferralSourceId) -> Referral:
    return attrs.evolve(referral, source_id=source)


def cases(
    *,
    client_id: ClientId | None = None,
    status: CaseStatus | None = None,
    manager_ids: Sequence[CaseManagerId] | None = None,
    source_ids: Sequence[ReferralSourceId] | None = None,
    provider_ids: Sequence[ProviderId] | None = None,
    funding_stream_ids: Sequence[FundingStreamId] | None = None,
    max_plan_versions: int = 2,
) -> st.SearchStrategy[Case]:
    """Cases in any state; an open case always has an accountable case manager (C6), and
    only the latest plan version may be live (P3). A closed case has a :class:`Closure`
    (any reason, X1) and no live intervention in its current plan.

    The cases are snapshots: their ``history`` is empty, as for a case imported from another
    system; changes made to them through the case's methods are recorded from then on.
    """
    return _cases(
        client_id,
        status,
        manager_ids,
        source_ids,
        provider_ids,
        funding_stream_ids,
        max_plan_versions,
    )


@st.composite
def _closures(
    draw: st.DrawFn, reason: ClosureReason | None, letter_from: pendulum.Date | None
) -> Closure:
    chosen = reason or draw(st.sampled_from(ClosureReason))
    optimised = chosen is ClosureReason.CARE_OPTIMISED
    letter = draw(st.none() | (_after(letter_from, 60) if letter_from else dates()))
    return Closure(
        reason=chosen,
        destination=draw(st.sampled_from(DischargeDestination)) if optimised else None,
        decided_by_mdt=draw(st.booleans()),
        client_consulted=draw(st.booleans()),
        carer_consulted=draw(st.booleans()),
        letter_sent_on=letter,
        note=draw(st.just("") | _TEXT),
    )


def closures(
    *, reason: ClosureReason | None = None, letter_from: pendulum.Date | None = None
) -> st.SearchStrategy[Closure]:
    """Closure records (X1-X3) for any reason (or ``reason``); a care-optimised closure
    always names a destination, and no other does.

    Args:
        reason: Fix the closure reason.
        letter_from: The earliest day the closure letter (X3), when there is one, was sent;
            :func:`cases` passes the closing date.
    """
    return _closures(reason, letter_from)


_PROGRAMME_KEYS = ("virtual-ward", "guided-care", "rehabilitation-code", "ohsxtra")
_STARTS = (CaseAction.REFER, CaseAction.REOPEN)
_TURN_DOWNS = (
    ReferralOutcome.INELIGIBLE,
    ReferralOutcome.INAPPROPRIATE,
    ReferralOutcome.DUPLICATE,
    ReferralOutcome.WITHDRAWN,
)


@st.composite
def _case_events(draw: st.DrawFn, action: CaseAction | None, case_id: CaseId | None) -> CaseEvent:
    chosen = action or draw(st.sampled_from(CaseAction))
    row = TRANSITIONS[chosen]
    client = ClientId(draw(identifiers("CL")))
    from_status = (
        None
        if chosen is CaseAction.REFER
        else draw(st.sampled_from(sorted(row.sources, key=lambda s: s.value)))
    )
    to_status = row.target or from_status
    assert to_status is not None  # only refer has no source, and it has a target
    a_plan = care_plans(client_id=client, max_goals=3, max_interventions=3)
    payload: dict[str, st.SearchStrategy[object]] = {}
    if chosen in _STARTS:
        payload["client_id"] = st.just(client)
        payload["programme"] = st.sampled_from(_PROGRAMME_KEYS)
        payload["referral"] = referrals(client_id=client)
    if chosen is CaseAction.REOPEN:
        payload["previous_case_id"] = identifiers("CSP").map(CaseId)
    if chosen in (CaseAction.REOPEN, CaseAction.ACCEPT, CaseAction.ASSIGN):
        payload["manager_id"] = identifiers("CM").map(CaseManagerId)
    elif chosen is CaseAction.REFER:
        payload["manager_id"] = st.none() | identifiers("CM").map(CaseManagerId)
    if chosen in (CaseAction.REFER, CaseAction.REOPEN, CaseAction.ACCEPT, CaseAction.ASSIGN):
        payload["team_id"] = st.none() | identifiers("T").map(TeamId)
    if chosen is CaseAction.ADD_REFERRAL:
        payload["referral"] = referrals(client_id=client)
    # What each recording action brings in.
    recorded: dict[CaseAction, tuple[str, st.SearchStrategy[object]]] = {
        CaseAction.DECLINE: ("referral_outcome", st.sampled_from(_TURN_DOWNS)),
        CaseAction.CLOSE: ("closure", closures()),
        CaseAction.RECORD_ASSESSMENT: ("assessment", assessments(client_id=client)),
        CaseAction.ADOPT_PLAN: ("plan", a_plan),
        CaseAction.REPLACE_CURRENT_PLAN: ("plan", a_plan),
        CaseAction.RECORD_REVIEW: ("review", reviews()),
        CaseAction.RECORD_EVENT: ("care_event", care_events()),
    }
    if chosen in recorded:
        name, strategy = recorded[chosen]
        payload[name] = strategy
    return CaseEvent(
        case_id=case_id or CaseId(draw(identifiers("CS"))),
        version=1 if chosen in _STARTS else draw(st.integers(min_value=2, max_value=500)),
        action=chosen,
        by=ActorId(draw(identifiers("CM"))),
        at=draw(instants()),
        from_status=from_status,
        to_status=to_status,
        why=draw(_TEXT if chosen is CaseAction.DECLINE else st.just("") | _TEXT),
        **{name: draw(strategy) for name, strategy in payload.items()},  # type: ignore[arg-type]
    )


def case_events(
    *, action: CaseAction | None = None, case_id: CaseId | None = None
) -> st.SearchStrategy[CaseEvent]:
    """Single case events, each consistent on its own: the payload its action needs and no
    other, a source state the transition table allows for the action and the state it
    leads to (for serialisation and audit tests; a coherent history comes from running a
    case's methods).

    Args:
        action: Fix the action.
        case_id: Fix the case the event is about.
    """
    return _case_events(action, case_id)


@st.composite
def _case_records(draw: st.DrawFn, status: CaseStatus | None) -> CaseRecord:
    client = draw(clients())
    sources = draw(st.lists(referral_sources(), min_size=1, max_size=2, unique_by=lambda s: s.id))
    managers = draw(st.lists(case_managers(), min_size=1, max_size=2, unique_by=lambda m: m.id))
    provider_list = draw(st.lists(providers(), min_size=1, max_size=3, unique_by=lambda p: p.id))
    streams = draw(st.lists(funding_streams(), max_size=2, unique_by=lambda f: f.id))
    case = draw(
        cases(
            client_id=client.id,
            status=status,
            manager_ids=[m.id for m in managers],
            source_ids=[s.id for s in sources],
            provider_ids=[p.id for p in provider_list],
            funding_stream_ids=[f.id for f in streams],
            max_plan_versions=2,
        )
    )
    return CaseRecord(
        case=case,
        client=client,
        referral_sources=tuple(sources),
        case_managers=tuple(managers),
        providers=tuple(provider_list),
        funding_streams=tuple(streams),
    )


def case_records(*, status: CaseStatus | None = None) -> st.SearchStrategy[CaseRecord]:
    """Self-contained case records in which every reference resolves."""
    return _case_records(status)


# ------------------------------------------------------------------ plans that validate


@attrs.frozen(kw_only=True)
class FundablePlan:
    """A care plan with everything :func:`~casemgmt.services.validate_plan` needs to pass it:
    the funding streams and providers it names, a plan policy and the day of validation.

    Generated by :func:`fundable_plans`; change one thing and validate again to see exactly
    the issue that change causes.

    Attributes:
        plan: An active care plan, agreed with the client.
        funding: The funding streams its interventions are paid from (perhaps more).
        providers: The providers it commissions (perhaps more).
        policy: The plan policy to validate with.
        as_of: The day to validate for.
        services_elsewhere: Services the client receives outside the plan (E8). None are
            generated; a test may add some.
    """

    plan: CarePlan
    funding: tuple[FundingStream, ...]
    providers: tuple[Provider, ...]
    policy: PlanPolicy
    as_of: pendulum.Date
    services_elsewhere: tuple[Intervention, ...] = ()

    def validate(self) -> PlanValidationReport:
        """Validate the plan with its funding, providers, policy and day."""
        return validate_plan(
            self.plan,
            funding=self.funding,
            policy=self.policy,
            as_of=self.as_of,
            providers=self.providers,
            services_elsewhere=self.services_elsewhere,
        )


# Drawing is the cost of this strategy, so it draws few, fixed strategies and scales one
# integer into whatever range it needs (0 still shrinks to the low end of the range).
_SCALE = 1 << 16
_UNITS = st.integers(min_value=0, max_value=_SCALE - 1)
_BOOLEANS = st.booleans()
_PURSUED_GOAL = (
    GoalLifecycleStatus.PROPOSED,
    GoalLifecycleStatus.PLANNED,
    GoalLifecycleStatus.ACCEPTED,
    GoalLifecycleStatus.ACTIVE,
    GoalLifecycleStatus.ON_HOLD,
)
_IGNORED_INTERVENTION = (InterventionStatus.CANCELLED, InterventionStatus.ENTERED_IN_ERROR)
_FINISHED_INTERVENTION = (InterventionStatus.COMPLETED, InterventionStatus.STOPPED)
_WORDS = ("Walk to the shop", "Return to work", "Cook a meal", "Sleep through", "Manage pain")
_CATEGORIES = tuple(InterventionCategory)
_CUSTOM_POLICIES = st.builds(
    PlanPolicy,
    spend_authority_per_week=st.none() | money(max_minor=60_000),
    spend_authority_scope=st.sampled_from(SpendAuthorityScope),
    required_goal_domains=st.frozensets(st.sampled_from(GoalDomain), max_size=2),
    referral_acknowledgement_days=st.integers(min_value=1, max_value=60),
    severity_overrides=st.dictionaries(
        st.sampled_from(sorted(CHECKS)), st.sampled_from(Severity), max_size=2
    ),
)
_POLICIES = st.sampled_from([p.plan for p in PROGRAMMES.values()]) | _CUSTOM_POLICIES
_FIRST_DAY = pendulum.Date(2005, 1, 1)
_DAYS = (pendulum.Date(2035, 12, 31) - _FIRST_DAY).days


def _int(draw: st.DrawFn, low: int, high: int) -> int:
    return low + draw(_UNITS) * (high - low + 1) // _SCALE


def _day(draw: st.DrawFn, low: pendulum.Date, high: pendulum.Date) -> pendulum.Date:
    return low.add(days=_int(draw, 0, (high - low).days))


def _pick(draw: st.DrawFn, items: Sequence[T]) -> T:
    return items[_int(draw, 0, len(items) - 1)]


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


@attrs.define
class _Draft:
    """A committed intervention being generated, before its approval is settled."""

    fields: dict[str, object]
    per_week: Fraction
    start: int
    end: int
    approved: bool


def _weekly_peak(drafts: Sequence[_Draft], today: int) -> tuple[Fraction, int]:
    """The highest weekly sum from ``today`` on and the first day it is reached (a sum only
    rises on a day some commitment starts, so trying those days is enough)."""
    peak, peak_day = Fraction(0), today
    for day in sorted({max(d.start, today) for d in drafts if d.end >= today}):
        total = sum((d.per_week for d in drafts if d.start <= day <= d.end), Fraction(0))
        if total > peak:
            peak, peak_day = total, day
    return peak, peak_day


@attrs.frozen(kw_only=True)
class _Frame:
    """The days and policy a generated plan is built around."""

    as_of: pendulum.Date
    start: pendulum.Date
    end: pendulum.Date | None
    horizon: pendulum.Date  # the last day anything is due or runs
    policy: PlanPolicy


def _draw_goals(draw: st.DrawFn, frame: _Frame, min_goals: int, max_goals: int) -> list[Goal]:
    """Pursued goals have a target and are due inside the plan, on or after the day."""
    required = sorted(frame.policy.required_goal_domains, key=lambda d: d.value)
    fewest = max(min_goals, 1 if required else 0)
    found: list[Goal] = []
    for number in range(1, _int(draw, fewest, max(fewest, max_goals)) + 1):
        status = _pick(draw, list(GoalLifecycleStatus))
        domain = _pick(draw, list(GoalDomain))
        if number == 1 and required:
            status, domain = _pick(draw, _PURSUED_GOAL), _pick(draw, required)
        start = _day(draw, frame.start.subtract(days=60), frame.as_of)
        pursued = status in _PURSUED_GOAL
        due = _day(draw, frame.as_of, frame.horizon)
        found.append(
            Goal(
                id=GoalId(f"G{number}"),
                description=_WORDS[number % len(_WORDS)],
                domain=domain,
                start=start,
                lifecycle_status=status,
                target=_pick(draw, _WORDS) if pursued else None,
                due=due if pursued or draw(_BOOLEANS) else None,
                self_managed=draw(_BOOLEANS),
            )
        )
    return found


def _registered_provider(draw: st.DrawFn, number: int) -> Provider:
    disciplines = list(Discipline)
    provider = Provider(
        id=ProviderId(f"PR{number}"),
        name=f"Provider {number}",
        kind=_pick(draw, list(ProviderKind)),
        disciplines=frozenset(_pick(draw, disciplines) for _ in range(_int(draw, 1, 3))),
    )
    bodies: list[Regulator] = []
    if provider.is_organisation and draw(_BOOLEANS):
        bodies.append(_pick(draw, sorted(SERVICE_REGULATORS, key=lambda r: r.value)))
    for discipline in sorted(provider.disciplines, key=lambda d: d.value):
        held = attrs.evolve(
            provider, registrations=tuple(Registration(body=b, number="0") for b in bodies)
        )
        if not held.registered_for(discipline):
            bodies.append(_pick(draw, sorted(DISCIPLINE_REGULATORS[discipline], key=str)))
    return attrs.evolve(
        provider,
        registrations=tuple(
            Registration(body=b, number=f"{b.name[:2]}{number:05d}") for b in bodies
        ),
    )


def _draw_streams(draw: st.DrawFn, frame: _Frame) -> list[FundingStream]:
    """Streams valid from the plan's start (or before) to the day (or after); the budgets
    are set once the interventions are known."""
    streams = []
    for number in range(1, _int(draw, 1, 3) + 1):
        open_ended = draw(_BOOLEANS)
        permitted = _int(draw, 1, (1 << len(_CATEGORIES)) - 1)  # a bit for each category
        streams.append(
            FundingStream(
                id=FundingStreamId(f"FS{number}"),
                name=f"Stream {number}",
                kind=_pick(draw, list(FundingStreamKind)),
                valid=DateRange(
                    start=frame.start.subtract(days=_int(draw, 0, 90)),
                    end=None if open_ended else _day(draw, frame.as_of, frame.horizon),
                ),
                permitted_categories=frozenset(
                    c for bit, c in enumerate(_CATEGORIES) if permitted >> bit & 1
                ),
                long_term=draw(_BOOLEANS),
            )
        )
    return streams


def _ignored_intervention(
    draw: st.DrawFn, frame: _Frame, fields: dict[str, object], goal_ids: Sequence[GoalId]
) -> None:
    """Validation ignores cancelled interventions: anything goes, short of the invariants."""
    start = _day(draw, frame.start.subtract(days=200), frame.horizon)
    fields.update(
        category=_pick(draw, list(InterventionCategory)),
        discipline=_pick(draw, list(Discipline)),
        provider_id=ProviderId(_pick(draw, ("PR1", "PR-GONE"))),
        goal_ids=frozenset({_pick(draw, goal_ids)})
        if bool(goal_ids) and draw(_BOOLEANS)
        else frozenset(),
        start=start,
        end=start.add(days=_int(draw, 0, 900)) if draw(_BOOLEANS) else None,
        unit_cost=Money(minor=_int(draw, 0, 10**7), currency=_pick(draw, ("GBP", "EUR"))),
        frequency=Frequency(count=9, unit=FrequencyUnit.DAY) if draw(_BOOLEANS) else None,
        funding_stream_id=_pick(draw, (None, FundingStreamId("FS-GONE"))),
    )


def _draw_interventions(
    draw: st.DrawFn,
    frame: _Frame,
    goals: Sequence[Goal],
    providers: Sequence[Provider],
    streams: Sequence[FundingStream],
    max_interventions: int,
) -> tuple[list[dict[str, object]], dict[FundingStreamId, list[_Draft]]]:
    """Committed interventions on a stream that permits them, inside the plan and the
    stream's validity; one provider per kind of service, so that none duplicates another."""
    all_ids = [g.id for g in goals]
    pursued_ids = [g.id for g in goals if g.lifecycle_status in _PURSUED_GOAL]
    owner: dict[tuple[InterventionCategory, Discipline], Provider] = {}
    drafts: dict[FundingStreamId, list[_Draft]] = {s.id: [] for s in streams}
    every: list[dict[str, object]] = []
    for number in range(1, _int(draw, 0, max_interventions) + 1):
        status = _pick(draw, list(InterventionStatus))
        if not all_ids:
            status = InterventionStatus.CANCELLED
        elif not pursued_ids and status not in _IGNORED_INTERVENTION:
            status = InterventionStatus.COMPLETED
        fields: dict[str, object] = {
            "id": InterventionId(f"I{number}"),
            "description": _WORDS[number % len(_WORDS)],
            "status": status,
        }
        every.append(fields)
        if status in _IGNORED_INTERVENTION:
            _ignored_intervention(draw, frame, fields, all_ids)
            continue
        stream = _pick(draw, streams)
        category = _pick(draw, sorted(stream.permitted_categories, key=lambda c: c.value))
        provider = _pick(draw, providers)
        discipline = _pick(draw, sorted(provider.disciplines, key=lambda d: d.value))
        provider = owner.setdefault((category, discipline), provider)
        last = min(frame.horizon, stream.valid.end or frame.horizon)
        start = _day(draw, frame.start, last)
        end = _day(draw, start, last)
        serves = {_pick(draw, all_ids)}
        if status not in _FINISHED_INTERVENTION:
            serves.add(_pick(draw, pursued_ids))
        frequency = Frequency(
            count=_int(draw, 1, 7),
            unit=_pick(draw, list(FrequencyUnit)),
            every=_int(draw, 1, 4),
        )
        cost = Money(minor=_int(draw, 0, 50_000))
        staffing = [None, StaffingModel.AGENCY, StaffingModel.HYBRID]
        if stream.long_term:
            staffing.append(StaffingModel.DIRECT_RECRUITMENT)
        fields.update(
            category=category,
            discipline=discipline,
            provider_id=provider.id,
            goal_ids=frozenset(serves),
            start=start,
            end=end,
            unit_cost=cost,
            frequency=frequency,
            funding_stream_id=stream.id,
            staffing=_pick(draw, staffing),
        )
        drafts[stream.id].append(
            _Draft(
                fields=fields,
                per_week=Fraction(cost.minor) * frequency.per_week(),
                start=start.toordinal(),
                end=end.toordinal(),
                approved=draw(_BOOLEANS),
            )
        )
    return every, drafts


def _settle_funding(
    draw: st.DrawFn,
    frame: _Frame,
    streams: list[FundingStream],
    drafts: dict[FundingStreamId, list[_Draft]],
) -> None:
    """Budgets at or above what the plan commits (often exactly at it); an approval on
    whatever the spend authority does not cover. Completed and stopped services count here
    as if they still ran, which is at least what validation counts."""
    today = frame.as_of.toordinal()
    delegated = frame.policy.spend_authority_per_week
    per_plan = frame.policy.spend_authority_scope is SpendAuthorityScope.PLAN
    for index, stream in enumerate(streams):
        items = drafts[stream.id]
        own = Money(minor=_int(draw, 0, 60_000)) if draw(_BOOLEANS) else None
        authority = own
        if authority is None and delegated is not None and delegated.currency == "GBP":
            authority = delegated
        while authority is not None:
            running = [d for d in items if not d.approved and d.end >= today]
            if per_plan:
                peak, day = _weekly_peak(running, today)
                over = [d for d in running if d.start <= day <= d.end]
            else:
                over = [d for d in running if d.per_week > authority.minor]
                peak = max((d.per_week for d in over), default=Fraction(0))
            if peak <= authority.minor:
                break
            max(over, key=lambda d: d.per_week).approved = True
        unit = _pick(draw, list(FrequencyUnit))
        weekly = _ceil(_weekly_peak(items, today)[0] / Frequency(count=1, unit=unit).per_week())
        total = _ceil(sum((d.per_week * (d.end - d.start + 1) / 7 for d in items), Fraction(0)))
        slack = _pick(draw, (0, 1, 100, 20_000))
        streams[index] = attrs.evolve(
            stream,
            budget_per_period=Money(minor=weekly + slack) if draw(_BOOLEANS) else None,
            budget_period=unit,
            total_budget=Money(minor=total + slack) if draw(_BOOLEANS) else None,
            spend_authority_per_week=own,
        )
        for item in items:
            if item.approved:
                item.fields["approval"] = SpendApproval(
                    approved_by="Budget holder", approved_on=_day(draw, frame.start, frame.as_of)
                )


def _draw_referrals(
    draw: st.DrawFn, frame: _Frame, goals: list[Goal], served: set[GoalId]
) -> list[OnwardReferral]:
    """Every goal that needs a service and has none is self-managed or referred on; every
    onward referral is acknowledged or still inside the policy's window."""
    window = frame.policy.referral_acknowledgement_days
    found: list[OnwardReferral] = []
    for index, goal in enumerate(goals):
        status = goal.lifecycle_status
        if status not in _PURSUED_GOAL or status is GoalLifecycleStatus.ON_HOLD:
            continue
        if goal.self_managed or goal.id in served:
            continue
        if draw(_BOOLEANS):
            goals[index] = attrs.evolve(goal, self_managed=True)
        else:
            found.append(
                OnwardReferral(
                    to="Community team",
                    sent_on=_day(draw, frame.as_of.subtract(days=window), frame.as_of),
                    goal_ids=frozenset({goal.id}),
                )
            )
    for _ in range(_int(draw, 0, 2)):
        acknowledged: pendulum.Date | None = None
        if draw(_BOOLEANS):
            sent = _day(draw, frame.start.subtract(days=60), frame.as_of)
            acknowledged = sent.add(days=_int(draw, 0, 90))
        else:
            sent = _day(draw, frame.as_of.subtract(days=window), frame.as_of.add(days=5))
        found.append(
            OnwardReferral(
                to="Falls clinic",
                sent_on=sent,
                acknowledged_on=acknowledged,
                goal_ids=frozenset({_pick(draw, goals).id})
                if bool(goals) and draw(_BOOLEANS)
                else frozenset(),
            )
        )
    return found


@st.composite
def _fundable_plans(
    draw: st.DrawFn, min_goals: int, max_goals: int, max_interventions: int
) -> FundablePlan:
    as_of = _FIRST_DAY.add(days=_int(draw, 0, _DAYS))
    end = as_of.add(days=_int(draw, 0, 800)) if draw(_BOOLEANS) else None
    policy = draw(_POLICIES)
    if max_goals < 1:
        policy = attrs.evolve(policy, required_goal_domains=frozenset())
    frame = _Frame(
        as_of=as_of,
        start=as_of.subtract(days=_int(draw, 0, 400)),
        end=end,
        horizon=end or as_of.add(days=600),
        policy=policy,
    )
    goals = _draw_goals(draw, frame, min_goals, max_goals)
    providers = [_registered_provider(draw, n) for n in range(1, _int(draw, 1, 4) + 1)]
    streams = _draw_streams(draw, frame)
    fields, drafts = _draw_interventions(draw, frame, goals, providers, streams, max_interventions)
    _settle_funding(draw, frame, streams, drafts)
    interventions = [Intervention(**f) for f in fields]  # type: ignore[arg-type]
    served = {g for i in interventions if i.is_live for g in i.goal_ids}
    onward = _draw_referrals(draw, frame, goals, served)
    created = _day(draw, frame.start.subtract(days=30), as_of)
    agreed_on = _day(draw, created, as_of)
    agreed_at = pendulum.datetime(
        agreed_on.year, agreed_on.month, agreed_on.day, tz="Europe/London"
    ).add(minutes=_int(draw, 0, 23 * 60 - 1))  # a day in London may have only 23 hours
    plan = CarePlan(
        id=CarePlanId("CP1"),
        client_id=ClientId("CL1"),
        version=_int(draw, 1, 9),
        status=CarePlanStatus.ACTIVE,
        period=DateRange(start=frame.start, end=end),
        created_on=created,
        goals=tuple(goals),
        interventions=tuple(interventions),
        agreement=ClientAgreement(agreed_at=agreed_at),
        onward_referrals=tuple(onward),
        next_review=as_of.add(days=_int(draw, 0, 180)),
    )
    return FundablePlan(
        plan=plan, funding=tuple(streams), providers=tuple(providers), policy=policy, as_of=as_of
    )


def fundable_plans(
    *, min_goals: int = 1, max_goals: int = 6, max_interventions: int = 8
) -> st.SearchStrategy[FundablePlan]:
    """Active, agreed care plans with the funding streams, providers, policy and day that
    make :func:`~casemgmt.services.validate_plan` report no issue at all, not even
    information.

    Every pursued goal has a target and is due inside the plan, on or after the day; every
    goal that needs a service has a live intervention or an onward referral, or is
    self-managed. Every committed intervention serves a goal, states its frequency and end,
    runs inside the plan on a stream active over its dates that pays for its category, in
    budget, and is delivered by a registered provider of its discipline; commitments above
    the spend authority carry an approval, and no service duplicates another. Cancelled
    interventions, which validation ignores, may be anything. Onward referrals are
    acknowledged or recent. The policy is a programme's or a custom one. Budgets are often
    exactly at the commitment, so that the smallest change tips them over.

    Change one thing to get exactly one issue:

    >>> import attrs
    >>> from hypothesis import given, settings
    >>> @settings(max_examples=5, deadline=None)
    ... @given(fundable_plans(max_interventions=3))
    ... def test_a_plan_without_a_review_date(fundable):
    ...     assert fundable.validate().issues == ()
    ...     unreviewed = attrs.evolve(fundable.plan, next_review=None)
    ...     report = attrs.evolve(fundable, plan=unreviewed).validate()
    ...     assert [i.code for i in report.issues] == ["review-date-missing"]
    >>> test_a_plan_without_a_review_date()

    Args:
        min_goals: Fewest goals (at least one when the policy requires a goal domain).
        max_goals: Most goals.
        max_interventions: Most interventions.
    """
    return _fundable_plans(min_goals, max_goals, max_interventions)


# --- eligibility -------------------------------------------------------------------------

_RISKS = st.sampled_from([0.0, 0.2, 0.5, 0.6, 1.0]) | st.floats(0.0, 1.0)
_DISTRICTS = ("WA7", "WA1", "WA10", "L1", "SW1A")


def _maybe(inner: st.SearchStrategy[T]) -> st.SearchStrategy[T | None]:
    return st.none() | inner


def eligibility_facts() -> st.SearchStrategy[EligibilityFacts]:
    """Facts about one person, with every fact sometimes missing and numbers often exactly
    at the presets' thresholds (ages 49-51, 54-56, 64-66; risks 0.2, 0.5, 0.6).

    >>> from hypothesis import given
    >>> from casemgmt.policies import GUIDED_CARE
    >>> from casemgmt.services import decide_eligibility
    >>> @given(eligibility_facts())
    ... def test_eligible_only_when_every_criterion_holds(facts: EligibilityFacts) -> None:
    ...     day = pendulum.Date(2026, 1, 5)
    ...     decision = decide_eligibility(facts, programme=GUIDED_CARE, as_of=day)
    ...     every = all(c.test(facts) for c in GUIDED_CARE.eligibility.criteria)
    ...     assert decision.eligible == every
    >>> test_eligible_only_when_every_criterion_holds()
    """
    ages = st.sampled_from([49, 50, 51, 54, 55, 56, 64, 65, 66]) | st.integers(0, 110)
    postcodes = st.builds(
        lambda d, rest, space: d + (" " if space else "") + rest,
        st.sampled_from(_DISTRICTS),
        st.sampled_from(["1AA", "9ZZ", "0AB"]),
        st.booleans(),
    )
    return st.builds(
        EligibilityFacts,
        age=_maybe(ages),
        predicted_risk=_maybe(_RISKS),
        emergency_admissions_12m=_maybe(st.integers(0, 6)),
        long_term_conditions=_maybe(st.integers(0, 6)),
        nursing_home_level_of_need=_maybe(st.booleans()),
        condition_categories=st.frozensets(st.sampled_from(ConditionCategory), max_size=3),
        nhs_employee=_maybe(st.booleans()),
        absent_or_struggling=_maybe(st.booleans()),
        referral_source=_maybe(st.sampled_from(ReferralSourceKind)),
        consents=_maybe(st.frozensets(st.sampled_from(ConsentScope))),
        postcode=_maybe(postcodes),
        already_case_managed=_maybe(st.booleans()),
        same_service_elsewhere=_maybe(st.booleans()),
    )


def criteria() -> st.SearchStrategy[Criterion]:
    """Any eligibility criterion, with parameters near the presets' values."""
    some = st.frozensets
    return st.one_of(
        st.builds(AgeAtLeast, years=st.integers(0, 100), comparison=st.sampled_from(AgeComparison)),
        st.builds(PredictedRiskAtLeast, threshold=_RISKS),
        st.builds(EmergencyAdmissionsAtLeast, count=st.integers(0, 5)),
        st.builds(LongTermConditionsAtLeast, count=st.integers(0, 5)),
        st.just(NursingHomeLevelOfNeed()),
        st.builds(
            ConditionCategoryIn, categories=some(st.sampled_from(ConditionCategory), min_size=1)
        ),
        st.just(NhsEmployee()),
        st.just(AbsentOrStrugglingAtWork()),
        st.builds(ReferralSourceIn, sources=some(st.sampled_from(ReferralSourceKind), min_size=1)),
        st.builds(ConsentRecorded, scopes=some(st.sampled_from(ConsentScope), min_size=1)),
        st.builds(InCatchment, districts=some(st.sampled_from(_DISTRICTS), min_size=1)),
        st.just(NotAlreadyCaseManaged()),
    )


def eligibility_policies(
    *, of: st.SearchStrategy[Criterion] | None = None, presets: bool = True
) -> st.SearchStrategy[EligibilityPolicy]:
    """An eligibility policy: a few criteria of distinct kinds (drawn from ``of``, by
    default :func:`criteria`), sometimes impactability exclusions and risk tiers; with
    ``presets``, sometimes a preset's policy."""
    return _eligibility_policies(criteria() if of is None else of, presets)


@st.composite
def _eligibility_policies(
    draw: st.DrawFn, criteria: st.SearchStrategy[Criterion], presets: bool
) -> EligibilityPolicy:
    if presets and draw(st.booleans()):
        return draw(st.sampled_from([p.eligibility for p in PROGRAMMES.values()]))
    chosen = draw(st.lists(criteria, max_size=12, unique_by=lambda c: c.key))
    exclusions = draw(
        st.lists(
            st.builds(
                Exclusion,
                key=st.sampled_from(["frail", "in-care-home", "end-of-life"]),
                when=criteria,
                reason=st.just("judged unlikely to benefit"),
            ),
            max_size=2,
            unique_by=lambda e: e.key,
        )
    )
    tiers = None
    if draw(st.booleans()):
        medium, high = sorted(draw(st.tuples(_RISKS, _RISKS)))
        tiers = RiskTiers(high=high, medium=medium)
    return EligibilityPolicy(criteria=tuple(chosen), exclusions=tuple(exclusions), tiers=tiers)


_LOCALITIES = ("LS6", "LS7", "LS8", "HX1")


@st.composite
def _case_profiles(
    draw: st.DrawFn, localities: Sequence[str], previous: Sequence[CaseManagerId]
) -> CaseProfile:
    opened = draw(st.none() | dates(min_value=pendulum.Date(2020, 1, 1)))
    closed = None
    if opened is not None and draw(st.booleans()):
        closed = draw(_after(opened))
    return CaseProfile(
        id=draw(identifiers("C")),
        risk_tier=draw(st.sampled_from(RiskTier)),
        complexity=draw(st.sampled_from(Complexity)),
        intensity=draw(st.sampled_from(Intensity)),
        rural=draw(st.booleans()),
        locality=draw(st.none() | st.sampled_from(list(localities))),
        needs=draw(st.frozensets(st.sampled_from(Specialism), max_size=2)),
        previous_manager_id=draw(st.none() | st.sampled_from(list(previous))) if previous else None,
        opened_on=opened,
        closed_on=closed,
    )


def case_profiles(
    *,
    localities: Sequence[str] = _LOCALITIES,
    previous_managers: Sequence[CaseManagerId] = (),
) -> st.SearchStrategy[CaseProfile]:
    """Caseload profiles of cases or referrals (C4, C7, C8), in ``localities``, returning to
    one of ``previous_managers`` now and then."""
    return _case_profiles(localities, previous_managers)


@st.composite
def _caseload_policies(draw: st.DrawFn) -> CaseloadPolicy:
    preset = draw(st.sampled_from(sorted(CASELOAD_POLICIES.values(), key=lambda p: p.key)))
    soft = draw(st.integers(min_value=5, max_value=80))
    hard = soft + draw(st.integers(min_value=0, max_value=30))
    share = draw(st.sampled_from([0.0, 0.1, 0.15, 0.3]))
    return attrs.evolve(
        preset,
        soft_limit=float(soft),
        hard_limit=float(hard),
        high_risk_share=share,
        high_risk_warning_share=min(share, 0.1),
        high_risk_basis=draw(st.sampled_from(HighRiskBasis)),
        specialism_match=draw(st.sampled_from(SpecialismMatch)),
        non_clinical_share=draw(st.sampled_from([0.0, 0.2])),
    )


def caseload_policies() -> st.SearchStrategy[CaseloadPolicy]:
    """Caseload policies: the presets with varied limits, high-risk shares and bases, and
    specialism matching."""
    return _caseload_policies()


@st.composite
def _teams(draw: st.DrawFn, max_members: int) -> Team:
    managers = draw(
        st.lists(case_managers(), min_size=1, max_size=max_members, unique_by=lambda m: m.id)
    )
    ids = [m.id for m in managers]
    profiles = case_profiles(previous_managers=ids)
    cases = draw(st.lists(profiles, max_size=4 * len(managers), unique_by=lambda c: c.id))
    members = tuple(
        TeamMember(manager=m, cases=tuple(cases[k :: len(managers)]))
        for k, m in enumerate(managers)
    )
    held = {c.id for c in cases}
    referrals = draw(
        st.lists(profiles.filter(lambda c: c.id not in held), max_size=6, unique_by=lambda c: c.id)
    )
    return Team(
        policy=draw(st.sampled_from(sorted(CASELOAD_POLICIES))),
        members=members,
        referrals=tuple(referrals),
    )


def teams(*, max_members: int = 4) -> st.SearchStrategy[Team]:
    """Team documents: up to ``max_members`` case managers with their caseloads, and
    waiting referrals (C1-C8)."""
    return _teams(max_members)


@st.composite
def _case_books(draw: st.DrawFn, max_cases: int) -> CaseBook:
    managers = draw(st.lists(case_managers(), max_size=3, unique_by=lambda m: m.id))
    ids = [m.id for m in managers] or None
    held = draw(
        st.lists(
            cases(manager_ids=ids, max_plan_versions=1),
            max_size=max_cases,
            unique_by=lambda c: c.id,
        )
    )
    return CaseBook(
        programme=draw(st.sampled_from(sorted(PROGRAMMES))),
        region=draw(st.sampled_from(BankHolidayRegion)),
        case_managers=tuple(managers),
        cases=tuple(held),
    )


def case_books(*, max_cases: int = 3) -> st.SearchStrategy[CaseBook]:
    """Case books (document kind ``cases``): a programme, a bank-holiday region, up to
    three case managers and up to ``max_cases`` cases held by them."""
    return _case_books(max_cases)
