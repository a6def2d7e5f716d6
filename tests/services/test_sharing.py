"""Sharing records (E9; seed 004): consent to share, in force, covering recipient and
purpose; refusals override; withdrawn, expired and not-yet-started consents never permit;
the contact consent the policy asks for; the safeguarding exception, off by default; and
the four scenarios of the issue (the employer's OH team, a GP, a solicitor, an insurer)."""

# Test names carry the DOMAIN.md rule ids (E9) in their own case.
# ruff: noqa: N802

from __future__ import annotations

from typing import Any

import attrs
import pendulum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casemgmt.model import (
    AgreementParty,
    CaseRecord,
    Client,
    ClientId,
    Consent,
    ConsentDecision,
    ConsentScope,
    PersonName,
    RecipientKind,
    SharingPurpose,
)
from casemgmt.policies import SharingPolicy
from casemgmt.services import (
    ConsentStanding,
    SharingBasis,
    SharingDecision,
    may_share,
)
from casemgmt.testing.strategies import case_records, clients

PERMIT, DENY = ConsentDecision.PERMIT, ConsentDecision.DENY
SHARING = ConsentScope.RECORD_SHARING
AS_OF = pendulum.Date(2026, 6, 15)
BORN = pendulum.Date(1970, 2, 3)
NAME = PersonName(given="Winifred", family="Oakenshield")


def day(year: int, month: int, d: int) -> pendulum.Date:
    return pendulum.Date(year, month, d)


def consent(
    scope: ConsentScope = SHARING, decision: ConsentDecision = PERMIT, **kw: Any
) -> Consent:
    fields: dict[str, Any] = {"recorded_on": day(2026, 1, 5)}
    return Consent(scope=scope, decision=decision, **{**fields, **kw})


def client(*consents: Consent) -> Client:
    return Client(id=ClientId("CL-7"), name=NAME, date_of_birth=BORN, consents=consents)


def reason(decision: SharingDecision, key: str) -> str:
    """The message of the one reason with ``key``."""
    (found,) = [r.message for r in decision.reasons if r.key == key]
    return found


# ---------------------------------------------------------------------------------------------
# A reference model of the rules, written independently of the service


def required_scopes(recipient: RecipientKind, policy: SharingPolicy) -> list[ConsentScope]:
    contact = {
        RecipientKind.EMPLOYER: ConsentScope.CONTACT_EMPLOYER,
        RecipientKind.OCCUPATIONAL_HEALTH: ConsentScope.CONTACT_EMPLOYER,
        RecipientKind.FAMILY_OR_CARER: ConsentScope.CONTACT_FAMILY,
    }
    scopes = [SHARING]
    if recipient in policy.contact_consent_for:
        scopes.append(contact[recipient])
    return scopes


def applies(c: Consent, scope: ConsentScope, r: RecipientKind, p: SharingPurpose) -> bool:
    """In force on AS_OF, of ``scope``, and naming (or not limiting) recipient and purpose."""
    started = (c.starts_on or c.recorded_on) <= AS_OF
    not_expired = c.expires_on is None or c.expires_on > AS_OF
    not_withdrawn = c.withdrawn_on is None or c.withdrawn_on > AS_OF
    covers = (not c.recipients or r in c.recipients) and (not c.purposes or p in c.purposes)
    return c.scope is scope and started and not_expired and not_withdrawn and covers


def expected(
    consents: tuple[Consent, ...], r: RecipientKind, p: SharingPurpose, policy: SharingPolicy
) -> bool:
    by_consent = all(
        any(c.decision is PERMIT and applies(c, s, r, p) for c in consents)
        and not any(c.decision is DENY and applies(c, s, r, p) for c in consents)
        for s in required_scopes(r, policy)
    )
    exception = policy.safeguarding_without_consent and p is SharingPurpose.SAFEGUARDING
    return by_consent or exception


# ---------------------------------------------------------------------------------------------
# Strategies: consents around AS_OF, so that every standing occurs often


