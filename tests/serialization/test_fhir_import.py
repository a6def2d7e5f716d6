"""Importing FHIR bundles that are not our own clean export (issue 8).

A bundle that cannot be read gives one :class:`~casemgmt.errors.DocumentError` of kind
``fhir-bundle`` listing every problem with its path, never another exception and never a
value from the bundle. A bundle written elsewhere, without our extensions, keeps every
field FHIR has an element for; resources may be named by their ``id`` instead of our
identifiers, and references may be relative (``Patient/<id>``) instead of ``urn:uuid:``.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casemgmt.errors import DocumentError, Problem
from casemgmt.model import (
    Address,
    CarePlan,
    Case,
    CaseRecord,
    Condition,
    ContactDetails,
    FundingStream,
    Intervention,
    PersonName,
    Provider,
    Referral,
    TeamId,
)
from casemgmt.serialization import EXTENSION_BASE, from_document, load_json, to_document
from casemgmt.serialization.fhir import (
    BUNDLE_KIND,
    ID_SYSTEM,
    MAPPING,
    REGISTRATION_SYSTEM,
    dump_bundle,
    extension_url,
    import_bundle,
    load_bundle,
)
from casemgmt.testing.strategies import case_records

EXAMPLES = Path(__file__).parents[2] / "examples"
EXAMPLE_NAMES = (
    "brain-injury-rehabilitation.json",
    "occupational-health-back-pain.json",
    "virtual-ward-older-person.json",
)
BRAIN_INJURY = EXAMPLE_NAMES[0]

Bundle = dict[str, Any]
JsonPath = tuple[str | int, ...]


@functools.cache
def example_record(name: str) -> CaseRecord:
    return load_json(CaseRecord, (EXAMPLES / name).read_bytes())


def bundle_of(record: CaseRecord) -> Bundle:
    """The exported bundle as a reader gets it: through JSON text, a fresh copy each time."""
    bundle: Bundle = json.loads(dump_bundle(record))
    return bundle


def example_bundle(name: str = BRAIN_INJURY) -> Bundle:
    return bundle_of(example_record(name))


def import_problems(bundle: object) -> list[Problem]:
    """The problems of a bundle that must not import; checks the error is the one promised."""
    with pytest.raises(DocumentError) as caught:
        import_bundle(bundle)
    error = caught.value
    assert type(error) is DocumentError
    assert error.kind == BUNDLE_KIND
    assert error.problems
    return list(error.problems)


def codes_at(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.path, p.code) for p in problems]


def entries(bundle: Bundle, kind: str) -> list[int]:
    """The indexes of the entries holding a resource of type ``kind``."""
    return [n for n, e in enumerate(bundle["entry"]) if e["resource"]["resourceType"] == kind]


def resource(bundle: Bundle, index: int) -> dict[str, Any]:
    found: dict[str, Any] = bundle["entry"][index]["resource"]
    return found


def is_intervention(request: dict[str, Any]) -> bool:
    # Interventions are the ServiceRequests based on a CarePlan; referrals are not.
    return "basedOn" in request


def at_entry(index: int) -> str:
    return f"Bundle.entry[{index}].resource"


def personal_strings(record: CaseRecord) -> set[str]:
    """What must never appear in a message: the client's name parts, NHS number, date of
    birth, address and contact details, carers' names, and the free text of conditions and
    goals (only texts of six characters or more, so a short text cannot match by chance)."""
    client = record.client
    values = [client.name.given, client.name.family, client.date_of_birth.isoformat()]
    if client.nhs_number is not None:
        values.append(client.nhs_number.value)
    if client.address is not None:
        values.extend(client.address.lines)
        values.append(client.address.postcode or "")
    if client.contact is not None:
        values.extend([client.contact.phone or "", client.contact.email or ""])
    for carer in client.carers:
        if carer.name is not None:
            values.extend([carer.name.given, carer.name.family])
    values.extend(condition.label for condition in client.conditions)
    for plan in record.case.plans:
        values.extend(goal.description for goal in plan.goals)
    return {value for value in values if len(value) >= 6}


def assert_no_personal_data(error: DocumentError, record: CaseRecord) -> None:
    text = str(error)
    leaked = sorted(value for value in personal_strings(record) if value in text)
    assert not leaked, f"the message repeats {len(leaked)} personal value(s)"


# -- 1. bundles that cannot be read ---------------------------------------------------------


@pytest.mark.parametrize(
    "bundle",
    [
        None,
        [],
        "Bundle",
        3,
        {},
        {"resourceType": "Patient", "id": "P1"},
        {"resourceType": ["Bundle"], "entry": []},
    ],
    ids=["null", "array", "string", "number", "empty", "patient", "listed-type"],
)
def test_a_value_that_is_not_a_bundle_is_one_problem_at_the_root(bundle: object) -> None:
    assert codes_at(import_problems(bundle)) == [("$", "not_a_bundle")]


@pytest.mark.parametrize("entry", ["missing", None, {}, "entries", 0])
def test_a_bundle_without_an_array_of_entries_is_one_problem(entry: object) -> None:
    bundle = example_bundle()
    if entry == "missing":
        del bundle["entry"]
    else:
        bundle["entry"] = entry
    assert codes_at(import_problems(bundle)) == [("Bundle.entry", "required")]


def test_every_entry_without_a_resource_is_reported_at_once() -> None:
    bundle = example_bundle()
    del bundle["entry"][2]["resource"]
    bundle["entry"][3] = "an entry"
    bundle["entry"][4]["resource"] = ["a", "list"]
    del bundle["entry"][5]["resource"]["resourceType"]
    bundle["entry"][6]["resource"]["resourceType"] = 7
    bundle["entry"].append(None)
    last = len(bundle["entry"]) - 1
    assert codes_at(import_problems(bundle)) == [
        ("Bundle.entry[2]", "wrong_type"),
        ("Bundle.entry[3]", "wrong_type"),
        ("Bundle.entry[4]", "wrong_type"),
        ("Bundle.entry[5]", "wrong_type"),
        ("Bundle.entry[6]", "wrong_type"),
        (f"Bundle.entry[{last}]", "wrong_type"),
    ]


def _without(kind: str) -> Bundle:
    bundle = example_bundle()
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != kind]
    return bundle


def _doubled(kind: str) -> Bundle:
    bundle = example_bundle()
    (index,) = entries(bundle, kind)
    twin = copy.deepcopy(bundle["entry"][index])
    twin["fullUrl"] = "urn:uuid:00000000-0000-4000-8000-000000000001"
    twin["resource"]["id"] = "00000000-0000-4000-8000-000000000001"
    bundle["entry"].append(twin)
    return bundle


@pytest.mark.parametrize(
    ("make", "missing"),
    [
        (lambda: _without("Patient"), ["Patient"]),
        (lambda: _doubled("Patient"), ["Patient"]),
        (lambda: _without("EpisodeOfCare"), ["EpisodeOfCare"]),
        (lambda: _doubled("EpisodeOfCare"), ["EpisodeOfCare"]),
        (
            lambda: {"resourceType": "Bundle", "type": "collection", "entry": []},
            ["Patient", "EpisodeOfCare"],
        ),
    ],
    ids=["no-patient", "two-patients", "no-episode", "two-episodes", "empty"],
)
def test_a_bundle_needs_exactly_one_patient_and_one_episode_of_care(
    make: Any, missing: list[str]
) -> None:
    problems = import_problems(make())
    assert [(p.path, p.code, p.message) for p in problems] == [
        ("Bundle.entry", "cardinality", f"expected exactly one {kind}") for kind in missing
    ]


def test_every_reference_that_names_no_entry_is_reported_where_it_is() -> None:
    bundle = example_bundle()
    nowhere = "urn:uuid:00000000-0000-4000-8000-00000000dead"
    (plan, *_) = entries(bundle, "CarePlan")
    (episode,) = entries(bundle, "EpisodeOfCare")
    resource(bundle, plan)["goal"][0]["reference"] = nowhere
    resource(bundle, plan)["activity"][1]["reference"] = {"display": "no reference"}
    resource(bundle, episode)["careManager"] = {"reference": "Practitioner/unknown"}
    problems = import_problems(bundle)
    assert codes_at(problems) == [
        (f"{at_entry(episode)}.careManager", "unresolved_reference"),
        (f"{at_entry(plan)}.goal[0]", "unresolved_reference"),
        (f"{at_entry(plan)}.activity[1].reference", "unresolved_reference"),
    ]
    assert all(nowhere not in p.message and "unknown" not in p.message for p in problems)


def test_a_goal_status_outside_the_value_set_is_reported_at_the_goal() -> None:
    bundle = example_bundle()
    goal = entries(bundle, "Goal")[1]
    resource(bundle, goal)["lifecycleStatus"] = "sustaining"
    (problem,) = import_problems(bundle)
    assert (problem.path, problem.code) == (at_entry(goal), "not_in_value_set")
    assert problem.message.startswith("goal field lifecycle_status:")
    assert "sustaining" not in problem.message


def test_a_due_date_before_the_start_is_reported_at_the_goal() -> None:
    bundle = example_bundle()
    goal = entries(bundle, "Goal")[-1]
    start = resource(bundle, goal)["startDate"]
    resource(bundle, goal)["target"][0]["dueDate"] = "2001-02-03"
    (problem,) = import_problems(bundle)
    assert (problem.path, problem.code) == (at_entry(goal), "before_start")
    assert problem.message.startswith("goal field due:")
    assert start not in problem.message
    assert "2001-02-03" not in problem.message


def test_wrong_json_types_are_each_reported_at_their_entry_with_the_field() -> None:
    bundle = example_bundle()
    (patient,) = entries(bundle, "Patient")
    (episode,) = entries(bundle, "EpisodeOfCare")
    goal = entries(bundle, "Goal")[0]
    intervention = next(n for n in entries(bundle, "ServiceRequest") if n > episode)
    coverage = entries(bundle, "Coverage")[0]
    resource(bundle, patient)["birthDate"] = 19890714
    resource(bundle, patient)["gender"] = ["male"]
    resource(bundle, episode)["period"]["start"] = {"day": 1}
    resource(bundle, goal)["description"]["text"] = 42
    repeat = resource(bundle, intervention)["occurrenceTiming"]["repeat"]
    repeat["frequency"] = "twice"
    repeat["period"] = 1.5
    resource(bundle, coverage)["payor"][0]["display"] = False

    problems = import_problems(bundle)

    found = {(p.path, p.message.split(":")[0]) for p in problems}
    assert found == {
        (at_entry(patient), "client field date_of_birth"),
        (at_entry(patient), "client field gender"),
        (at_entry(episode), "case field opened_on"),
        (at_entry(goal), "goal field description"),
        (at_entry(intervention), "intervention field frequency.count"),
        (at_entry(intervention), "intervention field frequency.every"),
        (at_entry(coverage), "funding-stream field name"),
    }
    assert {p.code for p in problems} == {"wrong_type", "not_in_value_set"}


def test_no_message_repeats_personal_data_of_the_client() -> None:
    record = example_record(BRAIN_INJURY)
    bundle = bundle_of(record)
    (patient,) = entries(bundle, "Patient")
    person = resource(bundle, patient)
    # Every personal text moved to where a code or a date is expected.
    person["gender"] = person["name"][0]["family"]
    person["birthDate"] = person["address"][0]["line"][0]
    person["name"][0]["family"] = person["identifier"][1]["value"]
    person["name"][0]["given"] = [{"text": person["name"][0]["given"][0]}]
    goal = entries(bundle, "Goal")[0]
    resource(bundle, goal)["startDate"] = resource(bundle, goal)["description"]["text"]
    with pytest.raises(DocumentError) as caught:
        import_bundle(bundle)
    error = caught.value
    assert len(error.problems) >= 4
    assert_no_personal_data(error, record)


# -- extensions and money a reader cannot use ----------------------------------------------


@pytest.mark.parametrize("url", [["client.employment"], {"value": "x"}, 7, None])
def test_an_extension_whose_url_is_not_a_string_is_ignored(url: object) -> None:
    # FHIR lets a reader ignore an extension it does not know; one without a usable URL is
    # one of those (before the fix: TypeError, unhashable, from decode_fields).
    record = example_record(BRAIN_INJURY)
    bundle = bundle_of(record)
    (patient,) = entries(bundle, "Patient")
    resource(bundle, patient)["extension"].append({"url": url, "valueString": "x"})
    assert import_bundle(bundle) == record


def test_a_money_currency_that_is_not_a_string_is_reported_at_the_intervention() -> None:
    # Before the fix: TypeError (unhashable) from money_document.
    bundle = example_bundle()
    index = next(
        n for n in entries(bundle, "ServiceRequest") if is_intervention(resource(bundle, n))
    )
    cost = extension_url("intervention", "unit_cost")
    money = next(e for e in resource(bundle, index)["extension"] if e["url"] == cost)
    money["valueMoney"]["currency"] = ["GBP"]
    (problem,) = import_problems(bundle)
    assert problem.path == at_entry(index)
    assert problem.message.startswith("intervention field unit_cost")


def test_a_sub_extension_naming_no_field_is_ignored_and_never_repeated() -> None:
    # Before the fix, the part was kept under its URL as a key and the loader's unknown_key
    # problem repeated the URL, which can be any text: here the client's family name.
    record = example_record(BRAIN_INJURY)
    employment = record.client.employment
    assert employment is not None
    assert employment.occupation is not None
    bundle = bundle_of(record)
    (patient,) = entries(bundle, "Patient")
    extension = resource(bundle, patient)["extension"][0]
    assert extension["url"] == extension_url("client", "employment")
    occupation = next(part for part in extension["extension"] if part["url"] == "occupation")
    occupation["url"] = record.client.name.family
    without = attrs.evolve(employment, occupation=None)
    assert import_bundle(bundle) == attrs.evolve(
        record, client=attrs.evolve(record.client, employment=without)
    )
    resource(bundle, patient)["gender"] = "unknown-to-us"
    with pytest.raises(DocumentError) as caught:
        import_bundle(bundle)
    assert [p.path for p in caught.value.problems] == [at_entry(patient)]
    assert_no_personal_data(caught.value, record)


# -- 1b. random damage: a record or one DocumentError, and no personal data in it ----------

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**40), max_value=2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
_GARBAGE = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)
_MUTATIONS = ("delete", "retype", "swap_container", "wrap", "insert")


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


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


def _mutate(data: st.DataObject, bundle: Bundle) -> str:
    """Damage ``bundle`` in place at one random place; returns what was done, to report."""
    path = data.draw(st.sampled_from(list(_locations(bundle))[1:]), label="path")
    how = data.draw(st.sampled_from(_MUTATIONS), label="mutation")
    parent, key = _at(bundle, path[:-1]), path[-1]
    old = parent[key]
    if how == "delete":
        del parent[key]
    elif how == "retype":
        parent[key] = data.draw(_GARBAGE.filter(lambda v: _json_type(v) != _json_type(old)))
    elif how == "swap_container":
        if isinstance(old, list):
            parent[key] = {str(n): inner for n, inner in enumerate(old)}
        elif isinstance(old, dict):
            parent[key] = list(old.values())
        else:
            parent[key] = {}
    elif how == "wrap":
        parent[key] = [old]
    elif isinstance(old, dict):
        old["garbage-" + data.draw(st.text(max_size=4))] = data.draw(_GARBAGE)
    elif isinstance(old, list):
        old.insert(data.draw(st.integers(0, len(old))), data.draw(_GARBAGE))
    else:
        parent[key] = data.draw(_GARBAGE)
    return f"{how} at {path}"


_RECORDS = st.sampled_from(EXAMPLE_NAMES).map(example_record) | case_records()


@settings(max_examples=100, deadline=None)
@given(_RECORDS, st.data())
def test_damaged_bundles_give_a_record_or_one_document_error_without_personal_data(
    record: CaseRecord, data: st.DataObject
) -> None:
    bundle = bundle_of(record)
    done = _mutate(data, bundle)
    outcome: CaseRecord | DocumentError
    try:
        outcome = import_bundle(bundle)
    except DocumentError as error:
        outcome = error
    if isinstance(outcome, DocumentError):
        assert outcome.kind == BUNDLE_KIND, done
        assert outcome.problems, done
        assert all(p.path.startswith(("$", "Bundle")) for p in outcome.problems), done
        assert_no_personal_data(outcome, record)
    else:
        assert type(outcome) is CaseRecord, done


# -- 2. bundles from elsewhere: no casemgmt extensions --------------------------------------


def strip_extensions(value: Any, keep: frozenset[str] = frozenset()) -> Any:
    """``value`` without any extension of ours (URL under EXTENSION_BASE) but those in
    ``keep``; an ``extension`` array left empty is dropped."""
    if isinstance(value, dict):
        out = {}
        for key, inner in value.items():
            kept = inner
            if key == "extension":
                kept = [
                    ext
                    for ext in inner
                    if not ext["url"].startswith(EXTENSION_BASE) or ext["url"] in keep
                ]
                if not kept:
                    continue
            out[key] = strip_extensions(kept, keep)
        return out
    if isinstance(value, list):
        return [strip_extensions(inner, keep) for inner in value]
    return value


# Fields that only an extension holds and that the model requires (always, or in some
# states): a record that has them cannot load from a bundle without them.
REQUIRED_EXTENSIONS: dict[type[Any], tuple[str, str]] = {
    Intervention: ("intervention", "unit_cost"),  # always
    Condition: ("condition", "long_term"),  # always
    Provider: ("provider", "disciplines"),  # always
    FundingStream: ("funding-stream", "permitted_categories"),  # always
    Referral: ("referral", "outcome_on"),  # once decided
}
ALSO_REQUIRED = {
    (Referral, "outcome_reason"): ("referral", "outcome_reason"),  # when turned down
    (Case, "closure"): ("case", "closure"),  # when closed
}
KEEP = frozenset(
    extension_url(entity, field)
    for entity, field in (*REQUIRED_EXTENSIONS.values(), *ALSO_REQUIRED.values())
)
KEPT_FIELDS = {(cls, field) for cls, (_, field) in REQUIRED_EXTENSIONS.items()} | set(ALSO_REQUIRED)

_CASE_STATUS = {
    "planned": "referred",
    "waitlist": "accepted",
    "active": "active",
    "onhold": "on-hold",
    "finished": "closed",
    "cancelled": "declined",
}
_REFERRAL_OUTCOME = {"active": "pending", "completed": "accepted", "revoked": "withdrawn"}
_INTERVENTION_STATUS = {
    "active": "in-progress",
    "on-hold": "on-hold",
    "completed": "completed",
    "revoked": "stopped",
    "entered-in-error": "entered-in-error",
}


def _entity_problems(problems: list[Problem], bundle: Bundle) -> set[tuple[str, str, str]]:
    """Each problem as (resource type at its path, entity, field) from its message."""
    found = set()
    for problem in problems:
        assert problem.path.startswith("Bundle.entry[")
        assert problem.path.endswith("].resource")
        index = int(problem.path.removeprefix("Bundle.entry[").removesuffix("].resource"))
        entity, _, rest = problem.message.partition(" field ")
        found.add((resource(bundle, index)["resourceType"], entity, rest.split(":")[0]))
    return found


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_without_our_extensions_every_required_field_only_they_hold_is_reported(
    name: str,
) -> None:
    record = example_record(name)
    bundle = strip_extensions(bundle_of(record))
    problems = import_problems(bundle)
    assert {p.code for p in problems} == {"required"}
    assert _entity_problems(problems, bundle) <= {
        ("ServiceRequest", "intervention", "unit_cost"),
        ("Condition", "condition", "long_term"),
        ("Organization", "provider", "disciplines"),
        ("Coverage", "funding-stream", "permitted_categories"),
        ("ServiceRequest", "referral", "outcome_on"),
    }
    # Every intervention, condition, provider, funding stream and decided referral is
    # named, each at its own entry.
    requests = entries(bundle, "ServiceRequest")
    referrals = [n for n in requests if not is_intervention(resource(bundle, n))]
    wanted = {n for n in requests if is_intervention(resource(bundle, n))}
    wanted |= {
        n
        for n, referral in zip(referrals, record.case.referrals, strict=True)
        if referral.outcome_on is not None
    }
    wanted |= set(entries(bundle, "Condition")) | set(entries(bundle, "Coverage"))
    wanted |= set(entries(bundle, "Organization")) - _referral_sources(bundle)
    assert {int(p.path.split("[")[1].split("]")[0]) for p in problems} == wanted
    assert not any(value in str(problems) for value in personal_strings(record))


def _referral_sources(bundle: Bundle) -> set[int]:
    urls = {
        resource(bundle, n)["requester"]["reference"]
        for n in entries(bundle, "ServiceRequest")
        if not is_intervention(resource(bundle, n))
    }
    return {n for n, e in enumerate(bundle["entry"]) if e["fullUrl"] in urls}


def _requested(bundle: Bundle) -> set[int]:
    """The entries a referral's requester names, by relative reference."""
    names = {
        f"{e['resource']['resourceType']}/{e['resource']['id']}": n
        for n, e in enumerate(bundle["entry"])
    }
    return {
        names[resource(bundle, n)["requester"]["reference"]]
        for n in entries(bundle, "ServiceRequest")
        if not is_intervention(resource(bundle, n))
    }


