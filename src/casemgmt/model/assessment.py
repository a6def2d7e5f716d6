"""Assessments: the findings per domain of rule A1, including the carer's own well-being."""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pendulum

from casemgmt._applies import applies
from casemgmt.errors import Problem
from casemgmt.model._base import Validated, problem
from casemgmt.model.codes import AssessmentDomain, AssessmentKind, ContactMode, NeedLevel
from casemgmt.model.values import ID_PATTERN, AssessmentId, CaseManagerId, ClientId, id_problems

__all__ = ["Assessment", "DomainFinding"]


@attrs.frozen(kw_only=True)
class DomainFinding(Validated):
    """What an assessment found in one domain."""

    domain: AssessmentDomain
    need: NeedLevel
    summary: str = attrs.field(default="", repr=False)


@attrs.frozen(kw_only=True)
class Assessment(Validated):
    """An assessment of the client (A1-A4): the baseline at the start (A2), or a review.

    Invariants: each domain is reported at most once.

    >>> a = Assessment(
    ...     id=AssessmentId("A1"),
    ...     client_id=ClientId("CL-1"),
    ...     kind=AssessmentKind.INITIAL,
    ...     performed_on=pendulum.Date(2026, 2, 1),
    ...     contact_mode=ContactMode.FACE_TO_FACE,
    ...     findings=(DomainFinding(domain=AssessmentDomain.MOBILITY, need=NeedLevel.HIGH),),
    ... )
    >>> len(a.missing_domains())
    11
    """

    id: AssessmentId = attrs.field(metadata={"schema": {"pattern": ID_PATTERN}})
    client_id: ClientId
    kind: AssessmentKind
    performed_on: pendulum.Date
    contact_mode: ContactMode
    findings: tuple[DomainFinding, ...] = ()
    performed_by: CaseManagerId | None = None

    def _invariants(self) -> Iterator[Problem]:
        yield from id_problems("id", self.id)
        seen: set[AssessmentDomain] = set()
        for index, finding in enumerate(self.findings):
            if finding.domain in seen:
                yield problem(f"findings[{index}].domain", "duplicate", "repeats a domain")
            seen.add(finding.domain)

    @applies("A1")
    def missing_domains(self) -> frozenset[AssessmentDomain]:
        """The A1 domains this assessment has not covered."""
        return frozenset(AssessmentDomain) - {f.domain for f in self.findings}

    def need_in(self, domain: AssessmentDomain) -> NeedLevel | None:
        """The need found in ``domain``, or ``None`` when not assessed."""
        for finding in self.findings:
            if finding.domain is domain:
                return finding.need
        return None

    def add_finding(self, finding: DomainFinding) -> Assessment:
        """Return the assessment with another domain's finding."""
        return attrs.evolve(self, findings=(*self.findings, finding))
