"""The programme's criteria compiled to narwhals expressions, and the two population services
built on them: :func:`screen` and :func:`find_cases`.

A criterion's expression is true exactly when its ``test`` on the same row's facts is
``True``; a missing value (null, or NaN in a risk column) makes it false, as a missing fact
makes the one-client criterion fail. The property tests in
``tests/population/test_equivalence.py`` hold the two paths to that on every backend.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import attrs
import narwhals as nw
import pendulum

from casemgmt._applies import applies
from casemgmt.errors import ColumnError, Problem
from casemgmt.policies import (
    POSTCODE_PATTERN,
    AbsentOrStrugglingAtWork,
    AgeAtLeast,
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
    RiskTier,
    RiskTiers,
    age_cutoff,
)
from casemgmt.population._columns import Columns

__all__ = [
    "OUTPUT_COLUMNS",
    "CaseFinding",
    "GroupExclusions",
    "ReasonCount",
    "Screening",
    "find_cases",
    "screen",
    "summarise",
]

FrameT = TypeVar("FrameT")

OUTPUT_COLUMNS = ("eligible", "excluded", "failed", "reason", "tier")
"""The columns :func:`screen` adds: ``eligible`` (every criterion met), ``excluded`` (eligible
but an impactability exclusion applies, E4), ``failed`` (bit *i* set when the programme's
criterion *i* is not met), ``reason`` (key of the first criterion not met, null when
eligible) and ``tier`` (when the programme has risk tiers)."""

# What each column must hold: a label for messages and a test on the narwhals dtype.
_KINDS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "integer": ("an integer column", lambda d: d.is_integer()),
    "number": ("a numeric column", lambda d: d.is_numeric()),
    "boolean": ("a boolean column", lambda d: d == nw.Boolean),
    "date": ("a date column", lambda d: d == nw.Date),
    "text": ("a string column", lambda d: d in (nw.String, nw.Categorical, nw.Enum)),
    "any": ("a column", lambda d: True),
}


@attrs.frozen
class _Compiled:
    """A criterion's expression and the columns (with kinds) it reads."""

    expr: nw.Expr
    reads: tuple[tuple[str, str], ...]


def _compile(criterion: Criterion, columns: Columns, as_of: pendulum.Date) -> _Compiled:
    """The expression that is true when ``criterion`` holds on a row (null-safe)."""
    if isinstance(criterion, AgeAtLeast):
        if columns.age is not None:
            return _Compiled(
                nw.col(columns.age) >= criterion.minimum_age, ((columns.age, "integer"),)
            )
        cutoff = age_cutoff(criterion.minimum_age, as_of)
        day = _dt.date(cutoff.year, cutoff.month, cutoff.day)
        return _Compiled(
            nw.col(columns.date_of_birth) <= nw.lit(day), ((columns.date_of_birth, "date"),)
        )
    if isinstance(criterion, PredictedRiskAtLeast):
        risk = nw.col(columns.predicted_risk)
        return _Compiled(
            (risk >= criterion.threshold) & ~risk.is_nan(), ((columns.predicted_risk, "number"),)
        )
    if isinstance(criterion, EmergencyAdmissionsAtLeast):
        name = columns.emergency_admissions_12m
        return _Compiled(nw.col(name) >= criterion.count, ((name, "integer"),))
    if isinstance(criterion, LongTermConditionsAtLeast):
        name = columns.long_term_conditions
        return _Compiled(nw.col(name) >= criterion.count, ((name, "integer"),))
    if isinstance(criterion, NursingHomeLevelOfNeed | NhsEmployee | AbsentOrStrugglingAtWork):
        name = getattr(columns, criterion.reads[0])
        return _Compiled(nw.col(name), ((name, "boolean"),))
    if isinstance(criterion, ConditionCategoryIn):
        names = [columns.condition(c) for c in sorted(criterion.categories, key=_value)]
        flags = [nw.col(n).fill_null(False) for n in names]
        return _Compiled(nw.any_horizontal(*flags, ignore_nulls=False), _all(names, "boolean"))
    if isinstance(criterion, ConsentRecorded):
        names = [columns.consent(s) for s in sorted(criterion.scopes, key=_value)]
        flags = [nw.col(n).fill_null(False) for n in names]
        return _Compiled(nw.all_horizontal(*flags, ignore_nulls=False), _all(names, "boolean"))
    if isinstance(criterion, ReferralSourceIn):
        name = columns.referral_source
        values = sorted(s.value for s in criterion.sources)
        return _Compiled(nw.col(name).is_in(values), ((name, "text"),))
    if isinstance(criterion, InCatchment):
        name = columns.postcode
        postcode = nw.col(name)
        code = postcode.str.replace_all(" ", "", literal=True).str.to_uppercase()
        length = code.str.len_chars()
        matches = [
            code.str.starts_with(d) & (length == len(d) + 3) for d in sorted(criterion.districts)
        ]
        plain = postcode.str.contains(POSTCODE_PATTERN)
        inside = plain & nw.any_horizontal(*matches, ignore_nulls=False)
        return _Compiled(inside, ((name, "text"),))
    if isinstance(criterion, NotAlreadyCaseManaged):
        managed, elsewhere = columns.already_case_managed, columns.same_service_elsewhere
        return _Compiled(
            ~nw.col(managed) & ~nw.col(elsewhere),
            ((managed, "boolean"), (elsewhere, "boolean")),
        )
    raise TypeError(f"no frame expression for criterion {type(criterion).__name__}")


