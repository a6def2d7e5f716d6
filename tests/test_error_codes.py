"""The codes a host acts on are all registered and documented.

Statically: every problem code the source of casemgmt can produce, found by the scanner
of the docs (docs/_ext/error_codes.py) reading each call that builds a Problem, is a key of
:data:`casemgmt.errors.PROBLEM_CODES`, and every key is still produced somewhere; each code
is a string literal where it is produced. Every error class has its own code.

Dynamically: damaged documents, JSON texts, FHIR bundles and population frames, generated
by hypothesis, give only registered problem codes.
"""

from __future__ import annotations

import copy
import functools
import importlib
import json
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pendulum
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casemgmt.errors import PROBLEM_CODES, CaseManagementError, ColumnError, DocumentError
from casemgmt.model import CaseRecord
from casemgmt.policies import PROGRAMMES
from casemgmt.population import OUTPUT_COLUMNS, Columns, screen
from casemgmt.serialization import DOCUMENT_KINDS, from_document, load_json
from casemgmt.serialization.fhir import dump_bundle, import_bundle, load_bundle

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
# Problem codes are snake_case; check codes of casemgmt.rules.CHECKS are kebab-case.
CODE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")


@pytest.fixture(scope="module")
def scanner() -> Any:
    """The extension module (not a package of the library: imported from docs/_ext)."""
    sys.path.insert(0, str(ROOT / "docs" / "_ext"))
    try:
        return importlib.import_module("error_codes")
    finally:
        sys.path.pop(0)


# -- static: the source against the registry ---------------------------------------------


def test_every_problem_code_is_a_string_literal_where_it_is_produced(scanner: Any) -> None:
    sites = scanner.problem_sites()
    assert len(sites) > 200  # the scanner sees the model, policies, services and loaders
    unresolved = [site.where for site in sites if not site.codes]
    assert unresolved == [], (
        "give the problem's code as a string literal, or add the function to "
        "FORWARDING_SITES in docs/_ext/error_codes.py with the reason"
    )


def test_the_registry_holds_exactly_the_codes_the_source_produces(scanner: Any) -> None:
    produced = {code for site in scanner.problem_sites() for code in site.codes}
    missing = sorted(produced - PROBLEM_CODES.keys())
    stale = sorted(PROBLEM_CODES.keys() - produced)
    assert missing == [], "add these codes to casemgmt.errors.PROBLEM_CODES"
    assert stale == [], "no source produces these codes any more"


def test_the_scanner_finds_each_kind_of_producer(scanner: Any) -> None:
    # One known code per way of producing one, so a scanner that stops seeing a kind of
    # call cannot pass the test above by the registry losing the same codes.
    by_callee: dict[str, set[str]] = {}
    for site in scanner.problem_sites():
        by_callee.setdefault(site.callee, set()).update(site.codes)
    assert "unknown_key" in by_callee["Problem"]  # casemgmt.serialization._documents
    assert "nhs_number_checksum" in by_callee["problem"]  # a model invariant
    assert "cardinality" in by_callee["problem"]  # the FHIR importer's self.problem
    assert "too_deep" in by_callee["_fail"]  # casemgmt.serialization._json
    assert {"wrong_type", "bad_date"} <= by_callee["WrongTypeError"]  # the converter


def test_every_forwarding_site_exists_and_says_why(scanner: Any) -> None:
    # A stale entry would let a future function of the same name forward codes unseen.
    defined: set[tuple[str, str]] = set()
    for module, tree in scanner._modules(scanner.PACKAGE):
        for function, _ in scanner._calls(tree):
            defined.add((module, function))
    for table in (scanner.FORWARDING_SITES, scanner.SCRATCH_SITES):
        for site, reason in table.items():
            assert site in defined, site
            assert reason.strip()


def test_problem_codes_are_snake_case_and_each_meaning_is_one_sentence() -> None:
    assert isinstance(PROBLEM_CODES, types.MappingProxyType)
    for code, meaning in PROBLEM_CODES.items():
        assert CODE.fullmatch(code), code
        assert meaning[0].isupper(), code
        assert meaning.endswith("."), code
        assert meaning.count(". ") == 0, code


