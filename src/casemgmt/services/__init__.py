"""Services: pure decisions over the model, with a policy and a day passed in.

>>> from casemgmt.services import assess_eligibility, validate_plan
"""

from casemgmt.services._eligibility import (
    ClinicianReview,
    CriterionOutcome,
    CriterionStatus,
    EligibilityDecision,
    EligibilityStatus,
    ExclusionOutcome,
    ReviewDecision,
    assess_eligibility,
    decide_eligibility,
    eligibility_facts,
)
from casemgmt.services._plan_validation import Issue, PlanValidationReport, validate_plan

__all__ = [
    "ClinicianReview",
    "CriterionOutcome",
    "CriterionStatus",
    "EligibilityDecision",
    "EligibilityStatus",
    "ExclusionOutcome",
    "Issue",
    "PlanValidationReport",
    "ReviewDecision",
    "assess_eligibility",
    "decide_eligibility",
    "eligibility_facts",
    "validate_plan",
]