def _value(code: Any) -> str:
    return str(code.value)


def _all(names: Sequence[str], kind: str) -> tuple[tuple[str, str], ...]:
    return tuple((n, kind) for n in names)


def _check_columns(
    schema: dict[str, Any], reads: Iterator[tuple[str, str]], adds: Sequence[str]
) -> None:
    problems: dict[str, Problem] = {}
    for name, kind in reads:
        if name in problems:
            continue
        label, fits = _KINDS[kind]
        if name not in schema:
            problems[name] = Problem(path=name, code="missing_column", message=f"missing: {label}")
        elif not fits(schema[name]):
            problems[name] = Problem(
                path=name, code="wrong_type", message=f"expected {label}, found {schema[name]}"
            )
    for name in adds:
        if name in schema:
            problems[name] = Problem(
                path=name, code="output_exists", message="already exists; the screen adds it"
            )
    if problems:
        raise ColumnError(problems.values())


def _tier_expr(tiers: RiskTiers, risk_column: str) -> nw.Expr:
    risk = nw.col(risk_column)
    scored = ~risk.is_null() & ~risk.is_nan().fill_null(False)
    text = nw.String()
    return (
        nw.when(scored & (risk >= tiers.high))
        .then(nw.lit(RiskTier.HIGH.value, text))
        .otherwise(
            nw.when(scored & (risk >= tiers.medium))
            .then(nw.lit(RiskTier.MEDIUM.value, text))
            .otherwise(
                nw.when(scored)
                .then(nw.lit(RiskTier.LOW.value, text))
                .otherwise(nw.lit(RiskTier.UNSCORED.value, text))
            )
        )
    )


