"""Comparison ``fhir_round_trip``: a case record -> FHIR R4 Bundle -> the case record (issue 8).

Record: one client (NHS number, name, address, phone, two conditions, a carer, two or three
consents), one case (active, one accepted referral from one referral source, one case
manager, an initial assessment with four findings) and ONE care plan of 30 goals (a Goal
Attainment Scale on every third) and 25 interventions, each naming 1-3 goals, a provider
and a funding stream that resolve in the record (the plan generator of ``_plan_docs`` with
``refs``, so disciplines, providers and funding streams fit). The record holds the
providers its plan names and the four funding streams of ``_plan_docs``. A batch of
distinct records from a fixed seed is built per run: ``settings.docs`` records, at most
:data:`MAX_RECORDS` (a bundle is about 100 KB and ``fhir.resources`` takes about 40 ms
over it, so the full 150 would take the comparison past two minutes).

Sides, timed in the same run in interleaved rounds, on in-memory dicts: JSON text
encoding and decoding are excluded on both sides (``fhir.resources`` parses the same dict
our exporter wrote; neither side reads or writes text):

- ``ours``: ``import_bundle(export_bundle(record))`` for each record (export and import);
- ``fhir_resources``: ``fhir.resources.R4B.bundle.Bundle.model_validate(bundle)`` of the
  same bundles, exported beforehand (parse only, no export);
- ``ours_export``: ``export_bundle(record)`` alone;
- ``ours_import``: ``import_bundle(bundle)`` alone, on the bundles exported beforehand.

Before timing, every record is checked to round-trip equal, and ``Bundle.model_validate``
to accept every bundle (with as many entries as the exporter wrote).

Lines (seconds per record):

- ``fhir_round_trip_30_goals``: ours / fhir_resources; target: our export + import faster
  than its parse alone (ratio < 1);
- ``fhir_export_30_goals`` and ``fhir_import_30_goals``: ours_export and ours_import /
  fhir_resources; reported, no target.
"""

from __future__ import annotations

import json
import math
import random
import sys
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from _plan_docs import Doc, References, make_funding_streams, make_plan, make_providers
from _results import BenchLine, Outcome, Settings
from _timing import interleaved

from casemgmt.model import CaseRecord
from casemgmt.serialization import from_document
from casemgmt.serialization.fhir import export_bundle, import_bundle

__all__ = ["MAX_RECORDS", "N_GOALS", "N_INTERVENTIONS", "make_records", "run"]

N_GOALS = 30
N_INTERVENTIONS = 25
MAX_RECORDS = 100

GIVEN = ("Margaret", "Ahmed", "Siobhan", "Tomasz", "Grace", "Oluwaseun", "Priya", "Gareth")
FAMILY = ("Ashworth", "Khan", "O'Neill", "Nowak", "Mensah", "Adeyemi", "Patel", "Pritchard")
STREETS = ("Quarry Bank", "Mill Lane", "Church Street", "Hollins Green", "Station Road")
CONDITIONS = (
    ("long-term-condition", "Chronic obstructive pulmonary disease", "13645005"),
    ("long-term-condition", "Heart failure", "84114007"),
    ("long-term-condition", "Type 2 diabetes mellitus", "44054006"),
    ("brain-injury", "Traumatic brain injury", "127295002"),
    ("musculoskeletal", "Chronic low back pain", "278860009"),
    ("mental-health", "Depressive disorder", "35489007"),
)
SOURCE_KINDS = ("gp-or-clinician", "insurer", "nhs-commissioner", "predictive-case-finding")
FINDING_DOMAINS = (
    "clinical-background",
    "mobility",
    "activities-of-daily-living",
    "carer-wellbeing",
    "medication-review",
    "wider-needs",
)
FINDING_TEXTS = (
    "Breathless on minimal exertion; one exacerbation in the last quarter.",
    "Walks indoors with a frame; one fall in the last six months.",
    "Needs help with washing and dressing each morning.",
    "Carer exhausted and sleeping poorly.",
    "Fourteen regular medicines, two inhalers with overlapping action.",
    "Benefits not claimed; home is cold in winter.",
)


def _iso(day: date) -> str:
    return day.isoformat()


def _nhs_number(rng: random.Random) -> str:
    """A valid NHS number from the synthetic 999 range (never issued to anyone)."""
    while True:
        nine = "999" + "".join(rng.choice("0123456789") for _ in range(6))
        total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check != 10:
            return f"{nine}{0 if check == 11 else check}"


