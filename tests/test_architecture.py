"""The public API is pinned, and imports flow one way (DESIGN.md: errors <- model <- policies
<- services; serialization, population, testing and cli sit on top and nothing in the core
imports them)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src" / "casemgmt"

# Lower layers may import from the layers listed for them, and from nothing else in casemgmt.
ALLOWED: dict[str, set[str]] = {
    "errors": set(),
    "_applies": set(),
    "model": {"errors", "model", "_applies"},
    "policies": {"errors", "model", "rules", "policies", "_applies"},
    "rules": {"errors", "model", "rules", "_applies"},
    "services": {"errors", "model", "policies", "rules", "services", "_applies"},
    "serialization": {
        "errors",
        "model",
        "policies",
        "rules",
        "services",
        "serialization",
        "_applies",
    },
    "population": {"errors", "model", "policies", "rules", "services", "population", "_applies"},
    "testing": {"errors", "model", "policies", "rules", "services", "testing"},
    "_summary": {"errors", "model", "serialization", "services", "policies"},
    # Imports the public modules by name (population only when its extra is installed).
    "catalogue": {"_applies", "rules"},
    "_rules_cli": {"catalogue"},
    "cli": {
        "errors",
        "model",
        "policies",
        "rules",
        "services",
        "serialization",
        "_summary",
        "_validate_cli",
        "_screen_cli",
        "_caseload_cli",
        "_schedule_cli",
        "_schema_cli",
        "_fhir_cli",
        "_rules_cli",
    },
    "_fhir_cli": {"errors", "model", "serialization", "_cli_input"},
    "_screen_cli": {"errors", "policies", "population"},
    "_cli_input": {"errors", "serialization"},
    "_schema_cli": {"serialization"},
    "_caseload_cli": {"errors", "policies", "rules", "serialization", "services", "_cli_input"},
    "_schedule_cli": {"errors", "model", "policies", "serialization", "services", "_cli_input"},
    "_validate_cli": {
        "errors",
        "model",
        "policies",
        "rules",
        "services",
        "serialization",
        "_summary",
    },
}


def _layer(path: Path) -> str:
    relative = path.relative_to(SRC)
    return relative.parts[0].removesuffix(".py")


def _casemgmt_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "casemgmt" and len(parts) > 1:
                found.add(parts[1])
    return found


MODULES = sorted(p for p in SRC.rglob("*.py") if p.name != "__init__.py" or p.parent != SRC)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_imports_flow_one_way(path: Path) -> None:
    layer = _layer(path)
    assert layer in ALLOWED, f"new top-level module {layer}: give it a place in ALLOWED"
    forbidden = _casemgmt_imports(path) - ALLOWED[layer]
    assert not forbidden, f"{layer} must not import {sorted(forbidden)}"


def test_the_core_never_imports_hypothesis() -> None:
    for path in MODULES:
        if _layer(path) == "testing":
            continue
        assert "hypothesis" not in path.read_text(encoding="utf-8"), path


PUBLIC_API = {
    "casemgmt": [
        "__version__",
    ],
    "casemgmt.errors": [
        "CaseManagementError",
        "ColumnError",
        "ConcurrencyError",
        "CurrencyMismatchError",
        "DocumentError",
        "InvalidTransitionError",
        "InvariantError",
        "MismatchError",
        "PROBLEM_CODES",
        "Problem",
    ],
    "casemgmt.serialization": [
        "CHECK_SYSTEM",
        "DOCUMENT_KINDS",
        "EXTENSION_BASE",
        "RULE_SYSTEM",
        "SCHEMA_VERSION",
        "dump_json",
        "from_document",
        "json_schema",
        "kind_of",
        "load_json",
        "make_converter",
        "operation_outcome",
        "parse_json",
        "to_document",
        "to_icalendar",
    ],
    "casemgmt.rules": [
        "CHECKS",
        "Check",
        "IssueType",
        "NOT_APPLIED",
        "RULES",
        "Rule",
        "RuleArea",
        "SOURCES",
        "Severity",
        "Source",
        "rule",
    ],
    "casemgmt.policies": [
        "AbsentOrStrugglingAtWork",
        "AgeAtLeast",
        "AgeComparison",
        "AllocationCosts",
        "BankHolidayRegion",
        "CASELOAD_POLICIES",
        "CASTLEFIELDS",
        "Cadence",
        "CalendarSpan",
        "CaseManagementContext",
        "CaseWeights",
        "CaseloadPolicy",
        "Clock",
        "ClosurePolicy",
        "ConditionCategoryIn",
        "ConsentRecorded",
        "Criterion",
        "DAILY",
        "DEFAULT_RISK_TIERS",
        "DH_COMMUNITY_MATRON",
        "DischargeCriteria",
        "ENGLAND_AND_WALES",
        "EVERCARE",
        "EVERCARE_CASELOAD",
        "EligibilityFacts",
        "EligibilityPolicy",
        "EmergencyAdmissionsAtLeast",
        "Exclusion",
        "FORTNIGHTLY",
        "GENERIC",
        "GUIDED_CARE",
        "GUIDED_CARE_CASELOAD",
        "GUIDED_CARE_REVIEWS",
        "HighRiskBasis",
        "INITIAL_ASSESSMENT",
        "InCatchment",
        "LimitScope",
        "LongTermConditionsAtLeast",
        "MONTHLY",
        "NORTHERN_IRELAND",
        "NhsEmployee",
        "NotAlreadyCaseManaged",
        "NursingHomeLevelOfNeed",
        "OHSXTRA",
        "PACE",
        "PACE_TEAM_CASELOAD",
        "POSTCODE_PATTERN",
        "PROGRAMMES",
        "PlanPolicy",
        "PredictedRiskAtLeast",
        "Programme",
        "QUARTERLY",
        "REHABILITATION_CODE",
        "REHABILITATION_CODE_CLOCKS",
        "REHABILITATION_CODE_REVIEWS",
        "REVIEW_POLICIES",
        "ReferralSourceIn",
        "ReviewPolicy",
        "RiskTier",
        "RiskTiers",
        "Roll",
        "SCOTLAND",
        "STANDARD_CLOSURE",
        "STANDARD_REVIEWS",
        "SharingPolicy",
        "SpecialismMatch",
        "SpendAuthorityScope",
        "TierCadences",
        "UNWEIGHTED",
        "URGENT_REVIEW",
        "VIRTUAL_WARD",
        "VIRTUAL_WARD_REVIEWS",
        "WALES_APN",
        "WEEKLY",
        "WorkingCalendar",
        "age_cutoff",
        "normalise_postcode",
        "programme",
    ],
    "casemgmt.services": [
        "AcceptDecision",
        "Allocation",
        "AllocationMethod",
        "Assignment",
        "CLOSURE_OUTCOMES",
        "CONDITION_SPECIALISMS",
        "CapacityForecast",
        "CaseBook",
        "CaseCycles",
        "CaseProfile",
        "CaseloadFinding",
        "CaseloadStatus",
        "CaseloadTime",
        "ClinicianReview",
        "ClosureDecision",
        "ClosureFinding",
        "ConsentStanding",
        "CriterionOutcome",
        "CriterionStatus",
        "DECLINE_OUTCOMES",
        "DischargeLetter",
        "DueKind",
        "DueReview",
        "EXACT_LIMIT",
        "EXACT_UP_TO",
        "EligibilityDecision",
        "EligibilityStatus",
        "ExclusionOutcome",
        "FlowRates",
        "ForecastMonth",
        "GAS_BIN_EDGES",
        "GasBin",
        "GasDistribution",
        "GasGoal",
        "GoalAttainment",
        "Handover",
        "Issue",
        "LONG_ABSENCE_WORKING_DAYS",
        "LetterGoal",
        "LetterService",
        "OutcomeCounts",
        "OutcomeGroup",
        "PlanValidationReport",
        "ProgrammeCost",
        "ProgrammeReport",
        "ReopenDecision",
        "ReportNote",
        "ReturnToWork",
        "ReviewColumns",
        "ReviewDecision",
        "ReviewSchedule",
        "ReviewStream",
        "ReviewsDue",
        "ScheduledReview",
        "ServiceUse",
        "Share",
        "SharingBasis",
        "SharingDecision",
        "SharingReason",
        "Team",
        "TeamCaseloadStatus",
        "TeamMember",
        "TimeLimitFlag",
        "Unplaced",
        "allocate",
        "assess_eligibility",
        "can_accept",
        "case_cycles",
        "case_profile",
        "caseload_status",
        "decide_eligibility",
        "eligibility_facts",
        "evaluate_closure",
        "evaluate_reopening",
        "flow_rates",
        "forecast_capacity",
        "goal_attainment",
        "may_share",
        "next_review",
        "past_time_limit",
        "programme_report",
        "reassign_caseload",
        "reviews_due",
        "schedule",
        "schedule_columns",
        "t_score",
        "team_caseload_status",
        "validate_plan",
    ],
    "casemgmt.testing.strategies": [
        "FundablePlan",
        "assessments",
        "care_events",
        "care_plans",
        "case_books",
        "case_events",
        "case_managers",
        "case_profiles",
        "case_records",
        "caseload_policies",
        "cases",
        "clients",
        "closures",
        "criteria",
        "dates",
        "eligibility_facts",
        "eligibility_policies",
        "fundable_plans",
        "funding_streams",
        "goals",
        "identifiers",
        "instants",
        "interventions",
        "money",
        "nhs_numbers",
        "providers",
        "referral_sources",
        "referrals",
        "reviews",
        "teams",
    ],
    "casemgmt.population": [
        "CaseFinding",
        "Columns",
        "GroupExclusions",
        "OUTPUT_COLUMNS",
        "ReasonCount",
        "Screening",
        "find_cases",
        "screen",
        "summarise",
    ],
    "casemgmt.serialization.fhir": [
        "BUNDLE_KIND",
        "CODE_SYSTEM",
        "ExportError",
        "ID_SYSTEM",
        "MAPPING",
        "MONEY_LIMIT",
        "MappingRow",
        "NHS_NUMBER_SYSTEM",
        "REGISTRATION_SYSTEM",
        "dump_bundle",
        "export_bundle",
        "extension_url",
        "import_bundle",
        "load_bundle",
        "validate_bundle",
    ],
    "casemgmt.catalogue": [
        "CatalogueEntry",
        "catalogue_document",
        "rule_catalogue",
    ],
}


@pytest.mark.parametrize("module_name", sorted(PUBLIC_API))
def test_public_api_is_pinned(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert sorted(module.__all__) == sorted(PUBLIC_API[module_name])
    for name in module.__all__:
        assert hasattr(module, name), name


def test_model_api_is_pinned() -> None:
    from casemgmt import model

    exported = set(model.__all__)
    assert len(exported) == 103
    assert list(model.__all__) == sorted(model.__all__, key=lambda n: (not n.isupper(), n))
    for name in (
        "Assessment",
        "CarePlan",
        "Case",
        "CaseManager",
        "CaseRecord",
        "Client",
        "FundingStream",
        "Goal",
        "Intervention",
        "Money",
        "NhsNumber",
        "Provider",
        "Referral",
        "ReferralSource",
    ):
        assert name in exported
        assert hasattr(model, name)