def _rows() -> dict[tuple[str, str], Any]:
    return {(row.entity, row.field): row for row in MAPPING}


def _absent(field: attrs.Attribute[Any], ours: object) -> object:
    """What a field no element holds is read as: its default; without one, an empty
    collection or text (FHIR has no empty string), or null."""
    if field.default is not attrs.NOTHING:
        default: object = field.default
        return default
    if isinstance(ours, frozenset | tuple | str):
        return type(ours)()
    return None


def assert_fhir_fields_kept(ours: Any, read: Any, position: int = 0) -> None:
    """Every field of ``read`` FHIR has an element for equals ``ours``; coarse codes are the
    nearest of ours; every field only an extension holds is at its default."""
    cls = type(ours)
    assert type(read) is cls
    rows = _rows()
    for field in attrs.fields(cls):
        name = field.name
        row = rows[(cls.__name__, name)]
        mine, theirs = getattr(ours, name), getattr(read, name)
        extension_held = row.element == "" or row.element.startswith(row.resource + " extension")
        where = f"{cls.__name__}.{name}"
        if (cls, name) in KEPT_FIELDS:
            assert theirs == mine, where
        elif _lost_without_extension(mine):
            # FHIR strings cannot be empty: an empty text (or a record of nothing but
            # empty texts and nulls) travels only in an extension.
            continue
        elif (cls, name) == (Case, "status"):
            assert theirs.value == _CASE_STATUS[mine.fhir_status], where
        elif (cls, name) == (Referral, "outcome"):
            coarse = {"pending": "active", "accepted": "completed"}.get(mine.value, "revoked")
            assert theirs.value == _REFERRAL_OUTCOME[coarse], where
        elif (cls, name) == (Intervention, "status"):
            assert theirs.value == _INTERVENTION_STATUS[_export_status(ours)], where
        elif (cls, name) == (CarePlan, "version"):
            assert theirs == position + 1, where
        elif (cls, name) == (Case, "history") or extension_held:
            assert theirs == _absent(field, mine), where
        elif name in ("conditions", "carers", "consents", "referrals", "plans"):
            assert len(theirs) == len(mine), where
            for n, (a, b) in enumerate(zip(mine, theirs, strict=True)):
                assert_fhir_fields_kept(a, b, n)
        elif name in ("goals", "interventions"):
            assert len(theirs) == len(mine), where
            for a, b in zip(mine, theirs, strict=True):
                assert_fhir_fields_kept(a, b)
        else:
            assert theirs == mine, where