def _near(offset_min: int, offset_max: int) -> st.SearchStrategy[pendulum.Date]:
    return st.integers(offset_min, offset_max).map(lambda n: AS_OF.add(days=n))


@st.composite
def consents(draw: st.DrawFn, scopes: st.SearchStrategy[ConsentScope] | None = None) -> Consent:
    scope = draw(st.sampled_from(ConsentScope) if scopes is None else scopes)
    recorded = draw(_near(-60, 10))
    starts = draw(st.none() | _near(0, 20).map(lambda d: max(d, recorded)))
    start = starts or recorded
    expires = draw(st.none() | st.integers(1, 60).map(lambda n: start.add(days=n)))
    withdrawn = draw(st.none() | st.integers(0, 60).map(lambda n: recorded.add(days=n)))
    purposes: frozenset[SharingPurpose] = frozenset()
    recipients: frozenset[RecipientKind] = frozenset()
    if scope is not ConsentScope.CASE_MANAGEMENT:
        purposes = draw(st.frozensets(st.sampled_from(SharingPurpose), max_size=2))
    if scope is SHARING:
        recipients = draw(st.frozensets(st.sampled_from(RecipientKind), max_size=3))
    return Consent(
        scope=scope,
        decision=draw(st.sampled_from(ConsentDecision)),
        recorded_on=recorded,
        starts_on=starts,
        expires_on=expires,
        withdrawn_on=withdrawn,
        purposes=purposes,
        recipients=recipients,
    )


consent_lists = st.lists(consents(), max_size=6).map(tuple)
recipients = st.sampled_from(RecipientKind)
purposes = st.sampled_from(SharingPurpose)
policies = st.builds(
    SharingPolicy,
    contact_consent_for=st.frozensets(
        st.sampled_from(
            [
                RecipientKind.EMPLOYER,
                RecipientKind.OCCUPATIONAL_HEALTH,
                RecipientKind.FAMILY_OR_CARER,
            ]
        )
    ),
    safeguarding_without_consent=st.booleans(),
)


# ---------------------------------------------------------------------------------------------
# Properties


@pytest.mark.rule("E9")
@given(consent_lists, recipients, purposes, policies)
def test_permitted_exactly_when_a_covering_permit_is_in_force_and_no_refusal_E9(
    given_consents: tuple[Consent, ...],
    recipient: RecipientKind,
    purpose: SharingPurpose,
    policy: SharingPolicy,
) -> None:
    decision = may_share(client(*given_consents), recipient, purpose, as_of=AS_OF, policy=policy)
    assert decision.permitted == expected(given_consents, recipient, purpose, policy)
    assert (decision.basis is SharingBasis.NONE) == (not decision.permitted)
    # Consent comes first: the safeguarding basis only where consent does not permit it.
    consent_requirements = [r for r in decision.requirements if r.key != "safeguarding"]
    by_consent = all(r.passed for r in consent_requirements)
    assert (decision.basis is SharingBasis.CONSENT) == by_consent
    if decision.basis is SharingBasis.SAFEGUARDING:
        assert purpose is SharingPurpose.SAFEGUARDING
        assert policy.safeguarding_without_consent


@given(consent_lists, recipients, purposes, policies)
def test_every_consent_and_every_requirement_is_a_reason_E9(
    given_consents: tuple[Consent, ...],
    recipient: RecipientKind,
    purpose: SharingPurpose,
    policy: SharingPolicy,
) -> None:
    decision = may_share(client(*given_consents), recipient, purpose, as_of=AS_OF, policy=policy)
    about = [r.consent for r in decision.reasons if r.consent is not None]
    assert about == [f"consents[{i}]" for i in range(len(given_consents))]
    scopes = required_scopes(recipient, policy)
    keys = [r.key for r in decision.requirements]
    exception = policy.safeguarding_without_consent and purpose is SharingPurpose.SAFEGUARDING
    assert keys == [f"{s.value}-consent" for s in scopes] + (["safeguarding"] if exception else [])
    assert all(r.rule_id == "E9" for r in decision.reasons)
    assert all("E9" in line for line in decision.explain().splitlines()[1:])
    for r, c in zip(decision.reasons, given_consents, strict=False):
        assert r.passed == (r.key == "permits")
        assert r.message.startswith(f"{r.consent} ({c.decision.value}, ")
        standing = ConsentStanding.of(c, AS_OF)
        if c.scope in scopes and standing is not ConsentStanding.IN_FORCE:
            assert r.key == standing.value  # withdrawn, expired, not started: said so
    # The consents relied on permit the request, one per scope.
    if decision.basis is SharingBasis.CONSENT:
        assert len(decision.permitted_by) == len(scopes)
        permits = {r.consent for r in decision.reasons if r.key == "permits"}
        assert set(decision.permitted_by) <= permits
    else:
        assert decision.permitted_by == ()
    assert decision.failed == tuple(r for r in decision.requirements if not r.passed)


