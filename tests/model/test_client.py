"""The client: invariants, privacy of repr/str, age, consent (E9) and transitions."""

# Test names carry the DOMAIN.md rule ids (C6, P1, ...) in their own case.
# ruff: noqa: N802

from __future__ import annotations

import datetime as dt
import json
from functools import partial
from typing import Any

import pendulum
import pytest
from _model_builders import (
    NOT_DATE_IDS,
    NOT_DATES,
    VALID_NHS,
    assert_rejected,
    dates,
    day,
    found,
    invariant_error,
    make_absence,
    make_carer,
    make_client,
    make_condition,
    make_consent,
    make_employment,
    make_name,
    make_risk,
)
from hypothesis import given
from hypothesis import strategies as st

from casemgmt.errors import InvalidTransitionError
from casemgmt.model import (
    Address,
    AgreementParty,
    CarerId,
    CarerNeed,
    Client,
    ClientId,
    ConsentDecision,
    ConsentScope,
    ContactDetails,
    EmploymentStatus,
    NhsNumber,
    PersonName,
    RecipientKind,
    RiskInputs,
    SharingPurpose,
)
from casemgmt.serialization import dump_json, load_json
from casemgmt.testing.strategies import clients

# ---------------------------------------------------------------------------------------------
# Client invariants


def test_valid_client() -> None:
    client = make_client(
        nhs_number=NhsNumber(value=VALID_NHS),
        conditions=(make_condition(), make_condition(long_term=False)),
        carers=(make_carer(), make_carer(id=CarerId("CR-2"))),
        consents=(make_consent(),),
        employment=make_employment(),
    )
    assert client.long_term_condition_count == 1


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"id": ClientId("bad id")}, "id", "bad_id"),
        ({"id": ClientId("")}, "id", "bad_id"),
        ({"id": 1}, "id", "wrong_type"),
        ({"name": "Ada Lovelace"}, "name", "wrong_type"),
        ({"date_of_birth": None}, "date_of_birth", "wrong_type"),
        ({"nhs_number": VALID_NHS}, "nhs_number", "wrong_type"),
        ({"gender": "female"}, "gender", "wrong_type"),
        ({"address": ("1 High St",)}, "address", "wrong_type"),
        ({"contact": "07700 900000"}, "contact", "wrong_type"),
        ({"conditions": [make_condition()]}, "conditions", "wrong_type"),
        ({"conditions": (make_carer(),)}, "conditions", "wrong_type"),
        ({"carers": [make_carer()]}, "carers", "wrong_type"),
        ({"consents": (None,)}, "consents", "wrong_type"),
        ({"risk": None}, "risk", "wrong_type"),
        ({"employment": EmploymentStatus.EMPLOYED}, "employment", "wrong_type"),
        ({"carers": (make_carer(), make_carer())}, "carers[1].id", "duplicate_id"),
        (
            {"consents": (make_consent(recorded_on=day(1950, 5, 31)),)},
            "consents[0].recorded_on",
            "before_birth",
        ),
        (
            {"conditions": (make_condition(), make_condition(onset=day(1949, 1, 1)))},
            "conditions[1].onset",
            "before_birth",
        ),
    ],
)
def test_client_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_client(**overrides), "Client", path, code)


@pytest.mark.parametrize("value", NOT_DATES, ids=NOT_DATE_IDS)
def test_client_date_of_birth_must_be_a_pendulum_date(value: Any) -> None:
    error = assert_rejected(lambda: make_client(date_of_birth=value), "Client", "date_of_birth")
    assert error.problems[0].message == "expected pendulum.Date"


def test_client_wrong_type_message_names_the_type_not_the_value() -> None:
    error = invariant_error(lambda: make_client(conditions=[make_condition()]))
    assert error.problems[0].message.startswith("expected tuple")
    error = invariant_error(lambda: make_client(conditions=(make_carer(),)))
    assert error.problems[0].message == "expected tuple of Condition"


