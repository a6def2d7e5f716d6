"""Services: pure decisions over the model, with a policy and a day passed in.

>>> from casemgmt.services import validate_plan
"""

from casemgmt.services._plan_validation import Issue, PlanValidationReport, validate_plan

__all__ = ["Issue", "PlanValidationReport", "validate_plan"]
