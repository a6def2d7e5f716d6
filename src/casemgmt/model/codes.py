"""Value sets: every coded field of the model.

Where HL7 FHIR R4 has a value set for the same idea, the members and their JSON values are
FHIR's codes exactly (``Goal.lifecycleStatus``, ``Goal.achievementStatus``, ``CarePlan.status``,
``CarePlan.activity.detail.status``, ``ServiceRequest.priority``, ``Consent`` decision,
``AdministrativeGender``), so a FHIR export is a mapping of names, not of meanings. The rest
come from the domain brief (DOMAIN.md) and its seeds, cited per class.

>>> GoalLifecycleStatus("on-hold") is GoalLifecycleStatus.ON_HOLD
True
>>> CarePlanStatus.ENTERED_IN_ERROR.value
'entered-in-error'
"""

from __future__ import annotations

import enum

__all__ = [
    "Complexity",
    "Intensity",
    "AdministrativeGender",
    "AgreementParty",
    "AssessmentDomain",
    "AssessmentKind",
    "BudgetHolder",
    "CarePlanStatus",
    "CarerNeed",
    "CaseManagerTitle",
    "CaseAction",
    "CaseStatus",
    "ClosureReason",
    "DischargeDestination",
    "RecipientKind",
    "SharingPurpose",
    "ConditionCategory",
    "ConsentDecision",
    "ConsentScope",
    "ContactMode",
    "Discipline",
    "EmploymentStatus",
    "FrequencyUnit",
    "FundingStreamKind",
    "GoalAchievementStatus",
    "GoalDomain",
    "GoalLifecycleStatus",
    "GoalPriority",
    "InterventionCategory",
    "InterventionStatus",
    "NeedLevel",
    "Profession",
    "ProfessionalBody",
    "ProviderKind",
    "ReferralOutcome",
    "ReferralPriority",
    "ReferralSourceKind",
    "Regulator",
    "RehabilitationCodeTrack",
    "CareEventKind",
    "ReviewKind",
    "RiskTier",
    "Specialism",
    "StaffingModel",
]


class _Code(enum.Enum):
    """Base of the value sets: members hash by identity.

    An enum member is only ever equal to itself, so identity hashing is consistent with
    equality, and it is much cheaper than ``Enum.__hash__`` (a Python-level hash of the
    member's name): validation looks members up in sets and dicts thousands of times.
    """

    __hash__ = object.__hash__


class GoalLifecycleStatus(_Code):
    """Whether a goal is being pursued (FHIR ``goal-status``, R4)."""

    PROPOSED = "proposed"
    PLANNED = "planned"
    ACCEPTED = "accepted"
    ACTIVE = "active"
    ON_HOLD = "on-hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    ENTERED_IN_ERROR = "entered-in-error"
    REJECTED = "rejected"


class GoalAchievementStatus(_Code):
    """How a goal is going (FHIR ``goal-achievement`` code system, all nine concepts)."""

    IN_PROGRESS = "in-progress"
    IMPROVING = "improving"
    WORSENING = "worsening"
    NO_CHANGE = "no-change"
    ACHIEVED = "achieved"
    SUSTAINING = "sustaining"
    NOT_ACHIEVED = "not-achieved"
    NO_PROGRESS = "no-progress"
    NOT_ATTAINABLE = "not-attainable"


class GoalPriority(_Code):
    """FHIR ``goal-priority``."""

    HIGH = "high-priority"
    MEDIUM = "medium-priority"
    LOW = "low-priority"


class GoalDomain(_Code):
    """The life area a goal belongs to (P7: goals span health, social care, education and
    employment; seed 003, the CMSUK definition)."""

    HEALTH = "health"
    SOCIAL_CARE = "social-care"
    EDUCATION = "education"
    EMPLOYMENT = "employment"
    INDEPENDENCE = "independence"
    WELLBEING = "wellbeing"
    HOUSING = "housing"


class CarePlanStatus(_Code):
    """FHIR ``request-status`` as used by ``CarePlan.status`` (R4)."""

    DRAFT = "draft"
    ACTIVE = "active"
    ON_HOLD = "on-hold"
    REVOKED = "revoked"
    COMPLETED = "completed"
    ENTERED_IN_ERROR = "entered-in-error"