def test_client_reports_every_broken_invariant() -> None:
    error = invariant_error(
        lambda: make_client(
            id=ClientId("no spaces allowed"),
            carers=(make_carer(), make_carer(), make_carer(id=CarerId("CR-2"))),
            consents=(
                make_consent(recorded_on=day(1940, 1, 1)),
                make_consent(),
                make_consent(recorded_on=day(1950, 1, 1)),
            ),
            conditions=(make_condition(onset=day(1900, 1, 1)),),
        )
    )
    assert found(error) == {
        ("id", "bad_id"),
        ("carers[1].id", "duplicate_id"),
        ("consents[0].recorded_on", "before_birth"),
        ("consents[2].recorded_on", "before_birth"),
        ("conditions[0].onset", "before_birth"),
    }


def test_client_reports_every_wrong_type() -> None:
    error = invariant_error(
        lambda: make_client(id=5, name=None, date_of_birth=dt.date(1950, 6, 1), carers=[])
    )
    assert found(error) == {
        ("id", "wrong_type"),
        ("name", "wrong_type"),
        ("date_of_birth", "wrong_type"),
        ("carers", "wrong_type"),
    }


def test_born_on_the_day_of_consent_is_fine() -> None:
    client = make_client(consents=(make_consent(recorded_on=day(1950, 6, 1)),))
    assert client.consents[0].recorded_on == client.date_of_birth


# ---------------------------------------------------------------------------------------------
# Privacy: repr and str show only the id


def _identifying(text: str) -> bool:
    """Whether the generated text is distinctive enough to look for in a repr."""
    return len(text.strip()) >= 3


def _nhs_from(nine: str) -> NhsNumber | None:
    total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return None if check == 10 else NhsNumber(value=f"{nine}{check}")


@given(
    given_name=st.text(min_size=1, max_size=30),
    family=st.text(min_size=1, max_size=30),
    dob=dates(dt.date(1900, 1, 1), dt.date(2020, 12, 31)),
    nine=st.text(alphabet="0123456789", min_size=9, max_size=9),
    street=st.text(min_size=1, max_size=40),
    postcode=st.text(min_size=1, max_size=10),
    phone=st.text(alphabet="0123456789 +", min_size=6, max_size=15),
    email=st.emails(),
)
def test_client_repr_and_str_hide_personal_data(
    given_name: str,
    family: str,
    dob: pendulum.Date,
    nine: str,
    street: str,
    postcode: str,
    phone: str,
    email: str,
) -> None:
    if not (given_name.strip() or family.strip()):
        family = "Lovelace"
    client = Client(
        id=ClientId("CL-42"),
        name=PersonName(given=given_name, family=family),
        date_of_birth=dob,
        nhs_number=_nhs_from(nine),
        address=Address(lines=(street,), postcode=postcode),
        contact=ContactDetails(phone=phone, email=email),
        carers=(make_carer(name=PersonName(given=family, family=given_name)),),
    )
    skeleton = "Client(id='CL-42', <personal data hidden>)"
    assert repr(client) == skeleton
    assert str(client) == skeleton
    assert f"{client}" == skeleton
    secrets = [given_name, family, street, postcode, phone, email, nine]
    secrets += [dob.isoformat(), dob.format("DD/MM/YYYY"), str(dob)]
    for secret in secrets:
        if _identifying(secret) and secret not in skeleton:
            assert secret not in repr(client)
            assert secret not in repr([client])


def test_client_repr_hides_personal_data_of_parts() -> None:
    client = make_client(
        nhs_number=NhsNumber(value=VALID_NHS),
        address=Address(lines=("1 Babbage Row",), postcode="N1 7AA"),
        contact=ContactDetails(phone="07700900123", email="ada@example.org"),
        carers=(make_carer(name=make_name(given="Byron", family="Lovelace")),),
        conditions=(make_condition(label="Aphasia"),),
        employment=make_employment(employer="Analytical Engines Ltd"),
    )
    shown = " ".join(
        [repr(client), repr(client.carers), repr(client.conditions), repr(client.employment)]
    )
    for secret in (
        "Ada",
        "Lovelace",
        "Byron",
        VALID_NHS,
        "943 476 5919",
        "1950",
        "Babbage",
        "N1 7AA",
        "07700900123",
        "ada@example.org",
        "Aphasia",
        "Analytical",
    ):
        assert secret not in shown