@pytest.mark.rule("E9")
@given(consent_lists, recipients, purposes)
def test_messages_never_contain_personal_data_E9(
    given_consents: tuple[Consent, ...], recipient: RecipientKind, purpose: SharingPurpose
) -> None:
    text = may_share(client(*given_consents), recipient, purpose, as_of=AS_OF).explain()
    for secret in (NAME.given, NAME.family, BORN.isoformat(), "1970"):
        assert secret not in text


@given(
    st.lists(
        consents(st.sampled_from(ConsentScope)).filter(
            lambda c: ConsentStanding.of(c, AS_OF) is not ConsentStanding.IN_FORCE
        ),
        max_size=5,
    ),
    recipients,
    purposes,
)
def test_withdrawn_expired_or_not_started_consents_never_permit_E9(
    given_consents: list[Consent], recipient: RecipientKind, purpose: SharingPurpose
) -> None:
    decision = may_share(client(*given_consents), recipient, purpose, as_of=AS_OF)
    assert not decision.permitted
    assert not any(r.passed for r in decision.reasons)
    assert {r.key for r in decision.reasons if r.consent} <= {
        "withdrawn",
        "expired",
        "not-started",
        "other-scope",
    }


@given(consent_lists, recipients, purposes, st.data())
def test_a_covering_refusal_in_force_always_refuses_E9(
    given_consents: tuple[Consent, ...],
    recipient: RecipientKind,
    purpose: SharingPurpose,
    data: st.DataObject,
) -> None:
    refusal = consent(
        decision=DENY,
        recorded_on=AS_OF.subtract(days=data.draw(st.integers(0, 400))),
        recipients=data.draw(st.sampled_from([frozenset(), frozenset({recipient})])),
        purposes=data.draw(st.sampled_from([frozenset(), frozenset({purpose})])),
    )
    everything = client(*given_consents, refusal)
    decision = may_share(everything, recipient, purpose, as_of=AS_OF)
    assert not decision.permitted
    path = f"consents[{len(given_consents)}]"
    assert decision.reasons[len(given_consents)].key == "refuses"
    assert path in reason(decision, "record-sharing-consent")


@given(st.lists(consents(st.just(ConsentScope.CASE_MANAGEMENT)), min_size=1, max_size=4))
def test_consent_to_case_management_alone_is_not_consent_to_share_E9(
    given_consents: list[Consent],
) -> None:
    permits = [attrs.evolve(c, decision=PERMIT) for c in given_consents]
    for recipient in RecipientKind:
        decision = may_share(
            client(*permits), recipient, SharingPurpose.CARE_COORDINATION, as_of=AS_OF
        )
        assert not decision.permitted
        assert {r.key for r in decision.reasons if r.consent} == {"other-scope"}
        assert "is not consent to share" in reason(decision, "record-sharing-consent")