def _lost_without_extension(value: object) -> bool:
    if value == "":
        return True
    if isinstance(value, PersonName | Address | ContactDetails):
        parts = [getattr(value, f.name) for f in attrs.fields(type(value))]
        texts = [t for part in parts for t in (part if isinstance(part, tuple) else (part,))]
        return "" in texts or all(t is None for t in texts)
    return False


def _export_status(intervention: Intervention) -> str:
    exported = {
        "not-started": "active",
        "scheduled": "active",
        "in-progress": "active",
        "cancelled": "revoked",
        "stopped": "revoked",
    }
    value: str = intervention.status.value
    return exported.get(value, value)


def assert_record_fhir_fields_kept(record: CaseRecord, read: CaseRecord) -> None:
    assert_fhir_fields_kept(record.client, read.client)
    assert_fhir_fields_kept(record.case, read.case)
    pairs = (
        (record.referral_sources, read.referral_sources),
        (record.case_managers, read.case_managers),
        (record.providers, read.providers),
        (record.funding_streams, read.funding_streams),
    )
    for mine, theirs in pairs:
        assert len(theirs) == len(mine)
        for a, b in zip(mine, theirs, strict=True):
            assert_fhir_fields_kept(a, b)


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_a_bundle_with_only_the_required_extensions_keeps_every_fhir_field(name: str) -> None:
    record = example_record(name)
    read = import_bundle(strip_extensions(bundle_of(record), KEEP))
    assert_record_fhir_fields_kept(record, read)
    # Spelled out, as the docstring of import_bundle promises them.
    client, case = read.client, read.case
    assert client.name == record.client.name
    assert client.date_of_birth == record.client.date_of_birth
    assert client.nhs_number == record.client.nhs_number
    assert case.referrals[0].received_on == record.case.referrals[0].received_on
    for plan, mine in zip(case.plans, record.case.plans, strict=True):
        assert [(g.description, g.lifecycle_status, g.due) for g in plan.goals] == [
            (g.description, g.lifecycle_status, g.due) for g in mine.goals
        ]
        assert [(i.provider_id, i.frequency, i.start, i.end) for i in plan.interventions] == [
            (i.provider_id, i.frequency, i.start, i.end) for i in mine.interventions
        ]
        # The goal links travel only in an extension.
        assert all(not i.goal_ids for i in plan.interventions)


