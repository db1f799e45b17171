"""Second factors: passkeys checked by py_webauthn against a software authenticator, TOTP, recovery codes.

A person adds a passkey, an authenticator app and recovery codes; each proof works once and only for
them; replays, other origins and other challenges are refused; wrong codes run into the rate limit;
the person is told of every factor added or removed; nothing secret reaches a log line.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from support.soft_authenticator import UP, SoftAuthenticator, b64url

from eenplan.domain.errors import NotFound, ValidationFailed
from eenplan.domain.factors import (
    MAX_PASSKEYS,
    normalise_recovery_code,
    recovery_code_hash,
    totp_candidate_steps,
    totp_step,
)
from eenplan.domain.sessions import secret_hash
from eenplan.domain.signin import AttemptLimiter, RateLimited, SignInFailed, SignInLimits
from eenplan.services.factor_secrets import SecretBox
from eenplan.services.factors import SecondFactors, relying_party
from eenplan.storage.tables_person import PersonRow

pytestmark = pytest.mark.both_databases  # single use is conditional UPDATEs; bytea and BIGINT on PostgreSQL

ORIGIN = "http://localhost:8080"
SECRET_KEY = b"a-deployment-secret-key-for-these-tests"
#: the middle of a 30-second step, so ±30 s are exactly the neighbouring steps
NOON = datetime(2026, 12, 1, 12, 0, 15, tzinfo=UTC)


@dataclass
class RecordingNotices:
    """Records every factor notice, with the unit of work it was queued in."""

    sent: list[tuple[str, str, bool]] = field(default_factory=list)

    async def factor_changed(self, uow, person_id: str, what: str, added: bool) -> None:
        assert uow is not None
        self.sent.append((person_id, what, added))


@pytest.fixture
def notices() -> RecordingNotices:
    return RecordingNotices()


@pytest.fixture
def factors(services, clock, notices) -> SecondFactors:
    """The service on the test's database and clock; 10 attempts per person and minute."""
    limits = SignInLimits(AttemptLimiter(1000, 60), AttemptLimiter(10, 60))
    rp = relying_party(ORIGIN)
    return SecondFactors(
        services.signin._uow, clock, limits, rp.rp_id, rp.rp_name, rp.origin, notices, secret_key=SECRET_KEY
    )


async def _person(services, email: str | None = None) -> str:
    person_id = str(uuid.uuid4())
    async with services.signin._uow(write=True) as uow:
        uow.session.add(PersonRow(id=person_id, email=email or f"{person_id}@example.org", created_at=NOON))
        await uow.commit()
    return person_id


async def _with_passkey(factors: SecondFactors, person_id: str) -> SoftAuthenticator:
    authenticator = SoftAuthenticator(origin=ORIGIN)
    challenge_id, options = await factors.passkey_registration_options(person_id, "fatima@example.org", "Fatima")
    await factors.register_passkey(person_id, challenge_id, authenticator.create(options), "Telefoon")
    return authenticator


async def _verify(factors: SecondFactors, authenticator: SoftAuthenticator, person_id: str | None, **kw) -> str:
    challenge_id, options = await factors.passkey_options(person_id)
    return await factors.verify_passkey(challenge_id, authenticator.get(options, **kw), person_id)


# -- passkeys -------------------------------------------------------------------------------------------------


def test_the_relying_party_comes_from_the_public_url(caplog):
    assert relying_party("http://localhost:8080") == relying_party("http://localhost:8080/")
    rp = relying_party("https://eenplan.heerlen.nl/")
    assert (rp.rp_id, rp.origin, rp.rp_name) == ("eenplan.heerlen.nl", "https://eenplan.heerlen.nl", "eenplan")
    assert relying_party("http://localhost:8080").origin == "http://localhost:8080"
    assert "host name" not in caplog.text
    assert relying_party("http://127.0.0.1:8080").rp_id == "127.0.0.1"  # no browser takes it: a warning says so
    assert "passkeys need EENPLAN_PUBLIC_URL with a host name" in caplog.text


async def test_a_registered_passkey_signs_its_person_in_with_and_without_a_session(services, factors, notices):
    person = await _person(services)
    authenticator = await _with_passkey(factors, person)
    summary = await factors.summary(person)
    assert [(p.kind, p.label) for p in summary.passkeys] == [("passkey", "Telefoon")] and summary.has_factor
    assert notices.sent == [(person, "passkey", True)]
    assert authenticator.user_handle == person.encode()  # the user handle is the person id
    assert await _verify(factors, authenticator, person) == person  # as a second factor
    assert await _verify(factors, authenticator, None) == person  # discoverable: the passkey alone
    assert (await factors.summary(person)).passkeys[0].last_used_at is not None


