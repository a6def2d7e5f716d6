"""The rule catalogue: every rule of the domain with its id, title, statement and sources.

The ids are DOMAIN.md's (``E1`` ... ``O4``) so that a rule can be traced from a decision, to
the code that applies it, to its test, to its documentation entry, to the evidence.
"""

# Ranges such as 50–80, and the title of seed 000, use an en dash as the sources do.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import enum
import types
from collections.abc import Mapping

import attrs

__all__ = ["NOT_APPLIED", "RULES", "SOURCES", "Rule", "RuleArea", "Source", "rule"]


class RuleArea(enum.Enum):
    """The service a rule belongs to."""

    ELIGIBILITY = "eligibility"
    ASSESSMENT = "assessment"
    CARE_PLANNING = "care-planning"
    FUNDING = "funding"
    CASELOAD = "caseload"
    REVIEW = "review"
    CLOSURE = "closure"
    OUTCOMES = "outcomes"


@attrs.frozen(kw_only=True)
class Source:
    """A source document the rules come from.

    Attributes:
        id: The seed number (``"002"``).
        citation: How to cite it (author, year, title, publisher).
    """

    id: str
    citation: str


@attrs.frozen(kw_only=True)
class Rule:
    """One rule of the domain.

    Attributes:
        id: Stable id (``"P1"``).
        title: A short name (``"Client agreement recorded"``).
        statement: What the rule requires, in a sentence or two.
        area: The service it belongs to.
        sources: Ids of the source documents it comes from (:data:`SOURCES`).
    """

    id: str
    title: str
    statement: str
    area: RuleArea
    sources: tuple[str, ...]

    @property
    def citation(self) -> str:
        """The rule's sources, cited in full and joined by ``"; "``."""
        return "; ".join(SOURCES[s].citation for s in self.sources)


SOURCES: Mapping[str, Source] = types.MappingProxyType(
    {
        s.id: s
        for s in (
            # Where a seed shows no author, date or outlet, the citation says what it does
            # show rather than guess.
            Source(
                id="000",
                citation=(
                    "HCML (Andy Pepler, head of clinical operations). Navigating a fractured "
                    "healthcare system – the role of case management. Undated article; it "
                    "refers to events of July 2017"
                ),
            ),
            Source(
                id="001",
                citation=(
                    "What is case management and what is a case manager? Web article posted "
                    "16 July 2021; author and publisher not shown"
                ),
            ),
            Source(
                id="002",
                citation=(
                    "Ross S, Curry N, Goodwin N. Case management: what it is and how it can "
                    "best be implemented. The King's Fund, 2011"
                ),
            ),
            Source(
                id="003",
                citation=(
                    "Kerr A (Chair of BABICM), Burgin K (Chair of CMSUK). Request for "
                    "clarification regarding case managers being registered: letter to the "
                    "Care Quality Commission. BABICM and CMSUK, 9 May 2019"
                ),
            ),
            Source(
                id="004",
                citation=(
                    "Paton N. Case management: occupational health and Fit for Work. Undated "
                    "article, outlet not shown; written as the Fit for Work pilots were about "
                    "to start"
                ),
            ),
            Source(
                id="gas",
                citation=(
                    "Kiresuk TJ, Sherman RE. Goal attainment scaling. Community Mental Health "
                    "Journal, 1968; Turner-Stokes L. Goal attainment scaling (GAS) in "
                    "rehabilitation: a practical guide. Clinical Rehabilitation, 2009"
                ),
            ),
        )
    }
)
"""Every source document, by id: the five seeds (``"000"`` ... ``"004"``) and ``"gas"``."""

_E = RuleArea.ELIGIBILITY
_A = RuleArea.ASSESSMENT
_P = RuleArea.CARE_PLANNING
_F = RuleArea.FUNDING
_C = RuleArea.CASELOAD
_M = RuleArea.REVIEW
_X = RuleArea.CLOSURE
_O = RuleArea.OUTCOMES