@settings(max_examples=10)  # case records are slow to build; the paths are all that differ
@given(case_records(), consent_lists, recipients, purposes)
def test_a_case_record_names_consents_under_client_E9(
    record: CaseRecord,
    given_consents: tuple[Consent, ...],
    recipient: RecipientKind,
    purpose: SharingPurpose,
) -> None:
    born = record.client.date_of_birth
    kept = tuple(c for c in given_consents if c.recorded_on >= born)
    record = attrs.evolve(record, client=attrs.evolve(record.client, consents=kept))
    from_record = may_share(record, recipient, purpose, as_of=AS_OF)
    from_client = may_share(record.client, recipient, purpose, as_of=AS_OF)
    assert from_record.permitted == from_client.permitted
    assert from_record.client_id == record.case.client_id
    assert [r.consent for r in from_record.reasons if r.consent] == [
        f"client.consents[{i}]" for i in range(len(kept))
    ]
    assert all(p.startswith("client.consents[") for p in from_record.permitted_by)


@given(
    clients(), recipients, purposes, st.dates().map(lambda d: pendulum.Date(d.year, d.month, d.day))
)
def test_any_generated_client_gets_a_decision_E9(
    someone: Client, recipient: RecipientKind, purpose: SharingPurpose, on: pendulum.Date
) -> None:
    decision = may_share(someone, recipient, purpose, as_of=on)
    assert len([r for r in decision.reasons if r.consent]) == len(someone.consents)
    assert decision.as_of == on
    assert decision.recipient is recipient
    assert decision.purpose is purpose


# ---------------------------------------------------------------------------------------------
# Rules one by one


def test_the_day_the_consent_starts_expires_or_is_withdrawn_E9() -> None:
    timed = consent(
        recorded_on=day(2026, 1, 5), starts_on=day(2026, 2, 1), expires_on=day(2026, 8, 1)
    )
    gp, care = RecipientKind.GP, SharingPurpose.CARE_COORDINATION

    def on(d: pendulum.Date, c: Consent = timed) -> SharingDecision:
        return may_share(client(c), gp, care, as_of=d)

    assert (
        reason(on(day(2026, 1, 31)), "not-started")
        == "consents[0] (permit, record sharing) has not started"
    )
    assert on(day(2026, 2, 1)).permitted
    assert on(day(2026, 7, 31)).permitted
    assert reason(on(day(2026, 8, 1)), "expired").endswith("has expired")
    withdrawn = timed.withdraw(day(2026, 5, 1))
    assert on(day(2026, 4, 30), withdrawn).permitted
    assert reason(on(day(2026, 5, 1), withdrawn), "withdrawn").endswith("was withdrawn")


def test_a_later_permit_does_not_lift_a_refusal_until_it_is_withdrawn_E9() -> None:
    refusal = consent(decision=DENY, recorded_on=day(2026, 1, 5))
    later = consent(recorded_on=day(2026, 3, 1))
    gp, care = RecipientKind.GP, SharingPurpose.CARE_COORDINATION
    decision = may_share(client(refusal, later), gp, care, as_of=AS_OF)
    assert not decision.permitted
    assert reason(decision, "record-sharing-consent") == (
        "sharing with a GP for care coordination is refused by consents[0], which overrides "
        "consents[1] until withdrawn"
    )
    lifted = may_share(client(refusal.withdraw(day(2026, 3, 1)), later), gp, care, as_of=AS_OF)
    assert lifted.permitted
    assert lifted.permitted_by == ("consents[1]",)


def test_a_limited_consent_says_what_it_covers_E9() -> None:
    limited = consent(
        recipients=frozenset({RecipientKind.SOLICITOR, RecipientKind.INSURER}),
        purposes=frozenset({SharingPurpose.CLAIM}),
    )
    gp = may_share(client(limited), RecipientKind.GP, SharingPurpose.CLAIM, as_of=AS_OF)
    assert reason(gp, "does-not-cover") == (
        "consents[0] (permit, record sharing) covers only an insurer and a solicitor"
    )
    funding = may_share(client(limited), RecipientKind.INSURER, SharingPurpose.FUNDING, as_of=AS_OF)
    assert (
        reason(funding, "does-not-cover")
        == "consents[0] (permit, record sharing) is only for a claim"
    )


def test_consent_given_by_a_representative_counts_E9() -> None:
    deputy = consent(given_by=AgreementParty.DEPUTY)
    assert may_share(
        client(deputy), RecipientKind.GP, SharingPurpose.REFERRAL, as_of=AS_OF
    ).permitted