class InterventionStatus(_Code):
    """FHIR ``CarePlan.activity.detail.status`` (R4), less ``unknown``."""

    NOT_STARTED = "not-started"
    SCHEDULED = "scheduled"
    IN_PROGRESS = "in-progress"
    ON_HOLD = "on-hold"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    STOPPED = "stopped"
    ENTERED_IN_ERROR = "entered-in-error"


class ReferralPriority(_Code):
    """FHIR ``request-priority``."""

    ROUTINE = "routine"
    URGENT = "urgent"
    ASAP = "asap"
    STAT = "stat"


class ConsentDecision(_Code):
    """FHIR ``consent-provision-type`` (R4 ``Consent.provision.type``)."""

    PERMIT = "permit"
    DENY = "deny"


class AdministrativeGender(_Code):
    """FHIR ``administrative-gender``."""

    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


class CaseStatus(_Code):
    """Where a case is in its life (adapted from FHIR ``EpisodeOfCare.status``; see the
    domain-model docs for the mapping). A case is *open* from acceptance to closing."""

    REFERRED = "referred"
    SCREENING = "screening"
    DECLINED = "declined"
    ACCEPTED = "accepted"
    ASSESSMENT = "assessment"
    PLANNING = "planning"
    ACTIVE = "active"
    ON_HOLD = "on-hold"
    CLOSING = "closing"
    CLOSED = "closed"

    @property
    def is_open(self) -> bool:
        """True from acceptance until closure: the states that need an accountable case
        manager (C6).

        >>> CaseStatus.ACTIVE.is_open, CaseStatus.REFERRED.is_open
        (True, False)
        """
        return self in _OPEN_CASE_STATES

    @property
    def is_terminal(self) -> bool:
        """True for the states a case never leaves: declined and closed (a return to the
        programme opens a new, linked episode, X4).

        >>> CaseStatus.DECLINED.is_terminal, CaseStatus.ON_HOLD.is_terminal
        (True, False)
        """
        return self is CaseStatus.DECLINED or self is CaseStatus.CLOSED

    @property
    def fhir_status(self) -> str:
        """The FHIR R4 ``EpisodeOfCare.status`` code this state maps to.

        FHIR has seven codes and no transition graph; ours are finer, so several map to
        one code: the referral and its screening are ``planned`` (FHIR: "an organization may
        perform assessments to determine if the patient is eligible"), an accepted case
        awaiting assessment is on the ``waitlist``, every working state is ``active``,
        on hold is ``onhold``, a declined referral is ``cancelled`` and a closed case is
        ``finished``.

        >>> CaseStatus.SCREENING.fhir_status, CaseStatus.ON_HOLD.fhir_status
        ('planned', 'onhold')
        """
        return _EPISODE_OF_CARE_STATUS[self]


_OPEN_CASE_STATES = frozenset(
    {
        CaseStatus.ACCEPTED,
        CaseStatus.ASSESSMENT,
        CaseStatus.PLANNING,
        CaseStatus.ACTIVE,
        CaseStatus.ON_HOLD,
        CaseStatus.CLOSING,
    }
)


_EPISODE_OF_CARE_STATUS = {
    CaseStatus.REFERRED: "planned",
    CaseStatus.SCREENING: "planned",
    CaseStatus.DECLINED: "cancelled",
    CaseStatus.ACCEPTED: "waitlist",
    CaseStatus.ASSESSMENT: "active",
    CaseStatus.PLANNING: "active",
    CaseStatus.ACTIVE: "active",
    CaseStatus.ON_HOLD: "onhold",
    CaseStatus.CLOSING: "active",
    CaseStatus.CLOSED: "finished",
}


