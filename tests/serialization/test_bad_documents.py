"""Bad documents give one DocumentError listing every problem with its JSON path, and never
a value from the document."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casemgmt.errors import CaseManagementError, DocumentError
from casemgmt.model import CaseRecord, Client, Goal
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
    document = to_document(client)
    broken = copy.deepcopy(document)
    # Break the document in a way that puts personal values where other types belong.
    name = broken["name"]
    broken["date_of_birth"] = name["given"] + " " + name["family"]
    broken["risk"] = {"emergency_admissions_12m": name["family"]}
    broken["address"] = {"lines": name["given"]}
    if client.nhs_number is not None:
        broken["gender"] = client.nhs_number.value
    broken["name"] = {"given": data.draw(st.integers()), "family": name["family"], name["given"]: 1}
    with pytest.raises(DocumentError) as caught:
        from_document(Client, broken)
    message = str(caught.value) + repr(caught.value) + repr(caught.value.problems)
    # The unknown key is named in its path, as the host wrote it (and escaped in a repr).
    unknown_key = "$.name." + name["given"]
    message = message.replace(repr(unknown_key)[1:-1], "").replace(unknown_key, "")
    for value in _personal_values(client):
        if value in {"Client", "client", "true", "false", "null"}:
            continue
        assert value not in message


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