def _screened(
    frame: Any,
    *,
    programme: Programme,
    as_of: pendulum.Date,
    columns: Columns | None,
    reasons: bool,
    extra_reads: Sequence[tuple[str, str]] = (),
) -> Any:
    """The narwhals frame with the screen's columns added (lazy stays lazy)."""
    columns = columns or Columns()
    policy = programme.eligibility
    criteria = [_compile(c, columns, as_of) for c in policy.criteria]
    exclusions = [_compile(e.when, columns, as_of) for e in policy.exclusions]
    reads: list[tuple[str, str]] = [r for c in (*criteria, *exclusions) for r in c.reads]
    if policy.tiers is not None:
        reads.append((columns.predicted_risk, "number"))
    reads.extend(extra_reads)
    adds = [*OUTPUT_COLUMNS[:3], *(("reason",) if reasons else ())]
    if policy.tiers is not None:
        adds.append("tier")
    nw_frame = nw.from_native(frame)
    schema = dict(nw_frame.collect_schema())
    _check_columns(schema, iter(reads), adds)

    # A null condition takes the ``otherwise`` branch on every backend, so a criterion
    # whose fact is missing sets its bit without a separate fill_null. Typed literals keep
    # the sum in 16 bits (measured: cheaper for the engine than a cast at the end); signed,
    # because Spark has no unsigned integers. Twelve criteria kinds need twelve bits.
    bits = nw.Int16()
    failed: nw.Expr = nw.lit(0, bits)
    for i, compiled in enumerate(criteria):
        bit = nw.when(compiled.expr).then(nw.lit(0, bits)).otherwise(nw.lit(1 << i, bits))
        failed = bit if i == 0 else failed + bit
    added: dict[str, nw.Expr] = {"failed": failed}
    if reasons:
        reason = nw.lit(None, nw.String())
        for rule, compiled in zip(reversed(policy.criteria), reversed(criteria), strict=True):
            key = nw.lit(rule.key, nw.String())
            reason = nw.when(compiled.expr).then(reason).otherwise(key)
        added["reason"] = reason
    if policy.tiers is not None:
        added["tier"] = _tier_expr(policy.tiers, columns.predicted_risk)
    eligible = nw.col("failed") == 0
    if exclusions:
        applies = nw.any_horizontal(
            *(e.expr.fill_null(False) for e in exclusions), ignore_nulls=False
        )
        excluded = eligible & applies
    else:
        excluded = nw.lit(False, nw.Boolean())
    result = nw_frame.with_columns(**added)
    # ``exclude`` keeps the input's columns in order without naming each one (each name is
    # a translated expression).
    return result.select(
        nw.exclude(*added),
        eligible.alias("eligible"),
        excluded.alias("excluded"),
        *[n for n in OUTPUT_COLUMNS[2:] if n in adds],
    )


@applies("E1", "E4", "E5", "E7", "E8", "E9")
def screen(
    frame: FrameT,
    *,
    programme: Programme,
    as_of: pendulum.Date,
    columns: Columns | None = None,
    reasons: bool = True,
) -> FrameT:
    """Screen every row of ``frame`` against ``programme``'s criteria (E1-E9).

    The frame may be anything narwhals reads: a Polars ``DataFrame`` or ``LazyFrame``, a
    DuckDB relation, a Dask or PySpark frame, pandas or PyArrow. The result is the same kind
    of frame (a lazy one stays lazy) with :data:`OUTPUT_COLUMNS` added; row ``i`` of the
    result decides exactly what :func:`casemgmt.services.assess_eligibility` decides for the
    person of row ``i``.

    Args:
        frame: One row per person; the columns named by ``columns``.
        programme: Whose criteria, exclusions and tiers to apply.
        as_of: The screening day (the age cut-off is computed from it).
        columns: Where each fact is; the defaults are the fact names.
        reasons: Add the ``reason`` text column (the ``failed`` bit mask carries every
            failing criterion either way; leave it out for the fastest screen).

    Raises:
        ColumnError: listing every column that is missing, of the wrong type, or already
            named like an output column.

    >>> import polars as pl
    >>> from casemgmt.policies import WALES_APN
    >>> people = pl.DataFrame({
    ...     "id": ["a", "b"], "age": [72, 49], "emergency_admissions_12m": [3, 4],
    ...     "consent_case_management": [True, True], "already_case_managed": [False, False],
    ...     "same_service_elsewhere": [False, None], "predicted_risk": [0.31, 0.7],
    ... })
    >>> out = screen(people, programme=WALES_APN, as_of=pendulum.Date(2026, 1, 5),
    ...              columns=Columns(age="age"))
    >>> out.select("id", "eligible", "reason", "tier").rows()
    [('a', True, None, 'medium'), ('b', False, 'age', 'high')]
    """
    result = _screened(frame, programme=programme, as_of=as_of, columns=columns, reasons=reasons)
    native: FrameT = result.to_native()
    return native


@attrs.frozen(kw_only=True)
class GroupExclusions:
    """Impactability exclusions in one group of the population (E4: exclusions can widen
    inequalities, so they are shown by group).

    Attributes:
        group: The value of the grouping column (``None`` for rows where it is null).
        eligible: Eligible people in the group.
        excluded: Of those, how many an exclusion left out.
    """

    group: object
    eligible: int
    excluded: int

    @property
    def rate(self) -> float | None:
        """Share of the group's eligible people who were excluded (``None`` with none)."""
        return self.excluded / self.eligible if self.eligible else None


