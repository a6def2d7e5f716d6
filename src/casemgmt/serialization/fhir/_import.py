"""A FHIR R4 ``Bundle`` read back into a case record.

The bundle is turned into our ``case-record`` document and loaded with the strict loader,
so a bundle meets every rule a document meets. Problems are reported at the bundle entry
they come from, naming the field.
"""

from __future__ import annotations

from typing import Any

from casemgmt.errors import DocumentError, Problem
from casemgmt.model import (
    CarePlan,
    Carer,
    Case,
    CaseManager,
    CaseRecord,
    Client,
    Condition,
    Consent,
    FundingStream,
    Goal,
    Intervention,
    PersonName,
    Provider,
    Referral,
    ReferralSource,
)
from casemgmt.serialization._documents import SCHEMA_VERSION, from_document
from casemgmt.serialization._json import parse_json
from casemgmt.serialization.fhir._export import (
    ID_SYSTEM,
    NHS_NUMBER_SYSTEM,
    REGISTRATION_SYSTEM,
)
from casemgmt.serialization.fhir._extensions import (
    decode_fields,
    extension_url,
    fill_required,
    first,
    money_document,
)

__all__ = ["BUNDLE_KIND", "import_bundle", "load_bundle"]

BUNDLE_KIND = "fhir-bundle"
"""The document kind :class:`~casemgmt.errors.DocumentError` names for a bundle."""

# For bundles written elsewhere, without our extensions: the closest of our codes.
_CASE_STATUS = {
    "planned": "referred",
    "waitlist": "accepted",
    "active": "active",
    "onhold": "on-hold",
    "finished": "closed",
    "cancelled": "declined",
}
_REFERRAL_OUTCOME = {
    "draft": "pending",
    "active": "pending",
    "on-hold": "pending",
    "completed": "accepted",
    "revoked": "withdrawn",
}
_INTERVENTION_STATUS = {
    "draft": "not-started",
    "active": "in-progress",
    "on-hold": "on-hold",
    "completed": "completed",
    "revoked": "stopped",
    "entered-in-error": "entered-in-error",
}
_GOAL = extension_url("intervention", "goal")
_UNIT_COST = extension_url("intervention", "unit_cost")

Entry = tuple[int, dict[str, Any]]


def load_bundle(text: str | bytes) -> CaseRecord:
    """Parse a bundle's JSON text strictly (:func:`~casemgmt.serialization.parse_json`) and
    import it (:func:`import_bundle`)."""
    return import_bundle(parse_json(text, kind=BUNDLE_KIND))


def import_bundle(bundle: object) -> CaseRecord:
    """The case record a FHIR ``Bundle`` (a parsed JSON dict) holds.

    Reads what :func:`~casemgmt.serialization.fhir.export_bundle` writes, so
    ``import_bundle(export_bundle(record)) == record``. A bundle written elsewhere, without
    our extensions, is read from its FHIR elements alone: the fields only an extension
    holds take their defaults, and coarser FHIR codes map to the nearest of ours (an
    ``active`` episode is an active case, a ``draft`` referral a pending one). Identifiers
    with our systems name the entities; a resource without one is named by its ``id``
    (except the ``CareTeam``: only our team identifier gives the case a team), and an
    ``Organization`` without one is a referral source when a referral names it as its
    requester. Extensions and parts of our extensions that name no field are ignored, as
    FHIR lets a reader ignore what it does not know.

    Raises:
        DocumentError: of kind ``fhir-bundle``, listing every problem: a bundle without
            exactly one ``Patient`` and one ``EpisodeOfCare``, a reference that names no
            entry, and every problem the case record itself has, each at the entry it
            comes from (``Bundle.entry[7].resource``) with the field named. No message
            repeats a value from the bundle.
    """
    reader = _Reader(bundle)
    document = reader.record()
    if reader.problems:
        raise DocumentError(BUNDLE_KIND, reader.problems)
    try:
        return from_document(CaseRecord, document)
    except DocumentError as error:
        raise DocumentError(BUNDLE_KIND, [reader.locate(p) for p in error.problems]) from None