def _client(rng: random.Random, index: int, plan_start: date) -> Doc:
    family = rng.choice(FAMILY)
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 60))
    recorded = plan_start - timedelta(days=rng.randrange(5, 15))
    conditions = [
        {
            "category": category,
            "long_term": True,
            "label": label,
            "code": code,
            "onset": _iso(born + timedelta(days=rng.randrange(365 * 18, 365 * 30))),
        }
        for category, label, code in rng.sample(CONDITIONS, 2)
    ]
    consents: list[Doc] = [
        {"scope": scope, "decision": "permit", "recorded_on": _iso(recorded)}
        for scope in ("case-management", "record-sharing", "contact-family")[: rng.choice((2, 3))]
    ]
    return {
        "id": f"CL-{index:06d}",
        "name": {"given": rng.choice(GIVEN), "family": family},
        "date_of_birth": _iso(born),
        "nhs_number": _nhs_number(rng),
        "gender": rng.choice(("female", "male")),
        "address": {
            "lines": [f"{rng.randrange(1, 200)} {rng.choice(STREETS)}", "Millbrook"],
            "postcode": f"MB{rng.randrange(1, 9)} {rng.randrange(1, 9)}HE",
        },
        "contact": {"phone": f"01632 960 {rng.randrange(0, 1000):03d}"},
        "conditions": conditions,
        "carers": [
            {
                "id": f"CR-{index:06d}-1",
                "relationship": rng.choice(("spouse", "daughter", "son", "partner")),
                "name": {"given": rng.choice(GIVEN), "family": family},
                "lives_with_client": rng.random() < 0.6,
                "needs": sorted(rng.sample(["own-health", "respite", "training"], 2)),
            }
        ],
        "consents": consents,
    }


def make_records(count: int, seed: int) -> list[CaseRecord]:
    """``count`` distinct case records, each with one plan of 30 goals (module docstring)."""
    rng = random.Random(seed)
    providers = make_providers(rng)
    streams = make_funding_streams()
    refs = References.of(providers, streams)
    by_id = {p["id"]: p for p in providers}
    records = []
    for index in range(count):
        plan = make_plan(rng, index, N_GOALS, N_INTERVENTIONS, refs=refs)
        plan_start = date.fromisoformat(plan["period"]["start"])
        created = date.fromisoformat(plan["created_on"])
        opened = created - timedelta(days=rng.randrange(3, 20))
        received = opened - timedelta(days=rng.randrange(1, 10))
        source_id, manager_id = f"RS-{index:06d}", f"CM-{index % 97:03d}"
        referral = {
            "id": f"REF-{index:06d}",
            "client_id": plan["client_id"],
            "source_id": source_id,
            "received_on": _iso(received),
            "reason": "Three emergency admissions in the last year; confirmed by the GP.",
            "priority": rng.choice(("routine", "urgent")),
            "outcome": "accepted",
            "outcome_on": _iso(opened),
            "programme": "Community rehabilitation",
        }
        assessment = {
            "id": f"ASM-{index:06d}-1",
            "client_id": plan["client_id"],
            "kind": "initial",
            "performed_on": _iso(opened + timedelta(days=1)),
            "contact_mode": "face-to-face",
            "findings": [
                {"domain": domain, "need": rng.choice(("low", "moderate", "high")), "summary": text}
                for domain, text in rng.sample(
                    list(zip(FINDING_DOMAINS, FINDING_TEXTS, strict=True)), 4
                )
            ],
            "performed_by": manager_id,
        }
        named = sorted({i["provider_id"] for i in plan["interventions"]})
        document = {
            "schema_version": 1,
            "document_kind": "case-record",
            "case": {
                "id": f"CASE-{index:06d}",
                "client_id": plan["client_id"],
                "programme": "Community rehabilitation",
                "status": "active",
                "opened_on": _iso(opened),
                "referrals": [referral],
                "manager_id": manager_id,
                "team_id": "TEAM-NORTH",
                "assessments": [assessment],
                "plans": [plan],
            },
            "client": _client(rng, index, plan_start),
            "referral_sources": [
                {
                    "id": source_id,
                    "kind": rng.choice(SOURCE_KINDS),
                    "organisation": "Wandle Valley ICB population health team",
                }
            ],
            "case_managers": [
                {
                    "id": manager_id,
                    "name": {"given": rng.choice(GIVEN), "family": rng.choice(FAMILY)},
                    "profession": "nurse",
                    "registration": {"body": "NMC", "number": f"{rng.randrange(10, 99)}A1234E"},
                    "title": "community-matron",
                    "team_id": "TEAM-NORTH",
                }
            ],
            "providers": [by_id[p] for p in named],
            "funding_streams": streams,
        }
        records.append(from_document(CaseRecord, document))
    return records