def test_invariant_error_message_never_contains_personal_data() -> None:
    error = invariant_error(
        lambda: make_client(
            id=ClientId("CL-9"),
            name=make_name(given="Zebedee", family="Quixote"),
            consents=(make_consent(recorded_on=day(1901, 2, 3)),),
            date_of_birth=day(1950, 6, 1),
        )
    )
    for secret in ("Zebedee", "Quixote", "1950", "1901"):
        assert secret not in str(error)


# ---------------------------------------------------------------------------------------------
# Age


@pytest.mark.parametrize(
    ("dob", "on", "age"),
    [
        (day(1950, 6, 1), day(2026, 5, 31), 75),
        (day(1950, 6, 1), day(2026, 6, 1), 76),
        (day(1950, 6, 1), day(1950, 6, 1), 0),
        (day(2000, 2, 29), day(2001, 2, 28), 0),
        (day(2000, 2, 29), day(2001, 3, 1), 1),
        (day(2000, 2, 29), day(2004, 2, 28), 3),
        (day(2000, 2, 29), day(2004, 2, 29), 4),
        (day(1999, 12, 31), day(2000, 1, 1), 0),
    ],
)
def test_age_on(dob: pendulum.Date, on: pendulum.Date, age: int) -> None:
    assert make_client(date_of_birth=dob).age_on(on) == age


def _birthday(dob: pendulum.Date, year: int) -> pendulum.Date:
    """The day someone born on ``dob`` ages in ``year`` (1 March for 29 Feb in common years)."""
    try:
        return pendulum.date(year, dob.month, dob.day)
    except ValueError:
        return pendulum.date(year, 3, 1)


leap_days = st.sampled_from([1904, 1948, 1960, 1996, 2000, 2008]).map(
    lambda y: pendulum.date(y, 2, 29)
)


@given(
    dob=dates(dt.date(1900, 1, 1), dt.date(2010, 12, 31)) | leap_days,
    years=st.integers(min_value=1, max_value=110),
)
def test_age_increases_by_exactly_one_on_each_birthday(dob: pendulum.Date, years: int) -> None:
    client = make_client(date_of_birth=dob)
    birthday = _birthday(dob, dob.year + years)
    assert client.age_on(birthday) == years
    assert client.age_on(birthday.subtract(days=1)) == years - 1
    assert client.age_on(dob) == 0


@given(
    dob=dates(dt.date(1900, 1, 1), dt.date(2010, 12, 31)) | leap_days,
    first=dates(dt.date(1900, 1, 1), dt.date(2120, 12, 31)),
    gap=st.integers(min_value=0, max_value=800),
)
def test_age_is_monotonic_and_changes_only_on_birthdays(
    dob: pendulum.Date, first: pendulum.Date, gap: int
) -> None:
    client = make_client(date_of_birth=dob)
    second = first.add(days=gap)
    assert client.age_on(first) <= client.age_on(second)
    step = client.age_on(first.add(days=1)) - client.age_on(first)
    assert step in (0, 1)
    following = first.add(days=1)
    assert (step == 1) == (following == _birthday(dob, following.year))


# ---------------------------------------------------------------------------------------------
# Consent (E9)


def test_consent_invariants() -> None:
    assert_rejected(
        lambda: make_consent(withdrawn_on=day(2026, 1, 9)),
        "Consent",
        "withdrawn_on",
        "before_start",
    )
    assert_rejected(lambda: make_consent(scope="case-management"), "Consent", "scope")
    assert_rejected(lambda: make_consent(decision=True), "Consent", "decision")
    for value in NOT_DATES:
        assert_rejected(partial(make_consent, recorded_on=value), "Consent", "recorded_on")
        assert_rejected(partial(make_consent, withdrawn_on=value), "Consent", "withdrawn_on")
    assert make_consent(withdrawn_on=day(2026, 1, 10)).withdrawn_on == day(2026, 1, 10)