def _put(document: dict[str, Any], key: str, value: object) -> None:
    if value is not None:
        document[key] = value


def _get(resource: object, key: str) -> Any:
    return resource.get(key) if type(resource) is dict else None


def _nearest(codes: dict[str, str], value: object) -> object:
    # A code we do not know is passed on, for the loader to report.
    return codes.get(value, value) if type(value) is str else value


def _list(value: object) -> list[Any]:
    return value if type(value) is list else []


def _coded(concept: object) -> Any:
    return _get(first(_get(concept, "coding")), "code")


def _day(value: object) -> object:
    # FHIR dateTime where we hold a day: a bundle from elsewhere may give the time too.
    if type(value) is str and len(value) > 10 and value[10] == "T":
        return value[:10]
    return value


def _period(period: object) -> dict[str, Any]:
    dates: dict[str, Any] = {}
    _put(dates, "start", _get(period, "start"))
    _put(dates, "end", _get(period, "end"))
    return dates


def _whole(value: object) -> object:
    # FHIR decimals may be written 2.0 where we hold the integer 2.
    return int(value) if type(value) is float and value.is_integer() else value


def _our_id(resource: dict[str, Any], kind: str) -> Any:
    for identifier in _list(_get(resource, "identifier")):
        if _get(identifier, "system") == ID_SYSTEM + kind:
            return _get(identifier, "value")
    return resource.get("id")


def _name(human: object) -> dict[str, Any]:
    name: dict[str, Any] = {}
    _put(name, "family", _get(human, "family"))
    _put(name, "given", first(_get(human, "given")))
    return fill_required(name, PersonName)


def _address(address: object) -> dict[str, Any]:
    document: dict[str, Any] = {"lines": _get(address, "line") or []}
    _put(document, "postcode", _get(address, "postalCode"))
    return document


def _contact(telecom: object) -> dict[str, Any] | None:
    if type(telecom) is not list or not telecom:
        return None
    contact: dict[str, Any] = {}
    for point in telecom:
        system = _get(point, "system")
        if system in ("phone", "email") and system not in contact:
            contact[system] = _get(point, "value")
    return contact