class CaseAction(_Code):
    """Every change a case can undergo: the intent-named methods of
    :class:`~casemgmt.model.Case`, one member each, with the method's name as the value.

    The first group moves a case between states (the transition table,
    :data:`casemgmt.model.TRANSITIONS`); the second records something without changing the
    state. Every action leaves one :class:`~casemgmt.model.CaseEvent` in the case's history.
    """

    REFER = "refer"
    START_SCREENING = "start_screening"
    ACCEPT = "accept"
    DECLINE = "decline"
    START_ASSESSMENT = "start_assessment"
    START_PLANNING = "start_planning"
    ACTIVATE = "activate"
    PUT_ON_HOLD = "put_on_hold"
    RESUME = "resume"
    START_CLOSING = "start_closing"
    CLOSE = "close"
    REOPEN = "reopen"
    ASSIGN = "assign"
    ADD_REFERRAL = "add_referral"
    RECORD_ASSESSMENT = "record_assessment"
    ADOPT_PLAN = "adopt_plan"
    REPLACE_CURRENT_PLAN = "replace_current_plan"
    RECORD_REVIEW = "record_review"
    RECORD_EVENT = "record_event"


class ClosureReason(_Code):
    """Why a case was closed: Roland et al's four discharge routes (X1, seed 002), the
    inappropriate referral found after acceptance (E7), the end of funding, goals achieved
    (rehabilitation and vocational programmes, seeds 000, 003, 004) and the end of a
    time-limited programme's period (X6)."""

    DEATH = "death"
    SELF_DISCHARGE = "self-discharge"
    CARE_OPTIMISED = "care-optimised"
    RISK_BELOW_THRESHOLD = "risk-below-threshold"
    INELIGIBLE = "ineligible"
    INAPPROPRIATE_REFERRAL = "inappropriate-referral"
    FUNDING_ENDED = "funding-ended"
    GOALS_ACHIEVED = "goals-achieved"
    TIME_LIMIT_REACHED = "time-limit-reached"


class DischargeDestination(_Code):
    """Where a person goes when the MDT decides their care is optimised (X1's third route:
    "well enough to live independently, or more- or less-intensive and ongoing support, such
    as a nursing home, or specialist care such as end-of-life care", seed 002)."""

    INDEPENDENT = "independent"
    LESS_INTENSIVE_SUPPORT = "less-intensive-support"
    MORE_INTENSIVE_SUPPORT = "more-intensive-support"
    SPECIALIST_CARE = "specialist-care"


class RecipientKind(_Code):
    """Who may receive a client's information (E9; the confidentiality tension between
    OHSxtra case managers and occupational health, seed 004; the parties of seed 003)."""

    GP = "gp"
    NHS_CLINICIAN = "nhs-clinician"
    OCCUPATIONAL_HEALTH = "occupational-health"
    EMPLOYER = "employer"
    SOLICITOR = "solicitor"
    INSURER = "insurer"
    FINANCIAL_DEPUTY = "financial-deputy"
    PROVIDER = "provider"
    LOCAL_AUTHORITY = "local-authority"
    COMMISSIONER = "commissioner"
    FAMILY_OR_CARER = "family-or-carer"


class SharingPurpose(_Code):
    """Why information would be shared (E9)."""

    CARE_COORDINATION = "care-coordination"
    RETURN_TO_WORK = "return-to-work"
    CLAIM = "claim"
    FUNDING = "funding"
    REFERRAL = "referral"
    SAFEGUARDING = "safeguarding"
    EVALUATION = "evaluation"


class ReferralSourceKind(_Code):
    """Who refers (seed 003 lists the personal-injury sources; 002 and 004 add the NHS and
    occupational-health ones)."""

    REHABILITATION_CODE_JOINT = "rehabilitation-code-joint-instruction"
    CLAIMANT_SOLICITOR = "claimant-solicitor"
    INSURER = "insurer"
    FINANCIAL_DEPUTY = "financial-deputy"
    NHS_COMMISSIONER = "nhs-commissioner"
    LOCAL_AUTHORITY_COMMISSIONER = "local-authority-commissioner"
    FAMILY = "family"
    SELF = "self"
    GP_OR_CLINICIAN = "gp-or-clinician"
    PREDICTIVE_CASE_FINDING = "predictive-case-finding"
    EMPLOYER_OCCUPATIONAL_HEALTH = "employer-occupational-health"


