"""Policies: the values a programme decides, passed into the services, and the named presets.

>>> from casemgmt.policies import OHSXTRA
>>> sorted(d.value for d in OHSXTRA.plan.required_goal_domains)
['education', 'employment']
"""

from casemgmt.policies._plan import PlanPolicy, SpendAuthorityScope
from casemgmt.policies._programmes import (
    CASTLEFIELDS,
    EVERCARE,
    GENERIC,
    GUIDED_CARE,
    OHSXTRA,
    PACE,
    PROGRAMMES,
    REHABILITATION_CODE,
    VIRTUAL_WARD,
    WALES_APN,
    CaseManagementContext,
    Programme,
    programme,
)

__all__ = [
    "CASTLEFIELDS",
    "EVERCARE",
    "GENERIC",
    "GUIDED_CARE",
    "OHSXTRA",
    "PACE",
    "PROGRAMMES",
    "REHABILITATION_CODE",
    "VIRTUAL_WARD",
    "WALES_APN",
    "CaseManagementContext",
    "PlanPolicy",
    "Programme",
    "SpendAuthorityScope",
    "programme",
]
