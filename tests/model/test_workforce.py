"""Case managers and providers: registration, working time, prescribing, disciplines."""

from __future__ import annotations

from functools import partial
from typing import Any

import pytest
from _model_builders import (
    assert_rejected,
    found,
    invariant_error,
    make_case_manager,
    make_name,
    make_provider,
    make_registration,
)
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.model import (
    DISCIPLINE_REGULATORS,
    PRESCRIBING_PROFESSIONS,
    PROFESSION_REGULATORS,
    CaseManagerId,
    CaseManagerTitle,
    Discipline,
    Profession,
    ProfessionalBody,
    ProviderId,
    Regulator,
    Specialism,
    TeamId,
)

# ---------------------------------------------------------------------------------------------
# CaseManager


def test_valid_case_manager() -> None:
    manager = make_case_manager(
        title=CaseManagerTitle.REHABILITATION,
        memberships=frozenset({ProfessionalBody.BABICM, ProfessionalBody.CMSUK}),
        specialisms=frozenset({Specialism.BRAIN_INJURY}),
        fte=0.6,
        team_id=TeamId("T-1"),
        locality="Runcorn",
    )
    assert manager.fte == 0.6


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"id": CaseManagerId("CM 1")}, "id", "bad_id"),
        ({"registration": None}, "registration", "required"),
        (
            {"registration": make_registration(body=Regulator.NMC)},
            "registration.body",
            "wrong_regulator",
        ),
        ({"fte": 0.0}, "fte", "out_of_range"),
        ({"fte": -0.5}, "fte", "out_of_range"),
        ({"fte": 1.01}, "fte", "out_of_range"),
        ({"fte": float("nan")}, "fte", "out_of_range"),
        ({"prescriber": True}, "prescriber", "not_prescribing_profession"),
        ({"name": "Grace Hopper"}, "name", "wrong_type"),
        ({"profession": "nurse"}, "profession", "wrong_type"),
        ({"registration": ("HCPC", "OT1")}, "registration", "wrong_type"),
        ({"title": None}, "title", "wrong_type"),
        ({"memberships": {ProfessionalBody.CMSUK}}, "memberships", "wrong_type"),
        ({"memberships": frozenset({"CMSUK"})}, "memberships", "wrong_type"),
        ({"specialisms": (Specialism.AMPUTEE,)}, "specialisms", "wrong_type"),
        ({"fte": "1"}, "fte", "wrong_type"),
        ({"fte": True}, "fte", "wrong_type"),
        ({"prescriber": 1}, "prescriber", "wrong_type"),
        ({"team_id": 3}, "team_id", "wrong_type"),
    ],
)
def test_case_manager_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_case_manager(**overrides), "CaseManager", path, code)


@pytest.mark.parametrize(
    "profession", [p for p, regulators in PROFESSION_REGULATORS.items() if regulators]
)
def test_regulated_profession_needs_registration_with_its_regulator(
    profession: Profession,
) -> None:
    assert_rejected(
        lambda: make_case_manager(profession=profession, registration=None),
        "CaseManager",
        "registration",
        "required",
    )
    for body in Regulator:
        registration = make_registration(body=body)
        if body in PROFESSION_REGULATORS[profession]:
            manager = make_case_manager(profession=profession, registration=registration)
            assert manager.registration == registration
        else:
            assert_rejected(
                partial(make_case_manager, profession=profession, registration=registration),
                "CaseManager",
                "registration.body",
                "wrong_regulator",
            )


def test_unregulated_profession_needs_no_registration() -> None:
    profession = Profession.VOCATIONAL_REHABILITATION_PRACTITIONER
    assert PROFESSION_REGULATORS[profession] == frozenset()
    assert make_case_manager(profession=profession, registration=None).registration is None
    other = make_registration(body=Regulator.CQC)
    assert make_case_manager(profession=profession, registration=other).registration == other


@pytest.mark.parametrize("profession", list(Profession))
def test_only_prescribing_professions_prescribe(profession: Profession) -> None:
    regulators = PROFESSION_REGULATORS[profession]
    body = min(regulators, key=lambda r: r.value) if regulators else Regulator.HCPC
    fields: dict[str, Any] = {
        "profession": profession,
        "registration": make_registration(body=body),
    }
    if profession in PRESCRIBING_PROFESSIONS:
        assert make_case_manager(prescriber=True, **fields).prescriber
    else:
        assert_rejected(
            lambda: make_case_manager(prescriber=True, **fields),
            "CaseManager",
            "prescriber",
            "not_prescribing_profession",
        )


