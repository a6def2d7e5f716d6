"""Comparison ``plan_load_validate``: JSON text of a care plan -> validated objects.

Document: a care plan with 30 goals (a Goal Attainment Scale on every third), 30
interventions naming 1-3 goals each (frequency, unit cost, dates, funding stream, some with a
spend approval), an agreement and up to three onward referrals. A batch of distinct
documents from a fixed seed is decoded per sample.

Sides, timed in the same run in interleaved rounds:

- ``ours``: ``casemgmt.serialization.load_json(CarePlan, text)``;
- ``pydantic``: ``PyCarePlan.model_validate_json(text)`` on the same text, a pydantic v2
  model with the same constraints (see ``_pydantic_plan``);
- ``fhir_resources``: ``fhir.resources.R4B.careplan.CarePlan.model_validate_json`` on the
  equivalent FHIR R4B CarePlan (see ``_plan_docs.to_fhir``).

Before timing, every document is decoded by all three sides and cross-checked (counts,
ids, due dates, goal references, unit costs), ours round-trips through ``dump_json``, and a
set of broken documents is refused by both ours and pydantic.
"""

from __future__ import annotations

import copy
import json
import random
import sys
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from _plan_docs import Doc, make_plan, to_fhir
from _pydantic_plan import PyCarePlan
from _results import BenchLine, Outcome, Settings
from _timing import interleaved
from pydantic import ValidationError

from casemgmt.errors import DocumentError
from casemgmt.model import CarePlan
from casemgmt.serialization import dump_json, load_json

__all__ = ["N_GOALS", "N_INTERVENTIONS", "make_texts", "run"]

N_GOALS = 30
N_INTERVENTIONS = 30
ENVELOPE: Doc = {"schema_version": 1, "document_kind": "care-plan"}


def make_texts(count: int, seed: int) -> tuple[list[Doc], list[str], list[str]]:
    """Generate ``count`` distinct plans: their bodies, our JSON text, the FHIR JSON text."""
    rng = random.Random(seed)
    bodies = [make_plan(rng, i, N_GOALS, N_INTERVENTIONS) for i in range(count)]
    ours = [json.dumps({**ENVELOPE, **body}, ensure_ascii=False) for body in bodies]
    fhir = [json.dumps(to_fhir(body), ensure_ascii=False) for body in bodies]
    return bodies, ours, fhir


def _fhir_model() -> Any:
    from fhir.resources.R4B.careplan import CarePlan as FhirCarePlan

    return FhirCarePlan


def _pence(amount: Decimal) -> int:
    scaled = amount.scaleb(2)
    assert scaled == scaled.to_integral_value()
    return int(scaled)


def _summary_ours(plan: CarePlan) -> tuple[Any, ...]:
    goals = tuple((g.id, g.due.isoformat() if g.due else None) for g in plan.goals)
    interventions = tuple(
        (i.id, tuple(sorted(i.goal_ids)), i.unit_cost.minor, i.start.isoformat())
        for i in plan.interventions
    )
    return plan.id, goals, interventions


def _summary_pydantic(plan: PyCarePlan) -> tuple[Any, ...]:
    goals = tuple((g.id, g.due.isoformat() if g.due else None) for g in plan.goals)
    interventions = tuple(
        (i.id, tuple(sorted(i.goal_ids)), _pence(i.unit_cost.amount), i.start.isoformat())
        for i in plan.interventions
    )
    return plan.id, goals, interventions


def _summary_fhir(plan: Any) -> tuple[Any, ...]:
    goal_resources = [r for r in plan.contained if r.get_resource_type() == "Goal"]
    goals = tuple((g.id, g.target[0].dueDate.isoformat()) for g in goal_resources)
    interventions = []
    for activity in plan.activity:
        detail = activity.detail
        if detail is None:
            continue
        money = next(e.valueMoney for e in detail.extension if e.url.endswith("/unit-cost"))
        goal_ids = tuple(sorted(ref.reference.removeprefix("#") for ref in detail.goal))
        start = detail.scheduledTiming.repeat.boundsPeriod.start
        interventions.append(
            (activity.id, goal_ids, _pence(Decimal(str(money.value))), start.isoformat())
        )
    return plan.id, goals, tuple(interventions)