@settings(max_examples=25, deadline=None)
@given(case_records())
def test_generated_records_keep_every_fhir_field_without_our_other_extensions(
    record: CaseRecord,
) -> None:
    read = import_bundle(strip_extensions(bundle_of(record), KEEP))
    assert_record_fhir_fields_kept(record, read)


def _foreign(name: str = BRAIN_INJURY) -> Bundle:
    bundle: Bundle = strip_extensions(example_bundle(name), KEEP)
    return bundle


@pytest.mark.parametrize(
    ("fhir", "ours"),
    [
        ("planned", "referred"),
        ("waitlist", "accepted"),
        ("active", "active"),
        ("onhold", "on-hold"),
        ("cancelled", "declined"),
    ],
)
def test_an_episode_status_from_elsewhere_is_the_nearest_case_status(fhir: str, ours: str) -> None:
    bundle = _foreign()
    (episode,) = entries(bundle, "EpisodeOfCare")
    resource(bundle, episode)["status"] = fhir
    assert import_bundle(bundle).case.status.value == ours


def test_a_finished_episode_without_our_closure_is_reported_where_it_falls_short() -> None:
    # finished is a closed case, and a closed case needs what only our extensions hold.
    bundle = _foreign()
    (episode,) = entries(bundle, "EpisodeOfCare")
    resource(bundle, episode)["status"] = "finished"
    problems = import_problems(bundle)
    assert [(p.path, p.code, p.message.split(":")[0]) for p in problems][:2] == [
        (at_entry(episode), "required", "case field closed_on"),
        (at_entry(episode), "required", "case field closure"),
    ]
    last_plan = entries(bundle, "CarePlan")[-1]
    live = [
        n
        for n in entries(bundle, "ServiceRequest")
        if n > last_plan and resource(bundle, n)["status"] == "active"
    ]
    assert live
    assert codes_at(problems[2:]) == [(at_entry(n), "live_at_closure") for n in live]


