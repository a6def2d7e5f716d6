"""The population services one by one: column checks, the frame kinds that come back, the
optional columns, missing risk, catchment matching, case-finding and the summary."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import narwhals as nw
import pendulum
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casemgmt.errors import ColumnError
from casemgmt.model import ConsentScope
from casemgmt.policies import (
    CASTLEFIELDS,
    GENERIC,
    OHSXTRA,
    VIRTUAL_WARD,
    WALES_APN,
    AgeAtLeast,
    ConditionCategoryIn,
    ConsentRecorded,
    Criterion,
    EligibilityFacts,
    EligibilityPolicy,
    EmergencyAdmissionsAtLeast,
    Exclusion,
    InCatchment,
    LongTermConditionsAtLeast,
    NhsEmployee,
    NotAlreadyCaseManaged,
    PredictedRiskAtLeast,
    Programme,
    ReferralSourceIn,
    RiskTier,
    RiskTiers,
)
from casemgmt.population import OUTPUT_COLUMNS, Columns, find_cases, screen, summarise

from ._rows import BACKENDS, Backend, frame, people, programmes, rows_of

DAY = pendulum.Date(2026, 1, 5)
_EXAMPLES = settings().max_examples
_LAZY_AND_EAGER = [b for b in BACKENDS if b.name != "dask"]
_DASK = next(b for b in BACKENDS if b.name == "dask")


def _by_id(native: Any) -> list[dict[str, Any]]:
    return sorted(rows_of(native), key=lambda r: r["id"])


def _names(native: Any) -> list[str]:
    return list(nw.from_native(native).collect_schema().names())


def _policy(*criteria: Criterion, **kw: Any) -> Programme:
    return GENERIC.with_eligibility(EligibilityPolicy(criteria=criteria, **kw))


# --- column checks ------------------------------------------------------------------------


def _reads(programme: Programme, columns: Columns) -> dict[str, str]:
    """The columns the programme reads, each with the kind of column it must be."""
    reads: dict[str, str] = {}
    policy = programme.eligibility
    for criterion in [*policy.criteria, *(e.when for e in policy.exclusions)]:
        if isinstance(criterion, AgeAtLeast):
            if columns.age is None:
                reads[columns.date_of_birth] = "date"
            else:
                reads[columns.age] = "integer"
        elif isinstance(criterion, PredictedRiskAtLeast):
            reads[columns.predicted_risk] = "number"
        elif isinstance(criterion, EmergencyAdmissionsAtLeast | LongTermConditionsAtLeast):
            reads[getattr(columns, criterion.reads[0])] = "integer"
        elif isinstance(criterion, ConditionCategoryIn):
            reads.update(dict.fromkeys(map(columns.condition, criterion.categories), "boolean"))
        elif isinstance(criterion, ConsentRecorded):
            reads.update(dict.fromkeys(map(columns.consent, criterion.scopes), "boolean"))
        elif isinstance(criterion, ReferralSourceIn | InCatchment):
            reads[getattr(columns, criterion.reads[0])] = "text"
        else:
            reads.update({getattr(columns, name): "boolean" for name in criterion.reads})
    if policy.tiers is not None:
        reads[columns.predicted_risk] = "number"
    return reads


# A value of the wrong type for each kind of column; none may appear in an error message.
_WRONG: dict[str, pl.Expr] = {
    "date": pl.lit("SECRET-1950-06-01"),
    "integer": pl.lit(0.987654321),
    "number": pl.lit("SECRET-0.73"),
    "boolean": pl.lit(424242),
    "text": pl.lit(434343),
}
_SECRETS = ("SECRET", "0.987654321", "424242", "434343")


@st.composite
def _bad_frames(draw: st.DrawFn) -> tuple[Programme, Columns, pl.DataFrame, dict[str, str]]:
    programme = draw(programmes().filter(lambda p: p.eligibility.criteria))
    columns = draw(st.sampled_from([Columns(), Columns(age="age")]))
    population = draw(people(programme, DAY, max_size=3))
    reads = sorted(_reads(programme, columns).items())
    chosen = draw(st.lists(st.sampled_from(reads), min_size=1, unique=True))
    broken = {name: draw(st.sampled_from(["missing_column", "wrong_type"])) for name, _ in chosen}
    data = frame(population, DAY).with_columns(
        _WRONG[kind].alias(name) for name, kind in chosen if broken[name] == "wrong_type"
    )
    data = data.drop(name for name, code in broken.items() if code == "missing_column")
    return programme, columns, data, broken


@settings(max_examples=max(10, _EXAMPLES // 2))
@given(_bad_frames())
def test_every_missing_or_mistyped_column_is_named_and_no_value_is_shown(
    bad: tuple[Programme, Columns, pl.DataFrame, dict[str, str]],
) -> None:
    programme, columns, data, broken = bad
    for backend in BACKENDS:
        with pytest.raises(ColumnError) as caught:
            screen(backend.native(data), programme=programme, as_of=DAY, columns=columns)
        error = caught.value
        assert {p.path: p.code for p in error.problems} == broken, backend
        message = str(error)
        assert all(name in message for name in broken), backend
        assert not any(secret in message for secret in _SECRETS), backend


def test_a_column_error_says_what_was_expected_and_found() -> None:
    data = pl.DataFrame(
        {
            "id": [1],
            "age": [70.5],
            "emergency_admissions_12m": [3],
            "consent_case_management": ["yes"],
            "already_case_managed": [False],
        }
    )
    with pytest.raises(ColumnError) as caught:
        screen(data, programme=WALES_APN, as_of=DAY, columns=Columns(age="age"))
    problems = {p.path: (p.code, p.message) for p in caught.value.problems}
    assert problems == {
        "age": ("wrong_type", "expected an integer column, found Float64"),
        "consent_case_management": ("wrong_type", "expected a boolean column, found String"),
        "same_service_elsewhere": ("missing_column", "missing: a boolean column"),
        "predicted_risk": ("missing_column", "missing: a numeric column"),
    }
    assert caught.value.code == "bad_columns"
    assert str(caught.value).startswith("4 columns cannot be screened: ")
    assert "70.5" not in str(caught.value)
    assert "yes" not in str(caught.value)


def test_columns_not_read_by_the_programme_are_never_looked_at() -> None:
    data = pl.DataFrame(
        {
            "consent_case_management": [True],
            "already_case_managed": [False],
            "same_service_elsewhere": [False],
            "date_of_birth": ["not a date"],
            "predicted_risk": ["not a number"],
        }
    )
    out = screen(data, programme=GENERIC, as_of=DAY)
    assert out["eligible"].to_list() == [True]


@pytest.mark.parametrize(
    ("existing", "programme", "reasons", "clash"),
    [
        ("eligible", GENERIC, True, True),
        ("excluded", GENERIC, False, True),
        ("failed", GENERIC, False, True),
        ("reason", GENERIC, True, True),
        ("reason", GENERIC, False, False),
        ("tier", CASTLEFIELDS, False, True),
        ("tier", GENERIC, True, False),
    ],
)
def test_an_output_column_already_in_the_frame_is_refused(
    existing: str, programme: Programme, reasons: bool, clash: bool
) -> None:
    data = pl.DataFrame(
        {
            "consent_case_management": [True, False],
            "already_case_managed": [False, False],
            "same_service_elsewhere": [False, False],
            "predicted_risk": [0.1, 0.7],
            existing: ["kept", "kept"],
        }
    )
    for backend in BACKENDS:
        native = backend.native(data)
        if clash:
            with pytest.raises(ColumnError) as caught:
                screen(native, programme=programme, as_of=DAY, reasons=reasons)
            assert [(p.path, p.code) for p in caught.value.problems] == [
                (existing, "output_exists")
            ]
        else:
            out = _by_risk(screen(native, programme=programme, as_of=DAY, reasons=reasons))
            assert [r[existing] for r in out] == ["kept", "kept"], backend


def _by_risk(native: Any) -> list[dict[str, Any]]:
    return sorted(rows_of(native), key=lambda r: r["predicted_risk"])


def test_clashes_and_missing_columns_are_reported_together() -> None:
    data = pl.DataFrame({"eligible": [True], "tier": ["x"], "consent_case_management": [1]})
    with pytest.raises(ColumnError) as caught:
        screen(data, programme=CASTLEFIELDS, as_of=DAY)
    assert {p.path: p.code for p in caught.value.problems} == {
        "consent_case_management": "wrong_type",
        "already_case_managed": "missing_column",
        "same_service_elsewhere": "missing_column",
        "predicted_risk": "missing_column",
        "eligible": "output_exists",
        "tier": "output_exists",
    }


# --- what comes back ----------------------------------------------------------------------

_SAFE = {
    "id": [3, 1, 2],
    "predicted_risk": [0.9, 0.3, None],
    "consent_case_management": [True, True, False],
    "already_case_managed": [False, False, False],
    "same_service_elsewhere": [False, False, False],
}


_KINDS = [
    *BACKENDS,
    # eager frames of other libraries (their types taken from Polars' conversions)
    Backend("pandas", pl.DataFrame.to_pandas, type(pl.DataFrame().to_pandas())),
    Backend("pyarrow", pl.DataFrame.to_arrow, type(pl.DataFrame().to_arrow())),
]


@pytest.mark.parametrize("backend", _KINDS, ids=str)
def test_the_result_is_a_frame_of_the_input_kind_and_lazy_stays_lazy(backend: Backend) -> None:
    native = backend.native(pl.DataFrame(_SAFE))
    out = screen(native, programme=CASTLEFIELDS, as_of=DAY)
    assert isinstance(out, backend.kind)
    found = find_cases(native, programme=CASTLEFIELDS, places=1, as_of=DAY)
    assert isinstance(found.proposed, backend.kind)
    assert [r["id"] for r in rows_of(found.proposed)] == [3]
    assert [r["eligible"] for r in _by_id(out)] == [True, False, True]


@pytest.mark.parametrize("backend", BACKENDS, ids=str)
def test_optional_columns(backend: Backend) -> None:
    native = backend.native(pl.DataFrame(_SAFE))
    base = list(_SAFE)
    with_tiers = screen(native, programme=CASTLEFIELDS, as_of=DAY)
    assert _names(with_tiers) == [*base, *OUTPUT_COLUMNS]
    quick = screen(native, programme=CASTLEFIELDS, as_of=DAY, reasons=False)
    assert _names(quick) == [*base, "eligible", "excluded", "failed", "tier"]
    untiered = screen(native, programme=GENERIC, as_of=DAY)
    assert _names(untiered) == [*base, "eligible", "excluded", "failed", "reason"]
    bare = screen(native, programme=GENERIC, as_of=DAY, reasons=False)
    assert _names(bare) == [*base, "eligible", "excluded", "failed"]
    rows = _by_id(quick)
    assert [(r["failed"], r["tier"]) for r in rows] == [
        (0, "medium"),
        (1, "unscored"),
        (0, "high"),
    ]
    assert [r["reason"] for r in _by_id(untiered)] == [None, "consent", None]


def test_an_empty_programme_finds_everyone_eligible() -> None:
    out = screen(pl.DataFrame({"id": [1, 2]}), programme=_policy(), as_of=DAY)
    assert out.rows() == [(1, True, False, 0, None), (2, True, False, 0, None)]


# --- missing risk -------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS, ids=str)
def test_nan_risk_counts_as_missing(backend: Backend) -> None:
    programme = _policy(
        PredictedRiskAtLeast(threshold=0.0),
        tiers=RiskTiers(high=0.5, medium=0.0),
        exclusions=(
            Exclusion(key="scored", when=PredictedRiskAtLeast(threshold=0.0), reason="any"),
        ),
    )
    unscreened = _policy(
        exclusions=(
            Exclusion(key="scored", when=PredictedRiskAtLeast(threshold=0.0), reason="any"),
        ),
        tiers=RiskTiers(high=0.5, medium=0.0),
    )
    data = pl.DataFrame(
        {"id": [1, 2, 3, 4], "predicted_risk": [math.nan, None, 0.0, 0.5]},
        schema={"id": pl.Int64, "predicted_risk": pl.Float64},
    )
    rows = _by_id(screen(backend.native(data), programme=programme, as_of=DAY))
    got = [(r["eligible"], r["excluded"], r["failed"], r["reason"], r["tier"]) for r in rows]
    assert got == [
        (False, False, 1, "predicted-risk", "unscored"),
        (False, False, 1, "predicted-risk", "unscored"),
        (True, True, 0, None, "medium"),
        (True, True, 0, None, "high"),
    ]
    rows = _by_id(screen(backend.native(data), programme=unscreened, as_of=DAY))
    assert [r["excluded"] for r in rows] == [False, False, True, True]


# --- catchment ----------------------------------------------------------------------------

_CATCHMENT = InCatchment(districts=frozenset({"WA1", "L1", "SW1A"}))
_POSTCODES = [
    ("WA1 1AA", True),
    ("WA11AA", True),
    ("wa1 1aa", True),
    ("  w A1 1 a A ", True),
    ("WA10 1AA", False),  # WA10 is not WA1
    ("WA101AA", False),
    ("WA1 1A", False),  # inward code too short
    ("WA1 1AAA", False),
    ("WA1", False),
    ("L1 0AB", True),
    ("L10 0AB", False),
    ("SW1A 2AA", True),
    ("SW1 2AA", False),
    ("sw1a2aa", True),
    ("", False),
    ("   ", False),
    ("L1 1A\u00df", False),  # ß capitalises to SS on some engines only: never inside
    ("L1 1\ufb01A", False),  # the ligature fi likewise
    ("L1\u00a01AA", False),  # a no-break space is not a space
    ("1AA", False),
    (None, False),
]


@pytest.mark.parametrize("backend", BACKENDS, ids=str)
def test_catchment_compares_districts_without_spaces_or_case(backend: Backend) -> None:
    data = pl.DataFrame(
        {"id": range(len(_POSTCODES)), "postcode": [p for p, _ in _POSTCODES]},
        schema={"id": pl.Int64, "postcode": pl.String},
    )
    rows = _by_id(screen(backend.native(data), programme=_policy(_CATCHMENT), as_of=DAY))
    assert [r["eligible"] for r in rows] == [inside for _, inside in _POSTCODES]
    for postcode, inside in _POSTCODES:
        assert (_CATCHMENT.test(EligibilityFacts(postcode=postcode)) is True) == inside


@settings(max_examples=max(10, _EXAMPLES // 2))
@given(
    st.frozensets(st.sampled_from(["WA1", "WA10", "L1", "SW1A", "M1"]), min_size=1),
    st.lists(st.text(alphabet="WAMLSwamls01 ", max_size=10), max_size=30),
)
def test_catchment_on_frames_matches_the_criterion(
    districts: frozenset[str], postcodes: list[str]
) -> None:
    catchment = InCatchment(districts=districts)
    data = pl.DataFrame(
        {"id": range(len(postcodes)), "postcode": postcodes},
        schema={"id": pl.Int64, "postcode": pl.String},
    )
    expected = [catchment.test(EligibilityFacts(postcode=p)) is True for p in postcodes]
    for backend in _LAZY_AND_EAGER:
        rows = _by_id(screen(backend.native(data), programme=_policy(catchment), as_of=DAY))
        assert [r["eligible"] for r in rows] == expected, backend


# --- case-finding -------------------------------------------------------------------------

_FINDING = _policy(
    ConsentRecorded(),
    NotAlreadyCaseManaged(),
    exclusions=(Exclusion(key="nhs-staff", when=NhsEmployee(), reason="seen by OH"),),
)

_RISKS = st.none() | st.sampled_from([0.1, 0.5, 0.9]) | st.floats(0.0, 1.0)


@st.composite
def _candidates(draw: st.DrawFn) -> pl.DataFrame:
    ids = draw(st.lists(st.text(alphabet="abcXYZ019", min_size=1, max_size=3), unique=True))
    size = len(ids)

    def column(values: st.SearchStrategy[Any]) -> list[Any]:
        return draw(st.lists(values, min_size=size, max_size=size))

    return pl.DataFrame(
        {
            "id": ids,
            "predicted_risk": column(_RISKS),
            "consent_case_management": column(st.sampled_from([True, True, False, None])),
            "already_case_managed": column(st.sampled_from([False, False, True])),
            "same_service_elsewhere": column(st.sampled_from([False, False, None])),
            "nhs_employee": column(st.sampled_from([False, True, None])),
            "quintile": column(st.none() | st.integers(1, 3)),
        },
        schema={
            "id": pl.String,
            "predicted_risk": pl.Float64,
            "consent_case_management": pl.Boolean,
            "already_case_managed": pl.Boolean,
            "same_service_elsewhere": pl.Boolean,
            "nhs_employee": pl.Boolean,
            "quintile": pl.Int64,
        },
    )


def _check_finding(backend: Backend, data: pl.DataFrame, places: int) -> None:
    people = data.rows(named=True)
    eligible = [
        p
        for p in people
        if p["consent_case_management"]
        and p["already_case_managed"] is False
        and p["same_service_elsewhere"] is False
    ]
    excluded = [p for p in eligible if p["nhs_employee"] is True]
    offered = [p for p in eligible if p["nhs_employee"] is not True]
    # highest risk first, unscored last, ties by id
    ranked = sorted(
        offered,
        key=lambda p: (p["predicted_risk"] is None, -(p["predicted_risk"] or 0.0), p["id"]),
    )
    found = find_cases(
        backend.native(data), programme=_FINDING, places=places, as_of=DAY, group_by="quintile"
    )
    assert isinstance(found.proposed, backend.kind), backend
    proposed = rows_of(found.proposed)
    assert [p["id"] for p in proposed] == [p["id"] for p in ranked[:places]], backend
    assert all(p["eligible"] and not p["excluded"] for p in proposed), backend
    assert (found.screened, found.eligible, found.excluded) == (
        len(people),
        len(eligible),
        len(excluded),
    ), backend
    assert found.places == places
    assert found.unplaced == max(len(offered) - places, 0), backend
    assert found.proposed_count == len(proposed), backend
    groups = {p["quintile"] for p in people}
    expected = [
        (g, sum(p["quintile"] == g for p in eligible), sum(p["quintile"] == g for p in excluded))
        for g in sorted(groups, key=lambda g: (g is None, str(g)))
    ]
    got = [(g.group, g.eligible, g.excluded) for g in found.exclusions_by_group]
    assert got == expected, backend
    for group in found.exclusions_by_group:
        assert group.rate == (group.excluded / group.eligible if group.eligible else None)


@pytest.mark.rule("E1", "E4")
@settings(max_examples=max(10, _EXAMPLES // 2))
@given(_candidates(), st.integers(0, 12))
def test_find_cases_proposes_the_highest_risk_eligible_people(
    data: pl.DataFrame, places: int
) -> None:
    for backend in _LAZY_AND_EAGER:
        _check_finding(backend, data, places)


@settings(max_examples=max(3, _EXAMPLES // 10))
@given(_candidates(), st.integers(0, 12))
def test_find_cases_on_dask(data: pl.DataFrame, places: int) -> None:
    _check_finding(_DASK, data, places)


@pytest.mark.rule("E4")
@pytest.mark.parametrize("backend", BACKENDS, ids=str)
def test_find_cases_with_no_places_and_exclusions_by_group(backend: Backend) -> None:
    data = pl.DataFrame(
        {
            "id": ["e", "d", "c", "b", "a", "f"],
            "predicted_risk": [0.5, 0.5, None, 0.9, 0.5, 0.2],
            "consent_case_management": [True, True, True, True, True, False],
            "already_case_managed": [False] * 6,
            "same_service_elsewhere": [False] * 6,
            "nhs_employee": [False, True, True, False, False, True],
            "quintile": [1, 1, None, 2, None, 2],
        }
    )
    native = backend.native(data)
    none = find_cases(native, programme=_FINDING, places=0, as_of=DAY, group_by="quintile")
    assert rows_of(none.proposed) == []
    assert (none.screened, none.eligible, none.excluded, none.unplaced) == (6, 5, 2, 3)
    assert none.proposed_count == 0
    groups = [(g.group, g.eligible, g.excluded, g.rate) for g in none.exclusions_by_group]
    assert groups == [(1, 2, 1, 0.5), (2, 1, 0, 0.0), (None, 2, 1, 0.5)]
    two = find_cases(native, programme=_FINDING, places=2, as_of=DAY)
    assert [r["id"] for r in rows_of(two.proposed)] == ["b", "a"]
    assert (two.unplaced, two.exclusions_by_group) == (1, ())
    plenty = find_cases(native, programme=_FINDING, places=10, as_of=DAY)
    assert [r["id"] for r in rows_of(plenty.proposed)] == ["b", "a", "e"]
    assert (plenty.unplaced, plenty.proposed_count) == (0, 3)


def test_a_group_with_nobody_eligible_has_no_rate() -> None:
    data = pl.DataFrame(
        {
            "id": [1, 2],
            "predicted_risk": [0.9, 0.8],
            "consent_case_management": [False, True],
            "already_case_managed": [False, False],
            "same_service_elsewhere": [False, False],
            "nhs_employee": [False, False],
            "practice": ["P1", "P2"],
        }
    )
    found = find_cases(data, programme=_FINDING, places=5, as_of=DAY, group_by="practice")
    assert [(g.group, g.eligible, g.rate) for g in found.exclusions_by_group] == [
        ("P1", 0, None),
        ("P2", 1, 0.0),
    ]


def test_negative_places_are_refused_before_the_frame_is_read() -> None:
    with pytest.raises(ValueError, match="places must not be negative"):
        find_cases(pl.DataFrame({"x": [1]}), programme=VIRTUAL_WARD, places=-1, as_of=DAY)


def test_find_cases_names_the_ranking_and_grouping_columns_it_lacks() -> None:
    data = pl.DataFrame(
        {
            "consent_case_management": [True],
            "already_case_managed": [False],
            "same_service_elsewhere": [False],
        }
    )
    with pytest.raises(ColumnError) as caught:
        find_cases(data, programme=GENERIC, places=1, as_of=DAY, group_by="quintile")
    assert {p.path: p.code for p in caught.value.problems} == {
        "id": "missing_column",
        "predicted_risk": "missing_column",
        "quintile": "missing_column",
    }


def test_find_cases_on_an_empty_frame() -> None:
    data = pl.DataFrame(
        schema={
            "id": pl.Int64,
            "predicted_risk": pl.Float64,
            "consent_case_management": pl.Boolean,
            "already_case_managed": pl.Boolean,
            "same_service_elsewhere": pl.Boolean,
        }
    )
    for backend in BACKENDS:
        found = find_cases(backend.native(data), programme=VIRTUAL_WARD, places=3, as_of=DAY)
        assert (found.screened, found.eligible, found.excluded, found.unplaced) == (0, 0, 0, 0)
        assert rows_of(found.proposed) == []


# --- the summary --------------------------------------------------------------------------


def _check_summary(backend: Backend, programme: Programme, data: pl.DataFrame) -> None:
    screened = screen(backend.native(data), programme=programme, as_of=DAY)
    rows = rows_of(screened)
    summary = summarise(screened, programme=programme)
    assert summary.programme == programme.key
    assert summary.screened == len(rows), backend
    assert summary.eligible == sum(r["eligible"] for r in rows), backend
    assert summary.excluded == sum(r["excluded"] for r in rows), backend
    criteria = programme.eligibility.criteria
    assert [(c.key, c.rule_id) for c in summary.reasons] == [(c.key, c.rule_id) for c in criteria]
    for i, reason in enumerate(summary.reasons):
        assert reason.failed == sum(bool(r["failed"] >> i & 1) for r in rows), (backend, i)
    # every row that failed something names its first failure
    firsts = Counter(r["reason"] for r in rows if r["reason"] is not None)
    assert sum(firsts.values()) == len(rows) - summary.eligible
    if programme.eligibility.tiers is None:
        assert summary.by_tier == ()
    else:
        tiers = Counter(r["tier"] for r in rows)
        assert summary.by_tier == tuple((t.value, tiers[t.value]) for t in RiskTier), backend
    top = summary.top_reasons(3)
    assert len(top) <= 3
    assert all(r.failed > 0 for r in top)
    assert [r.failed for r in top] == sorted((r.failed for r in top), reverse=True)
    ranked = sorted(summary.reasons, key=lambda r: -r.failed)
    assert list(top) == [r for r in ranked[:3] if r.failed]


@settings(max_examples=max(10, _EXAMPLES // 2))
@given(st.data())
def test_summary_counts_agree_with_the_screened_rows(data: st.DataObject) -> None:
    programme = data.draw(programmes())
    population = data.draw(people(programme, DAY))
    for backend in _LAZY_AND_EAGER:
        _check_summary(backend, programme, frame(population, DAY))


@settings(max_examples=max(2, _EXAMPLES // 25))
@given(st.data())
def test_summary_on_dask(data: st.DataObject) -> None:
    programme = data.draw(st.sampled_from([OHSXTRA, CASTLEFIELDS]) | programmes())
    population = data.draw(people(programme, DAY))
    _check_summary(_DASK, programme, frame(population, DAY))


def test_top_reasons_rank_most_failed_first_and_keep_programme_order_on_ties() -> None:
    programme = _policy(
        ConsentRecorded(scopes=frozenset({ConsentScope.CASE_MANAGEMENT})),
        NotAlreadyCaseManaged(),
        NhsEmployee(),
    )
    data = pl.DataFrame(
        {
            "consent_case_management": [False, True, None, True],
            "already_case_managed": [False, True, False, False],
            "same_service_elsewhere": [False, False, False, None],
            "nhs_employee": [True, True, True, True],
        }
    )
    summary = summarise(screen(data, programme=programme, as_of=DAY), programme=programme)
    assert [(r.key, r.failed) for r in summary.top_reasons()] == [
        ("consent", 2),
        ("not-already-case-managed", 2),
    ]
    assert [r.key for r in summary.top_reasons(1)] == ["consent"]
    assert (summary.screened, summary.eligible, summary.excluded) == (4, 0, 0)


@pytest.mark.parametrize("backend", BACKENDS, ids=str)
def test_nan_risk_ranks_with_the_unscored_not_first(backend: Backend) -> None:
    data = pl.DataFrame(
        {
            "id": ["a", "b", "c"],
            "predicted_risk": [0.9, math.nan, None],
            "consent_case_management": [True] * 3,
            "already_case_managed": [False] * 3,
            "same_service_elsewhere": [False] * 3,
        }
    )
    found = find_cases(backend.native(data), programme=GENERIC, places=3, as_of=DAY)
    assert next(r["id"] for r in rows_of(found.proposed)) == "a"
    one = find_cases(backend.native(data), programme=GENERIC, places=1, as_of=DAY)
    assert [r["id"] for r in rows_of(one.proposed)] == ["a"]
