"""Bad documents give one DocumentError listing every problem with its JSON path, and never
a value from the document."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import attrs
import pendulum
import pytest
from _case_history import lived_case
from hypothesis import given, settings
from hypothesis import strategies as st

from casemgmt.errors import CaseManagementError, DocumentError
from casemgmt.model import Case, CaseRecord, Client, Goal, PersonName
from casemgmt.serialization import dump_json, from_document, load_json, to_document
from casemgmt.testing.strategies import clients

EXAMPLE = Path(__file__).parents[2] / "examples" / "brain-injury-rehabilitation.json"


def record_document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return document


def problems_of(cls: type[Any], document: object) -> dict[str, str]:
    with pytest.raises(DocumentError) as caught:
        from_document(cls, document)
    error = caught.value
    assert isinstance(error, CaseManagementError)
    assert isinstance(error, ValueError)
    assert error.code == "invalid_document"
    return {p.path: p.code for p in error.problems}


def test_every_problem_is_reported_at_once_with_its_path() -> None:
    document = record_document()
    plan = document["case"]["plans"][-1]
    plan["goals"][2]["due"] = "2020-01-01"  # before the goal's start
    plan["goals"][0]["self_managed"] = "yes"  # wrong type
    plan["interventions"][1]["unit_cost"] = {"amount": "-5.00", "currency": "GBP"}  # negative
    del plan["interventions"][0]["start"]  # missing field
    document["client"]["surname"] = "Extra"  # unknown key
    document["client"]["nhs_number"] = "9434765918"  # fails Modulus 11
    document["case"]["opened_on"] = "2026-13-01"  # no such date

    problems = problems_of(CaseRecord, document)

    plans = "$.case.plans[1]"
    assert problems == {
        f"{plans}.goals[2].due": "before_start",
        f"{plans}.goals[0].self_managed": "wrong_type",
        f"{plans}.interventions[1].unit_cost": "negative",
        f"{plans}.interventions[0].start": "required",
        "$.client.surname": "unknown_key",
        "$.client.nhs_number.value": "nhs_number_checksum",
        "$.case.opened_on": "bad_date",
    }


def test_strings_are_never_coerced_into_numbers_or_booleans() -> None:
    document = to_document(load_json(Goal, _goal_text()))
    document["gas"] = {
        "much_less": "a",
        "somewhat_less": "b",
        "expected": "c",
        "somewhat_more": "d",
        "much_more": "e",
        "weight": "3",
        "baseline": True,
    }
    assert problems_of(Goal, document) == {
        "$.gas.weight": "wrong_type",
        "$.gas.baseline": "wrong_type",
    }


def _goal_text() -> str:
    return json.dumps(
        {
            "schema_version": 1,
            "document_kind": "goal",
            "id": "G-1",
            "description": "Return to work",
            "domain": "employment",
            "start": "2026-01-05",
            "due": "2026-06-30",
        }
    )


def test_naive_datetimes_are_refused() -> None:
    document = record_document()
    document["case"]["plans"][-1]["agreement"]["agreed_at"] = "2026-04-29T10:00:00"
    assert problems_of(CaseRecord, document) == {
        "$.case.plans[1].agreement.agreed_at": "naive_datetime"
    }


def test_envelope_is_checked() -> None:
    document = json.loads(_goal_text())
    document["schema_version"] = 99
    document["document_kind"] = "client"
    assert problems_of(Goal, document) == {
        "$.schema_version": "unsupported_schema_version",
        "$.document_kind": "wrong_kind",
    }
    del document["schema_version"]
    assert problems_of(Goal, document)["$.schema_version"] == "required"


@pytest.mark.parametrize("text", ["", "{", "[1, 2", "null", "3", '"goal"', "[" * 100_000])
def test_text_that_is_not_a_json_object_is_one_clear_error(text: str) -> None:
    with pytest.raises(DocumentError) as caught:
        load_json(Goal, text)
    assert [p.path for p in caught.value.problems] == ["$"]


def test_unresolved_references_in_a_record_name_their_path() -> None:
    document = record_document()
    document["case"]["plans"][-1]["interventions"][0]["provider_id"] = "PR-NOWHERE"
    document["case"]["manager_id"] = "CM-NOBODY"
    assert problems_of(CaseRecord, document) == {
        "$.case.plans[1].interventions[0].provider_id": "unresolved_reference",
        "$.case.manager_id": "unresolved_reference",
    }


def _personal_values(client: Client) -> list[str]:
    values = [client.name.given, client.name.family, client.date_of_birth.isoformat()]
    if client.nhs_number is not None:
        values.append(client.nhs_number.value)
    if client.address is not None:
        values.extend(client.address.lines)
        if client.address.postcode:
            values.append(client.address.postcode)
    if client.contact is not None:
        values.extend(v for v in (client.contact.phone, client.contact.email) if v)
    return [v for v in values if len(v.strip()) >= 4]


@settings(max_examples=100)
@given(clients(), st.data())
def test_error_messages_never_contain_personal_data(client: Client, data: st.DataObject) -> None:
    number = data.draw(st.integers())
    message = _messages_of(to_document(client), number)
    # The same document with neutral names and no NHS number: what the messages say whoever
    # the client is. A personal value inside that wording ("stri" in "got string") is not a leak.
    neutral = attrs.evolve(
        client,
        name=PersonName(given="Qq", family="Qq"),
        date_of_birth=pendulum.Date(1900, 1, 1),
        nhs_number=None,
        address=None,
        contact=None,
    )
    wording = _messages_of(to_document(neutral), number)
    for value in _personal_values(client):
        if value in wording:
            continue
        assert value not in message


def _messages_of(document: dict[str, Any], number: int) -> str:
    """Everything a DocumentError shows for ``document`` broken so that personal values
    stand where other types belong, less the path of the unknown key (the host wrote it)."""
    broken = copy.deepcopy(document)
    name = broken["name"]
    broken["date_of_birth"] = name["given"] + " " + name["family"]
    broken["risk"] = {"emergency_admissions_12m": name["family"]}
    broken["address"] = {"lines": name["given"]}
    if "nhs_number" in broken:
        broken["gender"] = broken["nhs_number"]
    broken["name"] = {"given": number, "family": name["family"], name["given"]: 1}
    with pytest.raises(DocumentError) as caught:
        from_document(Client, broken)
    message = str(caught.value) + repr(caught.value) + repr(caught.value.problems)
    # The unknown key is named in its path, as the host wrote it (and escaped in a repr).
    unknown_key = "$.name." + name["given"]
    return message.replace(repr(unknown_key)[1:-1], "").replace(unknown_key, "")


@settings(max_examples=100)
@given(clients())
def test_repr_and_str_of_a_client_never_show_personal_data(client: Client) -> None:
    shown = repr(client) + str(client)
    for value in _personal_values(client):
        assert value not in shown.replace(client.id, "")


def test_repr_of_a_whole_record_never_shows_the_clients_personal_data() -> None:
    record = load_json(CaseRecord, EXAMPLE.read_text(encoding="utf-8"))
    shown = repr(record) + str(record)
    assert record.client.nhs_number is not None
    for value in _personal_values(record.client):
        assert value not in shown


def test_dump_of_the_example_is_stable() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    record = load_json(CaseRecord, text)
    assert load_json(CaseRecord, dump_json(record)) == record


def test_a_closed_case_without_a_closure_or_with_a_bad_history_names_each_path() -> None:
    """A closed case needs its closure (X1); an event of its history needs an aware instant
    and its action's payload; the history must run forward in time."""
    document = to_document(lived_case())
    del document["closure"]
    document["history"][3]["at"] = "2026-01-08T10:15:00"  # naive
    del document["history"][-1]["closure"]  # a close event says why
    document["history"][5]["action"] = "archive"  # no such action
    problems = problems_of(Case, document)
    assert problems == {
        "$.history[3].at": "naive_datetime",
        "$.history[5].action": "not_in_value_set",
        "$.history[17].closure": "required",
    }
    document = to_document(lived_case())
    del document["closure"]
    document["history"][2]["at"] = "2025-12-31T09:00:00+00:00"  # before the referral
    assert problems_of(Case, document) == {
        "$.closure": "required",
        "$.history[2].at": "before_previous",
    }