@pytest.mark.parametrize(
    ("fhir", "ours"),
    [
        ("draft", "not-started"),
        ("active", "in-progress"),
        ("on-hold", "on-hold"),
        ("revoked", "stopped"),
        ("completed", "completed"),
        ("entered-in-error", "entered-in-error"),
    ],
)
def test_a_service_request_status_from_elsewhere_is_the_nearest_intervention_status(
    fhir: str, ours: str
) -> None:
    bundle = _foreign()
    last = entries(bundle, "ServiceRequest")[-1]
    assert is_intervention(resource(bundle, last))
    resource(bundle, last)["status"] = fhir
    assert import_bundle(bundle).case.plans[-1].interventions[-1].status.value == ours


def _foreign_referral(status: str) -> tuple[Bundle, int]:
    bundle = _foreign()
    (index,) = [
        n for n in entries(bundle, "ServiceRequest") if not is_intervention(resource(bundle, n))
    ]
    request = resource(bundle, index)
    request["status"] = status
    # A bundle from elsewhere has no decision date either.
    del request["extension"]
    return bundle, index


def test_an_active_referral_from_elsewhere_is_pending() -> None:
    bundle, _ = _foreign_referral("active")
    assert import_bundle(bundle).case.referrals[0].outcome.value == "pending"