def test_consent_in_force_until_the_day_before_withdrawal() -> None:
    consent = make_consent(recorded_on=day(2026, 1, 10))
    assert not consent.in_force_on(day(2026, 1, 9))
    assert consent.in_force_on(day(2026, 1, 10))
    assert consent.in_force_on(day(2099, 1, 1))
    withdrawn = consent.withdraw(day(2026, 3, 1))
    assert withdrawn.withdrawn_on == day(2026, 3, 1)
    assert consent.withdrawn_on is None  # the original is unchanged
    assert withdrawn.in_force_on(day(2026, 2, 28))
    assert not withdrawn.in_force_on(day(2026, 3, 1))


def test_consent_cannot_be_withdrawn_twice_E9() -> None:
    withdrawn = make_consent(recorded_on=day(2026, 1, 10)).withdraw(day(2026, 2, 1))
    with pytest.raises(InvalidTransitionError):
        withdrawn.withdraw(day(2026, 9, 1))


def test_consent_withdraw_before_it_was_recorded_is_rejected() -> None:
    consent = make_consent(recorded_on=day(2026, 1, 10))
    assert_rejected(
        lambda: consent.withdraw(day(2026, 1, 1)), "Consent", "withdrawn_on", "before_start"
    )


def test_has_consent_E9() -> None:
    """E9: consent to case management and to sharing records is recorded and honoured."""
    client = make_client()
    on = day(2026, 2, 1)
    assert not client.has_consent(ConsentScope.CASE_MANAGEMENT, on)
    client = client.record_consent(make_consent(recorded_on=day(2026, 1, 10)))
    assert client.has_consent(ConsentScope.CASE_MANAGEMENT, on)
    assert not client.has_consent(ConsentScope.CASE_MANAGEMENT, day(2026, 1, 9))
    assert not client.has_consent(ConsentScope.RECORD_SHARING, on)


def test_has_consent_honours_withdrawal() -> None:
    client = make_client(consents=(make_consent(recorded_on=day(2026, 1, 10)),))
    withdrawn = client.withdraw_consent(ConsentScope.CASE_MANAGEMENT, day(2026, 3, 1))
    assert withdrawn.has_consent(ConsentScope.CASE_MANAGEMENT, day(2026, 2, 28))
    assert not withdrawn.has_consent(ConsentScope.CASE_MANAGEMENT, day(2026, 3, 1))
    assert not withdrawn.has_consent(ConsentScope.CASE_MANAGEMENT, day(2027, 1, 1))
    assert client.has_consent(ConsentScope.CASE_MANAGEMENT, day(2027, 1, 1))  # unchanged


def test_withdraw_consent_touches_only_open_consents_of_that_scope() -> None:
    old = make_consent(recorded_on=day(2025, 1, 1), withdrawn_on=day(2025, 6, 1))
    sharing = make_consent(scope=ConsentScope.RECORD_SHARING, recorded_on=day(2026, 1, 1))
    current = make_consent(recorded_on=day(2026, 1, 10))
    client = make_client(consents=(old, sharing, current))
    after = client.withdraw_consent(ConsentScope.CASE_MANAGEMENT, day(2026, 4, 1))
    assert after.consents[0] == old
    assert after.consents[1] == sharing
    assert after.consents[2].withdrawn_on == day(2026, 4, 1)
    assert after.has_consent(ConsentScope.RECORD_SHARING, day(2026, 5, 1))


def test_latest_consent_decision_wins() -> None:
    permit = make_consent(recorded_on=day(2026, 1, 10))
    deny = make_consent(decision=ConsentDecision.DENY, recorded_on=day(2026, 2, 1))
    client = make_client(consents=(deny, permit))
    assert client.has_consent(ConsentScope.CASE_MANAGEMENT, day(2026, 1, 31))
    assert not client.has_consent(ConsentScope.CASE_MANAGEMENT, day(2026, 2, 1))
    renewed = client.record_consent(make_consent(recorded_on=day(2026, 3, 1)))
    assert renewed.has_consent(ConsentScope.CASE_MANAGEMENT, day(2026, 3, 1))


