"""FHIR R4 bundles: every generated record exports to a bundle that validates with the
``fhir.resources`` R4B models, whose references all resolve, and that imports back equal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import attrs
from _case_history import lived_case
from hypothesis import given, settings
from test_round_trip import assert_same_types

from casemgmt.model import (
    Address,
    Carer,
    CarerId,
    Case,
    CaseManager,
    CaseManagerId,
    CaseRecord,
    CaseStatus,
    Client,
    Condition,
    ConditionCategory,
    ContactDetails,
    DateRange,
    Discipline,
    FundingStream,
    FundingStreamKind,
    InterventionCategory,
    PersonName,
    Profession,
    Provider,
    ProviderKind,
    ReferralSource,
    ReferralSourceKind,
)
from casemgmt.serialization.fhir import (
    export_bundle,
    extension_url,
    import_bundle,
    validate_bundle,
)
from casemgmt.testing.strategies import case_records

FHIR_EXAMPLES = settings(max_examples=60, deadline=None)


def _through_json(bundle: dict[str, Any]) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(json.dumps(bundle))
    return loaded


def _references(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "reference" and isinstance(inner, str):
                yield inner
            else:
                yield from _references(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _references(inner)


def check_bundle(record: CaseRecord) -> None:
    bundle = _through_json(export_bundle(record))
    validate_bundle(bundle)
    urls = {entry["fullUrl"] for entry in bundle["entry"]}
    assert len(urls) == len(bundle["entry"])
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
        for reference in _references(entry["resource"]):
            assert reference in urls, reference
    back = import_bundle(bundle)
    assert back == record
    assert_same_types(back, record)
    assert export_bundle(back) == bundle


@FHIR_EXAMPLES
@given(case_records())
def test_generated_records_round_trip_through_valid_bundles(record: CaseRecord) -> None:
    check_bundle(record)


def record_around(case: Case, client: Client | None = None) -> CaseRecord:
    """The smallest record in which every id ``case`` names resolves."""
    plans = case.plans
    providers = {i.provider_id for p in plans for i in p.interventions}
    streams = {i.funding_stream_id for p in plans for i in p.interventions} - {None}
    managers = {case.manager_id} - {None}
    managers |= {a.performed_by for a in case.assessments} - {None}
    return CaseRecord(
        case=case,
        client=client
        or Client(
            id=case.client_id,
            name=PersonName(given="Ada", family="Lovelace"),
            date_of_birth=case.opened_on.subtract(years=70),
        ),
        referral_sources=tuple(
            ReferralSource(id=s, kind=ReferralSourceKind.SELF)
            for s in sorted({r.source_id for r in case.referrals})
        ),
        case_managers=tuple(
            CaseManager(
                id=CaseManagerId(m),
                name=PersonName(given="", family="Okafor"),
                profession=Profession.VOCATIONAL_REHABILITATION_PRACTITIONER,
            )
            for m in sorted(m for m in managers if m is not None)
        ),
        providers=tuple(
            Provider(
                id=p,
                name="Bridge Therapy",
                kind=ProviderKind.THERAPY_PRACTICE,
                disciplines=frozenset({Discipline.PHYSIOTHERAPY}),
            )
            for p in sorted(providers)
        ),
        funding_streams=tuple(
            FundingStream(
                id=f,
                name="Interim fund",
                kind=FundingStreamKind.COMPENSATOR,
                valid=DateRange(start=case.opened_on),
                permitted_categories=frozenset(InterventionCategory),
            )
            for f in sorted(f for f in streams if f is not None)
        ),
    )


def test_a_case_with_its_whole_history_round_trips() -> None:
    case = lived_case()
    assert case.history
    assert case.status is CaseStatus.CLOSED
    record = record_around(case)
    check_bundle(record)
    episode = _resources(export_bundle(record), "EpisodeOfCare")[0]
    assert episode["status"] == "finished"
    periods = episode["statusHistory"]
    assert [p["status"] for p in periods][:2] == ["planned", "waitlist"]
    assert all("end" in p["period"] for p in periods[:-1])
    assert "end" not in periods[-1]["period"]
    assert import_bundle(_through_json(export_bundle(record))).case.history == case.history


def _resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_texts_fhir_cannot_hold_travel_in_extensions() -> None:
    case = lived_case()
    client = Client(
        id=case.client_id,
        name=PersonName(given="", family="Lovelace"),
        date_of_birth=case.opened_on.subtract(years=70),
        address=Address(lines=("", "1 High Street"), postcode=""),
        contact=ContactDetails(),
        conditions=(
            Condition(category=ConditionCategory.FRAILTY, long_term=True, label="", code=""),
        ),
        carers=(Carer(id=CarerId("K1"), relationship="", contact=ContactDetails(phone="")),),
    )
    record = record_around(case, client)
    plan = record.case.plans[-1]
    goal = attrs.evolve(plan.goals[0], target="")
    record = record.with_case(
        attrs.evolve(
            record.case,
            plans=(*record.case.plans[:-1], attrs.evolve(plan, goals=(goal, *plan.goals[1:]))),
        )
    )
    check_bundle(record)
    patient = _resources(export_bundle(record), "Patient")[0]
    assert patient["name"] == [{"family": "Lovelace"}]
    assert patient["address"] == [{"use": "home", "line": ["1 High Street"]}]
    assert "telecom" not in patient


def test_the_mapping_table_names_every_field_once() -> None:
    from casemgmt.serialization.fhir import MAPPING
    from casemgmt.serialization.fhir._mapping import ALSO_EXTENDED, ENTITY_NAMES, MAPPED

    for cls in ENTITY_NAMES:
        rows = [row for row in MAPPING if row.entity == cls.__name__]
        assert [row.field for row in rows] == [f.name for f in attrs.fields(cls)]
        for row in rows:
            assert row.element or row.extension, row
            extended = row.field not in MAPPED[cls] or row.field in ALSO_EXTENDED.get(cls, ())
            assert (row.extension is not None) == extended, row


def test_a_field_at_its_default_adds_no_extension() -> None:
    case = lived_case()
    record = record_around(case)
    bundle = export_bundle(record)
    patient = _resources(bundle, "Patient")[0]
    assert "extension" not in patient
    goals = _resources(bundle, "Goal")
    assert goals
    for goal in goals:
        urls = {e["url"] for e in goal.get("extension", [])}
        assert urls <= {
            extension_url("goal", "self_managed"),
            extension_url("goal", "gas"),
        }