def test_every_error_class_has_its_own_stable_code(scanner: Any) -> None:
    classes = scanner.error_classes()
    assert classes[0] is CaseManagementError
    assert len(classes) >= 8
    codes = [cls.__dict__.get("code") for cls in classes]
    assert all(isinstance(code, str) and CODE.fullmatch(code) for code in codes), codes
    assert len(set(codes)) == len(codes), codes
    # Error codes and problem codes are read side by side: a clash would confuse a host.
    assert not set(codes) & PROBLEM_CODES.keys() - {"currency_mismatch"}


def test_every_finding_code_is_a_literal_kebab_case_code_with_a_rule(scanner: Any) -> None:
    sites = scanner.finding_sites()
    assert {"no-capacity", "over-soft-limit", "mdt-decision"} <= {
        code for site in sites for code in site.codes
    }
    for site in sites:
        assert site.codes, site.where
        assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", code) for code in site.codes), site.where


# -- dynamic: damaged inputs give only registered codes ----------------------------------


def _assert_registered(error: CaseManagementError, done: str) -> None:
    problems = getattr(error, "problems", ())
    assert problems, done
    unknown = sorted({p.code for p in problems} - PROBLEM_CODES.keys())
    assert unknown == [], done


@functools.cache
def _examples() -> tuple[tuple[str, str], ...]:
    """(document kind, JSON text) of every example document."""
    found = []
    for path in sorted(EXAMPLES.rglob("*.json")):
        text = path.read_text(encoding="utf-8")
        document = json.loads(text)
        if isinstance(document, dict) and document.get("document_kind") in DOCUMENT_KINDS:
            found.append((document["document_kind"], text))
    return tuple(found)


JsonPath = tuple[str | int, ...]

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", " ", "not-a-member", "2026-02-30", "2026-03-02T10:00:00", "12.345"])
    | st.text(max_size=8)
)
_GARBAGE = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)