def _broken_documents(body: Doc) -> dict[str, Doc]:
    """Variants of a valid document that both ours and pydantic must refuse."""

    def variant(change: Callable[[Doc], None]) -> Doc:
        doc = copy.deepcopy({**ENVELOPE, **body})
        change(doc)
        return doc

    def unknown_goal(d: Doc) -> None:
        d["interventions"][0]["goal_ids"] = ["G99"]

    def due_before_start(d: Doc) -> None:
        d["goals"][0]["due"] = "2000-01-01"

    def negative_cost(d: Doc) -> None:
        d["interventions"][1]["unit_cost"]["amount"] = "-5.00"

    def three_decimals(d: Doc) -> None:
        d["interventions"][1]["unit_cost"]["amount"] = "5.001"

    def cost_as_number(d: Doc) -> None:
        d["interventions"][1]["unit_cost"]["amount"] = 5

    def bad_id(d: Doc) -> None:
        d["goals"][2]["id"] = "-G"
        d["interventions"] = []
        d.pop("onward_referrals", None)

    def duplicate_goal(d: Doc) -> None:
        d["goals"][1]["id"] = d["goals"][0]["id"]

    def duplicate_intervention(d: Doc) -> None:
        d["interventions"][1]["id"] = d["interventions"][0]["id"]

    def naive_datetime(d: Doc) -> None:
        d["agreement"]["agreed_at"] = d["agreement"]["agreed_at"][:19]

    def count_as_string(d: Doc) -> None:
        d["interventions"][0]["frequency"]["count"] = "2"

    def count_zero(d: Doc) -> None:
        d["interventions"][0]["frequency"]["count"] = 0

    def unknown_key(d: Doc) -> None:
        d["goals"][0]["colour"] = "blue"

    def bad_enum(d: Doc) -> None:
        d["goals"][0]["domain"] = "astrology"

    def repeated_goal_ref(d: Doc) -> None:
        d["interventions"][0]["goal_ids"] = ["G01", "G01"]

    def gas_not_distinct(d: Doc) -> None:
        gas = d["goals"][0]["gas"]
        gas["much_more"] = gas["expected"]

    def version_zero(d: Doc) -> None:
        d["version"] = 0

    def agreed_before_created(d: Doc) -> None:
        d["agreement"]["agreed_at"] = "2000-01-01T12:00:00+00:00"

    def wrong_kind(d: Doc) -> None:
        d["document_kind"] = "case"

    changes = [
        unknown_goal,
        due_before_start,
        negative_cost,
        three_decimals,
        cost_as_number,
        bad_id,
        duplicate_goal,
        duplicate_intervention,
        naive_datetime,
        count_as_string,
        count_zero,
        unknown_key,
        bad_enum,
        repeated_goal_ref,
        gas_not_distinct,
        version_zero,
        agreed_before_created,
        wrong_kind,
    ]
    return {change.__name__: variant(change) for change in changes}


def verify(bodies: Sequence[Doc], ours_texts: Sequence[str], fhir_texts: Sequence[str]) -> None:
    """Check that the three sides decode the same documents, and refuse the same bad ones."""
    fhir_model = _fhir_model()
    for body, text, fhir_text in zip(bodies, ours_texts, fhir_texts, strict=True):
        ours = load_json(CarePlan, text)
        pyd = PyCarePlan.model_validate_json(text)
        fhir = fhir_model.model_validate_json(fhir_text)
        assert len(ours.goals) == len(pyd.goals) == N_GOALS
        assert len(ours.interventions) == len(pyd.interventions) == N_INTERVENTIONS
        n_fhir_goals = sum(1 for r in fhir.contained if r.get_resource_type() == "Goal")
        n_fhir_details = sum(1 for a in fhir.activity if a.detail is not None)
        assert n_fhir_goals == N_GOALS, n_fhir_goals
        assert n_fhir_details == N_INTERVENTIONS, n_fhir_details
        assert len(ours.onward_referrals) == len(pyd.onward_referrals)
        assert len(fhir.activity) == N_INTERVENTIONS + len(ours.onward_referrals)
        summary = _summary_ours(ours)
        assert summary == _summary_pydantic(pyd), f"pydantic differs on {body['id']}"
        assert summary == _summary_fhir(fhir), f"fhir.resources differs on {body['id']}"
        assert sum(g.gas is not None for g in ours.goals) == sum(
            g.gas is not None for g in pyd.goals
        )
        dumped = dump_json(ours)
        assert load_json(CarePlan, dumped) == ours, "round trip through dump_json"
        assert json.loads(dumped) == json.loads(text), "the generator writes canonical documents"
    for name, doc in _broken_documents(bodies[0]).items():
        text = json.dumps(doc)
        try:
            load_json(CarePlan, text)
        except DocumentError:
            pass
        else:
            raise AssertionError(f"ours accepted a broken document: {name}")
        try:
            PyCarePlan.model_validate_json(text)
        except ValidationError:
            pass
        else:
            raise AssertionError(f"pydantic accepted a broken document: {name}")


