"""Every entity survives a round trip through real JSON text, equal and of the exact types."""

from __future__ import annotations

import enum
import json
from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casemgmt.model import Money, NhsNumber
from casemgmt.serialization import DOCUMENT_KINDS, dump_json, kind_of, load_json, make_converter

ROUND_TRIP_EXAMPLES = settings(max_examples=200)


def assert_same_types(left: Any, right: Any, path: str = "$") -> None:
    """Recursively check that two equal values are also built from the exact same types."""
    assert type(left) is type(right), f"{path}: {type(left)} != {type(right)}"
    if attrs.has(type(left)):
        for field in attrs.fields(type(left)):
            assert_same_types(
                getattr(left, field.name), getattr(right, field.name), f"{path}.{field.name}"
            )
    elif isinstance(left, tuple):
        for index, (a, b) in enumerate(zip(left, right, strict=True)):
            assert_same_types(a, b, f"{path}[{index}]")
    elif isinstance(left, frozenset):
        assert left == right
    else:
        assert isinstance(
            left, str | int | float | bool | enum.Enum | pendulum.Date | type(None)
        ), path


@pytest.mark.parametrize("kind", sorted(DOCUMENT_KINDS))
def test_every_document_kind_round_trips_through_json(kind: str) -> None:
    cls = DOCUMENT_KINDS[kind]

    @ROUND_TRIP_EXAMPLES
    @given(st.from_type(cls))
    def round_trip(entity: Any) -> None:
        text = dump_json(entity)
        document = json.loads(text)
        assert document["schema_version"] == 1
        assert document["document_kind"] == kind_of(cls)
        loaded = load_json(cls, text)
        assert loaded == entity
        assert_same_types(loaded, entity)
        assert dump_json(loaded) == text  # the dump is deterministic

    round_trip()


@ROUND_TRIP_EXAMPLES
@given(st.from_type(Money))
def test_money_unstructures_as_decimal_string(amount: Money) -> None:
    from casemgmt.serialization import make_converter

    converter = make_converter()
    data = converter.unstructure(amount)
    assert isinstance(data["amount"], str)
    assert converter.structure(json.loads(json.dumps(data)), Money) == amount


@ROUND_TRIP_EXAMPLES
@given(st.from_type(NhsNumber))
def test_nhs_number_is_written_as_ten_digits(number: NhsNumber) -> None:
    from casemgmt.serialization import make_converter

    converter = make_converter()
    assert converter.unstructure(number) == number.value
    assert converter.structure(number.value, NhsNumber) == number


def test_an_ambiguous_london_time_round_trips_equal() -> None:
    """01:00 on 28 Oct 2001 happened twice in London; each reading reloads as the same
    instant and compares equal (PEP 495 would otherwise make cross-zone equality false)."""
    from casemgmt.model import ClientAgreement

    for fold in (0, 1):
        moment = pendulum.datetime(2001, 10, 28, 1, 0, tz="Europe/London", fold=fold)
        agreement = ClientAgreement(agreed_at=moment)
        converter_text = json.dumps(make_converter().unstructure(agreement))
        loaded = make_converter().structure(json.loads(converter_text), ClientAgreement)
        assert loaded == agreement
        assert loaded.agreed_at.timestamp() == moment.timestamp()