def test_nurse_case_manager_may_prescribe() -> None:
    nurse = make_case_manager(
        profession=Profession.NURSE,
        registration=make_registration(body=Regulator.NMC, number="12A3456B"),
        prescriber=True,
        title=CaseManagerTitle.COMMUNITY_MATRON,
    )
    assert nurse.prescriber


def test_case_manager_reports_every_broken_invariant() -> None:
    error = invariant_error(
        lambda: make_case_manager(
            id=CaseManagerId(""),
            profession=Profession.SOCIAL_WORKER,
            registration=make_registration(body=Regulator.HCPC),
            fte=2.0,
            prescriber=True,
        )
    )
    assert found(error) == {
        ("id", "bad_id"),
        ("registration.body", "wrong_regulator"),
        ("fte", "out_of_range"),
        ("prescriber", "not_prescribing_profession"),
    }


def test_case_manager_name_hidden() -> None:
    manager = make_case_manager(name=make_name(given="Florence", family="Nightingale"))
    assert "Nightingale" not in repr(manager)


@given(fte=st.floats(min_value=0.0, max_value=2.0, allow_nan=False))
def test_with_fte(fte: float) -> None:
    manager = make_case_manager()
    if 0.0 < fte <= 1.0:
        assert manager.with_fte(fte).fte == fte
    else:
        assert_rejected(lambda: manager.with_fte(fte), "CaseManager", "fte", "out_of_range")
    assert manager.fte == 1.0


def test_add_specialism() -> None:
    manager = make_case_manager(specialisms=frozenset({Specialism.BRAIN_INJURY}))
    more = manager.add_specialism(Specialism.VOCATIONAL)
    assert more.specialisms == {Specialism.BRAIN_INJURY, Specialism.VOCATIONAL}
    assert more.add_specialism(Specialism.VOCATIONAL) == more
    assert manager.specialisms == {Specialism.BRAIN_INJURY}


# ---------------------------------------------------------------------------------------------
# Provider


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"id": ProviderId("PR/1")}, "id", "bad_id"),
        ({"name": " "}, "name", "empty"),
        ({"disciplines": frozenset()}, "disciplines", "empty"),
        (
            {"registrations": (make_registration(), make_registration(number="2"))},
            "registrations[1].body",
            "duplicate",
        ),
        ({"name": None}, "name", "wrong_type"),
        ({"kind": "care-agency"}, "kind", "wrong_type"),
        ({"disciplines": {Discipline.NURSING}}, "disciplines", "wrong_type"),
        ({"disciplines": frozenset({"nursing"})}, "disciplines", "wrong_type"),
        ({"registrations": [make_registration()]}, "registrations", "wrong_type"),
        ({"registrations": (Regulator.HCPC,)}, "registrations", "wrong_type"),
        ({"locality": 1}, "locality", "wrong_type"),
    ],
)
def test_provider_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_provider(**overrides), "Provider", path, code)


def test_provider_reports_every_broken_invariant() -> None:
    registrations = (
        make_registration(),
        make_registration(body=Regulator.CQC),
        make_registration(number="x"),
        make_registration(body=Regulator.CQC, number="y"),
    )
    error = invariant_error(
        lambda: make_provider(
            id=ProviderId("-"), name="", disciplines=frozenset(), registrations=registrations
        )
    )
    assert found(error) == {
        ("id", "bad_id"),
        ("name", "empty"),
        ("disciplines", "empty"),
        ("registrations[2].body", "duplicate"),
        ("registrations[3].body", "duplicate"),
    }


def test_provider_is_registered_with() -> None:
    provider = make_provider(
        registrations=(make_registration(), make_registration(body=Regulator.CQC))
    )
    assert provider.is_registered_with(DISCIPLINE_REGULATORS[Discipline.PHYSIOTHERAPY])
    assert provider.is_registered_with(frozenset({Regulator.NMC, Regulator.CQC}))
    assert not provider.is_registered_with(DISCIPLINE_REGULATORS[Discipline.NURSING])
    assert not provider.is_registered_with(frozenset())
    assert not make_provider(registrations=()).is_registered_with(frozenset(Regulator))


def test_regulator_tables_cover_every_profession() -> None:
    assert set(PROFESSION_REGULATORS) == set(Profession)
    assert set(Profession) >= PRESCRIBING_PROFESSIONS
    for regulators in DISCIPLINE_REGULATORS.values():
        assert regulators