def _bundle_model() -> Any:
    from fhir.resources.R4B.bundle import Bundle

    return Bundle


def verify(records: Sequence[CaseRecord], bundles: Sequence[dict[str, Any]]) -> None:
    """Every record round-trips equal; ``fhir.resources`` accepts every bundle whole."""
    model = _bundle_model()
    for record, bundle in zip(records, bundles, strict=True):
        assert len(record.case.plans) == 1
        plan = record.case.plans[0]
        assert len(plan.goals) == N_GOALS
        assert len(plan.interventions) == N_INTERVENTIONS
        assert import_bundle(bundle) == record, f"round trip differs on {record.case.id}"
        parsed = model.model_validate(bundle)
        assert len(parsed.entry) == len(bundle["entry"])
        kinds = [e.resource.get_resource_type() for e in parsed.entry]
        assert kinds.count("Goal") == N_GOALS, kinds.count("Goal")


def _batch(work: Callable[[Any], object], items: Sequence[Any]) -> Callable[[], object]:
    def run() -> object:
        last: object = None
        for item in items:
            last = work(item)
        return last

    return run


def _round_trip(record: CaseRecord) -> CaseRecord:
    return import_bundle(export_bundle(record))


def run(settings: Settings) -> Outcome:
    records = make_records(min(settings.docs, MAX_RECORDS), settings.seed)
    bundles = [export_bundle(record) for record in records]
    if settings.verbose:
        print(f"  fhir_round_trip: verifying {len(records)} records", file=sys.stderr)
    verify(records, bundles)
    model = _bundle_model()
    sides = {
        "ours": _batch(_round_trip, records),
        "fhir_resources": _batch(model.model_validate, bundles),
        "ours_export": _batch(export_bundle, records),
        "ours_import": _batch(import_bundle, bundles),
    }
    stats = interleaved(sides, settings.rounds, label="fhir_round_trip", verbose=settings.verbose)
    n = len(records)
    per_doc = {name: s.median / n for name, s in stats.items()}
    peer = per_doc["fhir_resources"]
    lines = (
        BenchLine(
            name="fhir_round_trip_30_goals",
            ours_s=per_doc["ours"],
            peer="fhir_resources",
            peer_s=peer,
            max_ratio=1.0,
            target="our export + import faster than fhir.resources' parse alone",
            unit="seconds per case record",
        ),
        BenchLine(
            name="fhir_export_30_goals",
            ours_s=per_doc["ours_export"],
            peer="fhir_resources",
            peer_s=peer,
            max_ratio=math.inf,
            target="none (reported)",
            unit="seconds per case record",
        ),
        BenchLine(
            name="fhir_import_30_goals",
            ours_s=per_doc["ours_import"],
            peer="fhir_resources",
            peer_s=peer,
            max_ratio=math.inf,
            target="none (reported)",
            unit="seconds per case record",
        ),
    )
    sizes = [len(json.dumps(b, ensure_ascii=False).encode()) for b in bundles]
    entries = [len(b["entry"]) for b in bundles]
    details: dict[str, Any] = {
        "work": "case record with a 30-goal plan -> FHIR R4 Bundle dict -> equal case record",
        "json_text": "excluded on both sides (in-memory dicts)",
        "calls": {
            "ours": "import_bundle(export_bundle(record))",
            "fhir_resources": "fhir.resources.R4B.bundle.Bundle.model_validate(bundle)",
            "ours_export": "export_bundle(record)",
            "ours_import": "import_bundle(bundle)",
        },
        "documents": {
            "count_per_sample": n,
            "seed": settings.seed,
            "goals": N_GOALS,
            "interventions": N_INTERVENTIONS,
            "entries_avg": sum(entries) / n,
            "bundle_kb_avg": round(sum(sizes) / n / 1024, 1),
            "bundle_kb_min": round(min(sizes) / 1024, 1),
            "bundle_kb_max": round(max(sizes) / 1024, 1),
            "bundle_bytes_note": "compact JSON (json.dumps, no indent) of the exported bundle",
        },
        "rounds": settings.rounds,
        "seconds_per_doc": {name: s.per_doc(n) for name, s in stats.items()},
    }
    return Outcome(lines=lines, details=details)
