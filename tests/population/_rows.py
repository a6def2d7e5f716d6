"""Generated populations for the population tests: each person as a frame row and as the
model's entities, programmes whose criteria a frame can hold, and the frame backends.

A person's facts are generated once and written twice: as one row of a population frame
(:func:`frame`) and as the entities :func:`casemgmt.services.assess_eligibility` reads
(:func:`entities`). Values cluster at the programme's thresholds: ages one day either side of
the age cut-off (and 29 February births), risks at and next to each threshold and tier
cut-off, counts at the threshold and one either side, and a missing value in every column.

A fact the entities cannot leave unrecorded (a client always has a date of birth, an
admissions count, a level of need, an employment record holding both work facts, a list of
open cases) is written on the entities as a value that fails every criterion reading it, so
both paths fail. That needs every generated age limit to be at least 1 and every generated
count to be at least 1, which :func:`criteria` keeps.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import dask.dataframe as dd
import duckdb
import narwhals as nw
import pendulum
import polars as pl
from hypothesis import strategies as st

from casemgmt.model import (
    Address,
    Case,
    CaseId,
    CaseManagerId,
    CaseStatus,
    Client,
    ClientId,
    Closure,
    ClosureReason,
    Condition,
    ConditionCategory,
    Consent,
    ConsentDecision,
    ConsentScope,
    Employment,
    EmploymentStatus,
    PersonName,
    Referral,
    ReferralId,
    ReferralSource,
    ReferralSourceId,
    ReferralSourceKind,
    RiskInputs,
    SicknessAbsence,
)
from casemgmt.policies import (
    GENERIC,
    AbsentOrStrugglingAtWork,
    AgeAtLeast,
    AgeComparison,
    ConditionCategoryIn,
    ConsentRecorded,
    Criterion,
    EmergencyAdmissionsAtLeast,
    InCatchment,
    LongTermConditionsAtLeast,
    NhsEmployee,
    NotAlreadyCaseManaged,
    NursingHomeLevelOfNeed,
    PredictedRiskAtLeast,
    Programme,
    ReferralSourceIn,
    age_cutoff,
)
from casemgmt.population import Columns
from casemgmt.services import EligibilityDecision, EligibilityStatus, assess_eligibility
from casemgmt.testing.strategies import eligibility_policies

__all__ = [
    "BACKENDS",
    "DISTRICTS",
    "SCHEMA",
    "AS_OF_DAYS",
    "Backend",
    "Entities",
    "Person",
    "as_of_days",
    "criteria",
    "decide",
    "entities",
    "expected_row",
    "frame",
    "people",
    "programmes",
    "rows_of",
    "spark_ddl",
    "unknown",
]

COLUMNS = Columns()
# Long-term conditions are recorded in this category, which no generated criterion names,
# so a count of long-term conditions never meets a condition-category criterion by accident.
LTC_CATEGORY = ConditionCategory.OTHER
SCREENED_CATEGORIES = tuple(c for c in ConditionCategory if c is not LTC_CATEGORY)
DISTRICTS = ("WA1", "WA10", "WA7", "L1", "SW1A", "CF10")

SCHEMA: Mapping[str, Any] = {
    "id": pl.Int64,
    "date_of_birth": pl.Date,
    "age": pl.Int64,
    "predicted_risk": pl.Float64,
    "emergency_admissions_12m": pl.Int64,
    "long_term_conditions": pl.Int64,
    "nursing_home_level_of_need": pl.Boolean,
    **{COLUMNS.condition(c): pl.Boolean for c in ConditionCategory},
    "nhs_employee": pl.Boolean,
    "absent_or_struggling": pl.Boolean,
    "referral_source": pl.String,
    **{COLUMNS.consent(s): pl.Boolean for s in ConsentScope},
    "postcode": pl.String,
    "already_case_managed": pl.Boolean,
    "same_service_elsewhere": pl.Boolean,
}
"""Every column a population frame holds, with its Polars type."""

AS_OF_DAYS = (
    pendulum.Date(2024, 2, 28),
    pendulum.Date(2024, 2, 29),
    pendulum.Date(2024, 3, 1),
    pendulum.Date(2025, 2, 28),
    pendulum.Date(2025, 3, 1),
    pendulum.Date(2026, 1, 5),
    pendulum.Date(2027, 12, 31),
)


def as_of_days() -> st.SearchStrategy[pendulum.Date]:
    """Screening days, often either side of 29 February."""
    return st.sampled_from(AS_OF_DAYS) | st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)).map(
        lambda d: pendulum.Date(d.year, d.month, d.day)
    )


# --- programmes ---------------------------------------------------------------------------

_THRESHOLDS = st.sampled_from([0.0, 0.2, 0.5, 0.6, 1.0]) | st.floats(0.0, 1.0)


def _kinds() -> list[st.SearchStrategy[Criterion]]:
    """One strategy per kind of criterion, with age limits and counts of at least 1."""
    some = st.frozensets
    return [
        st.builds(
            AgeAtLeast,
            years=st.sampled_from([1, 18, 50, 55, 65]) | st.integers(0, 105),
            comparison=st.sampled_from(AgeComparison),
        ).filter(lambda c: c.minimum_age >= 1),
        st.builds(PredictedRiskAtLeast, threshold=_THRESHOLDS),
        st.builds(EmergencyAdmissionsAtLeast, count=st.integers(1, 5)),
        st.builds(LongTermConditionsAtLeast, count=st.integers(1, 5)),
        st.just(NursingHomeLevelOfNeed()),
        st.builds(
            ConditionCategoryIn,
            categories=some(st.sampled_from(SCREENED_CATEGORIES), min_size=1, max_size=4),
        ),
        st.just(NhsEmployee()),
        st.just(AbsentOrStrugglingAtWork()),
        st.builds(
            ReferralSourceIn,
            sources=some(st.sampled_from(ReferralSourceKind), min_size=1, max_size=6),
        ),
        st.builds(ConsentRecorded, scopes=some(st.sampled_from(ConsentScope), min_size=1)),
        st.builds(InCatchment, districts=some(st.sampled_from(DISTRICTS), min_size=1, max_size=3)),
        st.just(NotAlreadyCaseManaged()),
    ]


def criteria() -> st.SearchStrategy[Criterion]:
    """Any criterion a frame can hold, with age limits and counts of at least 1."""
    return st.one_of(_kinds())


def programmes() -> st.SearchStrategy[Programme]:
    """A programme of randomly chosen criteria (any order), sometimes with impactability
    exclusions and risk tiers: the public policy strategy, drawing from :func:`criteria`."""
    policies = eligibility_policies(of=criteria(), presets=False)
    return policies.map(GENERIC.with_eligibility)


def _criteria_of(programme: Programme) -> list[Criterion]:
    policy = programme.eligibility
    return [*policy.criteria, *(e.when for e in policy.exclusions)]


# --- people -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class Person:
    """One person's facts as a population frame holds them (``None``: null in the frame).

    ``predicted_risk`` may be NaN, which the screen counts as missing. ``shape`` picks one of
    several equivalent ways to record the same facts on the entities.
    """

    id: int
    date_of_birth: dt.date | None
    predicted_risk: float | None
    emergency_admissions_12m: int | None
    long_term_conditions: int | None
    nursing_home_level_of_need: bool | None
    conditions: Mapping[ConditionCategory, bool | None]
    nhs_employee: bool | None
    absent_or_struggling: bool | None
    referral_source: ReferralSourceKind | None
    consents: Mapping[ConsentScope, bool | None]
    postcode: str | None
    already_case_managed: bool | None
    same_service_elsewhere: bool | None
    shape: int = 0


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _birth_days(programme: Programme, as_of: pendulum.Date) -> list[dt.date]:
    """Dates of birth on and one day either side of every age cut-off, and 29 February
    births near each cut-off."""
    ages = {1, 50, 65} | {
        c.minimum_age for c in _criteria_of(programme) if isinstance(c, AgeAtLeast)
    }
    days: set[dt.date] = set()
    for years in ages:
        cutoff = age_cutoff(years, as_of)
        base = dt.date(cutoff.year, cutoff.month, cutoff.day)
        days.update(base + dt.timedelta(days=d) for d in (-1, 0, 1))
        for year in range(as_of.year - years - 4, as_of.year - years + 5):
            if _is_leap(year) and year > 1:
                days.add(dt.date(year, 2, 29))
    return sorted(days)


def _risks(programme: Programme) -> list[float]:
    """Risks at and next to every threshold and tier cut-off (within 0 to 1)."""
    points = {0.0, 1.0}
    for criterion in _criteria_of(programme):
        if isinstance(criterion, PredictedRiskAtLeast):
            points.add(criterion.threshold)
    tiers = programme.eligibility.tiers
    if tiers is not None:
        points.update((tiers.high, tiers.medium))
    near = set(points)
    for point in points:
        near.update((math.nextafter(point, -math.inf), math.nextafter(point, math.inf)))
    return sorted(r for r in near if 0.0 <= r <= 1.0)


def _counts(programme: Programme, kind: type[Criterion]) -> list[int]:
    values = {0, 1, 2}
    for criterion in _criteria_of(programme):
        if isinstance(criterion, EmergencyAdmissionsAtLeast | LongTermConditionsAtLeast) and (
            isinstance(criterion, kind)
        ):
            values.update(criterion.count + d for d in (-1, 0, 1))
    return sorted(v for v in values if v >= 0)


def _postcodes(programme: Programme) -> st.SearchStrategy[str]:
    """Postcodes in and just outside the programme's districts (WA1 and WA10, spaces, lower
    case, inward codes too short or too long) and random strings of postcode characters."""
    used = sorted(
        {d for c in _criteria_of(programme) if isinstance(c, InCatchment) for d in c.districts}
    )
    district = st.sampled_from([*DISTRICTS, "WA", "WA100", "XW1", "L10", "SW1"])
    if used:
        district = st.sampled_from(used) | district
    inward = st.sampled_from(["1AA", "9ZZ", "0AB", "1A", "1AAA"])
    spacing = st.sampled_from(["", " ", "  "])
    built = st.builds(
        lambda d, s, i, lower: (d + s + i).lower() if lower else d + s + i,
        district,
        spacing,
        inward,
        st.booleans(),
    )
    return built | st.text(alphabet="WALwa1079 ", max_size=9)


_FLAGS = st.sampled_from([None, False, True])
_MOSTLY_TRUE = st.sampled_from([True, True, True, False, None])
_MOSTLY_FALSE = st.sampled_from([False, False, False, None, True])


@st.composite
def _person(draw: st.DrawFn, person_id: int, programme: Programme, as_of: pendulum.Date) -> Person:
    born = draw(
        st.none()
        | st.sampled_from(_birth_days(programme, as_of))
        | st.dates(dt.date(as_of.year - 110, 1, 1), dt.date(as_of.year, as_of.month, as_of.day))
        # born after the day (the frame's date is past every cut-off; the client has no age)
        | st.integers(1, 3).map(
            lambda n: dt.date(as_of.year, as_of.month, as_of.day) + dt.timedelta(n)
        )
    )
    unborn = born is not None and born > as_of
    risk = draw(
        st.none() | st.just(math.nan) | st.sampled_from(_risks(programme)) | st.floats(0, 1)
    )
    consents = {
        # Nobody can consent before birth: a client born after the day has no consent then.
        scope: (False if unborn and flag else flag)
        for scope, flag in draw(
            st.fixed_dictionaries(dict.fromkeys(ConsentScope, _MOSTLY_TRUE))
        ).items()
    }
    return Person(
        id=person_id,
        date_of_birth=born,
        predicted_risk=risk,
        emergency_admissions_12m=draw(
            st.none() | st.sampled_from(_counts(programme, EmergencyAdmissionsAtLeast))
        ),
        long_term_conditions=draw(
            st.none() | st.sampled_from(_counts(programme, LongTermConditionsAtLeast))
        ),
        nursing_home_level_of_need=draw(_FLAGS),
        conditions=draw(st.fixed_dictionaries(dict.fromkeys(ConditionCategory, _MOSTLY_FALSE))),
        nhs_employee=draw(_FLAGS),
        absent_or_struggling=draw(_FLAGS),
        referral_source=draw(st.none() | st.sampled_from(ReferralSourceKind)),
        consents=consents,
        postcode=draw(st.none() | _postcodes(programme)),
        already_case_managed=draw(_MOSTLY_FALSE),
        same_service_elsewhere=draw(_MOSTLY_FALSE),
        shape=draw(st.integers(0, 5)),
    )


def _meeting(
    draw: st.DrawFn, person: Person, criterion: Criterion, as_of: pendulum.Date
) -> dict[str, Any]:
    """Changes to ``person`` that make ``criterion`` hold, at or just past its threshold."""
    day = dt.date(as_of.year, as_of.month, as_of.day)
    if isinstance(criterion, AgeAtLeast):
        cutoff = age_cutoff(criterion.minimum_age, as_of)
        latest = dt.date(cutoff.year, cutoff.month, cutoff.day)
        return {"date_of_birth": latest - dt.timedelta(days=draw(st.sampled_from([0, 0, 1, 400])))}
    if isinstance(criterion, PredictedRiskAtLeast):
        point = criterion.threshold
        above = min(math.nextafter(point, 2.0), 1.0)
        return {"predicted_risk": draw(st.sampled_from([point, above, 1.0]))}
    if isinstance(criterion, EmergencyAdmissionsAtLeast):
        return {"emergency_admissions_12m": criterion.count + draw(st.sampled_from([0, 0, 1]))}
    if isinstance(criterion, LongTermConditionsAtLeast):
        return {"long_term_conditions": criterion.count + draw(st.sampled_from([0, 0, 1]))}
    if isinstance(criterion, NursingHomeLevelOfNeed):
        return {"nursing_home_level_of_need": True}
    if isinstance(criterion, ConditionCategoryIn):
        category = draw(st.sampled_from(sorted(criterion.categories, key=lambda c: c.value)))
        return {"conditions": {**person.conditions, category: True}}
    if isinstance(criterion, NhsEmployee):
        return {"nhs_employee": True}
    if isinstance(criterion, AbsentOrStrugglingAtWork):
        return {"absent_or_struggling": True}
    if isinstance(criterion, ReferralSourceIn):
        return {"referral_source": draw(st.sampled_from(sorted(criterion.sources, key=str)))}
    if isinstance(criterion, ConsentRecorded):
        changes: dict[str, Any] = {
            "consents": {**person.consents, **dict.fromkeys(criterion.scopes, True)}
        }
        if person.date_of_birth is not None and person.date_of_birth > day:
            changes["date_of_birth"] = None  # consented, so born by the day
        return changes
    if isinstance(criterion, InCatchment):
        district = draw(st.sampled_from(sorted(criterion.districts)))
        return {"postcode": district + draw(st.sampled_from([" 1AA", "9ZZ", "  0ab"]))}
    assert isinstance(criterion, NotAlreadyCaseManaged)
    return {"already_case_managed": False, "same_service_elsewhere": False}


def _missing(
    draw: st.DrawFn, person: Person, criterion: Criterion, as_of: pendulum.Date
) -> dict[str, Any]:
    """Changes to ``person`` that make ``criterion`` fail by as little as possible (a day, a
    count, the next float down, a neighbouring district) or for a missing fact."""
    if isinstance(criterion, AgeAtLeast):
        cutoff = age_cutoff(criterion.minimum_age, as_of)
        after = dt.date(cutoff.year, cutoff.month, cutoff.day) + dt.timedelta(days=1)
        return {"date_of_birth": draw(st.sampled_from([after, after, None]))}
    if isinstance(criterion, PredictedRiskAtLeast):
        below = math.nextafter(criterion.threshold, -1.0)
        lower = [below, below] if below >= 0.0 else []  # a threshold of 0: only a missing risk
        return {"predicted_risk": draw(st.sampled_from([*lower, None, math.nan]))}
    if isinstance(criterion, EmergencyAdmissionsAtLeast):
        return {"emergency_admissions_12m": draw(st.sampled_from([criterion.count - 1, None]))}
    if isinstance(criterion, LongTermConditionsAtLeast):
        return {"long_term_conditions": draw(st.sampled_from([criterion.count - 1, None]))}
    if isinstance(criterion, NursingHomeLevelOfNeed):
        return {"nursing_home_level_of_need": draw(st.sampled_from([False, None]))}
    if isinstance(criterion, ConditionCategoryIn):
        flags = st.sampled_from([False, None])
        return {
            "conditions": {**person.conditions, **{c: draw(flags) for c in criterion.categories}}
        }
    if isinstance(criterion, NhsEmployee | AbsentOrStrugglingAtWork):
        return {criterion.reads[0]: draw(st.sampled_from([False, None]))}
    if isinstance(criterion, ReferralSourceIn):
        others = sorted(set(ReferralSourceKind) - criterion.sources, key=str)
        return {"referral_source": draw(st.sampled_from([None, *others]))}
    if isinstance(criterion, ConsentRecorded):
        scope = draw(st.sampled_from(sorted(criterion.scopes, key=str)))
        return {"consents": {**person.consents, scope: draw(st.sampled_from([False, None]))}}
    if isinstance(criterion, InCatchment):
        district = draw(st.sampled_from(sorted(criterion.districts)))
        near = [district + "0 1AA", district + " 1A", district[:-1] + " 1AA", district + "1AAA"]
        return {"postcode": draw(st.sampled_from([None, *near]))}
    assert isinstance(criterion, NotAlreadyCaseManaged)
    name = draw(st.sampled_from(criterion.reads))
    return {name: draw(st.sampled_from([True, None]))}


@st.composite
def _near(draw: st.DrawFn, person: Person, programme: Programme, as_of: pendulum.Date) -> Person:
    """``person`` changed to meet every criterion of ``programme``, or to miss one of them
    narrowly."""
    wanted = list(programme.eligibility.criteria)
    missed = None
    miss_one: bool = draw(st.booleans())
    if wanted and miss_one:
        missed = wanted.pop(draw(st.integers(0, len(wanted) - 1)))
    # Consent last: it may move a birth after the day back to unknown, which fails no age
    # limit it was chosen to meet (the age limit set a birth before the day).
    wanted.sort(key=lambda c: isinstance(c, ConsentRecorded))
    for criterion in wanted:
        person = dataclasses.replace(person, **_meeting(draw, person, criterion, as_of))
    if missed is not None:
        person = dataclasses.replace(person, **_missing(draw, person, missed, as_of))
    return person


@st.composite
def people(
    draw: st.DrawFn, programme: Programme, as_of: pendulum.Date, max_size: int = 25
) -> list[Person]:
    """A population of 0 to ``max_size`` people (ids 0, 1, ...) for ``programme`` on ``as_of``;
    about half of them meet every criterion or miss just one."""
    size = draw(st.integers(0, max_size))
    population = []
    for i in range(size):
        person = draw(_person(i, programme, as_of))
        if draw(st.booleans()):
            person = draw(_near(person, programme, as_of))
        population.append(person)
    return population


# --- the frame ----------------------------------------------------------------------------


def _row(person: Person, as_of: pendulum.Date) -> dict[str, object]:
    born = person.date_of_birth
    row: dict[str, object] = {
        "id": person.id,
        "date_of_birth": born,
        "age": None if born is None or born > as_of else _age(born, as_of),
        "predicted_risk": person.predicted_risk,
        "emergency_admissions_12m": person.emergency_admissions_12m,
        "long_term_conditions": person.long_term_conditions,
        "nursing_home_level_of_need": person.nursing_home_level_of_need,
        "nhs_employee": person.nhs_employee,
        "absent_or_struggling": person.absent_or_struggling,
        "referral_source": None if person.referral_source is None else person.referral_source.value,
        "postcode": person.postcode,
        "already_case_managed": person.already_case_managed,
        "same_service_elsewhere": person.same_service_elsewhere,
    }
    row.update({COLUMNS.condition(c): flag for c, flag in person.conditions.items()})
    row.update({COLUMNS.consent(s): flag for s, flag in person.consents.items()})
    return row


def frame(population: Sequence[Person], as_of: pendulum.Date) -> pl.DataFrame:
    """The population as a Polars frame with every column of :data:`SCHEMA` (empty too)."""
    return pl.DataFrame([_row(p, as_of) for p in population], schema=dict(SCHEMA), orient="row")


# --- the entities -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Entities:
    """What :func:`assess_eligibility` reads about one person."""

    client: Client
    referral: Referral | None
    source: ReferralSource | None
    open_cases: tuple[Case, ...]
    services_elsewhere: tuple[str, ...]


def _date(day: dt.date) -> pendulum.Date:
    return pendulum.Date(day.year, day.month, day.day)


def _consents(
    scope: ConsentScope, given: bool, born: pendulum.Date, as_of: pendulum.Date, shape: int
) -> list[Consent]:
    """Consent records that leave ``scope`` permitted on ``as_of`` exactly when ``given``."""
    on_or_before = max(born, as_of.subtract(days=30 * shape))
    earlier = max(born, on_or_before.subtract(days=10))
    later = max(born, as_of.add(days=1))

    def consent(decision: ConsentDecision, recorded: pendulum.Date, **kw: Any) -> Consent:
        return Consent(scope=scope, decision=decision, recorded_on=recorded, **kw)

    permit, deny = ConsentDecision.PERMIT, ConsentDecision.DENY
    if given:
        options = [
            [consent(permit, on_or_before)],
            # withdrawn from the day after: still in force on the day
            [consent(permit, on_or_before, withdrawn_on=as_of.add(days=1))],
            [consent(deny, earlier), consent(permit, on_or_before)]
            if earlier < on_or_before
            else [consent(permit, on_or_before)],
        ]
        return options[shape % len(options)]
    if born > as_of:  # nothing recorded by the day can apply to someone not yet born
        return [consent(permit, later)] if shape % 2 else []
    options = [
        [],
        [consent(deny, on_or_before)],
        # withdrawn on the day: no longer in force
        [consent(permit, on_or_before, withdrawn_on=as_of)],
        [consent(permit, later)],
        [consent(permit, earlier), consent(deny, on_or_before)]
        if earlier < on_or_before
        else [consent(deny, on_or_before)],
    ]
    return options[shape % len(options)]


def _employment(person: Person, as_of: pendulum.Date) -> Employment | None:
    if person.nhs_employee is None and person.absent_or_struggling is None:
        return None
    # One work fact missing: the record holds the other, and False for the missing one,
    # which fails the criterion reading it (as the null fails it in the frame).
    nhs = bool(person.nhs_employee)
    absent = bool(person.absent_or_struggling)
    shape = person.shape
    absence: SicknessAbsence | None
    if absent:
        absence = [
            SicknessAbsence(started_on=as_of.subtract(days=3)),
            SicknessAbsence(started_on=as_of.subtract(days=20), ended_on=as_of),
            SicknessAbsence(started_on=as_of.add(days=5), struggling_at_work=True),
        ][shape % 3]
    else:
        absence = [
            None,
            SicknessAbsence(started_on=as_of.add(days=1)),
            SicknessAbsence(started_on=as_of.subtract(days=40), ended_on=as_of.subtract(days=1)),
        ][shape % 3]
    if nhs:
        status = EmploymentStatus.EMPLOYED
    elif absence is not None:
        status = (EmploymentStatus.EMPLOYED, EmploymentStatus.SELF_EMPLOYED)[shape % 2]
    else:
        status = (EmploymentStatus.RETIRED, EmploymentStatus.EMPLOYED)[shape % 2]
    return Employment(status=status, nhs_employee=nhs, absence=absence)


def _referral(
    client_id: ClientId, number: str, source_id: ReferralSourceId, on: pendulum.Date
) -> Referral:
    return Referral(
        id=ReferralId(f"RF-{number}"),
        client_id=client_id,
        source_id=source_id,
        received_on=on,
        reason="referred for case management",
    )


def _case(client_id: ClientId, number: str, status: CaseStatus, as_of: pendulum.Date) -> Case:
    opened = as_of.subtract(days=60)
    referral = _referral(client_id, f"C{number}", ReferralSourceId("RS-GP"), opened)
    return Case(
        id=CaseId(f"CA-{number}"),
        client_id=client_id,
        programme="generic",
        status=status,
        opened_on=opened,
        referrals=(referral.accept(opened),),
        manager_id=CaseManagerId("CM-1") if status.is_open else None,
        closed_on=as_of.subtract(days=1) if status is CaseStatus.CLOSED else None,
        closure=(
            Closure(reason=ClosureReason.GOALS_ACHIEVED) if status is CaseStatus.CLOSED else None
        ),
    )


def _open_cases(person: Person, client_id: ClientId, as_of: pendulum.Date) -> tuple[Case, ...]:
    number = str(person.id)
    if person.already_case_managed is not False:
        # True, or missing: an open case fails "not already case-managed" on both paths.
        status = (CaseStatus.ACTIVE, CaseStatus.ON_HOLD, CaseStatus.ACCEPTED)[person.shape % 3]
        return (_case(client_id, number, status, as_of),)
    other = ClientId(f"CL-other-{number}")
    options: list[tuple[Case, ...]] = [
        (),
        (_case(client_id, number, CaseStatus.CLOSED, as_of),),
        (_case(other, number, CaseStatus.ACTIVE, as_of),),
        (_case(client_id, number, CaseStatus.REFERRED, as_of),),
    ]
    return options[person.shape % len(options)]


def entities(person: Person, as_of: pendulum.Date) -> Entities:
    """The person's record as the model holds it."""
    client_id = ClientId(f"CL-{person.id}")
    shape = person.shape
    consented = any(person.consents.values())
    if person.date_of_birth is not None:
        born = _date(person.date_of_birth)
    elif consented:
        born = as_of  # aged 0: fails every age limit (all are at least 1)
    else:
        born = as_of.add(days=1 + shape)  # not yet born on the day: no age at all
    risk = person.predicted_risk
    if risk is None or math.isnan(risk):
        # no score, or one computed after the day (ignored)
        scored = (
            RiskInputs()
            if shape % 2
            else RiskInputs(predicted_risk=0.99, scored_on=as_of.add(days=1))
        )
    else:
        scored = RiskInputs(predicted_risk=risk, scored_on=as_of.subtract(days=shape))
    risk_inputs = RiskInputs(
        predicted_risk=scored.predicted_risk,
        scored_on=scored.scored_on,
        emergency_admissions_12m=person.emergency_admissions_12m or 0,
        nursing_home_level_of_need=bool(person.nursing_home_level_of_need),
    )
    conditions = [
        Condition(category=c, long_term=False, label="condition")
        for c, flag in person.conditions.items()
        if flag
    ]
    conditions += [
        Condition(category=LTC_CATEGORY, long_term=True, label="long-term condition")
    ] * (person.long_term_conditions or 0)
    consents = [
        c
        for scope, flag in person.consents.items()
        for c in _consents(scope, bool(flag), born, as_of, shape)
    ]
    if person.postcode is not None:
        address: Address | None = Address(lines=("1 High Street",), postcode=person.postcode)
    else:
        address = Address(lines=("1 High Street",)) if shape % 2 else None
    client = Client(
        id=client_id,
        name=PersonName(given="Test", family=f"Person {person.id}"),
        date_of_birth=born,
        address=address,
        conditions=tuple(conditions),
        consents=tuple(consents),
        risk=risk_inputs,
        employment=_employment(person, as_of),
    )
    referral = source = None
    if person.referral_source is not None:
        source = ReferralSource(id=ReferralSourceId(f"RS-{person.id}"), kind=person.referral_source)
        referral = _referral(client_id, str(person.id), source.id, as_of)
    elsewhere = () if person.same_service_elsewhere is False else ("community matron",)
    return Entities(
        client=client,
        referral=referral,
        source=source,
        open_cases=_open_cases(person, client_id, as_of),
        services_elsewhere=elsewhere,
    )