async def test_registration_demands_user_verification_and_this_origin(services, factors, notices):
    person = await _person(services)
    for answer in (
        lambda a, o: a.create(o, flags=UP | 0x40),  # no user verification
        lambda a, o: a.create(o, origin="https://evil.example"),
    ):
        challenge_id, options = await factors.passkey_registration_options(person, "f@example.org", "F")
        with pytest.raises(SignInFailed):
            await factors.register_passkey(person, challenge_id, answer(SoftAuthenticator(origin=ORIGIN), options), "X")
    assert (await factors.summary(person)).passkeys == () and notices.sent == []


async def test_a_registration_challenge_serves_only_the_person_it_was_made_for(services, factors):
    person, other = await _person(services), await _person(services)
    challenge_id, options = await factors.passkey_registration_options(person, "f@example.org", "F")
    with pytest.raises(SignInFailed):
        await factors.register_passkey(other, challenge_id, SoftAuthenticator(origin=ORIGIN).create(options), "X")
    with pytest.raises(SignInFailed):  # and the challenge is spent by the failed attempt
        await factors.register_passkey(person, challenge_id, SoftAuthenticator(origin=ORIGIN).create(options), "X")


async def test_replayed_or_misdirected_assertions_are_refused(services, factors):
    person = await _person(services)
    authenticator = await _with_passkey(factors, person)
    challenge_id, options = await factors.passkey_options(person)
    answer = authenticator.get(options)
    assert await factors.verify_passkey(challenge_id, answer, person) == person
    with pytest.raises(SignInFailed):  # the same answer again: the challenge is used
        await factors.verify_passkey(challenge_id, answer, person)
    fresh_id, _ = await factors.passkey_options(person)
    with pytest.raises(SignInFailed):  # an old answer to a new challenge
        await factors.verify_passkey(fresh_id, answer, person)
    fresh_id, fresh = await factors.passkey_options(person)
    with pytest.raises(SignInFailed):  # signed on another origin (phishing)
        await factors.verify_passkey(fresh_id, authenticator.get(fresh, origin="https://evil.example"), person)
    with pytest.raises(SignInFailed):  # the failed attempt spent that challenge
        await factors.verify_passkey(fresh_id, authenticator.get(fresh), person)
    fresh_id, fresh = await factors.passkey_options(person)
    with pytest.raises(SignInFailed):  # signed some other challenge
        await factors.verify_passkey(fresh_id, authenticator.get(fresh, challenge=b64url(b"x" * 32)), person)
    with pytest.raises(SignInFailed):  # no user verification
        await _verify(factors, authenticator, person, flags=UP)
    assert await _verify(factors, authenticator, person) == person


async def test_a_challenge_expires_after_five_minutes(services, factors, clock):
    person = await _person(services)
    authenticator = await _with_passkey(factors, person)
    challenge_id, options = await factors.passkey_options(person)
    clock.advance(minutes=5, seconds=1)
    with pytest.raises(SignInFailed):
        await factors.verify_passkey(challenge_id, authenticator.get(options), person)
    assert await _verify(factors, authenticator, person) == person


async def test_a_passkey_does_not_serve_another_person(services, factors):
    person, other = await _person(services), await _person(services)
    authenticator = await _with_passkey(factors, person)
    await _with_passkey(factors, other)
    with pytest.raises(SignInFailed):
        await _verify(factors, authenticator, other)


async def test_a_sign_count_going_backwards_is_refused(services, factors):
    person = await _person(services)
    authenticator = await _with_passkey(factors, person)
    assert await _verify(factors, authenticator, person, sign_count=5) == person
    with pytest.raises(SignInFailed):  # a clone of the key still counting from earlier
        await _verify(factors, authenticator, person, sign_count=3)
    with pytest.raises(SignInFailed):
        await _verify(factors, authenticator, person, sign_count=5)
    assert await _verify(factors, authenticator, person, sign_count=6) == person