@attrs.frozen(kw_only=True)
class CaseFinding:
    """The outcome of :func:`find_cases`.

    Attributes:
        proposed: The people proposed for the places, highest predicted risk first (ties by
            id), as a frame of the input's kind; a clinician confirms each (E2). A NaN
            risk shows as null: the screen counts it as missing.
        screened: How many rows were screened.
        eligible: How many met every criterion.
        excluded: How many of those an impactability exclusion left out (E4).
        places: The places offered.
        unplaced: Eligible, not excluded people left without a place (C9: demand beyond
            capacity).
        exclusions_by_group: Exclusions broken down by the grouping column, when given.
    """

    proposed: Any
    screened: int
    eligible: int
    excluded: int
    places: int
    unplaced: int
    exclusions_by_group: tuple[GroupExclusions, ...] = ()

    @property
    def proposed_count(self) -> int:
        """How many people are proposed."""
        return min(self.places, self.eligible - self.excluded)


def _rows(frame: Any) -> list[dict[str, Any]]:
    """The rows of a small result (counts, groups), collecting a lazy one."""
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    rows: list[dict[str, Any]] = frame.rows(named=True)
    return rows


def _count_row(frame: Any, exprs: dict[str, nw.Expr]) -> dict[str, Any]:
    return _rows(frame.select(**exprs))[0]


@applies("E1", "E3", "E4", "E5", "E7", "E8", "E9")
def find_cases(
    frame: FrameT,
    *,
    programme: Programme,
    places: int,
    as_of: pendulum.Date,
    columns: Columns | None = None,
    group_by: str | None = None,
) -> CaseFinding:
    """Propose at most ``places`` people for case management: eligible, not excluded,
    ranked by predicted risk (E1, E3), with what was left out reported (E4, C9).

    Args:
        frame: One row per person (any frame narwhals reads).
        programme: The programme whose criteria select people.
        places: How many people the case managers can take on.
        as_of: The screening day.
        columns: Where each fact is; the ranking reads ``predicted_risk`` and ``id``.
        group_by: A column to break the impactability exclusions down by (deprivation
            quintile, ethnicity, practice ...).

    Raises:
        ColumnError: for missing or mistyped columns (including the id, the risk column
            and ``group_by``).
        ValueError: when ``places`` is negative.

    >>> import polars as pl
    >>> from casemgmt.policies import VIRTUAL_WARD
    >>> people = pl.DataFrame({
    ...     "id": ["a", "b", "c"], "predicted_risk": [0.9, 0.55, 0.8],
    ...     "consent_case_management": [True] * 3, "already_case_managed": [False] * 3,
    ...     "same_service_elsewhere": [False] * 3,
    ... })
    >>> found = find_cases(people, programme=VIRTUAL_WARD, places=2,
    ...                    as_of=pendulum.Date(2026, 1, 5))
    >>> found.proposed["id"].to_list(), found.eligible, found.unplaced
    (['a', 'c'], 3, 1)
    """
    if places < 0:
        raise ValueError("places must not be negative")
    columns = columns or Columns()
    extra: list[tuple[str, str]] = [(columns.id, "any"), (columns.predicted_risk, "number")]
    if group_by is not None:
        extra.append((group_by, "any"))
    screened = _screened(
        frame,
        programme=programme,
        as_of=as_of,
        columns=columns,
        reasons=False,
        extra_reads=extra,
    )
    offered = nw.col("eligible") & ~nw.col("excluded")
    counts = _count_row(
        screened,
        {
            "screened": nw.len(),
            "eligible": nw.col("eligible").cast(nw.Int64()).sum(),
            "excluded": nw.col("excluded").cast(nw.Int64()).sum(),
        },
    )
    total, eligible, excluded = (int(counts[k] or 0) for k in ("screened", "eligible", "excluded"))
    # The screen counts a NaN risk as missing, but engines sort NaN above every number:
    # the proposed people show it as null (missing), which also ranks it last. Replacing
    # the column, not sorting on a helper column, because Dask's optimiser drops a helper
    # column it has sorted on.
    candidates = screened.filter(offered)
    if screened.collect_schema()[columns.predicted_risk].is_float():
        risk = nw.col(columns.predicted_risk)
        candidates = candidates.with_columns(
            nw.when(risk.is_nan().fill_null(False))
            .then(None)
            .otherwise(risk)
            .alias(columns.predicted_risk)
        )
    proposed = candidates.sort(
        columns.predicted_risk, columns.id, descending=[True, False], nulls_last=True
    ).head(places)
    groups: tuple[GroupExclusions, ...] = ()
    if group_by is not None:
        # Cast first: some engines (Dask) only aggregate plain columns.
        by_group = (
            screened.select(
                nw.col(group_by),
                nw.col("eligible").cast(nw.Int64()),
                nw.col("excluded").cast(nw.Int64()),
            )
            .group_by(group_by)
            .agg(nw.col("eligible").sum(), nw.col("excluded").sum())
        )
        rows = _rows(by_group)
        groups = tuple(
            sorted(
                (
                    GroupExclusions(
                        group=r[group_by], eligible=int(r["eligible"]), excluded=int(r["excluded"])
                    )
                    for r in rows
                ),
                key=lambda g: (g.group is None, str(g.group)),
            )
        )
    return CaseFinding(
        proposed=proposed.to_native(),
        screened=total,
        eligible=eligible,
        excluded=excluded,
        places=places,
        unplaced=max(eligible - excluded - places, 0),
        exclusions_by_group=groups,
    )