class ReferralOutcome(_Code):
    """What became of a referral (E7: inappropriate referrals are recorded with a reason)."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    INELIGIBLE = "ineligible"
    INAPPROPRIATE = "inappropriate"
    DUPLICATE = "duplicate"
    WITHDRAWN = "withdrawn"


class RehabilitationCodeTrack(_Code):
    """Rehabilitation Code 2015 tracks: claims under GBP 25,000 follow the lower-value
    process; medium, severe and catastrophic claims follow the INA route."""

    LOWER_VALUE = "lower-value"
    IMMEDIATE_NEEDS_ASSESSMENT = "immediate-needs-assessment"


class Profession(_Code):
    """Case managers' and therapists' professions (seeds 001, 003)."""

    OCCUPATIONAL_THERAPIST = "occupational-therapist"
    PHYSIOTHERAPIST = "physiotherapist"
    NURSE = "nurse"
    PSYCHOLOGIST = "psychologist"
    SOCIAL_WORKER = "social-worker"
    SPEECH_AND_LANGUAGE_THERAPIST = "speech-and-language-therapist"
    DOCTOR = "doctor"
    PHARMACIST = "pharmacist"
    VOCATIONAL_REHABILITATION_PRACTITIONER = "vocational-rehabilitation-practitioner"


class Regulator(_Code):
    """UK statutory regulators of professionals and of care services."""

    HCPC = "HCPC"
    NMC = "NMC"
    GMC = "GMC"
    GPHC = "GPhC"
    SOCIAL_WORK_ENGLAND = "SWE"
    SSSC = "SSSC"
    SOCIAL_CARE_WALES = "SCW"
    NISCC = "NISCC"
    CQC = "CQC"
    CARE_INSPECTORATE_WALES = "CIW"
    CARE_INSPECTORATE_SCOTLAND = "CI"
    RQIA = "RQIA"


class ProfessionalBody(_Code):
    """Membership bodies for case managers (seed 001, 003)."""

    CMSUK = "CMSUK"
    BABICM = "BABICM"
    VRA = "VRA"


class Specialism(_Code):
    """Case-manager specialisms (seeds 001, 003) and NHS case-management fields (002, 004)."""

    BRAIN_INJURY = "brain-injury"
    SPINAL_CORD_INJURY = "spinal-cord-injury"
    AMPUTEE = "amputee"
    ORTHOPAEDIC = "orthopaedic"
    VOCATIONAL = "vocational"
    PAEDIATRIC = "paediatric"
    LONG_TERM_CONDITIONS = "long-term-conditions"
    OLDER_PEOPLE = "older-people"
    MENTAL_HEALTH = "mental-health"
    MUSCULOSKELETAL = "musculoskeletal"
    END_OF_LIFE = "end-of-life"


class CaseManagerTitle(_Code):
    """Job titles seen in the seeds."""

    CASE_MANAGER = "case-manager"
    CONSULTANT = "consultant-case-manager"
    CLINICAL = "clinical-case-manager"
    REHABILITATION = "rehabilitation-case-manager"
    VOCATIONAL = "vocational-case-manager"
    COMMUNITY_MATRON = "community-matron"
    ADVANCED_PRACTICE_NURSE = "advanced-practice-nurse"


class ProviderKind(_Code):
    """Who delivers commissioned services (seed 003: agency, direct recruitment, hybrid)."""

    INDEPENDENT_PRACTITIONER = "independent-practitioner"
    THERAPY_PRACTICE = "therapy-practice"
    CARE_AGENCY = "care-agency"
    DIRECT_EMPLOYMENT = "direct-employment"
    NHS_TRUST = "nhs-trust"
    GP_PRACTICE = "gp-practice"
    LOCAL_AUTHORITY = "local-authority"
    VOLUNTARY_SECTOR = "voluntary-sector"
    OCCUPATIONAL_HEALTH = "occupational-health"
    EQUIPMENT_SUPPLIER = "equipment-supplier"


class Discipline(_Code):
    """The discipline that delivers an intervention (P9 checks registration against it)."""

    PHYSIOTHERAPY = "physiotherapy"
    OCCUPATIONAL_THERAPY = "occupational-therapy"
    SPEECH_AND_LANGUAGE_THERAPY = "speech-and-language-therapy"
    NEUROPSYCHOLOGY = "neuropsychology"
    CLINICAL_PSYCHOLOGY = "clinical-psychology"
    COGNITIVE_BEHAVIOURAL_THERAPY = "cognitive-behavioural-therapy"
    COUNSELLING = "counselling"
    NURSING = "nursing"
    PHARMACY = "pharmacy"
    MEDICINE = "medicine"
    SOCIAL_WORK = "social-work"
    SUPPORT_WORK = "support-work"
    VOCATIONAL_REHABILITATION = "vocational-rehabilitation"
    CASE_MANAGEMENT = "case-management"
    EQUIPMENT = "equipment"


class InterventionCategory(_Code):
    """What a funding stream pays for (F1): coarse categories of commissioned service."""

    ASSESSMENT = "assessment"
    THERAPY = "therapy"
    PSYCHOLOGICAL_THERAPY = "psychological-therapy"
    NURSING = "nursing"
    PERSONAL_SUPPORT = "personal-support"
    SOCIAL_CARE = "social-care"
    MEDICATION_REVIEW = "medication-review"
    SELF_CARE_SUPPORT = "self-care-support"
    VOCATIONAL_REHABILITATION = "vocational-rehabilitation"
    EQUIPMENT_AND_ADAPTATIONS = "equipment-and-adaptations"
    CASE_MANAGEMENT = "case-management"


class StaffingModel(_Code):
    """How support staff are engaged (seed 003); F3 links the choice to funding."""

    AGENCY = "agency"
    DIRECT_RECRUITMENT = "direct-recruitment"
    HYBRID = "hybrid"


class FrequencyUnit(_Code):
    """The period of a frequency (FHIR ``Timing.repeat.periodUnit`` d / wk / mo / a)."""

    DAY = "d"
    WEEK = "wk"
    MONTH = "mo"
    YEAR = "a"


class FundingStreamKind(_Code):
    """Where the money comes from (seeds 002, 003)."""

    COMPENSATOR = "compensator"
    COURT_INTERIM_PAYMENT = "court-interim-payment"
    FINANCIAL_DEPUTY = "financial-deputy"
    NHS_COMMISSIONING = "nhs-commissioning"
    LOCAL_AUTHORITY = "local-authority"
    PERSONAL_HEALTH_BUDGET = "personal-health-budget"
    POOLED_BUDGET = "pooled-budget"
    CAPITATION = "capitation"
    EMPLOYER = "employer"
    SELF_FUNDED = "self-funded"


class BudgetHolder(_Code):
    """Who holds a budget (a personal health budget may be held by a representative, such as
    the case manager: seed 002)."""

    COMMISSIONER = "commissioner"
    COMPENSATOR = "compensator"
    DEPUTY = "deputy"
    CLIENT = "client"
    REPRESENTATIVE = "representative"
    CASE_MANAGER = "case-manager"
    EMPLOYER = "employer"


class AgreementParty(_Code):
    """Who agreed a care plan on the client's side (P1)."""

    CLIENT = "client"
    REPRESENTATIVE = "representative"
    DEPUTY = "deputy"
    CARER = "carer"


