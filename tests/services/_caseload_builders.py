"""Builders shared by the caseload and allocation tests."""

from __future__ import annotations

from casemgmt.model import (
    CaseManager,
    CaseManagerId,
    PersonName,
    Profession,
    Specialism,
    TeamId,
)


def cm(
    name: str,
    *specialisms: Specialism,
    fte: float = 1.0,
    locality: str | None = None,
    team: str | None = None,
    non_clinical: float | None = None,
) -> CaseManager:
    """A case manager of an unregulated profession (no registration needed)."""
    return CaseManager(
        id=CaseManagerId(name),
        name=PersonName(given="A", family="B"),
        profession=Profession.VOCATIONAL_REHABILITATION_PRACTITIONER,
        specialisms=frozenset(specialisms),
        fte=fte,
        locality=locality,
        team_id=None if team is None else TeamId(team),
        non_clinical_share=non_clinical,
    )