def _batch(decode: Callable[[str], object], texts: Sequence[str]) -> Callable[[], object]:
    def run() -> object:
        last: object = None
        for text in texts:
            last = decode(text)
        return last

    return run


def run(settings: Settings) -> Outcome:
    bodies, ours_texts, fhir_texts = make_texts(settings.docs, settings.seed)
    if settings.verbose:
        print(f"  plan_load_validate: verifying {len(bodies)} documents", file=sys.stderr)
    verify(bodies, ours_texts, fhir_texts)
    fhir_model = _fhir_model()

    def ours(text: str) -> object:
        return load_json(CarePlan, text)

    sides = {
        "ours": _batch(ours, ours_texts),
        "pydantic": _batch(PyCarePlan.model_validate_json, ours_texts),
        "fhir_resources": _batch(fhir_model.model_validate_json, fhir_texts),
    }
    stats = interleaved(
        sides, settings.rounds, label="plan_load_validate", verbose=settings.verbose
    )
    n = len(ours_texts)
    per_doc = {name: s.median / n for name, s in stats.items()}
    lines = (
        BenchLine(
            name="plan_load_validate",
            ours_s=per_doc["ours"],
            peer="pydantic",
            peer_s=per_doc["pydantic"],
            max_ratio=2.0,
            target="ours <= 2x pydantic",
        ),
        BenchLine(
            name="plan_load_validate_vs_fhir",
            ours_s=per_doc["ours"],
            peer="fhir_resources",
            peer_s=per_doc["fhir_resources"],
            max_ratio=0.05,
            target="ours >= 20x faster than fhir.resources",
        ),
    )
    ours_bytes = [len(t.encode()) for t in ours_texts]
    fhir_bytes = [len(t.encode()) for t in fhir_texts]
    details: dict[str, Any] = {
        "work": "JSON text of a care plan -> validated, frozen objects",
        "calls": {
            "ours": "casemgmt.serialization.load_json(CarePlan, text)",
            "pydantic": "PyCarePlan.model_validate_json(text) (benchmarks/_pydantic_plan.py)",
            "fhir_resources": "fhir.resources.R4B.careplan.CarePlan.model_validate_json(text)",
        },
        "documents": {
            "count_per_sample": n,
            "seed": settings.seed,
            "goals": N_GOALS,
            "interventions": N_INTERVENTIONS,
            "goals_with_gas": sum("gas" in g for b in bodies for g in b["goals"]) / n,
            "onward_referrals": sum(len(b.get("onward_referrals", ())) for b in bodies) / n,
            "ours_and_pydantic_bytes_avg": sum(ours_bytes) / n,
            "ours_and_pydantic_bytes_min": min(ours_bytes),
            "ours_and_pydantic_bytes_max": max(ours_bytes),
            "fhir_bytes_avg": sum(fhir_bytes) / n,
            "fhir_bytes_min": min(fhir_bytes),
            "fhir_bytes_max": max(fhir_bytes),
        },
        "rounds": settings.rounds,
        "seconds_per_doc": {name: s.per_doc(n) for name, s in stats.items()},
    }
    return Outcome(lines=lines, details=details)