async def test_concurrent_answers_to_one_challenge_have_one_winner(services, factors):
    person = await _person(services)
    authenticator = await _with_passkey(factors, person)
    challenge_id, options = await factors.passkey_options(person)
    answer = authenticator.get(options)
    results = await asyncio.gather(
        *(factors.verify_passkey(challenge_id, answer, person) for _ in range(3)), return_exceptions=True
    )
    assert results.count(person) == 1
    assert all(isinstance(r, SignInFailed) for r in results if r != person)


async def test_at_most_ten_passkeys_and_malformed_credentials_name_the_field(services, factors):
    person = await _person(services)
    for _ in range(MAX_PASSKEYS):
        await _with_passkey(factors, person)
    with pytest.raises(ValidationFailed) as refused:
        await factors.passkey_registration_options(person, "f@example.org", "F")
    assert refused.value.problems[0].field == "passkey"
    challenge_id, _ = await factors.passkey_options(person)
    with pytest.raises(ValidationFailed) as malformed:
        await factors.verify_passkey(challenge_id, "{not json", person)
    assert malformed.value.problems[0].field == "credential"


async def test_removing_a_passkey_ends_it_and_tells_the_person(services, factors, notices):
    person, other = await _person(services), await _person(services)
    authenticator = await _with_passkey(factors, person)
    passkey = (await factors.summary(person)).passkeys[0]
    with pytest.raises(NotFound):  # nobody removes someone else's factor
        await factors.remove(other, passkey.id)
    await factors.remove(person, passkey.id)
    assert notices.sent == [(person, "passkey", True), (person, "passkey", False)]
    assert (await factors.summary(person)).passkeys == ()
    with pytest.raises(SignInFailed):
        await _verify(factors, authenticator, None)


# -- TOTP -------------------------------------------------------------------------------------------------------


async def _with_totp(factors: SecondFactors, person: str, clock) -> pyotp.TOTP:
    setup = await factors.totp_setup(person, "fatima@example.org")
    app = pyotp.TOTP(setup.secret)
    await factors.confirm_totp(person, setup.setup_id, app.at(clock.now - timedelta(seconds=30)))
    return app


async def test_totp_set_up_needs_a_correct_code(services, factors, notices, clock):
    clock.now = NOON
    person = await _person(services)
    setup = await factors.totp_setup(person, "fatima@example.org")
    assert setup.uri.startswith("otpauth://totp/eenplan:fatima%40example.org?secret=") and "issuer=eenplan" in setup.uri
    assert setup.qr_svg.lstrip().startswith("<svg") and setup.secret not in repr(setup)
    app = pyotp.TOTP(setup.secret)
    wrong = f"{(int(app.at(clock.now)) + 1) % 1_000_000:06d}"
    with pytest.raises(SignInFailed):
        await factors.confirm_totp(person, setup.setup_id, wrong)
    assert (await factors.summary(person)).totp is None and notices.sent == []
    info = await factors.confirm_totp(person, setup.setup_id, app.at(clock.now))
    assert (await factors.summary(person)).totp == info and notices.sent == [(person, "totp", True)]
    with pytest.raises(SignInFailed):  # a set-up is confirmed once
        await factors.confirm_totp(person, setup.setup_id, app.at(clock.now + timedelta(seconds=30)))
    with pytest.raises(SignInFailed):  # the code that confirmed it is used
        await factors.verify_totp(person, app.at(clock.now))


async def test_an_unconfirmed_set_up_expires_and_is_only_its_persons(services, factors, clock):
    clock.now = NOON
    person, other = await _person(services), await _person(services)
    setup = await factors.totp_setup(person, "")
    app = pyotp.TOTP(setup.secret)
    with pytest.raises(SignInFailed):
        await factors.confirm_totp(other, setup.setup_id, app.at(clock.now))
    clock.advance(minutes=11)
    with pytest.raises(SignInFailed):
        await factors.confirm_totp(person, setup.setup_id, app.at(clock.now))


async def test_a_totp_code_works_once_and_never_after_a_later_one(services, factors, clock):
    clock.now = NOON
    person = await _person(services)
    app = await _with_totp(factors, person, clock)  # confirmed with the previous step's code
    await factors.verify_totp(person, app.at(clock.now))
    with pytest.raises(SignInFailed):  # replay within the same step
        await factors.verify_totp(person, app.at(clock.now))
    await factors.verify_totp(person, app.at(clock.now + timedelta(seconds=30)))  # the next step: drift accepted
    with pytest.raises(SignInFailed):  # the current step after the next one was used
        await factors.verify_totp(person, app.at(clock.now))
    clock.advance(90)
    with pytest.raises(SignInFailed):  # two steps away
        await factors.verify_totp(person, app.at(clock.now - timedelta(seconds=60)))
    await factors.verify_totp(person, " ".join([app.at(clock.now)[:3], app.at(clock.now)[3:]]))  # "123 456"


