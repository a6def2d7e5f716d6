"""The generated JSON Schema agrees with the loader.

Every document the library writes validates; a document with a type-level fault (wrong
JSON type, missing or unknown key, non-member code, impossible date, bad amount, repeated
set member) that the loader refuses for that reason alone is refused by the schema too;
and the schema never refuses a document the loader reads.
"""

from __future__ import annotations

import copy
import functools
import io
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

from casemgmt._schema_cli import schema_command
from casemgmt.errors import DocumentError
from casemgmt.model import Money
from casemgmt.serialization import DOCUMENT_KINDS, from_document, json_schema, to_document
from casemgmt.serialization._schema import _Builder

KINDS = sorted(DOCUMENT_KINDS)
EXAMPLES = Path(__file__).parents[2] / "examples"
FORMATS = FormatChecker()
VALIDATORS = {
    kind: Draft202012Validator(json_schema(kind), format_checker=FORMATS) for kind in KINDS
}
ANY_DOCUMENT = Draft202012Validator(json_schema(), format_checker=FORMATS)

# Problems a schema can see: the JSON's shape, not the rules between values.
TYPE_LEVEL = frozenset(
    {
        "wrong_type",
        "required",
        "unknown_key",
        "not_in_value_set",
        "bad_date",
        "naive_datetime",
        "bad_amount",
        "unknown_currency",
        "duplicate_member",
        "wrong_kind",
        "unsupported_schema_version",
    }
)

Path_ = tuple[str | int, ...]