@pytest.mark.parametrize("purpose", list(SharingPurpose))
def test_safeguarding_exception_is_off_by_default_and_explicit_when_on_E9(
    purpose: SharingPurpose,
) -> None:
    refusal = consent(decision=DENY)
    la = RecipientKind.LOCAL_AUTHORITY
    assert not SharingPolicy().safeguarding_without_consent
    assert not may_share(client(refusal), la, purpose, as_of=AS_OF).permitted
    on = SharingPolicy(safeguarding_without_consent=True)
    decision = may_share(client(refusal), la, purpose, as_of=AS_OF, policy=on)
    if purpose is SharingPurpose.SAFEGUARDING:
        assert decision.permitted
        assert decision.basis is SharingBasis.SAFEGUARDING
        assert decision.permitted_by == ()
        assert "a legal one other than consent" in reason(decision, "safeguarding")
        assert not reason_passed(decision, "record-sharing-consent")  # the refusal is still said
    else:
        assert not decision.permitted
        assert "safeguarding" not in [r.key for r in decision.reasons]


def test_safeguarding_with_consent_rests_on_consent_E9() -> None:
    on = SharingPolicy(safeguarding_without_consent=True)
    decision = may_share(
        client(consent()),
        RecipientKind.LOCAL_AUTHORITY,
        SharingPurpose.SAFEGUARDING,
        as_of=AS_OF,
        policy=on,
    )
    assert decision.basis is SharingBasis.CONSENT
    assert (
        reason(decision, "safeguarding")
        == "consent permits it; the safeguarding exception is not needed"
    )


def reason_passed(decision: SharingDecision, key: str) -> bool:
    (found,) = [r.passed for r in decision.reasons if r.key == key]
    return found


def test_sharing_policy_rejects_a_recipient_without_a_contact_scope() -> None:
    from casemgmt.errors import InvariantError

    with pytest.raises(InvariantError) as raised:
        SharingPolicy(contact_consent_for=frozenset({RecipientKind.GP, RecipientKind.INSURER}))
    assert [(p.path, p.code) for p in raised.value.problems] == [
        ("contact_consent_for", "no_contact_scope"),
        ("contact_consent_for", "no_contact_scope"),
    ]


# ---------------------------------------------------------------------------------------------
# The four scenarios of the issue


def test_scenario_notes_to_the_employers_oh_team_E9() -> None:
    """OHSxtra (seed 004): the case manager shares notes with the employer's occupational
    health team, with the client's consent; the employer itself needs consent to be
    contacted as well (by default), and without it learns nothing."""
    to_oh = consent(
        recipients=frozenset({RecipientKind.OCCUPATIONAL_HEALTH, RecipientKind.EMPLOYER}),
        purposes=frozenset({SharingPurpose.RETURN_TO_WORK, SharingPurpose.CARE_COORDINATION}),
    )
    case_management = consent(scope=ConsentScope.CASE_MANAGEMENT)
    someone = client(case_management, to_oh)
    rtw = SharingPurpose.RETURN_TO_WORK
    oh = may_share(someone, RecipientKind.OCCUPATIONAL_HEALTH, rtw, as_of=AS_OF)
    assert oh.permitted
    assert oh.permitted_by == ("consents[1]",)
    assert (
        reason(oh, "other-scope")
        == "consents[0] (permit, case management) is not consent to share records"
    )

    employer = may_share(someone, RecipientKind.EMPLOYER, rtw, as_of=AS_OF)
    assert not employer.permitted
    assert [r.key for r in employer.failed] == ["contact-employer-consent"]
    assert reason(employer, "contact-employer-consent") == (
        "no consent to contact employer in force covers sharing with the employer for "
        "return to work"
    )
    contact = consent(scope=ConsentScope.CONTACT_EMPLOYER, purposes=frozenset({rtw}))
    with_contact = may_share(
        client(case_management, to_oh, contact), RecipientKind.EMPLOYER, rtw, as_of=AS_OF
    )
    assert with_contact.permitted
    assert with_contact.permitted_by == ("consents[1]", "consents[2]")
    relaxed = SharingPolicy(contact_consent_for=frozenset())
    assert may_share(someone, RecipientKind.EMPLOYER, rtw, as_of=AS_OF, policy=relaxed).permitted
    # The client withdraws: nothing more goes to OH from that day.
    withdrawn = someone.withdraw_consent(SHARING, AS_OF)
    after = may_share(withdrawn, RecipientKind.OCCUPATIONAL_HEALTH, rtw, as_of=AS_OF)
    assert not after.permitted
    assert reason(after, "withdrawn") == "consents[1] (permit, record sharing) was withdrawn"