async def test_concurrent_uses_of_one_totp_code_have_one_winner(services, factors, clock):
    clock.now = NOON
    person = await _person(services)
    app = await _with_totp(factors, person, clock)
    code = app.at(clock.now)
    results = await asyncio.gather(*(factors.verify_totp(person, code) for _ in range(3)), return_exceptions=True)
    assert results.count(None) == 1 and all(isinstance(r, SignInFailed) for r in results if r is not None)


async def test_the_database_holds_the_apps_secret_only_sealed(services, factors, clock, notices):
    clock.now = NOON
    person, other = await _person(services), await _person(services)
    setup = await factors.totp_setup(person, "fatima@example.org")
    async with services.signin._uow() as uow:
        pending = await uow.factors.totp_setup(secret_hash(setup.setup_id), person, clock.now)
    assert pending is not None and setup.secret not in pending
    app = pyotp.TOTP(setup.secret)
    await factors.confirm_totp(person, setup.setup_id, app.at(clock.now - timedelta(seconds=30)))
    async with services.signin._uow(write=True) as uow:
        stored = await uow.factors.totp(person)
        assert stored is not None and setup.secret not in stored.secret
        assert SecretBox(SECRET_KEY).open(stored.secret, person) == setup.secret
        assert SecretBox(SECRET_KEY).open(stored.secret, other) is None  # bound to its person
        await uow.factors.set_totp(replace(stored, id=str(uuid.uuid4()), person_id=other))  # a row moved over
        await uow.commit()
    with pytest.raises(SignInFailed):
        await factors.verify_totp(other, app.at(clock.now))
    elsewhere = SecondFactors(
        services.signin._uow, clock, factors._limits, "localhost", "eenplan", ORIGIN, notices, secret_key=b"x" * 32
    )
    with pytest.raises(SignInFailed):  # another deployment key: the app no longer works, nothing breaks
        await elsewhere.verify_totp(person, app.at(clock.now))
    await factors.verify_totp(person, app.at(clock.now))


def test_totp_steps_are_the_current_one_and_its_neighbours_after_the_last_used():
    step = totp_step(NOON)
    assert totp_candidate_steps(NOON, None) == [step, step - 1, step + 1]
    assert totp_candidate_steps(NOON, step - 1) == [step, step + 1]
    assert totp_candidate_steps(NOON, step + 1) == []


async def test_wrong_totp_codes_are_rate_limited_per_person(services, factors, clock, caplog):
    clock.now = NOON
    person, other = await _person(services), await _person(services)
    app = await _with_totp(factors, person, clock)  # one attempt
    other_app = await _with_totp(factors, other, clock)
    wrong = f"{(int(app.at(clock.now)) + 1) % 1_000_000:06d}"
    for _ in range(9):
        with pytest.raises(SignInFailed):
            await factors.verify_totp(person, wrong)
    with pytest.raises(RateLimited):  # even the right code waits now
        await factors.verify_totp(person, app.at(clock.now))
    assert f"rate-limited kind=totp target={person}" in caplog.text
    await factors.verify_totp(other, other_app.at(clock.now))  # somebody else is not held up
    clock.advance(7)  # the bucket refills one attempt per 6 seconds
    await factors.verify_totp(person, app.at(clock.now))
    with pytest.raises(ValidationFailed):
        await factors.verify_totp(other, "12345")


async def test_removing_the_app_ends_its_codes(services, factors, notices, clock):
    clock.now = NOON
    person = await _person(services)
    app = await _with_totp(factors, person, clock)
    totp = (await factors.summary(person)).totp
    assert totp is not None
    await factors.remove(person, totp.id)
    assert notices.sent[-1] == (person, "totp", False) and (await factors.summary(person)).totp is None
    with pytest.raises(SignInFailed):
        await factors.verify_totp(person, app.at(clock.now))


# -- recovery codes -------------------------------------------------------------------------------------------