class ConsentScope(_Code):
    """What a consent covers (E9: case management and sharing of records)."""

    CASE_MANAGEMENT = "case-management"
    RECORD_SHARING = "record-sharing"
    CONTACT_EMPLOYER = "contact-employer"
    CONTACT_FAMILY = "contact-family"


class ConditionCategory(_Code):
    """Broad condition groups used by programme criteria (E5)."""

    LONG_TERM_CONDITION = "long-term-condition"
    BRAIN_INJURY = "brain-injury"
    SPINAL_CORD_INJURY = "spinal-cord-injury"
    ORTHOPAEDIC_INJURY = "orthopaedic-injury"
    AMPUTATION = "amputation"
    CEREBRAL_PALSY = "cerebral-palsy"
    SOFT_TISSUE_INJURY = "soft-tissue-injury"
    MUSCULOSKELETAL = "musculoskeletal"
    MENTAL_HEALTH = "mental-health"
    FRAILTY = "frailty"
    OTHER = "other"


class CarerNeed(_Code):
    """A carer's own needs (seed 002: informal carers have needs of their own)."""

    RESPITE = "respite"
    OWN_HEALTH = "own-health"
    EMOTIONAL_SUPPORT = "emotional-support"
    FINANCIAL = "financial"
    TRAINING = "training"
    EMPLOYMENT = "employment"