# (id, title, statement, area, sources), in DOMAIN.md's order. The statements paraphrase
# DOMAIN.md and keep its numbers and programme names, which are what the checks test.
_TABLE: tuple[tuple[str, str, str, RuleArea, tuple[str, ...]], ...] = (
    (
        "E1",
        "Case-finding by predictive risk score",
        "People are ranked for case management by a predictive risk score; each programme "
        "sets its own threshold and risk tiers (Wales APN, for instance, uses high, medium "
        "and low).",
        _E,
        ("002",),
    ),
    (
        "E2",
        "Clinician confirms or overrides the model",
        "The risk model only flags people: a clinician confirms or overrides each flag, and "
        "the reason for the decision is recorded.",
        _E,
        ("002",),
    ),
    (
        "E3",
        "Target predicted rather than past risk",
        "Because of regression to the mean, people with many admissions now tend to have "
        "fewer later, so programmes target predicted future risk and not past admissions "
        "alone.",
        _E,
        ("002",),
    ),
    (
        "E4",
        "Impactability exclusions stay visible",
        "Some people at high risk are not amenable to preventive care; anyone excluded on "
        "grounds of impactability is shown as excluded, because hidden exclusions can widen "
        "health inequalities.",
        _E,
        ("002",),
    ),
    (
        "E5",
        "Each programme applies its own criteria",
        "Guided Care admits people over 65 with several co-morbidities and high predicted "
        "use; PACE, people over 55 whom the state certifies as needing nursing-home care but "
        "who can live in the community with support; Evercare, people over 65 at risk of an "
        "unplanned admission; Wales APN, people over 50 with two or more admissions in the "
        "year before the intervention; Virtual Wards, those at the highest predicted risk. "
        "OHSxtra admits NHS employees with musculoskeletal or mental-health problems who are "
        "absent from work or struggling at work.",
        _E,
        ("002", "004"),
    ),
    (
        "E6",
        "Admission and discharge criteria set early",
        "A programme decides at the outset both whom it admits and when it discharges them.",
        _E,
        ("002",),
    ),
    (
        "E7",
        "Ineligible referrals recorded with reason",
        "A referral found ineligible or inappropriate is recorded together with the reason "
        "(OHSxtra had 22 such referrals out of 540).",
        _E,
        ("004",),
    ),
    (
        "E8",
        "Duplicate case management is detected",
        "A client who is already case-managed, or already receives the same service "
        "elsewhere, is identified (in OHSxtra some clients were under both OHSxtra and "
        "traditional OH without either service knowing).",
        _E,
        ("004",),
    ),
    (
        "E9",
        "Consent recorded and confidentiality kept",
        "The client's consent to case management and to the sharing of their records is "
        "recorded, and confidentiality is maintained throughout.",
        _E,
        ("001", "004"),
    ),
    (
        "A1",
        "Assessment covers every domain",
        "The assessment covers clinical background and health status, mobility, activities "
        "of daily living, cognitive functioning, formal and informal care, social history, "
        "physical care needs, a medication review, social care needs, wider needs (housing, "
        "welfare, employment, education) and the carer's own health and well-being.",
        _A,
        ("002",),
    ),
    (
        "A2",
        "Early initial assessment sets the baseline",
        "An initial assessment is carried out as soon as possible so that the client's "
        "baseline needs are established.",
        _A,
        ("004", "000"),
    ),
    (
        "A3",
        "One access point, one shared assessment",
        "There is a single point of access and a single assessment shared by every agency "
        "and setting, so assessments are not duplicated.",
        _A,
        ("002",),
    ),
    (
        "A4",
        "Contact in person or remotely",
        "Contact with the client may be face to face, by telephone or video, or through "
        "remote monitoring; for minor injuries it is remote only.",
        _A,
        ("003", "002"),
    ),
    (
        "P1",
        "Client agreement recorded",
        "The client helps to write the plan, with carers or the GP where appropriate, and "
        "their agreement to it is recorded.",
        _P,
        ("002",),
    ),
    (
        "P2",
        "Plan lists every service and frequency",
        "The plan sets out every service or input the client needs and how often each is provided.",
        _P,
        ("002",),
    ),
    (
        "P3",
        "Plan is a live, versioned document",
        "The plan is kept current: any review may revise it, and every earlier version is kept.",
        _P,
        ("002",),
    ),
    (
        "P4",
        "Every intervention serves a goal",
        "The goals of all the services involved are aligned, so that each intervention works "
        "towards a goal of the plan.",
        _P,
        ("002",),
    ),
    (
        "P5",
        "Onward referrals tracked to completion",
        "Each referral made from the plan is followed up until the receiving service has "
        "picked it up and acted on it.",
        _P,
        ("002",),
    ),
    (
        "P6",
        "Referral goals clear and transparent",
        "The goals of a referral are stated openly and unambiguously.",
        _P,
        ("004",),
    ),
    (
        "P7",
        "Goals cover health, care, education, work",
        "Goals may address health, social care, education and employment, not health alone.",
        _P,
        ("003",),
    ),
    (
        "P8",
        "Self-care supported, dependence avoided",
        "The plan helps the client to manage their own condition and avoids making them "
        "reliant on the case manager.",
        _P,
        ("002",),
    ),
    (
        "P9",
        "Therapists make their own assessment",
        "Third-party therapists carry out their own assessment and recommend how the goals "
        "should be achieved.",
        _P,
        ("003",),
    ),
    (
        "F1",
        "Intervention paid by a valid stream",
        "Each intervention is paid for by a funding stream that is active for the "
        "intervention's dates and allows that kind of intervention; this is implied by the "
        "sources rather than stated.",
        _F,
        ("002", "003"),
    ),
    (
        "F2",
        "Spend authority needs approval above its limit",
        "A funding stream may let staff commit spending up to a set limit without a further "
        "referral (Castlefields social workers could commit up to £200 a week); spending "
        "beyond that authority needs approval.",
        _F,
        ("002",),
    ),
    (
        "F3",
        "Staffing model follows funding horizon",
        "Short-term funding, such as an insurer's, suits support provided through an agency; "
        "recruiting staff directly needs evidence of longer-term funding, such as court "
        "interim funds or a financial deputy.",
        _F,
        ("003",),
    ),
    (
        "F4",
        "Stream budgets never silently exceeded",
        "The cost committed against a funding stream never goes over its budget without "
        "this being reported; this is implied by the sources rather than stated.",
        _F,
        ("002",),
    ),
    (
        "C1",
        "Community matron caseloads of 50–80",
        "The Department of Health puts community matron caseloads at 50–80 patients; a "
        "caseload above 80 is unsustainable.",
        _C,
        ("002",),
    ),
    (
        "C2",
        "Evercare limit of about 50",
        "In Evercare about 50 patients is the most a case manager can manage; above 50, case "
        "managers report stress.",
        _C,
        ("002",),
    ),
    (
        "C3",
        "High-risk share of caseload limited",
        "Patients at high risk should make up no more than 10–15% of a caseload (Sargent et "
        "al 2008).",
        _C,
        ("002",),
    ),
    (
        "C4",
        "Manageable caseload depends on context",
        "How many cases are manageable depends on the mix of conditions, the share at high "
        "risk, the case manager's experience, socio-demographics, the home environment and "
        "informal care, urban or rural location, engagement, and the time taken by "
        "non-clinical work such as administration, training and meetings.",
        _C,
        ("002",),
    ),
    (
        "C5",
        "Guided Care and PACE caseloads",
        "In Guided Care each nurse has 50–60 patients and works with up to five physicians; "
        "in PACE each team has 250–300 patients.",
        _C,
        ("002",),
    ),
    (
        "C6",
        "Named accountable case manager",
        "Every open case has a named case manager, or team, who is accountable for it.",
        _C,
        ("002",),
    ),
    (
        "C7",
        "Continuity and handover without loss",
        "The client keeps the same case manager where possible; when a case manager leaves, "
        "the case is handed over with everything that is known about it.",
        _C,
        ("002",),
    ),
    (
        "C8",
        "Case manager competence fits the case",
        "The case manager's skills, experience and specialism match what the case needs.",
        _C,
        ("004", "003"),
    ),
    (
        "C9",
        "Discharges keep capacity available",
        "A programme that admits more people than it discharges runs out of capacity, as "
        "happened in Wandsworth.",
        _C,
        ("002",),
    ),
    (
        "M1",
        "Review frequency follows need",
        "How often a case is reviewed (daily, weekly or monthly) depends on need, and a "
        "review may take place at home or remotely.",
        _M,
        ("002",),
    ),
    (
        "M2",
        "Virtual-ward rounds by risk status",
        "On a virtual ward each patient is discussed at a daily, weekly or monthly round, "
        "according to their risk status.",
        _M,
        ("002",),
    ),
    (
        "M3",
        "Monthly monitoring and visits",
        "Guided Care monitors its patients every month, and personal-injury case managers "
        "visit their clients monthly.",
        _M,
        ("002", "001"),
    ),
    (
        "M4",
        "Regular multi-agency progress meetings",
        "Progress is discussed at regular multi-agency round-table (MDT) meetings.",
        _M,
        ("004", "003"),
    ),
    (
        "M5",
        "Reviews may amend goals and interventions",
        "A review can change the goals and interventions of the plan, including extending or "
        "curtailing services.",
        _M,
        ("003", "004"),
    ),
    (
        "M6",
        "Admissions trigger a review",
        "When a case-managed patient is admitted to hospital or attends A&E, the case manager "
        "is alerted so that the case can be reviewed.",
        _M,
        ("002",),
    ),
    (
        "M7",
        "Out-of-hours cover is arranged",
        "Most programmes work in working hours only, so cover outside those hours has to be "
        "arranged.",
        _M,
        ("002",),
    ),
    (
        "X1",
        "Four routes to discharge",
        "A case closes by one of four routes (Roland et al 2005): the patient dies; the "
        "patient discharges themselves; the case manager or MDT decides that care is "
        "optimised (the patient is independent, moves to more or less intensive support such "
        "as a nursing home, or to specialist care such as end-of-life care); or the risk "
        "score falls below the programme's threshold.",
        _X,
        ("002",),
    ),
    (
        "X2",
        "MDT decides discharge with patient",
        "The MDT makes the discharge decision together with the patient and their carer.",
        _X,
        ("002",),
    ),
    (
        "X3",
        "Discharge explained in writing",
        "The patient is given a written explanation of the discharge decision, as in Croydon.",
        _X,
        ("002",),
    ),
    (
        "X4",
        "Discharged patients may return",
        "A discharged patient can come back into the programme when they need to, as in Brent.",
        _X,
        ("002",),
    ),
    (
        "X5",
        "Outcome counts kept per programme",
        "Each programme counts its referrals that were discharged, are still active, withdrew "
        "voluntarily, or were ineligible or inappropriately referred (OHSxtra: 540 referred, "
        "250 discharged, 142 active, 126 withdrawn, 22 ineligible).",
        _X,
        ("004",),
    ),
    (
        "X6",
        "Time-limited programmes close cases",
        "A time-limited programme must close its cases; an ongoing programme need not.",
        _X,
        ("002",),
    ),
    (
        "O1",
        "Use of services is measured",
        "Outcomes include the use of services: emergency admissions, length of stay, A&E "
        "attendances and admissions to nursing homes.",
        _O,
        ("002",),
    ),
    (
        "O2",
        "Health and experience are measured",
        "Outcomes include health and the client's experience: quality of life, independence "
        "and satisfaction.",
        _O,
        ("002",),
    ),
    (
        "O3",
        "Return to work and cost-benefit",
        "Vocational outcomes are return to work and cost-benefit: in OHSxtra 72% returned to "
        "work (65% of those absent for more than 21 working days), and £1.66 was saved for "
        "every £1 spent.",
        _O,
        ("004",),
    ),
    (
        "O4",
        "Goal attainment scaling is offered",
        "Goals can be scored with Goal Attainment Scaling, as rehabilitation services "
        "commonly do: each goal is rated from -2 to +2 and the ratings are combined into a "
        "T-score.",
        _O,
        ("gas",),
    ),
)