@pytest.mark.rule("E9")
@given(
    recorded=dates(dt.date(2020, 1, 1), dt.date(2026, 12, 31)),
    length=st.integers(min_value=0, max_value=400),
    probe=st.integers(min_value=-400, max_value=800),
)
def test_has_consent_matches_in_force_window(
    recorded: pendulum.Date, length: int, probe: int
) -> None:
    withdrawn_on = recorded.add(days=length)
    client = make_client(consents=(make_consent(recorded_on=recorded),)).withdraw_consent(
        ConsentScope.CASE_MANAGEMENT, withdrawn_on
    )
    on = recorded.add(days=probe)
    assert client.has_consent(ConsentScope.CASE_MANAGEMENT, on) == (recorded <= on < withdrawn_on)


def test_record_consent_before_birth_is_rejected() -> None:
    client = make_client()
    assert_rejected(
        lambda: client.record_consent(make_consent(recorded_on=day(1949, 1, 1))),
        "Client",
        "consents[0].recorded_on",
        "before_birth",
    )


# ---------------------------------------------------------------------------------------------
# Consent: start, expiry, purposes, recipients, who gave it (E9)

GP_ONLY = frozenset({RecipientKind.GP})
CLAIM_ONLY = frozenset({SharingPurpose.CLAIM})


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"starts_on": day(2026, 1, 9)}, "starts_on", "backdated"),
        ({"expires_on": day(2026, 1, 10)}, "expires_on", "not_after_start"),
        ({"expires_on": day(2026, 1, 9)}, "expires_on", "not_after_start"),
        (
            {"starts_on": day(2026, 2, 1), "expires_on": day(2026, 1, 20)},
            "expires_on",
            "not_after_start",
        ),
        ({"recipients": GP_ONLY}, "recipients", "not_applicable"),
        (
            {"scope": ConsentScope.CONTACT_EMPLOYER, "recipients": GP_ONLY},
            "recipients",
            "not_applicable",
        ),
        ({"purposes": CLAIM_ONLY}, "purposes", "not_applicable"),
        ({"purposes": [SharingPurpose.CLAIM]}, "purposes", "wrong_type"),
        ({"purposes": frozenset({"claim"})}, "purposes", "wrong_type"),
        ({"recipients": frozenset({"gp"})}, "recipients", "wrong_type"),
        ({"given_by": "client"}, "given_by", "wrong_type"),
        ({"starts_on": dt.date(2026, 2, 1)}, "starts_on", "wrong_type"),
        ({"expires_on": "2027-01-01"}, "expires_on", "wrong_type"),
    ],
)
def test_consent_new_field_invariants_E9(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_consent(**overrides), "Consent", path, code)


def test_consent_limits_where_they_mean_something_E9() -> None:
    sharing = make_consent(
        scope=ConsentScope.RECORD_SHARING,
        recipients=GP_ONLY,
        purposes=CLAIM_ONLY,
        starts_on=day(2026, 1, 10),
        expires_on=day(2026, 1, 11),
        given_by=AgreementParty.DEPUTY,
    )
    assert sharing.restricted
    assert sharing.effective_from == day(2026, 1, 10)
    contact = make_consent(scope=ConsentScope.CONTACT_FAMILY, purposes=CLAIM_ONLY)
    assert contact.restricted
    assert not make_consent().restricted
    # Withdrawn before it started: allowed, and never in force.
    never = make_consent(starts_on=day(2026, 3, 1), withdrawn_on=day(2026, 2, 1))
    assert not any(never.in_force_on(day(2026, m, 1)) for m in range(1, 13))