class EmploymentStatus(_Code):
    """Employment situation, for vocational goals and OHSxtra-style eligibility (seed 004)."""

    EMPLOYED = "employed"
    SELF_EMPLOYED = "self-employed"
    UNEMPLOYED = "unemployed"
    IN_EDUCATION = "in-education"
    RETIRED = "retired"
    UNABLE_TO_WORK = "unable-to-work"


class AssessmentKind(_Code):
    """Kinds of assessment (seed 000: INA; seed 004: initial and progress assessments)."""

    INITIAL_NEEDS_ASSESSMENT = "initial-needs-assessment"
    INITIAL = "initial"
    TRIAGE = "triage"
    REVIEW = "review"
    CARER = "carer"
    SPECIALIST = "specialist"


class AssessmentDomain(_Code):
    """The assessment domains of rule A1 (seed 002), including the carer's own health."""

    CLINICAL_BACKGROUND = "clinical-background"
    MOBILITY = "mobility"
    ACTIVITIES_OF_DAILY_LIVING = "activities-of-daily-living"
    COGNITIVE_FUNCTIONING = "cognitive-functioning"
    FORMAL_CARE = "formal-care"
    INFORMAL_CARE = "informal-care"
    SOCIAL_HISTORY = "social-history"
    PHYSICAL_CARE_NEEDS = "physical-care-needs"
    MEDICATION_REVIEW = "medication-review"
    SOCIAL_CARE_NEEDS = "social-care-needs"
    WIDER_NEEDS = "wider-needs"
    CARER_WELLBEING = "carer-wellbeing"


class NeedLevel(_Code):
    """The level of need found in an assessment domain."""

    NONE = "none"
    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"
    CRITICAL = "critical"


class ContactMode(_Code):
    """How a contact happens (A4)."""

    FACE_TO_FACE = "face-to-face"
    TELEPHONE = "telephone"
    VIDEO = "video"
    REMOTE_MONITORING = "remote-monitoring"


class Complexity(_Code):
    """How complex a case is to manage: the nature of the conditions, circumstances, home
    environment and informal care (C4)."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


class Intensity(_Code):
    """How much of the case manager's time a case needs now (C4, M1)."""

    LOW = "low"
    STANDARD = "standard"
    INTENSIVE = "intensive"


class RiskTier(_Code):
    """Where a predicted risk falls in a programme's tiers (E1; Wales APN's high, medium and
    low risk groups). ``UNSCORED``: no predicted risk is recorded. The review cadence follows
    the tier (M1, M2)."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    UNSCORED = "unscored"


class ReviewKind(_Code):
    """What a review that was held was (M1-M6)."""

    #: A review of the case at its risk cadence: a visit, call or virtual-ward round (M1-M3).
    CASE_REVIEW = "case-review"
    #: The case discussed at a multi-disciplinary team meeting (M4).
    MDT_DISCUSSION = "mdt-discussion"
    #: A review of the care plan, which may amend goals and interventions (M5, P3).
    CARE_PLAN_REVIEW = "care-plan-review"
    #: A review prompted by an event such as a hospital admission (M6).
    URGENT_REVIEW = "urgent-review"


class CareEventKind(_Code):
    """Something that happened to the client or the claim and that the schedule reacts to:
    admissions and A&E attendances trigger an urgent review (M6), a change of risk tier
    changes the review cadence, and the Rehabilitation Code's clocks start and stop on the
    steps of a claim."""

    HOSPITAL_ADMISSION = "hospital-admission"
    HOSPITAL_DISCHARGE = "hospital-discharge"
    EMERGENCY_DEPARTMENT_ATTENDANCE = "emergency-department-attendance"
    RISK_TIER_CHANGE = "risk-tier-change"
    REHABILITATION_REQUESTED = "rehabilitation-requested"
    COMPENSATOR_RESPONDED = "compensator-responded"
    TRIAGE_REPORT_RECEIVED = "triage-report-received"
    FUNDING_DECISION = "funding-decision"
