"""Every entity survives a round trip through real JSON text, equal and of the exact types."""

from __future__ import annotations

import datetime as _dt
import enum
import json
from typing import Any

import attrs
import pendulum
import pytest
from _case_history import ME, at, lived_case, referral
from hypothesis import given, settings
from hypothesis import strategies as st

from casemgmt.model import (
    Case,
    CaseEvent,
    CaseId,
    CaseManagerId,
    CaseStatus,
    ClientAgreement,
    Closure,
    Money,
    NhsNumber,
)
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

    for fold in (0, 1):
        moment = pendulum.datetime(2001, 10, 28, 1, 0, tz="Europe/London", fold=fold)
        agreement = ClientAgreement(agreed_at=moment)
        converter_text = json.dumps(make_converter().unstructure(agreement))
        loaded = make_converter().structure(json.loads(converter_text), ClientAgreement)
        assert loaded == agreement
        assert loaded.agreed_at.timestamp() == moment.timestamp()


# ------------------------------------------------------------------ a case with a history


def test_a_case_with_its_whole_history_round_trips_through_json() -> None:
    case = lived_case()
    assert case.status is CaseStatus.CLOSED
    assert case.version == len(case.history) == 18
    assert {e.at.utcoffset() for e in case.history} == {
        _dt.timedelta(0),
        _dt.timedelta(hours=1),
    }
    text = dump_json(case)
    document = json.loads(text)
    assert document["closure"]["destination"] == "independent"
    assert document["history"][0]["at"] == "2026-01-05T09:15:00+00:00"
    assert document["history"][-1]["at"] == "2026-05-05T10:15:00+01:00"
    assert "why" not in document["history"][1]  # left empty, so left out
    loaded = load_json(Case, text)
    assert loaded == case
    assert_same_types(loaded, case)
    assert dump_json(loaded) == text  # the dump is deterministic
    for before, after in zip(case.history, loaded.history, strict=True):
        assert after.at.utcoffset() == before.at.utcoffset()  # the offset written is kept
        assert after.changes == before.changes
    # The history reloaded is still the case's history: replaying it rebuilds the case.
    assert Case.replay(loaded.history) == loaded
    assert [p.status for p in loaded.status_history()] == [p.status for p in case.status_history()]


def test_a_reopened_episode_and_its_record_round_trip_through_json() -> None:
    closed = lived_case()
    again, event = closed.reopen(
        new_id=CaseId("CS-2"),
        referral=referral("RF-3", pendulum.Date(2026, 9, 1)),
        manager_id=CaseManagerId("CM-1"),
        by=ME,
        at=at(9, 1),
    )
    assert event.previous_case_id == closed.id
    loaded = load_json(Case, dump_json(again))
    assert loaded == again
    assert_same_types(loaded, again)
    assert loaded.history[0].previous_case_id == "CS-1"


@settings(max_examples=100, deadline=None)
@given(event=st.from_type(CaseEvent))
def test_every_kind_of_case_event_round_trips_through_json(event: CaseEvent) -> None:
    """Each action's payload (referral, plan, assessment, review, care event, closure ...)
    comes back equal and of the exact types, at the same instant and UTC offset."""
    converter = make_converter()
    data = json.loads(json.dumps(converter.unstructure(event)))
    loaded = converter.structure(data, CaseEvent)
    assert loaded == event
    assert_same_types(loaded, event)
    assert loaded.at.utcoffset() == event.at.utcoffset()
    assert converter.unstructure(loaded) == data


@settings(max_examples=100, deadline=None)
@given(closure=st.from_type(Closure))
def test_every_closure_round_trips_through_json(closure: Closure) -> None:
    converter = make_converter()
    loaded = converter.structure(json.loads(json.dumps(converter.unstructure(closure))), Closure)
    assert loaded == closure
    assert_same_types(loaded, closure)