def test_a_revoked_referral_from_elsewhere_is_withdrawn_and_needs_our_extensions() -> None:
    # Withdrawn is the nearest outcome; a referral not taken on needs its decision date and
    # reason, which only our extensions hold.
    bundle, index = _foreign_referral("revoked")
    problems = import_problems(bundle)
    assert [(p.path, p.code, p.message.split(":")[0]) for p in problems] == [
        (at_entry(index), "required", "referral field outcome_on"),
        (at_entry(index), "required", "referral field outcome_reason"),
    ]


@pytest.mark.parametrize("fhir", ["draft", "on-hold"])
def test_a_draft_or_held_referral_from_elsewhere_is_pending(fhir: str) -> None:
    bundle, _ = _foreign_referral(fhir)
    assert import_bundle(bundle).case.referrals[0].outcome.value == "pending"


# -- 3. resources named by id instead of our identifiers -----------------------------------


def drop_our_identifiers(resource: dict[str, Any]) -> None:
    """Remove the identifiers with our id systems (registrations are kept: they are data)."""
    kept = [
        i
        for i in resource.get("identifier", [])
        if not i["system"].startswith(ID_SYSTEM) or i["system"].startswith(REGISTRATION_SYSTEM)
    ]
    if kept:
        resource["identifier"] = kept
    else:
        resource.pop("identifier", None)