def decide(person: Person, programme: Programme, as_of: pendulum.Date) -> EligibilityDecision:
    """What :func:`assess_eligibility` decides about the person."""
    found = entities(person, as_of)
    return assess_eligibility(
        found.client,
        found.referral,
        programme=programme,
        as_of=as_of,
        source=found.source,
        open_cases=found.open_cases,
        services_elsewhere=found.services_elsewhere,
    )


_NOT_ELIGIBLE = frozenset(
    {
        EligibilityStatus.INELIGIBLE,
        EligibilityStatus.INAPPROPRIATE,
        EligibilityStatus.DUPLICATE,
        EligibilityStatus.CONSENT_NEEDED,
    }
)


def expected_row(decision: EligibilityDecision, *, tiers: bool) -> dict[str, object]:
    """The screen's output columns for a person, read off the one-person decision."""
    failed = [i for i, o in enumerate(decision.outcomes) if not o.met]
    row: dict[str, object] = {
        "eligible": decision.model_status not in _NOT_ELIGIBLE,
        "excluded": decision.model_status is EligibilityStatus.EXCLUDED,
        "failed": sum(1 << i for i in failed),
        "reason": decision.outcomes[failed[0]].key if failed else None,
    }
    if tiers:
        assert decision.tier is not None
        row["tier"] = decision.tier.value
    return row