def test_scenario_notes_to_a_gp_E9() -> None:
    """Sharing with the GP for care co-ordination under a general consent to share."""
    general = consent()
    gp = may_share(client(general), RecipientKind.GP, SharingPurpose.CARE_COORDINATION, as_of=AS_OF)
    assert gp.permitted
    assert gp.basis is SharingBasis.CONSENT
    assert gp.explain() == (
        "share with a GP for care coordination: permitted (consent)\n"
        "  ok   permits [E9]: consents[0] (permit, record sharing) permits it\n"
        "  ok   record-sharing-consent [E9]: sharing with a GP for care coordination is "
        "permitted by consents[0]"
    )
    nobody = may_share(client(), RecipientKind.GP, SharingPurpose.CARE_COORDINATION, as_of=AS_OF)
    assert not nobody.permitted
    assert [r.key for r in nobody.reasons] == ["record-sharing-consent"]


def test_scenario_notes_to_a_solicitor_E9() -> None:
    """Personal injury (seed 003, 001): reports to the claimant's solicitor for the claim,
    under a consent that ran for a year."""
    for_claim = consent(
        recorded_on=day(2025, 6, 1),
        expires_on=day(2026, 6, 1),
        recipients=frozenset({RecipientKind.SOLICITOR}),
        purposes=frozenset({SharingPurpose.CLAIM}),
    )
    solicitor, claim = RecipientKind.SOLICITOR, SharingPurpose.CLAIM
    assert may_share(client(for_claim), solicitor, claim, as_of=day(2026, 5, 31)).permitted
    expired = may_share(client(for_claim), solicitor, claim, as_of=AS_OF)
    assert not expired.permitted
    assert reason(expired, "expired") == "consents[0] (permit, record sharing) has expired"
    renewed = client(
        for_claim, attrs.evolve(for_claim, recorded_on=day(2026, 6, 10), expires_on=None)
    )
    assert may_share(renewed, solicitor, claim, as_of=AS_OF).permitted_by == ("consents[1]",)
    other = may_share(renewed, solicitor, SharingPurpose.EVALUATION, as_of=AS_OF)
    assert not other.permitted


def test_scenario_notes_to_an_insurer_E9() -> None:
    """The client agrees to share generally but refuses the insurer: the refusal wins for
    the insurer and leaves everyone else alone."""
    general = consent(recorded_on=day(2026, 1, 5))
    no_insurer = consent(
        decision=DENY, recorded_on=day(2026, 2, 1), recipients=frozenset({RecipientKind.INSURER})
    )
    someone = client(general, no_insurer)
    insurer = may_share(someone, RecipientKind.INSURER, SharingPurpose.FUNDING, as_of=AS_OF)
    assert not insurer.permitted
    assert reason(insurer, "refuses") == (
        "consents[1] (deny, record sharing) refuses it and overrides any permission"
    )
    assert reason(insurer, "record-sharing-consent") == (
        "sharing with an insurer for funding is refused by consents[1], which overrides "
        "consents[0] until withdrawn"
    )
    gp = may_share(someone, RecipientKind.GP, SharingPurpose.FUNDING, as_of=AS_OF)
    assert gp.permitted
    # The limited refusal does not withdraw consent to sharing as a whole (eligibility's view).
    assert someone.has_consent(SHARING, AS_OF)
