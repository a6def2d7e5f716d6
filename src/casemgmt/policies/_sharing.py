"""The sharing policy: the choices about consent to share records that the evidence leaves
open (E9).

The evidence asks that consent to case management and to the sharing of records be
recorded and confidentiality kept throughout (E9; seed 001, and CMSUK's best-practice
guidelines in seed 004: "maintain confidentiality throughout"). OHSxtra's pilot found
"tensions around patient confidentiality and the extent to which OH should allow case
managers access to case notes" (seed 004). It does not say whether sharing with the
employer needs more than consent to share, nor whether anything may be shared without
consent. Those two choices are this policy's fields.
"""

from __future__ import annotations

from collections.abc import Iterator

import attrs

from casemgmt.errors import Problem
from casemgmt.model import ConsentScope, RecipientKind
from casemgmt.model._base import Validated, problem

__all__ = ["SharingPolicy"]

# Recipients that a contact consent can name, and the scope of that consent: the employer's
# occupational-health team acts for the employer, so a host may treat it like the employer.
_CONTACT_SCOPES = {
    RecipientKind.EMPLOYER: ConsentScope.CONTACT_EMPLOYER,
    RecipientKind.OCCUPATIONAL_HEALTH: ConsentScope.CONTACT_EMPLOYER,
    RecipientKind.FAMILY_OR_CARER: ConsentScope.CONTACT_FAMILY,
}


@attrs.frozen(kw_only=True)
class SharingPolicy(Validated):
    """What :func:`casemgmt.services.may_share` asks for beyond consent to share (E9).

    Attributes:
        contact_consent_for: Recipients that also need consent to be contacted: the
            employer (and, if listed, occupational health) needs a ``CONTACT_EMPLOYER``
            consent, the family or a carer a ``CONTACT_FAMILY`` one. Default: the employer
            and the family. Sharing with them means contacting them, and the client may
            agree that the case manager talks to their employer or family without agreeing
            that their records go there, or the other way round; the library asks for both
            (the stricter reading) and a host can relax it. Occupational health is a
            clinical service bound by confidentiality, so by default it needs consent to
            share only.
        safeguarding_without_consent: When ``True``, sharing for
            ``SharingPurpose.SAFEGUARDING`` is permitted without consent, and even over a
            refusal, on a legal basis other than consent; the decision says so. Off by
            default: the evidence says nothing about sharing without consent, and whether
            a disclosure meets a legal basis is for the host's information governance to
            decide and record, not for this library.

    >>> SharingPolicy().contact_scope(RecipientKind.EMPLOYER)
    <ConsentScope.CONTACT_EMPLOYER: 'contact-employer'>
    >>> relaxed = SharingPolicy(contact_consent_for=frozenset({RecipientKind.EMPLOYER}))
    >>> relaxed.contact_scope(RecipientKind.FAMILY_OR_CARER) is None
    True
    """

    contact_consent_for: frozenset[RecipientKind] = frozenset(
        {RecipientKind.EMPLOYER, RecipientKind.FAMILY_OR_CARER}
    )
    safeguarding_without_consent: bool = False

    def _invariants(self) -> Iterator[Problem]:
        for kind in sorted(self.contact_consent_for - _CONTACT_SCOPES.keys(), key=_value):
            yield problem(
                "contact_consent_for",
                "no_contact_scope",
                f"no contact consent scope names {kind.value}",
            )

    def contact_scope(self, recipient: RecipientKind) -> ConsentScope | None:
        """The contact consent sharing with ``recipient`` also needs, if any."""
        if recipient not in self.contact_consent_for:
            return None
        return _CONTACT_SCOPES[recipient]


def _value(kind: RecipientKind) -> str:
    return kind.value