def _nodes(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _nodes(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nodes(item, (*path, index))


def _get(document: Any, path: Path_) -> Any:
    for step in path:
        document = document[step]
    return document


def _parent(document: Any, path: Path_) -> Any:
    return _get(document, path[:-1])


def _json_type(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return "integer"
    return type(value).__name__


# Wrong-type replacements. Never 1.0 for an integer: JSON Schema counts 1.0 as the integer
# 1 (the loader, stricter, refuses it); 0.5 is a number in both eyes.
_REPLACEMENTS: tuple[object, ...] = ("text", 7, 0.5, True, None, [], {})


def _replace(path: Path_, value: object, document: Any) -> None:
    _parent(document, path)[path[-1]] = value


def _delete(path: Path_, key: str, document: Any) -> None:
    del _get(document, path)[key]


def _add_unknown_key(path: Path_, document: Any) -> None:
    _get(document, path)["zz_unknown"] = 1


def _repeat_first(path: Path_, document: Any) -> None:
    items = _get(document, path)
    items.append(copy.deepcopy(items[0]))


_STRING_FAULTS = (
    ("non_member", "not-a-member"),
    ("impossible_date", "2026-02-30"),
    ("naive_datetime", "2026-03-02T10:00:00"),
    ("too_many_decimals", "12.345"),
    ("blank", " "),
)


def _faults(document: dict[str, Any]) -> Iterator[tuple[str, Callable[[Any], None]]]:
    """Every single fault that can be applied to ``document``: (fault kind, mutation)."""
    for path, value in _nodes(document):
        if path:
            for replacement in _REPLACEMENTS:
                if _json_type(replacement) != _json_type(value):
                    yield "wrong_type", functools.partial(_replace, path, replacement)
        if isinstance(value, str):
            for name, text in _STRING_FAULTS:
                yield name, functools.partial(_replace, path, text)
        if isinstance(value, dict):
            for key in value:
                yield "delete_key", functools.partial(_delete, path, key)
            yield "unknown_key", functools.partial(_add_unknown_key, path)
        if isinstance(value, list) and value:
            yield "repeat_member", functools.partial(_repeat_first, path)


FAULT_KINDS = (
    "wrong_type",
    "non_member",
    "impossible_date",
    "naive_datetime",
    "too_many_decimals",
    "blank",
    "delete_key",
    "unknown_key",
    "repeat_member",
)


def _loader_codes(kind: str, document: Any) -> frozenset[str] | None:
    """The loader's problem codes, or ``None`` when it reads the document."""
    try:
        from_document(DOCUMENT_KINDS[kind], document)
    except DocumentError as error:
        # An invariant may also say "required" (a closed case needs its closing date):
        # only the converter's own "is required" means a missing key.
        return frozenset(
            "required_by_rule" if p.code == "required" and p.message != "is required" else p.code
            for p in error.problems
        )
    return None


def _check_agreement(
    kind: str, document: Any, *, combined: bool = False
) -> tuple[bool, frozenset[str] | None]:
    """Assert the schema and the loader agree as far as a schema can; return both verdicts.

    With ``combined``, also that the any-document schema agrees with the kind's own.
    """
    error = next(VALIDATORS[kind].iter_errors(document), None)
    accepted = error is None
    codes = _loader_codes(kind, document)
    if error is not None:
        assert codes is not None, f"the schema refuses what the loader reads: {error.message}"
    if codes is not None and codes <= TYPE_LEVEL:
        assert accepted is False, f"the schema accepts a document the loader refuses: {codes}"
    if combined and isinstance(document, dict) and document.get("document_kind") == kind:
        assert ANY_DOCUMENT.is_valid(document) == accepted
    return accepted, codes


# --- the schemas themselves --------------------------------------------------------------


@pytest.mark.parametrize("kind", [*KINDS, None])
def test_every_schema_is_valid_draft_2020_12(kind: str | None) -> None:
    schema = json_schema(kind)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("https://w3id.org/casemgmt/schema/1/")
    assert list(schema.get("$defs", {})) == sorted(schema.get("$defs", {}))
    assert schema["title"]
    assert schema["description"]


def test_a_kind_schema_requires_the_envelope_with_constant_values() -> None:
    schema = json_schema("care-plan")
    assert schema["$id"] == "https://w3id.org/casemgmt/schema/1/care-plan.json"
    assert schema["required"][:2] == ["schema_version", "document_kind"]
    assert schema["properties"]["schema_version"]["const"] == 1
    assert schema["properties"]["document_kind"]["const"] == "care-plan"
    assert schema["additionalProperties"] is False
    assert schema["description"] == "One version of a client's care plan."
    # One definition per attrs class reached from a care plan, and no other.
    assert set(schema["$defs"]) == {
        "ClientAgreement",
        "DateRange",
        "Frequency",
        "GasScale",
        "Goal",
        "Intervention",
        "Money",
        "OnwardReferral",
        "SpendApproval",
    }


def test_the_combined_schema_is_a_one_of_over_the_kinds() -> None:
    schema = json_schema()
    refs = [branch["$ref"] for branch in schema["oneOf"]]
    assert refs == [f"#/$defs/{kind}-document" for kind in KINDS]
    for kind in KINDS:
        branch = schema["$defs"][f"{kind}-document"]
        assert branch["properties"]["document_kind"]["const"] == kind
    assert schema["properties"]["document_kind"]["enum"] == KINDS


def test_the_schema_is_deterministic_and_each_call_returns_a_fresh_copy() -> None:
    first = json_schema()
    first["$defs"].clear()
    first["title"] = "changed"
    again = json_schema()
    assert again["title"] == "casemgmt document"
    assert json.dumps(again) == json.dumps(json_schema())
    assert json_schema("case") == json_schema("case")


def test_an_unknown_kind_is_refused_with_the_list_of_kinds() -> None:
    with pytest.raises(ValueError, match=r"unknown document kind 'plan'.*care-plan, case"):
        json_schema("plan")


def test_field_types_and_rule_constraints_are_mapped() -> None:
    defs = json_schema("case-record")["$defs"]
    frequency = defs["Frequency"]["properties"]
    assert frequency["count"] | {"description": ""} == {
        "type": "integer",
        "minimum": 1,
        "maximum": 1000,
        "description": "",
    }
    assert frequency["every"]["default"] == 1
    session = frequency["session_minutes"]["anyOf"]
    assert session[0]["maximum"] == 1440
    assert session[1] == {"type": "null"}
    assert "session_minutes" not in defs["Frequency"]["required"]
    case = defs["Case"]["properties"]
    assert case["id"]["pattern"] == "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
    assert "bad_id" in case["id"]["description"]
    # References are not checked by the loader on their own, so the schema does not either.
    assert "pattern" not in case["client_id"]
    assert case["referrals"]["minItems"] == 1
    assert defs["Provider"]["properties"]["disciplines"]["uniqueItems"] is True
    assert defs["NhsNumber"]["pattern"] == "^[0-9]{10}$"
    assert "Modulus 11" in defs["NhsNumber"]["description"]
    assert defs["CaseManager"]["properties"]["fte"]["exclusiveMinimum"] == 0
    history = defs["CaseEvent"]
    assert "from_status" in history["required"]  # no default, though it may be null
    at = history["properties"]["at"]
    assert at["format"] == "date-time"
    assert re.search(at["pattern"], "2026-03-02T10:00:00+01:00")
    assert not re.search(at["pattern"], "2026-03-02T10:00:00")
    money = defs["Money"]
    assert money["required"] == ["amount"]
    assert money["properties"]["currency"]["enum"] == ["CHF", "EUR", "GBP", "JPY", "USD"]


def test_a_non_blank_pattern_means_what_strip_means() -> None:
    # The invariants refuse ``not text.strip()``; the schema's pattern is ``\S``.
    pattern = re.compile(r"\S")
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        assert (pattern.search(char) is None) == (not char.strip())


def test_an_unknown_field_type_is_a_type_error() -> None:
    @attrs.frozen(kw_only=True)
    class Odd:
        size: complex

    with pytest.raises(TypeError, match="no JSON Schema for the field type"):
        _Builder().object_schema(Odd)


def test_a_mapping_field_is_an_object_of_its_values() -> None:
    @attrs.frozen(kw_only=True)
    class Tally:
        totals: dict[str, Money]
        by_day: dict[pendulum.Date, int] = attrs.field(factory=dict)

    builder = _Builder()
    schema = builder.object_schema(Tally)
    assert schema["properties"]["totals"] == {
        "type": "object",
        "additionalProperties": {"$ref": "#/$defs/Money"},
    }
    by_day = schema["properties"]["by_day"]
    assert by_day["propertyNames"]["format"] == "date"
    assert "default" not in by_day  # a factory default is not a value to show
    assert schema["required"] == ["totals"]
    assert set(builder.defs) == {"Money"}


# --- documents the library writes -----------------------------------------------------------


# Fourteen kinds share the profile's budget (and the deep profile still gets more).
_PROFILE = settings.default
_PER_KIND = settings(max_examples=max(5, (_PROFILE.max_examples if _PROFILE else 50) // 5))


@pytest.mark.parametrize("kind", KINDS)
@_PER_KIND
@given(data=st.data())
def test_every_written_document_validates(kind: str, data: st.DataObject) -> None:
    entity = data.draw(st.from_type(DOCUMENT_KINDS[kind]))
    document = json.loads(json.dumps(to_document(entity)))
    errors = [e.message for e in VALIDATORS[kind].iter_errors(document)]
    assert errors == []
    assert ANY_DOCUMENT.is_valid(document)


def _example_documents() -> list[tuple[str, Path, dict[str, Any]]]:
    found = []
    for path in sorted(EXAMPLES.rglob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(document, dict) and "document_kind" in document:
            found.append((document["document_kind"], path, document))
    return found


EXAMPLE_DOCUMENTS = _example_documents()


def test_the_examples_are_found() -> None:
    assert len(EXAMPLE_DOCUMENTS) >= 10
    assert {kind for kind, _, _ in EXAMPLE_DOCUMENTS} >= {"case-record", "care-plan", "team"}


@pytest.mark.parametrize(
    ("kind", "document"),
    [(kind, document) for kind, _, document in EXAMPLE_DOCUMENTS],
    ids=[str(path.relative_to(EXAMPLES)) for _, path, _ in EXAMPLE_DOCUMENTS],
)
def test_every_example_validates(kind: str, document: dict[str, Any]) -> None:
    assert [e.message for e in VALIDATORS[kind].iter_errors(document)] == []
    assert ANY_DOCUMENT.is_valid(document)


# --- documents with one fault -----------------------------------------------------------------


@st.composite
def _faulty(draw: st.DrawFn, kind: str) -> tuple[str, dict[str, Any]]:
    entity = draw(st.from_type(DOCUMENT_KINDS[kind]))
    document = json.loads(json.dumps(to_document(entity)))
    wanted = draw(st.sampled_from(FAULT_KINDS))
    faults = [mutate for name, mutate in _faults(document) if name == wanted]
    if not faults:  # e.g. no list to repeat a member of: fall back to any fault
        faults = [mutate for _, mutate in _faults(document)]
        wanted = "other"
    mutate = draw(st.sampled_from(faults))
    mutate(document)
    return wanted, document


@pytest.mark.parametrize("kind", KINDS)
@_PER_KIND
@given(data=st.data())
def test_the_schema_and_the_loader_agree_on_faulty_documents(
    kind: str, data: st.DataObject
) -> None:
    fault, document = data.draw(_faulty(kind))
    accepted, codes = _check_agreement(kind, document, combined=True)
    event(f"{fault}: {'accepted' if accepted else 'refused'} by the schema")
    if codes is not None:
        event("loader refused: " + ("type-level" if codes <= TYPE_LEVEL else "rule-level"))


def _valid_examples() -> list[tuple[str, dict[str, Any]]]:
    chosen: dict[str, dict[str, Any]] = {}
    for kind, _, document in EXAMPLE_DOCUMENTS:
        if kind not in chosen and _loader_codes(kind, document) is None:
            chosen[kind] = document
    return sorted(chosen.items())


def test_faults_spread_over_the_examples_are_judged_alike() -> None:
    # Deterministic, unlike the property above: a few faults of each kind, spread
    # evenly over each valid example, so every kind of fault is known to be exercised.
    refused_for_type: Counter[str] = Counter()
    for kind, document in _valid_examples():
        by_fault: dict[str, list[Callable[[Any], None]]] = {}
        for name, mutate in _faults(document):
            by_fault.setdefault(name, []).append(mutate)
        for name, mutations in sorted(by_fault.items()):
            for mutate in mutations[:: max(1, len(mutations) // 8)]:
                faulty = copy.deepcopy(document)
                mutate(faulty)
                _, codes = _check_agreement(kind, faulty)
                if codes is not None and codes <= TYPE_LEVEL:
                    refused_for_type[name] += 1
    for name in ("wrong_type", "non_member", "delete_key", "unknown_key", "impossible_date"):
        assert refused_for_type[name] >= 3, (name, refused_for_type)


# --- the command ------------------------------------------------------------------------------


def test_the_command_prints_the_combined_schema() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert schema_command(None, out=out, err=err) == 0
    assert json.loads(out.getvalue()) == json_schema()
    assert out.getvalue().startswith('{\n  "$schema"')
    assert out.getvalue().endswith("}\n")
    assert err.getvalue() == ""


def test_the_command_prints_one_kind() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert schema_command("team", out=out, err=err) == 0
    assert json.loads(out.getvalue()) == json_schema("team")
    assert err.getvalue() == ""


def test_the_command_refuses_an_unknown_kind() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert schema_command("teams", out=out, err=err) == 2
    assert out.getvalue() == ""
    assert err.getvalue().startswith("casemgmt: schema: unknown document kind 'teams'")
    assert "case-record" in err.getvalue()


def test_the_command_prints_the_schema_and_refuses_an_unknown_kind(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from casemgmt.cli import main

    assert main(["schema", "goal"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema("goal")
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == json_schema()
    assert main(["schema", "nope"]) == 2
    assert "invalid choice" in capsys.readouterr().err
