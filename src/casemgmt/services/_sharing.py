"""Sharing: may a client's records go to this recipient, for this purpose, on this day (E9)?

Consent to case management and to the sharing of records is recorded, and confidentiality
is kept throughout (E9; seed 001, and CMSUK's best-practice guidelines in seed 004). The
OHSxtra pilot shows why it matters both ways: clients under both OHSxtra and traditional OH
were supported by services that did not know of each other, "highlight[ing] the importance
of sharing records", while there were "tensions around patient confidentiality and the
extent to which OH should allow case managers access to case notes" (seed 004).
:func:`may_share` answers one request with every reason. Its rules, all under E9:

1. Sharing needs a consent of scope ``RECORD_SHARING``. Consent to case management, or to
   contact the employer or family, is not consent to share.
2. The consent must be a ``PERMIT`` in force on the day: started, not expired, not
   withdrawn (:meth:`casemgmt.model.Consent.in_force_on`).
3. It must cover the recipient and the purpose (an empty set of either covers all).
4. A ``DENY`` in force that covers the request overrides every permit, whenever either was
   recorded: a refusal stands until it is withdrawn or expires.
5. Some recipients also need consent to be contacted (by default the employer, with
   ``CONTACT_EMPLOYER``, and the family or a carer, with ``CONTACT_FAMILY``), under the same
   rules 2-4 (:class:`~casemgmt.policies.SharingPolicy`).
6. Only if the host's policy says so, sharing for safeguarding proceeds without consent, on
   a legal basis other than consent, and the decision says so (off by default).

Every consent on the record is reported, by its path (``client.consents[2]``), including
those withdrawn, expired or not yet started. Messages never contain personal data.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable

import attrs
import pendulum

from casemgmt._applies import applies
from casemgmt.model import (
    CaseRecord,
    Client,
    ClientId,
    Consent,
    ConsentDecision,
    ConsentScope,
    RecipientKind,
    SharingPurpose,
)
from casemgmt.policies import SharingPolicy
from casemgmt.rules import rule

__all__ = [
    "ConsentStanding",
    "SharingBasis",
    "SharingDecision",
    "SharingReason",
    "may_share",
]

_RULE = "E9"
_DEFAULT_POLICY = SharingPolicy()


class SharingBasis(enum.Enum):
    """On what basis sharing proceeds. ``CONSENT``: the client's consent (E9).
    ``SAFEGUARDING``: a legal basis other than consent, allowed by the host's
    :class:`~casemgmt.policies.SharingPolicy` for safeguarding only. ``NONE``: sharing is
    not permitted."""

    CONSENT = "consent"
    SAFEGUARDING = "safeguarding"
    NONE = "none"


class ConsentStanding(enum.Enum):
    """Where one consent stands on a day: not yet started, in force, expired or withdrawn.
    A consent withdrawn before it started counts as withdrawn."""

    NOT_STARTED = "not-started"
    IN_FORCE = "in-force"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"

    @classmethod
    def of(cls, consent: Consent, day: pendulum.Date) -> ConsentStanding:
        """Where ``consent`` stands on ``day``.

        >>> from casemgmt.model import Consent, ConsentDecision, ConsentScope
        >>> consent = Consent(
        ...     scope=ConsentScope.RECORD_SHARING,
        ...     decision=ConsentDecision.PERMIT,
        ...     recorded_on=pendulum.Date(2026, 1, 5),
        ...     expires_on=pendulum.Date(2026, 7, 5),
        ... )
        >>> [ConsentStanding.of(consent, pendulum.Date(2026, m, 5)).value for m in (1, 6, 7)]
        ['in-force', 'in-force', 'expired']
        """
        if consent.withdrawn_on is not None and consent.withdrawn_on <= day:
            return cls.WITHDRAWN
        if consent.expires_on is not None and consent.expires_on <= day:
            return cls.EXPIRED
        if day < consent.effective_from:
            return cls.NOT_STARTED
        return cls.IN_FORCE


@attrs.frozen(kw_only=True)
class SharingReason:
    """One consideration behind a sharing decision.

    A reason is either about one consent (``consent`` is its path, such as
    ``client.consents[2]``) or a requirement of the request as a whole (``consent`` is
    ``None``). A consent's reason passes when that consent permits the request; a
    requirement passes when it is met.

    Attributes:
        key: What was considered. About a consent: ``permits``, ``refuses``,
            ``does-not-cover``, ``other-scope``, ``not-started``, ``expired`` or
            ``withdrawn``. A requirement: ``<scope>-consent`` (``record-sharing-consent``,
            ``contact-employer-consent``, ``contact-family-consent``) or ``safeguarding``.
        rule_id: The rule applied (``E9``).
        passed: Whether it supports sharing.
        message: The consideration in words, naming consents by path, never personal data.
        consent: The path of the consent it is about, or ``None`` for a requirement.
    """

    key: str
    rule_id: str
    passed: bool
    message: str
    consent: str | None = None

    @property
    def citation(self) -> str:
        """The sources of the rule."""
        return rule(self.rule_id).citation


@attrs.frozen(kw_only=True)
class SharingDecision:
    """Whether a client's records may be shared with a recipient for a purpose on a day,
    and every reason.

    ``permitted`` is ``True`` exactly when every consent requirement passed (basis
    ``CONSENT``), or when the host's policy lets safeguarding proceed without consent and
    the purpose is safeguarding (basis ``SAFEGUARDING``).

    Attributes:
        client_id: Whose records.
        recipient: Who would receive them.
        purpose: Why.
        as_of: The day the decision applies to.
        permitted: Whether sharing may proceed.
        basis: On what basis it proceeds (``NONE`` when it may not).
        permitted_by: The paths of the consents that permit it (one per consent
            requirement; empty unless the basis is consent).
        reasons: One reason per consent on the record, in order, then one per requirement.
    """

    client_id: ClientId
    recipient: RecipientKind
    purpose: SharingPurpose
    as_of: pendulum.Date
    permitted: bool
    basis: SharingBasis
    permitted_by: tuple[str, ...]
    reasons: tuple[SharingReason, ...]

    @property
    def requirements(self) -> tuple[SharingReason, ...]:
        """The reasons about the request as a whole (not about one consent)."""
        return tuple(r for r in self.reasons if r.consent is None)

    @property
    def failed(self) -> tuple[SharingReason, ...]:
        """The requirements not met."""
        return tuple(r for r in self.requirements if not r.passed)

    def explain(self) -> str:
        """The decision as text: the answer, then one line per reason (no personal data)."""
        answer = "permitted" if self.permitted else "not permitted"
        basis = "" if self.basis is SharingBasis.NONE else f" ({self.basis.value})"
        lines = [
            f"share with {_recipient(self.recipient)} for {_purpose(self.purpose)}: {answer}{basis}"
        ]
        for reason in self.reasons:
            mark = "ok  " if reason.passed else "no  "
            lines.append(f"  {mark} {reason.key} [{reason.rule_id}]: {reason.message}")
        return "\n".join(lines)


@applies("E9")
def may_share(
    record: CaseRecord | Client,
    recipient: RecipientKind,
    purpose: SharingPurpose,
    *,
    as_of: pendulum.Date,
    policy: SharingPolicy | None = None,
) -> SharingDecision:
    """Decide whether a client's records may go to ``recipient`` for ``purpose`` on
    ``as_of`` (E9), with every reason.

    The rules are those of this module: a record-sharing consent that permits, is in force
    and covers the recipient and the purpose; no refusal in force that covers them; a
    contact consent too for the recipients the policy names; and, only if the policy
    allows it, safeguarding without consent.

    Args:
        record: A case record (consents are named ``client.consents[i]``) or a client
            (``consents[i]``).
        recipient: Who would receive the records.
        purpose: Why they would be shared.
        as_of: The day of the disclosure.
        policy: The host's choices (default: :class:`~casemgmt.policies.SharingPolicy`'s
            defaults).

    Returns:
        The decision, listing one reason per consent and one per requirement.

    >>> from casemgmt.model import ClientId, PersonName
    >>> gp = Consent(
    ...     scope=ConsentScope.RECORD_SHARING,
    ...     decision=ConsentDecision.PERMIT,
    ...     recorded_on=pendulum.Date(2026, 3, 2),
    ...     recipients=frozenset({RecipientKind.GP, RecipientKind.OCCUPATIONAL_HEALTH}),
    ... )
    >>> client = Client(
    ...     id=ClientId("CL-1"),
    ...     name=PersonName(given="Ada", family="Lovelace"),
    ...     date_of_birth=pendulum.Date(1980, 6, 1),
    ...     consents=(gp,),
    ... )
    >>> day = pendulum.Date(2026, 3, 9)
    >>> may_share(client, RecipientKind.GP, SharingPurpose.CARE_COORDINATION, as_of=day).permitted
    True
    >>> refused = may_share(client, RecipientKind.INSURER, SharingPurpose.CLAIM, as_of=day)
    >>> refused.permitted, refused.basis.value
    (False, 'none')
    >>> for reason in refused.reasons:
    ...     print(reason.consent, reason.key, reason.passed)
    consents[0] does-not-cover False
    None record-sharing-consent False
    >>> print(refused.reasons[0].message)
    consents[0] (permit, record sharing) covers only a GP and occupational health
    """
    policy = _DEFAULT_POLICY if policy is None else policy
    if isinstance(record, CaseRecord):
        client, prefix = record.client, "client."
    else:
        client, prefix = record, ""
    scopes = [ConsentScope.RECORD_SHARING]
    contact = policy.contact_scope(recipient)
    if contact is not None:
        scopes.append(contact)
    request = f"sharing with {_recipient(recipient)} for {_purpose(purpose)}"

    reasons: list[SharingReason] = []
    permits: dict[ConsentScope, list[str]] = {s: [] for s in scopes}
    refusals: dict[ConsentScope, list[str]] = {s: [] for s in scopes}
    for index, consent in enumerate(client.consents):
        path = f"{prefix}consents[{index}]"
        reason = _consent_reason(consent, path, scopes, recipient, purpose, as_of)
        reasons.append(reason)
        if reason.key == "permits":
            permits[consent.scope].append(path)
        elif reason.key == "refuses":
            refusals[consent.scope].append(path)

    case_management = [
        f"{prefix}consents[{i}]"
        for i, c in enumerate(client.consents)
        if c.scope is ConsentScope.CASE_MANAGEMENT
    ]
    permitted_by: list[str] = []
    requirements: list[SharingReason] = []
    for scope in scopes:
        requirement = _requirement(scope, permits[scope], refusals[scope], request)
        if scope is ConsentScope.RECORD_SHARING and not permits[scope] and case_management:
            # Seed 004: agreeing to be case-managed is not agreeing that notes go elsewhere.
            requirement = attrs.evolve(
                requirement,
                message=f"{requirement.message}; consent to case management "
                f"({', '.join(case_management)}) is not consent to share",
            )
        requirements.append(requirement)
        if requirement.passed:
            permitted_by.append(permits[scope][0])
    by_consent = all(r.passed for r in requirements)

    exception = policy.safeguarding_without_consent and purpose is SharingPurpose.SAFEGUARDING
    if exception:
        message = (
            "consent permits it; the safeguarding exception is not needed"
            if by_consent
            else "the sharing policy lets safeguarding proceed without consent: the basis is "
            "a legal one other than consent, which the host records"
        )
        requirements.append(
            SharingReason(key="safeguarding", rule_id=_RULE, passed=True, message=message)
        )
    if by_consent:
        basis = SharingBasis.CONSENT
    elif exception:
        basis = SharingBasis.SAFEGUARDING
    else:
        basis = SharingBasis.NONE
    return SharingDecision(
        client_id=client.id,
        recipient=recipient,
        purpose=purpose,
        as_of=as_of,
        permitted=basis is not SharingBasis.NONE,
        basis=basis,
        permitted_by=tuple(permitted_by) if by_consent else (),
        reasons=(*reasons, *requirements),
    )


def _consent_reason(
    consent: Consent,
    path: str,
    scopes: list[ConsentScope],
    recipient: RecipientKind,
    purpose: SharingPurpose,
    day: pendulum.Date,
) -> SharingReason:
    """How one consent bears on the request."""
    what = f"{path} ({consent.decision.value}, {_scope(consent.scope)})"

    def reason(key: str, message: str, passed: bool = False) -> SharingReason:
        return SharingReason(key=key, rule_id=_RULE, passed=passed, message=message, consent=path)

    if consent.scope not in scopes:
        if consent.scope is ConsentScope.CASE_MANAGEMENT:
            return reason("other-scope", f"{what} is not consent to share records")
        return reason("other-scope", f"{what} does not bear on {_recipient(recipient)}")
    standing = ConsentStanding.of(consent, day)
    if standing is ConsentStanding.WITHDRAWN:
        return reason("withdrawn", f"{what} was withdrawn")
    if standing is ConsentStanding.EXPIRED:
        return reason("expired", f"{what} has expired")
    if standing is ConsentStanding.NOT_STARTED:
        return reason("not-started", f"{what} has not started")
    if consent.recipients and recipient not in consent.recipients:
        named = _and(_recipient(r) for r in sorted(consent.recipients, key=_order))
        return reason("does-not-cover", f"{what} covers only {named}")
    if consent.purposes and purpose not in consent.purposes:
        named = _and(_purpose(p) for p in sorted(consent.purposes, key=_order))
        return reason("does-not-cover", f"{what} is only for {named}")
    if consent.decision is ConsentDecision.DENY:
        return reason("refuses", f"{what} refuses it and overrides any permission")
    return reason("permits", f"{what} permits it", passed=True)


def _requirement(
    scope: ConsentScope, permits: list[str], refusals: list[str], request: str
) -> SharingReason:
    """Whether consent of ``scope`` permits the request and none refuses it."""
    key = f"{scope.value}-consent"
    if refusals:
        message = f"{request} is refused by {', '.join(refusals)}"
        if permits:
            message += f", which overrides {', '.join(permits)} until withdrawn"
        return SharingReason(key=key, rule_id=_RULE, passed=False, message=message)
    if not permits:
        message = f"no consent to {_scope(scope)} in force covers {request}"
        return SharingReason(key=key, rule_id=_RULE, passed=False, message=message)
    message = f"{request} is permitted by {', '.join(permits)}"
    return SharingReason(key=key, rule_id=_RULE, passed=True, message=message)


_RECIPIENTS = {
    RecipientKind.GP: "a GP",
    RecipientKind.NHS_CLINICIAN: "an NHS clinician",
    RecipientKind.OCCUPATIONAL_HEALTH: "occupational health",
    RecipientKind.EMPLOYER: "the employer",
    RecipientKind.SOLICITOR: "a solicitor",
    RecipientKind.INSURER: "an insurer",
    RecipientKind.FINANCIAL_DEPUTY: "a financial deputy",
    RecipientKind.PROVIDER: "a provider",
    RecipientKind.LOCAL_AUTHORITY: "the local authority",
    RecipientKind.COMMISSIONER: "a commissioner",
    RecipientKind.FAMILY_OR_CARER: "the family or a carer",
}
_PURPOSES = {
    SharingPurpose.CLAIM: "a claim",
    SharingPurpose.REFERRAL: "a referral",
}


def _recipient(kind: RecipientKind) -> str:
    return _RECIPIENTS.get(kind, kind.value.replace("-", " "))


def _purpose(purpose: SharingPurpose) -> str:
    return _PURPOSES.get(purpose, purpose.value.replace("-", " "))


def _scope(scope: ConsentScope) -> str:
    return scope.value.replace("-", " ")


def _order(code: RecipientKind | SharingPurpose) -> str:
    return str(code.value)


def _and(words: Iterable[str]) -> str:
    items = list(words)
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"
