"""Registers a strategy for every model entity with hypothesis, through its entry point.

Hypothesis calls :func:`_hypothesis_setup_hook` when it is imported (the ``hypothesis`` entry
point group in ``pyproject.toml``), so ``st.from_type(Client)`` works in any test suite that
has casemgmt installed with its ``testing`` extra.
"""

from __future__ import annotations

from typing import Any

__all__: list[str] = []


def _hypothesis_setup_hook() -> None:
    from hypothesis import strategies as st

    from casemgmt import model
    from casemgmt.testing import strategies as cs

    registrations: dict[type[Any], st.SearchStrategy[Any]] = {
        model.Assessment: cs.assessments(),
        model.CarePlan: cs.care_plans(),
        model.Case: cs.cases(),
        model.CaseManager: cs.case_managers(),
        model.CaseRecord: cs.case_records(),
        model.Client: cs.clients(),
        model.FundingStream: cs.funding_streams(),
        model.Goal: cs.goals(),
        model.Intervention: cs.interventions(),
        model.Money: cs.money(),
        model.NhsNumber: cs.nhs_numbers(),
        model.Provider: cs.providers(),
        model.Referral: cs.referrals(),
        model.ReferralSource: cs.referral_sources(),
    }
    for cls, strategy in registrations.items():
        st.register_type_strategy(cls, strategy)