def _replace_strings(value: Any, old: str, new: str) -> Any:
    if isinstance(value, dict):
        return {key: _replace_strings(inner, old, new) for key, inner in value.items()}
    if isinstance(value, list):
        return [_replace_strings(inner, old, new) for inner in value]
    return new if value == old else value


def _replaced_in(record: CaseRecord, scope: JsonPath, old: str, new: str) -> CaseRecord:
    """``record`` with every occurrence of the id ``old`` under ``scope`` renamed ``new``."""
    document = to_document(record)
    if scope:
        parent = _at(document, scope[:-1])
        parent[scope[-1]] = _replace_strings(parent[scope[-1]], old, new)
    else:
        document = _replace_strings(document, old, new)
    return from_document(CaseRecord, document)


def _without_assessments(record: CaseRecord) -> CaseRecord:
    # Assessments travel in an extension that names the client and the case manager by
    # our ids, so they cannot follow a Patient or Practitioner renamed by its id.
    return record.with_case(attrs.evolve(record.case, assessments=()))


_LAST_PLAN: JsonPath = ("case", "plans", -1)


@pytest.mark.parametrize(
    ("kind", "pick", "old_id", "scope"),
    [
        ("Patient", 0, lambda r: r.client.id, ()),
        ("RelatedPerson", 0, lambda r: r.client.carers[0].id, ()),
        ("EpisodeOfCare", 0, lambda r: r.case.id, ()),
        ("ServiceRequest", 0, lambda r: r.case.referrals[0].id, ()),
        ("CarePlan", -1, lambda r: r.case.plans[-1].id, _LAST_PLAN),
        ("Goal", -1, lambda r: r.case.plans[-1].goals[-1].id, _LAST_PLAN),
        ("ServiceRequest", -1, lambda r: r.case.plans[-1].interventions[-1].id, _LAST_PLAN),
        ("Practitioner", 0, lambda r: r.case_managers[0].id, ()),
        ("Organization", -1, lambda r: r.providers[-1].id, ()),
        ("Coverage", 0, lambda r: r.funding_streams[0].id, ()),
    ],
    ids=[
        "client",
        "carer",
        "case",
        "referral",
        "care-plan",
        "goal",
        "intervention",
        "case-manager",
        "provider",
        "funding-stream",
    ],
)
def test_a_resource_without_our_identifier_is_named_by_its_id(
    kind: str, pick: int, old_id: Any, scope: JsonPath
) -> None:
    record = _without_assessments(example_record(BRAIN_INJURY))
    bundle = bundle_of(record)
    index = entries(bundle, kind)[pick]
    found = resource(bundle, index)
    drop_our_identifiers(found)
    read = import_bundle(bundle)
    assert read == _replaced_in(record, scope, old_id(record), found["id"])


def test_assessments_in_our_extension_still_name_the_client_by_our_id() -> None:
    # A bundle mixing our extensions with a Patient named by its id: the assessments the
    # episode's extension carries name the client by our id, and are reported as about
    # another client, at the episode.
    record = example_record(BRAIN_INJURY)
    assert len(record.case.assessments) == 2
    bundle = bundle_of(record)
    (patient,) = entries(bundle, "Patient")
    (episode,) = entries(bundle, "EpisodeOfCare")
    drop_our_identifiers(resource(bundle, patient))
    problems = import_problems(bundle)
    assert [(p.path, p.code, p.message.split(":")[0]) for p in problems] == [
        (at_entry(episode), "other_client", f"case field assessments[{n}].client_id")
        for n in range(2)
    ]


def test_a_care_team_without_our_identifier_leaves_the_case_without_a_team() -> None:
    # Every export has a CareTeam and only a case with a team gives it our identifier, so a
    # CareTeam is never named by its id: that would give every case a team.
    plain = example_record(BRAIN_INJURY)
    record = plain.with_case(attrs.evolve(plain.case, team_id=TeamId("TEAM-NORTH")))
    bundle = bundle_of(record)
    (team,) = entries(bundle, "CareTeam")
    drop_our_identifiers(resource(bundle, team))
    assert import_bundle(bundle) == plain