def _registrations(resource: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for identifier in _list(_get(resource, "identifier")):
        system = _get(identifier, "system")
        if type(system) is str and system.startswith(REGISTRATION_SYSTEM):
            body = system.removeprefix(REGISTRATION_SYSTEM)
            found.append({"body": body, "number": _get(identifier, "value")})
    return found


class _Reader:
    """One pass over the bundle: the entries by type and by URL, the problems found, and
    which entry each part of the document came from."""

    def __init__(self, bundle: object) -> None:
        self.problems: list[Problem] = []
        self.by_type: dict[str, list[Entry]] = {}
        self.by_url: dict[str, Entry] = {}
        self.origins: list[tuple[str, int, str]] = []
        if _get(bundle, "resourceType") != "Bundle":
            self.problem("$", "not_a_bundle", "expected a FHIR Bundle")
            return
        entries = _get(bundle, "entry")
        if type(entries) is not list:
            self.problem("Bundle.entry", "required", "expected an array of entries")
            return
        for index, entry in enumerate(entries):
            resource = _get(entry, "resource")
            kind = _get(resource, "resourceType")
            if type(kind) is not str:
                self.problem(f"Bundle.entry[{index}]", "wrong_type", "expected a resource")
                continue
            self.by_type.setdefault(kind, []).append((index, resource))
            url = _get(entry, "fullUrl")
            if type(url) is str:
                self.by_url[url] = (index, resource)
            local = resource.get("id")
            if type(local) is str:
                self.by_url[f"{kind}/{local}"] = (index, resource)

    def problem(self, path: str, code: str, message: str) -> None:
        self.problems.append(Problem(path=path, code=code, message=message))

    def one(self, kind: str) -> Entry | None:
        found = self.by_type.get(kind, [])
        if len(found) != 1:
            self.problem("Bundle.entry", "cardinality", f"expected exactly one {kind}")
            return None
        return found[0]

    def resolve(self, reference: object, where: str) -> Entry | None:
        target = _get(reference, "reference")
        found = self.by_url.get(target) if type(target) is str else None
        if found is None:
            self.problem(where, "unresolved_reference", "names no entry of the bundle")
        return found

    def id_of(self, reference: object, kind: str, where: str) -> Any:
        named = _get(reference, "identifier")
        if _get(named, "system") == ID_SYSTEM + kind and _get(reference, "reference") is None:
            return _get(named, "value")
        found = self.resolve(reference, where)
        return None if found is None else _our_id(found[1], kind)

    def came_from(self, path: str, entry: Entry, entity: str) -> None:
        self.origins.append((path, entry[0], entity))

    def locate(self, found: Problem) -> Problem:
        """A problem of the case-record document, placed at the entry it came from."""
        best: tuple[str, int, str] | None = None
        for origin in self.origins:
            prefix = origin[0]
            inside = found.path == prefix or found.path.startswith((prefix + ".", prefix + "["))
            if inside and (best is None or len(prefix) > len(best[0])):
                best = origin
        if best is None:
            return found
        rest = found.path[len(best[0]) :].lstrip(".")
        field = f" field {rest}" if rest else ""
        return Problem(
            path=f"Bundle.entry[{best[1]}].resource",
            code=found.code,
            message=f"{best[2]}{field}: {found.message}",
        )

    # -- the record -----------------------------------------------------------------------

    def record(self) -> dict[str, Any]:
        if self.problems:
            return {}
        patient = self.one("Patient")
        episode = self.one("EpisodeOfCare")
        if patient is None or episode is None:
            return {}
        client = self.client(patient)
        organisations = self.by_type.get("Organization", [])
        requesters = self._requesters()
        sources = [e for e in organisations if self._is_source(e, requesters)]
        providers = [e for e in organisations if not self._is_source(e, requesters)]
        return {
            "schema_version": SCHEMA_VERSION,
            "document_kind": "case-record",
            "case": self.case(episode, client.get("id")),
            "client": client,
            "referral_sources": [
                self.source(e, f"$.referral_sources[{n}]") for n, e in enumerate(sources)
            ],
            "case_managers": [
                self.manager(e, f"$.case_managers[{n}]")
                for n, e in enumerate(self.by_type.get("Practitioner", []))
            ],
            "providers": [self.provider(e, f"$.providers[{n}]") for n, e in enumerate(providers)],
            "funding_streams": [
                self.stream(e, f"$.funding_streams[{n}]")
                for n, e in enumerate(self.by_type.get("Coverage", []))
            ],
        }

    @staticmethod
    def _is(entry: Entry, kind: str) -> bool:
        return any(
            _get(i, "system") == ID_SYSTEM + kind for i in _list(_get(entry[1], "identifier"))
        )

    def _is_source(self, entry: Entry, requesters: set[int]) -> bool:
        # Our identifier says which an Organization is; without one (a bundle from
        # elsewhere), one that requests a referral is a referral source.
        if self._is(entry, "referral-source"):
            return True
        return not self._is(entry, "provider") and entry[0] in requesters

    def _requesters(self) -> set[int]:
        found = set()
        for _, request in self.by_type.get("ServiceRequest", []):
            target = _get(_get(request, "requester"), "reference")
            entry = self.by_url.get(target) if type(target) is str else None
            if entry is not None:
                found.add(entry[0])
        return found

    def client(self, entry: Entry) -> dict[str, Any]:
        index, patient = entry
        self.came_from("$.client", entry, "client")
        document: dict[str, Any] = {"id": _our_id(patient, "client")}
        for identifier in _list(_get(patient, "identifier")):
            if _get(identifier, "system") == NHS_NUMBER_SYSTEM:
                document["nhs_number"] = _get(identifier, "value")
        document["name"] = _name(first(_get(patient, "name")))
        _put(document, "date_of_birth", patient.get("birthDate"))
        _put(document, "gender", patient.get("gender"))
        address = first(patient.get("address"))
        if address is not None:
            document["address"] = _address(address)
        _put(document, "contact", _contact(patient.get("telecom")))
        url = f"Bundle.entry[{index}].resource"
        parts = (
            ("conditions", "Condition", "subject", self.condition),
            ("carers", "RelatedPerson", "patient", self.carer),
            ("consents", "Consent", "patient", self.consent),
        )
        for key, kind, link, read in parts:
            items = []
            for n, item in enumerate(self.by_type.get(kind, [])):
                found = self.resolve(
                    _get(item[1], link), f"Bundle.entry[{item[0]}].resource.{link}"
                )
                if found is not None and found[0] != index:
                    self.problem(url, "other_client", f"a {kind} is about another patient")
                items.append(read(item, f"$.client.{key}[{n}]"))
            if items:
                document[key] = items
        return decode_fields(patient.get("extension"), Client, "client", document)

    def condition(self, entry: Entry, path: str) -> dict[str, Any]:
        self.came_from(path, entry, "condition")
        condition = entry[1]
        code = condition.get("code")
        document: dict[str, Any] = {}
        _put(document, "category", _coded(first(condition.get("category"))))
        _put(document, "label", _get(code, "text"))
        _put(document, "code", _coded(code))
        _put(document, "onset", _day(condition.get("onsetDateTime")))
        decode_fields(condition.get("extension"), Condition, "condition", document)
        return fill_required(document, Condition)

    def carer(self, entry: Entry, path: str) -> dict[str, Any]:
        self.came_from(path, entry, "carer")
        person = entry[1]
        document: dict[str, Any] = {"id": _our_id(person, "carer")}
        _put(document, "relationship", _get(first(person.get("relationship")), "text"))
        name = first(person.get("name"))
        if name is not None:
            document["name"] = _name(name)
        _put(document, "contact", _contact(person.get("telecom")))
        decode_fields(person.get("extension"), Carer, "carer", document)
        return fill_required(document, Carer)

    def consent(self, entry: Entry, path: str) -> dict[str, Any]:
        self.came_from(path, entry, "consent")
        consent = entry[1]
        provision = consent.get("provision")
        period = _get(provision, "period")
        document: dict[str, Any] = {}
        _put(document, "scope", _coded(first(consent.get("category"))))
        _put(document, "decision", _get(provision, "type"))
        _put(document, "recorded_on", _day(consent.get("dateTime")))
        _put(document, "starts_on", _get(period, "start"))
        _put(document, "expires_on", _get(period, "end"))
        purposes = _get(provision, "purpose")
        if purposes:
            document["purposes"] = [_get(p, "code") for p in _list(purposes)]
        return decode_fields(consent.get("extension"), Consent, "consent", document)

    def case(self, entry: Entry, client_id: Any) -> dict[str, Any]:
        index, episode = entry
        self.came_from("$.case", entry, "case")
        where = f"Bundle.entry[{index}].resource"
        period = episode.get("period")
        document: dict[str, Any] = {
            "id": _our_id(episode, "case"),
            "client_id": client_id,
        }
        _put(document, "programme", _get(first(episode.get("type")), "text"))
        _put(document, "status", _nearest(_CASE_STATUS, episode.get("status")))
        _put(document, "opened_on", _get(period, "start"))
        _put(document, "closed_on", _get(period, "end"))
        referrals = []
        for n, reference in enumerate(_list(episode.get("referralRequest"))):
            found = self.resolve(reference, f"{where}.referralRequest[{n}]")
            if found is not None:
                referrals.append(self.referral(found, f"$.case.referrals[{n}]", client_id))
        document["referrals"] = referrals
        manager = episode.get("careManager")
        if manager is not None:
            document["manager_id"] = self.id_of(manager, "case-manager", f"{where}.careManager")
        team = first(episode.get("team"))
        if team is not None:
            found = self.resolve(team, f"{where}.team[0]")
            for identifier in _list(_get(found and found[1], "identifier")):
                if _get(identifier, "system") == ID_SYSTEM + "team":
                    document["team_id"] = _get(identifier, "value")
        plans = [
            self.plan(e, f"$.case.plans[{n}]", client_id, n)
            for n, e in enumerate(self.by_type.get("CarePlan", []))
        ]
        if plans:
            document["plans"] = plans
        return decode_fields(episode.get("extension"), Case, "case", document)

    def referral(self, entry: Entry, path: str, client_id: Any) -> dict[str, Any]:
        index, request = entry
        self.came_from(path, entry, "referral")
        document: dict[str, Any] = {"id": _our_id(request, "referral"), "client_id": client_id}
        requester = request.get("requester")
        where = f"Bundle.entry[{index}].resource.requester"
        _put(document, "source_id", self.id_of(requester, "referral-source", where))
        _put(document, "received_on", _day(request.get("authoredOn")))
        _put(document, "reason", _get(first(request.get("reasonCode")), "text"))
        _put(document, "priority", request.get("priority"))
        _put(document, "outcome", _nearest(_REFERRAL_OUTCOME, request.get("status")))
        decode_fields(request.get("extension"), Referral, "referral", document)
        return fill_required(document, Referral)

    def plan(self, entry: Entry, path: str, client_id: Any, position: int) -> dict[str, Any]:
        index, plan = entry
        self.came_from(path, entry, "care-plan")
        where = f"Bundle.entry[{index}].resource"
        document: dict[str, Any] = {
            "id": _our_id(plan, "care-plan"),
            "client_id": client_id,
            "version": position + 1,
        }
        _put(document, "status", plan.get("status"))
        document["period"] = _period(plan.get("period"))
        _put(document, "created_on", _day(plan.get("created")))
        goals = []
        for n, reference in enumerate(_list(plan.get("goal"))):
            found = self.resolve(reference, f"{where}.goal[{n}]")
            if found is not None:
                goals.append(self.goal(found, f"{path}.goals[{n}]"))
        if goals:
            document["goals"] = goals
        interventions = []
        for n, activity in enumerate(_list(plan.get("activity"))):
            found = self.resolve(_get(activity, "reference"), f"{where}.activity[{n}].reference")
            if found is not None:
                interventions.append(self.intervention(found, f"{path}.interventions[{n}]"))
        if interventions:
            document["interventions"] = interventions
        return decode_fields(plan.get("extension"), CarePlan, "care-plan", document)

    def goal(self, entry: Entry, path: str) -> dict[str, Any]:
        self.came_from(path, entry, "goal")
        goal = entry[1]
        target = first(goal.get("target"))
        document: dict[str, Any] = {"id": _our_id(goal, "goal")}
        _put(document, "description", _get(goal.get("description"), "text"))
        _put(document, "domain", _coded(first(goal.get("category"))))
        _put(document, "start", goal.get("startDate"))
        _put(document, "lifecycle_status", goal.get("lifecycleStatus"))
        _put(document, "achievement_status", _coded(goal.get("achievementStatus")))
        _put(document, "priority", _coded(goal.get("priority")))
        _put(document, "target", _get(target, "detailString"))
        _put(document, "due", _get(target, "dueDate"))
        _put(document, "status_date", goal.get("statusDate"))
        decode_fields(goal.get("extension"), Goal, "goal", document)
        return fill_required(document, Goal)

    def intervention(self, entry: Entry, path: str) -> dict[str, Any]:
        index, request = entry
        self.came_from(path, entry, "intervention")
        where = f"Bundle.entry[{index}].resource"
        document: dict[str, Any] = {"id": _our_id(request, "intervention")}
        _put(document, "category", _coded(first(request.get("category"))))
        _put(document, "discipline", _coded(request.get("performerType")))
        _put(document, "description", _get(request.get("code"), "text"))
        performer = first(request.get("performer"))
        if performer is not None:
            document["provider_id"] = self.id_of(performer, "provider", f"{where}.performer[0]")
        goal_ids = []
        for n, ext in enumerate(_list(request.get("extension"))):
            if _get(ext, "url") == _GOAL:
                goal = _get(ext, "valueReference")
                goal_ids.append(self.id_of(goal, "goal", f"{where}.extension[{n}]"))
            elif _get(ext, "url") == _UNIT_COST:
                document["unit_cost"] = money_document(_get(ext, "valueMoney"))
        document["goal_ids"] = goal_ids
        timing = request.get("occurrenceTiming")
        repeat = _get(timing, "repeat")
        bounds = _get(repeat, "boundsPeriod") if timing else request.get("occurrencePeriod")
        _put(document, "start", _get(bounds, "start"))
        _put(document, "end", _get(bounds, "end"))
        if repeat is not None:
            frequency: dict[str, Any] = {}
            _put(frequency, "count", _whole(_get(repeat, "frequency")))
            _put(frequency, "every", _whole(_get(repeat, "period")))
            _put(frequency, "unit", _get(repeat, "periodUnit"))
            _put(frequency, "session_minutes", _whole(_get(repeat, "duration")))
            document["frequency"] = frequency
        stream = first(request.get("insurance"))
        if stream is not None:
            document["funding_stream_id"] = self.id_of(
                stream, "funding-stream", f"{where}.insurance[0]"
            )
        _put(document, "status", _nearest(_INTERVENTION_STATUS, request.get("status")))
        decode_fields(request.get("extension"), Intervention, "intervention", document)
        return fill_required(document, Intervention)

    def source(self, entry: Entry, path: str) -> dict[str, Any]:
        self.came_from(path, entry, "referral-source")
        organisation = entry[1]
        document: dict[str, Any] = {"id": _our_id(organisation, "referral-source")}
        _put(document, "kind", _coded(first(organisation.get("type"))))
        _put(document, "organisation", organisation.get("name"))
        contact = first(organisation.get("contact"))
        _put(document, "contact_name", _get(_get(contact, "name"), "text"))
        return decode_fields(
            organisation.get("extension"), ReferralSource, "referral-source", document
        )

    def provider(self, entry: Entry, path: str) -> dict[str, Any]:
        self.came_from(path, entry, "provider")
        organisation = entry[1]
        document: dict[str, Any] = {"id": _our_id(organisation, "provider")}
        _put(document, "name", organisation.get("name"))
        _put(document, "kind", _coded(first(organisation.get("type"))))
        registrations = _registrations(organisation)
        if registrations:
            document["registrations"] = registrations
        decode_fields(organisation.get("extension"), Provider, "provider", document)
        return fill_required(document, Provider)

    def manager(self, entry: Entry, path: str) -> dict[str, Any]:
        self.came_from(path, entry, "case-manager")
        practitioner = entry[1]
        document: dict[str, Any] = {
            "id": _our_id(practitioner, "case-manager"),
            "name": _name(first(practitioner.get("name"))),
        }
        qualification = first(practitioner.get("qualification"))
        _put(document, "profession", _coded(_get(qualification, "code")))
        _put(document, "registration", first(_registrations(practitioner)))
        return decode_fields(practitioner.get("extension"), CaseManager, "case-manager", document)

    def stream(self, entry: Entry, path: str) -> dict[str, Any]:
        self.came_from(path, entry, "funding-stream")
        coverage = entry[1]
        document: dict[str, Any] = {"id": _our_id(coverage, "funding-stream")}
        _put(document, "name", _get(first(coverage.get("payor")), "display"))
        _put(document, "kind", _coded(coverage.get("type")))
        document["valid"] = _period(coverage.get("period"))
        decode_fields(coverage.get("extension"), FundingStream, "funding-stream", document)
        return fill_required(document, FundingStream)
