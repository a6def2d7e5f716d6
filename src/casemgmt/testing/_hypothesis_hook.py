"""Registers a strategy for every model entity with hypothesis, through its entry point.

Hypothesis calls :func:`_hypothesis_setup_hook` when it is imported (the ``hypothesis`` entry
point group in ``pyproject.toml``), so ``st.from_type(Client)`` works in any test suite that
has casemgmt installed with its ``testing`` extra.
"""

from __future__ import annotations

from typing import Any

__all__: list[str] = []


_STRATEGY_NAMES = {
    "Assessment": "assessments",
    "CareEvent": "care_events",
    "CarePlan": "care_plans",
    "Case": "cases",
    "CaseEvent": "case_events",
    "CaseManager": "case_managers",
    "CaseRecord": "case_records",
    "Client": "clients",
    "Closure": "closures",
    "FundingStream": "funding_streams",
    "Goal": "goals",
    "Intervention": "interventions",
    "Money": "money",
    "NhsNumber": "nhs_numbers",
    "Provider": "providers",
    "Referral": "referrals",
    "ReferralSource": "referral_sources",
    "Review": "reviews",
}

_SERVICE_STRATEGY_NAMES = {
    "CaseBook": "case_books",
    "CaseProfile": "case_profiles",
    "Team": "teams",
}


def _resolve(cls: type[Any]) -> Any:
    # Imported on first use, not at hook time: hypothesis runs this hook while it is being
    # imported, possibly by casemgmt.testing.strategies itself.
    from casemgmt.testing import strategies

    name = _STRATEGY_NAMES.get(cls.__name__) or _SERVICE_STRATEGY_NAMES[cls.__name__]
    return getattr(strategies, name)()


def _hypothesis_setup_hook() -> None:
    from hypothesis import strategies as st

    from casemgmt import model, services

    for name in _STRATEGY_NAMES:
        st.register_type_strategy(getattr(model, name), _resolve)
    for name in _SERVICE_STRATEGY_NAMES:
        st.register_type_strategy(getattr(services, name), _resolve)