# --- backends -----------------------------------------------------------------------------


def rows_of(native: Any) -> list[dict[str, Any]]:
    """The rows of any frame narwhals reads (collected when lazy), in the frame's order."""
    data = nw.from_native(native)
    if isinstance(data, nw.LazyFrame):
        return data.collect(backend="polars").rows(named=True)
    assert isinstance(data, nw.DataFrame)
    return data.rows(named=True)


def _duckdb(data: pl.DataFrame) -> duckdb.DuckDBPyRelation:
    return duckdb.connect().from_arrow(data.to_arrow())


def _dask(data: pl.DataFrame) -> Any:
    pandas = data.to_pandas(use_pyarrow_extension_array=True)
    return dd.from_pandas(pandas, npartitions=2)  # type: ignore[no-untyped-call]


@dataclasses.dataclass(frozen=True)
class Backend:
    """One dataframe engine: how to hand it a Polars frame, and the native type it returns."""

    name: str
    native: Callable[[pl.DataFrame], Any]
    kind: type

    def __repr__(self) -> str:
        return self.name


BACKENDS = (
    Backend("polars", lambda d: d, pl.DataFrame),
    Backend("polars-lazy", pl.DataFrame.lazy, pl.LazyFrame),
    Backend("duckdb", _duckdb, duckdb.DuckDBPyRelation),
    Backend("dask", _dask, dd.DataFrame),
)


def spark_ddl() -> str:
    """:data:`SCHEMA` as a Spark DDL schema string."""
    types = {pl.Int64: "BIGINT", pl.Date: "DATE", pl.Float64: "DOUBLE", pl.Boolean: "BOOLEAN"}
    return ", ".join(f"`{name}` {types.get(kind, 'STRING')}" for name, kind in SCHEMA.items())


def unknown(person_id: int, date_of_birth: dt.date | None = None) -> Person:
    """A person of whom nothing but (perhaps) the date of birth is recorded."""
    return Person(
        id=person_id,
        date_of_birth=date_of_birth,
        predicted_risk=None,
        emergency_admissions_12m=None,
        long_term_conditions=None,
        nursing_home_level_of_need=None,
        conditions=dict.fromkeys(ConditionCategory),
        nhs_employee=None,
        absent_or_struggling=None,
        referral_source=None,
        consents=dict.fromkeys(ConsentScope),
        postcode=None,
        already_case_managed=None,
        same_service_elsewhere=None,
    )