def _locations(value: object, path: JsonPath = ()) -> Iterator[JsonPath]:
    yield path
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _locations(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from _locations(inner, (*path, index))


def _at(value: Any, path: JsonPath) -> Any:
    for step in path:
        value = value[step]
    return value


def _damage(data: st.DataObject, document: Any) -> str:
    """Damage ``document`` in place at one random place; returns what was done."""
    locations = list(_locations(document))[1:]
    path = data.draw(st.sampled_from(locations), label="path")
    how = data.draw(
        st.sampled_from(("delete", "replace", "borrow", "negate", "repeat", "add_key")),
        label="how",
    )
    parent, key = _at(document, path[:-1]), path[-1]
    old = parent[key]
    alike = [
        p
        for p in locations
        if p != path
        and type(p[-1]) is type(key)
        and type(_at(document, p)) is type(old)
        and (isinstance(key, int) or p[-1] == key or not isinstance(old, dict | list))
    ]
    if how == "delete":
        del parent[key]
    elif how == "borrow" and alike:
        # A value of the right type from elsewhere: the document keeps its shape and breaks
        # the rules between values instead (dates out of order, ids that clash or dangle).
        parent[key] = copy.deepcopy(_at(document, data.draw(st.sampled_from(alike))))
    elif how == "negate" and isinstance(old, int | float) and not isinstance(old, bool):
        parent[key] = -old - 1 if old >= 0 else old * 1000
    elif how == "repeat" and isinstance(old, list) and old:
        old.append(copy.deepcopy(old[0]))
    elif how == "add_key" and isinstance(old, dict):
        old[data.draw(st.text(min_size=1, max_size=6))] = data.draw(_GARBAGE)
    else:
        parent[key] = data.draw(_GARBAGE)
    return f"{how} at {path}"


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_damaged_documents_give_only_registered_codes(data: st.DataObject) -> None:
    kind, text = data.draw(st.sampled_from(_examples()), label="example")
    document = json.loads(text)
    done = [_damage(data, document) for _ in range(data.draw(st.integers(1, 3), label="faults"))]
    try:
        from_document(DOCUMENT_KINDS[kind], document)
    except DocumentError as error:
        _assert_registered(error, f"{kind}: {done}")


_TEXTS = (
    st.binary(max_size=40)
    | st.text(max_size=40)
    | st.sampled_from(
        [
            b"",
            b"\xef\xbb\xbf",
            b"\xff\xfe{}",
            b"[NaN]",
            b"[1e999]",
            b'"\\ud800"',
            b"[" * 2000,
            b"{}",
            b'{"schema_version": "1"}',
            b'{"schema_version": 99, "document_kind": "team"}',
        ]
    )
)


@settings(max_examples=100, deadline=None)
@given(text=_TEXTS, kind=st.sampled_from(sorted(DOCUMENT_KINDS)))
def test_texts_that_are_not_documents_give_only_registered_codes(
    text: str | bytes, kind: str
) -> None:
    with pytest.raises(DocumentError) as caught:
        load_json(DOCUMENT_KINDS[kind], text)
    _assert_registered(caught.value, repr(text))


@functools.cache
def _bundle_texts() -> tuple[str, ...]:
    records = (
        load_json(CaseRecord, path.read_bytes())
        for path in sorted(EXAMPLES.glob("*.json"))
        if json.loads(path.read_bytes()).get("document_kind") == "case-record"
    )
    return tuple(dump_bundle(record) for record in records)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_damaged_fhir_bundles_give_only_registered_codes(data: st.DataObject) -> None:
    bundle = json.loads(data.draw(st.sampled_from(_bundle_texts()), label="bundle"))
    done = [_damage(data, bundle) for _ in range(data.draw(st.integers(1, 3), label="faults"))]
    try:
        import_bundle(bundle)
    except DocumentError as error:
        _assert_registered(error, str(done))


@settings(max_examples=30, deadline=None)
@given(text=_TEXTS)
def test_bundle_texts_that_are_not_bundles_give_only_registered_codes(text: str | bytes) -> None:
    with pytest.raises(DocumentError) as caught:
        load_bundle(text)
    _assert_registered(caught.value, repr(text))


_DTYPES = st.sampled_from([pl.Int64, pl.Float64, pl.Boolean, pl.String, pl.Date])


def _column_names() -> list[str]:
    """The columns a screen reads by default, and those it adds."""
    columns = Columns()
    values = [getattr(columns, field.name) for field in attrs.fields(Columns)]
    names = {value for value in values if isinstance(value, str)}
    return sorted(names | set(OUTPUT_COLUMNS))


@settings(max_examples=50, deadline=None)
@given(
    columns=st.dictionaries(st.sampled_from(_column_names()), _DTYPES, max_size=8),
    programme=st.sampled_from(sorted(PROGRAMMES)),
)
def test_frames_with_bad_columns_give_only_registered_codes(
    columns: dict[str, Any], programme: str
) -> None:
    frame = pl.DataFrame(schema=columns)
    try:
        screen(frame, programme=PROGRAMMES[programme], as_of=pendulum.Date(2026, 1, 5))
    except ColumnError as error:
        _assert_registered(error, str(columns))


def test_the_docs_tables_have_a_row_per_class_and_per_code(scanner: Any) -> None:
    classes = scanner._class_rows()
    assert len(classes) == len(scanner.error_classes())
    assert all(row[3] != "—" for row in classes)  # every class says when it is raised
    problems = scanner._problem_rows()
    assert [row[0] for row in problems] == [f"`{code}`" for code in sorted(PROBLEM_CODES)]
    assert all(row[2].startswith("`casemgmt.") for row in problems)  # each has a source
    findings = {row[0]: row for row in scanner._finding_rows()}
    assert findings["`no-capacity`"][2] == "set by the policy"  # C1, C2 or C5 per policy
    assert findings["`high-risk-cap`"][2] == "{ref}`C3 <rule-c3>`"