def test_consent_defaults_keep_old_documents_meaning_E9() -> None:
    old = make_consent()
    assert (old.starts_on, old.expires_on, old.purposes, old.recipients) == (
        None,
        None,
        frozenset(),
        frozenset(),
    )
    assert old.given_by is AgreementParty.CLIENT
    assert old.effective_from == old.recorded_on
    assert old.covers(RecipientKind.INSURER, SharingPurpose.EVALUATION)
    # A document written before these fields existed still loads, with the defaults.
    client = make_client(consents=(old,))
    text = dump_json(client)
    for key in ("starts_on", "expires_on", "purposes", "recipients", "given_by"):
        assert key not in text
    assert load_json(Client, text) == client


@given(
    start=st.integers(min_value=0, max_value=30),
    length=st.none() | st.integers(min_value=1, max_value=60),
    withdrawn=st.none() | st.integers(min_value=0, max_value=90),
    probe=st.integers(min_value=-10, max_value=120),
)
def test_consent_in_force_from_start_until_expiry_or_withdrawal_E9(
    start: int, length: int | None, withdrawn: int | None, probe: int
) -> None:
    recorded = day(2026, 1, 10)
    starts = recorded.add(days=start)
    consent = make_consent(
        starts_on=starts,
        expires_on=None if length is None else starts.add(days=length),
        withdrawn_on=None if withdrawn is None else recorded.add(days=withdrawn),
    )
    on = recorded.add(days=probe)
    ends = [d for d in (consent.expires_on, consent.withdrawn_on) if d is not None]
    assert consent.in_force_on(on) == (starts <= on and all(on < d for d in ends))


@given(
    recipients=st.frozensets(st.sampled_from(RecipientKind)),
    purposes=st.frozensets(st.sampled_from(SharingPurpose)),
    recipient=st.sampled_from(RecipientKind),
    purpose=st.sampled_from(SharingPurpose),
)
def test_consent_covers_what_it_names_or_everything_when_it_names_nothing_E9(
    recipients: frozenset[RecipientKind],
    purposes: frozenset[SharingPurpose],
    recipient: RecipientKind,
    purpose: SharingPurpose,
) -> None:
    consent = make_consent(
        scope=ConsentScope.RECORD_SHARING, recipients=recipients, purposes=purposes
    )
    assert consent.covers(recipient, purpose) == (
        (not recipients or recipient in recipients) and (not purposes or purpose in purposes)
    )


def test_has_consent_with_limited_consents_E9() -> None:
    sharing = ConsentScope.RECORD_SHARING
    on = day(2026, 6, 1)
    general = make_consent(scope=sharing, recorded_on=day(2026, 1, 10))
    no_insurer = make_consent(
        scope=sharing,
        decision=ConsentDecision.DENY,
        recorded_on=day(2026, 2, 1),
        recipients=frozenset({RecipientKind.INSURER}),
    )
    gp_only = make_consent(scope=sharing, recorded_on=day(2026, 3, 1), recipients=GP_ONLY)
    refusal = make_consent(
        scope=sharing, decision=ConsentDecision.DENY, recorded_on=day(2026, 1, 20)
    )
    # A limited refusal refuses only what it names: consent to share stands.
    assert make_client(consents=(general, no_insurer)).has_consent(sharing, on)
    # A limited permit counts when nothing unlimited was decided.
    assert make_client(consents=(gp_only,)).has_consent(sharing, on)
    assert not make_client(consents=(no_insurer,)).has_consent(sharing, on)
    # An unlimited refusal still in force decides the scope, whatever limited permit follows.
    assert not make_client(consents=(refusal, gp_only)).has_consent(sharing, on)
    # Not in force yet, or expired: does not count.
    later = make_consent(scope=sharing, starts_on=day(2026, 7, 1))
    assert not make_client(consents=(later,)).has_consent(sharing, on)
    assert make_client(consents=(later,)).has_consent(sharing, day(2026, 7, 1))
    lapsed = make_consent(scope=sharing, expires_on=day(2026, 6, 1))
    assert not make_client(consents=(lapsed,)).has_consent(sharing, on)