def test_a_referral_source_without_our_identifier_is_named_by_its_id() -> None:
    record = _without_assessments(example_record(BRAIN_INJURY))
    bundle = bundle_of(record)
    (index,) = _referral_sources(bundle)
    found = resource(bundle, index)
    drop_our_identifiers(found)
    read = import_bundle(bundle)
    old = record.referral_sources[0].id
    assert read == _replaced_in(record, (), old, found["id"])


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_a_bundle_with_neither_our_identifiers_nor_our_extensions_imports(name: str) -> None:
    # The nearest we have to a bundle from elsewhere: every resource named by its id, only
    # the extensions the model cannot do without, references relative.
    record = example_record(name)
    bundle = relative_references(_foreign(name), drop_full_urls=True)
    for entry in bundle["entry"]:
        drop_our_identifiers(entry["resource"])
    assert ID_SYSTEM + "client" not in json.dumps(bundle)
    read = import_bundle(bundle)
    ids = {e["resource"]["resourceType"]: e["resource"]["id"] for e in bundle["entry"]}
    assert read.client.id == ids["Patient"]
    assert read.case.id == ids["EpisodeOfCare"]
    assert read.case.client_id == read.client.id
    assert read.client.name == record.client.name
    assert read.client.nhs_number == record.client.nhs_number
    sources = {resource(bundle, n)["id"] for n in _requested(bundle)}
    assert {s.id for s in read.referral_sources} == sources
    assert {r.source_id for r in read.case.referrals} == sources
    assert len(read.providers) == len(record.providers)
    assert [len(p.goals) for p in read.case.plans] == [len(p.goals) for p in record.case.plans]


# -- 4. relative references ---------------------------------------------------------------


def relative_references(bundle: Bundle, *, drop_full_urls: bool = False) -> Bundle:
    """``bundle`` with every ``urn:uuid:`` reference as ``ResourceType/id``."""
    relative = {
        e["fullUrl"]: f"{e['resource']['resourceType']}/{e['resource']['id']}"
        for e in bundle["entry"]
    }

    def rewrite(value: Any) -> Any:
        if isinstance(value, dict):
            reference = value.get("reference")
            if isinstance(reference, str):
                return {**value, "reference": relative[reference]}
            return {key: rewrite(inner) for key, inner in value.items()}
        if isinstance(value, list):
            return [rewrite(inner) for inner in value]
        return value

    rewritten: Bundle = rewrite(bundle)
    if drop_full_urls:
        for entry in rewritten["entry"]:
            del entry["fullUrl"]
    assert "urn:uuid:" not in json.dumps([e["resource"] for e in rewritten["entry"]])
    return rewritten


@pytest.mark.parametrize("drop_full_urls", [False, True], ids=["full-urls", "no-full-urls"])
@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_relative_references_import_the_same_record(name: str, drop_full_urls: bool) -> None:
    record = example_record(name)
    bundle = relative_references(bundle_of(record), drop_full_urls=drop_full_urls)
    assert import_bundle(bundle) == record


@settings(max_examples=20, deadline=None)
@given(case_records())
def test_generated_records_import_the_same_with_relative_references(record: CaseRecord) -> None:
    assert import_bundle(relative_references(bundle_of(record), drop_full_urls=True)) == record


def test_a_relative_reference_to_the_wrong_resource_type_names_no_entry() -> None:
    bundle = relative_references(example_bundle())
    plan = entries(bundle, "CarePlan")[0]
    goal = resource(bundle, plan)["goal"][0]
    goal["reference"] = goal["reference"].replace("Goal/", "Condition/")
    assert codes_at(import_problems(bundle)) == [
        (f"{at_entry(plan)}.goal[0]", "unresolved_reference")
    ]


# -- 5. JSON text -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        b"",
        b"  \n ",
        "",
        b'{"resourceType": "Bundle", "entry": [NaN]}',
        b'{"resourceType": "Bundle", "total": Infinity}',
        b'{"resourceType": "Bundle", "total": 1e999}',
        b'{"resourceType": "Bundle\xff"}',
        b"\xfe\xff\x00{",
        '{"resourceType": "\ud800"}',
        b'{"resourceType": "Bundle", ',
        b"[" * 5000,
    ],
    ids=[
        "empty",
        "blank",
        "empty-str",
        "nan",
        "infinity",
        "overflow",
        "bad-utf8",
        "utf16-bom",
        "lone-surrogate",
        "truncated",
        "deep",
    ],
)
def test_text_that_is_not_strict_json_is_one_document_error(text: str | bytes) -> None:
    with pytest.raises(DocumentError) as caught:
        load_bundle(text)
    assert caught.value.kind == BUNDLE_KIND
    assert [p.path for p in caught.value.problems] == ["$"]


def test_nan_inside_an_exported_bundle_is_refused() -> None:
    record = example_record(BRAIN_INJURY)
    text = dump_bundle(record)
    assert load_bundle(text) == record
    broken = text.replace('"valueInteger": 117', '"valueInteger": NaN', 1)
    assert broken != text
    with pytest.raises(DocumentError) as caught:
        load_bundle(broken.encode())
    assert caught.value.kind == BUNDLE_KIND
    assert_no_personal_data(caught.value, record)


def test_json_text_that_is_not_a_bundle_is_the_bundle_problem() -> None:
    record = example_record(BRAIN_INJURY)
    text = json.dumps(to_document(record))
    with pytest.raises(DocumentError) as caught:
        load_bundle(text)
    assert caught.value.kind == BUNDLE_KIND
    assert codes_at(list(caught.value.problems)) == [("$", "not_a_bundle")]