async def test_each_recovery_code_works_once_and_a_new_set_voids_the_old(services, factors, notices):
    person, other = await _person(services), await _person(services)
    codes = await factors.new_recovery_codes(person)
    assert len(codes) == len(set(codes)) == 10 and all(len(c) == 19 and c.count("-") == 3 for c in codes)
    assert (await factors.summary(person)).recovery_codes_left == 10
    assert notices.sent == [(person, "recovery-codes", True)]
    await factors.use_recovery_code(person, codes[0])
    with pytest.raises(SignInFailed):
        await factors.use_recovery_code(person, codes[0])
    with pytest.raises(SignInFailed):  # not someone else's
        await factors.use_recovery_code(other, codes[1])
    await factors.use_recovery_code(person, f"  {codes[1].lower().replace('-', ' ')} ")  # as typed
    assert (await factors.summary(person)).recovery_codes_left == 8
    fresh = await factors.new_recovery_codes(person)
    with pytest.raises(SignInFailed):
        await factors.use_recovery_code(person, codes[2])
    await factors.use_recovery_code(person, fresh[0])
    with pytest.raises(ValidationFailed):
        await factors.use_recovery_code(person, "not-a-code")


async def test_concurrent_uses_of_one_recovery_code_have_one_winner(services, factors):
    person = await _person(services)
    code = (await factors.new_recovery_codes(person))[0]
    results = await asyncio.gather(*(factors.use_recovery_code(person, code) for _ in range(3)), return_exceptions=True)
    assert results.count(None) == 1 and all(isinstance(r, SignInFailed) for r in results if r is not None)


def test_recovery_codes_are_kept_as_hashes_of_one_spelling():
    assert normalise_recovery_code(" acde fghj-kmnp_qrtu ") == "ACDEFGHJKMNPQRTU"
    assert recovery_code_hash("acde-fghj-kmnp-qrtu") == recovery_code_hash("ACDEFGHJKMNPQRTU")
    with pytest.raises(ValidationFailed):
        normalise_recovery_code("0000-1111-2222-3333")  # look-alikes are not in the alphabet


# -- the security log ---------------------------------------------------------------------------------------------


async def test_the_security_log_has_every_event_and_no_secret(services, factors, clock, caplog):
    clock.now = NOON
    caplog.set_level(logging.DEBUG)
    person = await _person(services, "fatima@example.org")
    authenticator = await _with_passkey(factors, person)
    await _verify(factors, authenticator, person)
    with pytest.raises(SignInFailed):
        await _verify(factors, authenticator, person, origin="https://evil.example")
    setup = await factors.totp_setup(person, "fatima@example.org")
    app = pyotp.TOTP(setup.secret)
    await factors.confirm_totp(person, setup.setup_id, app.at(clock.now))
    with pytest.raises(SignInFailed):
        await factors.verify_totp(person, app.at(clock.now))
    codes = await factors.new_recovery_codes(person)
    await factors.use_recovery_code(person, codes[0])
    with pytest.raises(SignInFailed):
        await factors.use_recovery_code(person, codes[0])
    await factors.remove(person, (await factors.summary(person)).passkeys[0].id)
    security = [r.getMessage() for r in caplog.records if r.name == "eenplan.security"]
    for event in (
        "added kind=passkey",
        "passkey verified",
        "passkey refused",
        "added kind=totp",
        "totp refused",
        "recovery codes replaced",
        "recovery code used",
        "recovery code refused",
        "removed kind=passkey",
    ):
        assert any(event in line for line in security), event
    logged = "\n".join(r.getMessage() for r in caplog.records)
    secrets = [setup.secret, setup.setup_id, "fatima@example.org", *codes, *(normalise_recovery_code(c) for c in codes)]
    assert not [s for s in secrets if s in logged]
    assert not re.search(rf"\b{app.at(clock.now)}\b", logged)


async def test_the_wired_service_is_the_public_urls_relying_party(services, settings):
    import json

    person = await _person(services)
    _, options = await services.factors.passkey_registration_options(person, "fatima@example.org", "Fatima")
    created = json.loads(options)
    host = settings.effective_public_url.split("://")[1].split(":")[0]
    assert created["rp"] == {"id": host, "name": "eenplan"}
    assert created["authenticatorSelection"]["residentKey"] == "required"
    assert created["authenticatorSelection"]["userVerification"] == "required"
    assert created["attestation"] == "none" and {p["alg"] for p in created["pubKeyCredParams"]} == {-7, -8, -257}