def test_client_with_every_consent_field_round_trips_through_json_E9() -> None:
    consents = (
        make_consent(given_by=AgreementParty.REPRESENTATIVE),
        make_consent(
            scope=ConsentScope.RECORD_SHARING,
            recorded_on=day(2026, 2, 1),
            starts_on=day(2026, 2, 8),
            expires_on=day(2027, 2, 8),
            purposes=frozenset({SharingPurpose.RETURN_TO_WORK, SharingPurpose.CARE_COORDINATION}),
            recipients=frozenset({RecipientKind.OCCUPATIONAL_HEALTH, RecipientKind.EMPLOYER}),
        ),
        make_consent(
            scope=ConsentScope.CONTACT_EMPLOYER,
            decision=ConsentDecision.DENY,
            recorded_on=day(2026, 2, 1),
            purposes=frozenset({SharingPurpose.CLAIM}),
            withdrawn_on=day(2026, 5, 1),
        ),
    )
    client = make_client(consents=consents)
    text = dump_json(client)
    document = json.loads(text)
    assert document["consents"][1]["recipients"] == ["employer", "occupational-health"]
    assert document["consents"][1]["starts_on"] == "2026-02-08"
    assert document["consents"][0]["given_by"] == "representative"
    loaded = load_json(Client, text)
    assert loaded == client
    assert type(loaded.consents[1].purposes) is frozenset
    assert all(type(p) is SharingPurpose for p in loaded.consents[1].purposes)
    assert type(loaded.consents[1].expires_on) is pendulum.Date


@given(clients())
def test_generated_clients_round_trip_with_their_consents_E9(client: Client) -> None:
    assert load_json(Client, dump_json(client)) == client


# ---------------------------------------------------------------------------------------------
# Other transitions keep the invariants


def test_add_carer() -> None:
    client = make_client(carers=(make_carer(),))
    more = client.add_carer(make_carer(id=CarerId("CR-2"), needs=frozenset({CarerNeed.RESPITE})))
    assert [c.id for c in more.carers] == ["CR-1", "CR-2"]
    assert len(client.carers) == 1
    assert_rejected(
        lambda: client.add_carer(make_carer()), "Client", "carers[1].id", "duplicate_id"
    )


def test_update_risk() -> None:
    client = make_client()
    assert client.risk == RiskInputs()
    rescored = client.update_risk(make_risk(predicted_risk=0.9, emergency_admissions_12m=3))
    assert rescored.risk.predicted_risk == 0.9
    assert rescored.risk.emergency_admissions_12m == 3
    assert_rejected(lambda: client.update_risk(None), "Client", "risk")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# Parts of the client


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"id": CarerId("bad id")}, "id", "bad_id"),
        ({"relationship": None}, "relationship", "wrong_type"),
        ({"name": "Byron"}, "name", "wrong_type"),
        ({"lives_with_client": 1}, "lives_with_client", "wrong_type"),
        ({"needs": {CarerNeed.RESPITE}}, "needs", "wrong_type"),
        ({"needs": frozenset({"respite"})}, "needs", "wrong_type"),
        ({"contact": "07700"}, "contact", "wrong_type"),
    ],
)
def test_carer_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_carer(**overrides), "Carer", path, code)


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"category": "brain-injury"}, "category"),
        ({"long_term": "yes"}, "long_term"),
        ({"long_term": 1}, "long_term"),
        ({"label": None}, "label"),
        ({"code": 230745008}, "code"),
        ({"onset": dt.date(2020, 1, 1)}, "onset"),
    ],
)
def test_condition_types(overrides: dict[str, Any], path: str) -> None:
    assert_rejected(lambda: make_condition(**overrides), "Condition", path)


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"predicted_risk": 1.01}, "predicted_risk", "out_of_range"),
        ({"predicted_risk": -0.1}, "predicted_risk", "out_of_range"),
        ({"predicted_risk": float("nan")}, "predicted_risk", "out_of_range"),
        ({"predicted_risk": float("inf")}, "predicted_risk", "out_of_range"),
        ({"predicted_risk": 0.5, "scored_on": None}, "scored_on", "required"),
        ({"emergency_admissions_12m": -1}, "emergency_admissions_12m", "negative"),
        ({"ae_attendances_12m": -2}, "ae_attendances_12m", "negative"),
        ({"predicted_risk": "0.5"}, "predicted_risk", "wrong_type"),
        ({"predicted_risk": True}, "predicted_risk", "wrong_type"),
        ({"emergency_admissions_12m": True}, "emergency_admissions_12m", "wrong_type"),
        ({"emergency_admissions_12m": 1.0}, "emergency_admissions_12m", "wrong_type"),
        ({"nursing_home_level_of_need": 0}, "nursing_home_level_of_need", "wrong_type"),
        ({"scored_on": pendulum.datetime(2026, 1, 1)}, "scored_on", "wrong_type"),
    ],
)
def test_risk_inputs_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_risk(**overrides), "RiskInputs", path, code)


