"""The rule catalogue and the checks that apply the rules.

>>> from casemgmt.rules import RULES
>>> RULES["P1"].title
'Client agreement recorded'
"""

from casemgmt.rules._catalogue import NOT_APPLIED, RULES, SOURCES, Rule, RuleArea, Source, rule
from casemgmt.rules._checks import Check, IssueType, Severity
from casemgmt.rules._plan_checks import CHECKS

__all__ = [
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
]
