"""Passkeys (WebAuthn): registration and authentication ceremonies, verified by py_webauthn.

A passkey is phishing-resistant and multi-factor by itself: it is bound to our origin, and user
verification (PIN or biometrics on the device) is required. Credentials must be discoverable
(resident), so a returning person signs in with the passkey alone; the user handle is the person id.
Each challenge is single use, expires after five minutes, and counts only for what it was issued for.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

import webauthn
from webauthn.helpers import bytes_to_base64url, parse_authentication_credential_json
from webauthn.helpers import parse_registration_credential_json as parse_registration
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticationCredential,
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    RegistrationCredential,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from ..domain.errors import ValidationFailed
from ..domain.factors import (
    CHALLENGE_TTL,
    MAX_CREDENTIAL_JSON_CHARS,
    MAX_PASSKEYS,
    PASSKEY,
    ChallengePurpose,
    FactorInfo,
    FactorNotices,
    StoredChallenge,
    StoredPasskey,
    check_label,
)
from ..domain.ports import UnitOfWork, UnitOfWorkFactory
from ..domain.sessions import looks_like_secret, new_secret, secret_hash
from ..domain.signin import SignInFailed

security = logging.getLogger("eenplan.security")

#: one answer for every refused proof, so a refusal says nothing about what exists
FACTOR_FAILED = "the second factor was not accepted"
ALGORITHMS = [
    COSEAlgorithmIdentifier.ECDSA_SHA_256,
    COSEAlgorithmIdentifier.EDDSA,
    COSEAlgorithmIdentifier.RSASSA_PKCS1_v1_5_SHA_256,
]
_TRANSPORTS = {t.value for t in AuthenticatorTransport}
_TIMEOUT_MS = int(CHALLENGE_TTL.total_seconds() * 1000)


@dataclass(frozen=True)
class RelyingParty:
    """Who we are to authenticators: RP id (the public URL's host), display name, and the exact origin."""

    rp_id: str
    rp_name: str
    origin: str


def _credential_json(value: object) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_CREDENTIAL_JSON_CHARS:
        raise ValidationFailed.one("credential", "must be the JSON of a WebAuthn credential")
    return value


def _parse_assertion(value: object) -> AuthenticationCredential:
    try:
        return parse_authentication_credential_json(_credential_json(value))
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise ValidationFailed.one("credential", "must be the JSON of a WebAuthn credential") from exc


def _parse_attestation(value: object) -> RegistrationCredential:
    try:
        return parse_registration(_credential_json(value))
    except (WebAuthnException, ValueError, TypeError, KeyError) as exc:
        raise ValidationFailed.one("credential", "must be the JSON of a WebAuthn credential") from exc


def _descriptors(passkeys: list[StoredPasskey]) -> list[PublicKeyCredentialDescriptor]:
    return [
        PublicKeyCredentialDescriptor(
            id=webauthn.base64url_to_bytes(p.credential_id),
            transports=[AuthenticatorTransport(t) for t in p.transports if t in _TRANSPORTS] or None,
        )
        for p in passkeys
    ]


class Passkeys:
    """The WebAuthn half of `SecondFactors` (which owns the rate limits and delegates here)."""

    def __init__(
        self, uow: UnitOfWorkFactory, clock: Callable[[], datetime], rp: RelyingParty, notices: FactorNotices
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._rp = rp
        self._notices = notices

    async def _new_challenge(self, uow: UnitOfWork, challenge: bytes, person_id: str | None, purpose: str) -> str:
        challenge_id = new_secret()
        now = self._clock()
        await uow.factors.purge(now)  # what can no longer be answered goes, so the table holds minutes of requests
        await uow.factors.add_challenge(
            secret_hash(challenge_id), challenge, person_id, purpose, now, now + CHALLENGE_TTL
        )
        return challenge_id

    async def _take_challenge(self, uow: UnitOfWork, challenge_id: object, purpose: str) -> StoredChallenge:
        if not isinstance(challenge_id, str) or not looks_like_secret(challenge_id):
            raise SignInFailed(FACTOR_FAILED)
        taken = await uow.factors.use_challenge(secret_hash(challenge_id), purpose, self._clock())
        if taken is None:
            security.warning("passkey refused reason=challenge")
            raise SignInFailed(FACTOR_FAILED)
        return taken

    async def registration_options(self, person_id: str, user_name: str, display_name: str) -> tuple[str, str]:
        """A challenge and the options for navigator.credentials.create(): resident key and UV required."""
        async with self._uow(write=True) as uow:
            existing = await uow.factors.passkeys(person_id)
            if len(existing) >= MAX_PASSKEYS:
                raise ValidationFailed.one("passkey", f"at most {MAX_PASSKEYS} passkeys per person")
            options = webauthn.generate_registration_options(
                rp_id=self._rp.rp_id,
                rp_name=self._rp.rp_name,
                user_id=person_id.encode(),
                user_name=user_name or person_id,
                user_display_name=display_name or user_name or person_id,
                timeout=_TIMEOUT_MS,
                attestation=AttestationConveyancePreference.NONE,
                authenticator_selection=AuthenticatorSelectionCriteria(
                    resident_key=ResidentKeyRequirement.REQUIRED,
                    require_resident_key=True,
                    user_verification=UserVerificationRequirement.REQUIRED,
                ),
                exclude_credentials=_descriptors(existing),
                supported_pub_key_algs=ALGORITHMS,
            )
            challenge_id = await self._new_challenge(uow, options.challenge, person_id, ChallengePurpose.REGISTER)
            await uow.commit()
        return challenge_id, webauthn.options_to_json(options)

    async def register(self, person_id: str, challenge_id: str, credential_json: str, label: str) -> FactorInfo:
        """Verify an attestation against the person's open challenge and keep the new passkey."""
        label = check_label(label)
        credential = _parse_attestation(credential_json)
        async with self._uow(write=True) as uow:
            challenge = await self._take_challenge(uow, challenge_id, ChallengePurpose.REGISTER)
            try:
                if challenge.person_id != person_id:
                    raise SignInFailed(FACTOR_FAILED)
                verified = webauthn.verify_registration_response(
                    credential=credential,
                    expected_challenge=challenge.challenge,
                    expected_rp_id=self._rp.rp_id,
                    expected_origin=self._rp.origin,
                    require_user_verification=True,
                    supported_pub_key_algs=ALGORITHMS,
                )
            except (WebAuthnException, SignInFailed) as exc:
                await uow.commit()  # the challenge stays used
                security.warning("passkey registration refused person=%s reason=%s", person_id, type(exc).__name__)
                raise SignInFailed(FACTOR_FAILED) from exc
            credential_id = bytes_to_base64url(verified.credential_id)
            if len(await uow.factors.passkeys(person_id)) >= MAX_PASSKEYS:
                raise ValidationFailed.one("passkey", f"at most {MAX_PASSKEYS} passkeys per person")
            if await uow.factors.passkey_by_credential(credential_id) is not None:
                raise ValidationFailed.one("credential", "this passkey is registered already")
            transports = tuple(t.value for t in credential.response.transports or ())
            passkey = StoredPasskey(
                id=str(uuid4()),
                person_id=person_id,
                credential_id=credential_id,
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                transports=transports,
                label=label,
                created_at=self._clock(),
            )
            await uow.factors.add_passkey(passkey)
            await self._notices.factor_changed(uow, person_id, PASSKEY, True)
            await uow.commit()
        security.info("second factor added kind=passkey person=%s factor=%s", person_id, passkey.id)
        return passkey.info()

    async def authentication_options(self, person_id: str | None) -> tuple[str, str]:
        """A challenge and the options for navigator.credentials.get(); None: any discoverable passkey."""
        async with self._uow(write=True) as uow:
            allow = _descriptors(await uow.factors.passkeys(person_id)) if person_id is not None else []
            options = webauthn.generate_authentication_options(
                rp_id=self._rp.rp_id,
                timeout=_TIMEOUT_MS,
                allow_credentials=allow,
                user_verification=UserVerificationRequirement.REQUIRED,
            )
            challenge_id = await self._new_challenge(uow, options.challenge, person_id, ChallengePurpose.AUTHENTICATE)
            await uow.commit()
        return challenge_id, webauthn.options_to_json(options)

    def credential_key(self, credential_json: object) -> str:
        """The credential id an assertion names (the rate limit's target when no person is known yet)."""
        return _parse_assertion(credential_json).id[:64]

    async def verify(self, challenge_id: str, credential_json: str, person_id: str | None) -> str:
        """Check an assertion against its challenge and the stored key; the person it belongs to."""
        credential = _parse_assertion(credential_json)
        async with self._uow(write=True) as uow:
            challenge = await self._take_challenge(uow, challenge_id, ChallengePurpose.AUTHENTICATE)
            stored = await uow.factors.passkey_by_credential(bytes_to_base64url(credential.raw_id))
            try:
                self._check_owner(challenge, stored, credential, person_id)
                assert stored is not None
                verified = webauthn.verify_authentication_response(
                    credential=credential,
                    expected_challenge=challenge.challenge,
                    expected_rp_id=self._rp.rp_id,
                    expected_origin=self._rp.origin,
                    credential_public_key=stored.public_key,
                    credential_current_sign_count=stored.sign_count,
                    require_user_verification=True,
                )
                if not await uow.factors.use_passkey(
                    stored.id, stored.sign_count, verified.new_sign_count, self._clock()
                ):
                    raise SignInFailed(FACTOR_FAILED)  # a concurrent use of the same passkey got there first
            except (WebAuthnException, SignInFailed) as exc:
                await uow.commit()  # the challenge stays used
                security.warning(
                    "passkey refused person=%s factor=%s reason=%s",
                    stored.person_id if stored else person_id,
                    stored.id if stored else "-",
                    type(exc).__name__,
                )
                raise SignInFailed(FACTOR_FAILED) from exc
            await uow.commit()
        security.info("passkey verified person=%s factor=%s", stored.person_id, stored.id)
        return stored.person_id

    @staticmethod
    def _check_owner(
        challenge: StoredChallenge,
        stored: StoredPasskey | None,
        credential: AuthenticationCredential,
        person_id: str | None,
    ) -> None:
        """The passkey exists and belongs to whoever the challenge and the caller expect (and says so itself)."""
        if stored is None:
            raise SignInFailed(FACTOR_FAILED)
        expected = {p for p in (challenge.person_id, person_id) if p is not None}
        if expected and expected != {stored.person_id}:
            raise SignInFailed(FACTOR_FAILED)
        handle = credential.response.user_handle
        if handle is not None and handle != stored.person_id.encode():
            raise SignInFailed(FACTOR_FAILED)
        if challenge.person_id is None and handle is None:  # discoverable sign-in: the passkey names its user
            raise SignInFailed(FACTOR_FAILED)