RULES: Mapping[str, Rule] = types.MappingProxyType(
    {
        r_id: Rule(id=r_id, title=title, statement=statement, area=area, sources=sources)
        for r_id, title, statement, area, sources in _TABLE
    }
)
"""Every rule, by id, in catalogue order."""


NOT_APPLIED: Mapping[str, str] = types.MappingProxyType(
    {
        "A3": (
            "Assessments are recorded per case and client, and may be shared under consent "
            "(E9), but there is no register of assessments shared across agencies and "
            "programmes, so a duplicate assessment elsewhere cannot be detected."
        ),
        "A4": (
            "Every assessment records its contact mode (face to face, telephone, video or "
            "remote monitoring) and a review may, but no function checks the mode: the "
            "remote-only contact of minor-injury programmes is not enforced, as a case "
            "records no injury severity."
        ),
        "O2": (
            "Independence can be scored as goal attainment (O4), but quality of life and "
            "satisfaction are not measured: no instrument or score is modelled."
        ),
    }
)
"""The rules the library records but does not apply (no check or function applies them),
each with what is missing. The catalogue shows the reason under the rule, and the tests
fail when a rule is applied by nothing and not listed here, or listed and applied."""


def rule(rule_id: str) -> Rule:
    """The rule with ``rule_id`` (``KeyError`` naming the id when there is none)."""
    return RULES[rule_id]