def test_risk_inputs_bounds_and_all_problems() -> None:
    assert make_risk(predicted_risk=0.0).predicted_risk == 0.0
    assert make_risk(predicted_risk=1.0).predicted_risk == 1.0
    assert make_risk(predicted_risk=1).predicted_risk == 1  # an int is a number
    assert RiskInputs(scored_on=day(2026, 1, 1)).predicted_risk is None
    error = invariant_error(
        lambda: make_risk(
            predicted_risk=2.0, scored_on=None, emergency_admissions_12m=-1, ae_attendances_12m=-1
        )
    )
    assert found(error) == {
        ("predicted_risk", "out_of_range"),
        ("scored_on", "required"),
        ("emergency_admissions_12m", "negative"),
        ("ae_attendances_12m", "negative"),
    }


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        ({"ended_on": day(2026, 1, 4)}, "ended_on", "before_start"),
        ({"working_days_lost": -1}, "working_days_lost", "negative"),
        ({"started_on": "2026-01-05"}, "started_on", "wrong_type"),
        ({"working_days_lost": False}, "working_days_lost", "wrong_type"),
        ({"struggling_at_work": None}, "struggling_at_work", "wrong_type"),
    ],
)
def test_sickness_absence_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_absence(**overrides), "SicknessAbsence", path, code)


def test_sickness_absence_reports_both_problems() -> None:
    error = invariant_error(lambda: make_absence(ended_on=day(2025, 1, 1), working_days_lost=-3))
    assert found(error) == {("ended_on", "before_start"), ("working_days_lost", "negative")}


@pytest.mark.parametrize(
    ("overrides", "path", "code"),
    [
        (
            {"status": EmploymentStatus.UNEMPLOYED, "absence": make_absence()},
            "absence",
            "not_employed",
        ),
        (
            {"status": EmploymentStatus.SELF_EMPLOYED, "nhs_employee": True},
            "nhs_employee",
            "not_employed",
        ),
        ({"status": "employed"}, "status", "wrong_type"),
        ({"employer": 42}, "employer", "wrong_type"),
        ({"nhs_employee": "yes"}, "nhs_employee", "wrong_type"),
        ({"absence": {"started_on": day(2026, 1, 1)}}, "absence", "wrong_type"),
    ],
)
def test_employment_invariants(overrides: dict[str, Any], path: str, code: str) -> None:
    assert_rejected(lambda: make_employment(**overrides), "Employment", path, code)


def test_employment_valid_combinations() -> None:
    assert make_employment(absence=make_absence(), nhs_employee=True).nhs_employee
    assert make_employment(status=EmploymentStatus.SELF_EMPLOYED, absence=make_absence()).absence
    error = invariant_error(
        lambda: make_employment(
            status=EmploymentStatus.RETIRED, absence=make_absence(), nhs_employee=True
        )
    )
    assert found(error) == {("absence", "not_employed"), ("nhs_employee", "not_employed")}


def test_client_is_frozen() -> None:
    client = make_client()
    with pytest.raises(AttributeError):
        client.name = make_name(given="Other")  # type: ignore[misc]
    assert isinstance(client.consents, tuple)