@attrs.frozen(kw_only=True)
class ReasonCount:
    """How many screened people failed one criterion."""

    key: str
    rule_id: str
    failed: int


@attrs.frozen(kw_only=True)
class Screening:
    """A summary of a screened frame: the numbers the ``casemgmt screen`` table shows."""

    programme: str
    screened: int
    eligible: int
    excluded: int
    by_tier: tuple[tuple[str, int], ...]
    reasons: tuple[ReasonCount, ...]

    def top_reasons(self, n: int = 5) -> tuple[ReasonCount, ...]:
        """The ``n`` criteria failed most often (most first; ties in programme order)."""
        ranked = sorted(self.reasons, key=lambda r: -r.failed)
        return tuple(r for r in ranked[:n] if r.failed)


@applies("E1", "E4")
def summarise(screened: Any, *, programme: Programme) -> Screening:
    """Count a frame returned by :func:`screen`: eligible, excluded, by tier, and how many
    failed each criterion (read from the ``failed`` bit mask).

    >>> import polars as pl
    >>> from casemgmt.policies import GENERIC
    >>> out = screen(pl.DataFrame({
    ...     "consent_case_management": [True, False, None],
    ...     "already_case_managed": [False, False, True], "same_service_elsewhere": [False] * 3,
    ... }), programme=GENERIC, as_of=pendulum.Date(2026, 1, 5))
    >>> [(r.key, r.failed) for r in summarise(out, programme=GENERIC).top_reasons()]
    [('consent', 2), ('not-already-case-managed', 1)]
    """
    frame = nw.from_native(screened)
    exprs: dict[str, nw.Expr] = {
        "screened": nw.len(),
        "eligible": nw.col("eligible").cast(nw.Int64()).sum(),
        "excluded": nw.col("excluded").cast(nw.Int64()).sum(),
    }
    criteria = programme.eligibility.criteria
    for i, _ in enumerate(criteria):
        bit = ((nw.col("failed").cast(nw.Int64()) // (1 << i)) % 2).cast(nw.Int64())
        exprs[f"failed_{i}"] = bit.sum()
    counts = _count_row(frame, exprs)
    by_tier: tuple[tuple[str, int], ...] = ()
    if "tier" in frame.collect_schema().names():
        tiers = frame.group_by("tier").agg(nw.len().alias("n"))
        found = {r["tier"]: int(r["n"]) for r in _rows(tiers)}
        by_tier = tuple((t.value, found.get(t.value, 0)) for t in RiskTier)
    return Screening(
        programme=programme.key,
        screened=int(counts["screened"] or 0),
        eligible=int(counts["eligible"] or 0),
        excluded=int(counts["excluded"] or 0),
        by_tier=by_tier,
        reasons=tuple(
            ReasonCount(key=c.key, rule_id=c.rule_id, failed=int(counts[f"failed_{i}"] or 0))
            for i, c in enumerate(criteria)
        ),
    )
