"""Second factors of a person: passkeys, an authenticator app (TOTP), and recovery codes.

This service decides only whether a proof is valid; whether a session needs one is the session
service's policy. Every proof is rate-limited per person (and per client IP where the caller gives
one) before any database work, every refusal has the same message, and every success, refusal,
addition and removal goes to the security log with ids and kinds only. The person is told by mail
(`FactorNotices`, in the same transaction) when a factor is added or removed.
"""

from __future__ import annotations

import io
import ipaddress
import logging
from datetime import datetime
from urllib.parse import urlsplit
from uuid import uuid4

import pyotp
import segno

from ..domain.errors import NotFound
from ..domain.factors import (
    RECOVERY_CODES,
    TOTP,
    TOTP_DIGITS,
    TOTP_PERIOD_SECONDS,
    TOTP_SETUP_TTL,
    FactorInfo,
    FactorNotices,
    FactorSummary,
    StoredTotp,
    TotpSetup,
    new_recovery_codes,
    normalise_recovery_code,
    normalise_totp_code,
    recovery_code_hash,
    totp_candidate_steps,
)
from ..domain.names import check_name
from ..domain.ports import Clock, UnitOfWork, UnitOfWorkFactory
from ..domain.sessions import looks_like_secret, new_secret, secret_hash
from ..domain.signin import RateLimited, SignInFailed, SignInLimits
from .factor_secrets import SecretBox
from .passkeys import FACTOR_FAILED, Passkeys, RelyingParty

security = logging.getLogger("eenplan.security")


class SecurityLogNotices:
    """Stand-in `FactorNotices` until the mail notice is wired: records the change in the security log only."""

    async def factor_changed(self, uow: UnitOfWork, person_id: str, what: str, added: bool) -> None:
        """Log that a factor changed (the mail notice replaces this)."""
        security.info("factor notice person=%s what=%s added=%s", person_id, what, added)


def relying_party(public_url: str, rp_name: str = "eenplan") -> RelyingParty:
    """RP id and origin from the public URL: `http://localhost:8080` → `localhost`, `http://localhost:8080`."""
    parts = urlsplit(public_url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("the public URL needs a scheme and a host for WebAuthn")
    if _is_ip_address(parts.hostname):  # WebAuthn needs a domain: browsers refuse an IP address as RP id
        security.warning("passkeys need EENPLAN_PUBLIC_URL with a host name (e.g. http://localhost:8080), not an IP")
    return RelyingParty(parts.hostname, rp_name, f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}")


def _is_ip_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class SecondFactors:
    """Add, list, remove and verify a person's second factors."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        limits: SignInLimits,
        rp_id: str,
        rp_name: str,
        origin: str,
        notices: FactorNotices,
        *,
        secret_key: bytes,
    ) -> None:
        self._uow = uow
        self._box = SecretBox(secret_key)  # TOTP secrets are stored sealed with a key outside the database
        self._clock = clock
        self._limits = limits
        self._rp_name = rp_name
        self._notices = notices
        self._passkeys = Passkeys(uow, clock, RelyingParty(rp_id, rp_name, origin), notices)

    async def _limit(self, action: str, target: str, client_ip: str | None) -> None:
        """Count one attempt of `action` at `target` (and from `client_ip` when known), or raise RateLimited."""
        now = self._clock().timestamp()
        try:
            if client_ip:
                await self._limits.check(f"factor-{action}", client_ip, target, now)
                return
            await self._limits.check_target(f"factor-{action}", target, now)
        except RateLimited:
            security.warning("second factor rate-limited kind=%s target=%s", action, target)
            raise

    # -- overview and removal -----------------------------------------------------------------------------

    async def summary(self, person_id: str) -> FactorSummary:
        """The person's passkeys, whether an authenticator app is set up, and how many recovery codes are left."""
        async with self._uow() as uow:
            passkeys = await uow.factors.passkeys(person_id)
            totp = await uow.factors.totp(person_id)
            left = await uow.factors.recovery_codes_left(person_id)
        return FactorSummary(tuple(p.info() for p in passkeys), totp.info() if totp else None, left)

    async def remove(self, person_id: str, factor_id: str) -> None:
        """Remove one of the person's passkeys or their authenticator app; NotFound when it is not theirs."""
        async with self._uow(write=True) as uow:
            if await uow.factors.remove_passkey(person_id, factor_id):
                kind = "passkey"
            elif await uow.factors.remove_totp(person_id, factor_id):
                kind = TOTP
            else:
                raise NotFound("no such second factor")
            await self._notices.factor_changed(uow, person_id, kind, False)
            await uow.commit()
        security.info("second factor removed kind=%s person=%s factor=%s", kind, person_id, factor_id)

    # -- passkeys -------------------------------------------------------------------------------------------

    async def passkey_registration_options(self, person_id: str, user_name: str, display_name: str) -> tuple[str, str]:
        """(challenge_id, options JSON for navigator.credentials.create()) to add a passkey."""
        return await self._passkeys.registration_options(person_id, user_name, display_name)

    async def register_passkey(
        self, person_id: str, challenge_id: str, credential_json: str, label: str, *, client_ip: str | None = None
    ) -> FactorInfo:
        """Verify the browser's attestation (resident key and user verification required) and keep the passkey."""
        await self._limit("passkey-register", person_id, client_ip)
        return await self._passkeys.register(person_id, challenge_id, credential_json, label)

    async def passkey_options(self, person_id: str | None, *, client_ip: str | None = None) -> tuple[str, str]:
        """(challenge_id, options JSON for navigator.credentials.get()); None: sign-in with any discoverable passkey.

        Each answer stores a challenge: the client IP's attempts are counted (the per-IP sign-in limit), so
        nobody fills the table."""
        if client_ip is not None:
            await self._limits.count_ip("passkey-options", client_ip, self._clock().timestamp())
        return await self._passkeys.authentication_options(person_id)

    async def verify_passkey(
        self, challenge_id: str, credential_json: str, person_id: str | None = None, *, client_ip: str | None = None
    ) -> str:
        """The person whose passkey signed this challenge (once, user verified, sign count growing when counted)."""
        target = person_id if person_id is not None else f"cred:{self._passkeys.credential_key(credential_json)}"
        await self._limit("passkey", target, client_ip)
        return await self._passkeys.verify(challenge_id, credential_json, person_id)

    # -- TOTP -----------------------------------------------------------------------------------------------

    async def totp_setup(self, person_id: str, account_label: str) -> TotpSetup:
        """A new secret to put in an authenticator app (shown once, as text, URI and QR code); confirm with a code."""
        account_label = check_name(account_label, "account_label", max_chars=254) if account_label else person_id
        secret = pyotp.random_base32()
        uri = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD_SECONDS).provisioning_uri(
            name=account_label, issuer_name=self._rp_name
        )
        setup_id = new_secret()
        now = self._clock()
        async with self._uow(write=True) as uow:
            await uow.factors.purge(now)
            sealed = self._box.seal(secret, person_id)
            await uow.factors.add_totp_setup(secret_hash(setup_id), person_id, sealed, now, now + TOTP_SETUP_TTL)
            await uow.commit()
        qr = _svg(segno.make(uri, error="m"))
        return TotpSetup(setup_id, secret, uri, qr)

    async def confirm_totp(
        self, person_id: str, setup_id: str, code: str, *, client_ip: str | None = None
    ) -> FactorInfo:
        """Make the set-up the person's authenticator app once a correct code shows the app has the secret."""
        await self._limit("totp", person_id, client_ip)
        code = normalise_totp_code(code)
        if not isinstance(setup_id, str) or not looks_like_secret(setup_id):
            raise SignInFailed(FACTOR_FAILED)
        now = self._clock()
        async with self._uow(write=True) as uow:
            sealed = await uow.factors.totp_setup(secret_hash(setup_id), person_id, now)
            secret = self._box.open(sealed, person_id) if sealed else None
            step = _matching_step(secret, code, None, now) if secret else None
            if sealed is None or step is None or not await uow.factors.close_totp_setup(secret_hash(setup_id), now):
                security.warning("totp set-up refused person=%s", person_id)
                raise SignInFailed(FACTOR_FAILED)
            totp = StoredTotp(str(uuid4()), person_id, sealed, now, last_step=step, last_used_at=now)
            await uow.factors.set_totp(totp)  # the code just used counts as used
            await self._notices.factor_changed(uow, person_id, TOTP, True)
            await uow.commit()
        security.info("second factor added kind=totp person=%s factor=%s", person_id, totp.id)
        return totp.info()

    async def verify_totp(self, person_id: str, code: str, *, client_ip: str | None = None) -> None:
        """Accept a code of the person's app once (current step ±1, never a step at or before the last used)."""
        await self._limit("totp", person_id, client_ip)
        code = normalise_totp_code(code)
        now = self._clock()
        async with self._uow(write=True) as uow:
            totp = await uow.factors.totp(person_id)
            secret = self._box.open(totp.secret, person_id) if totp else None
            step = _matching_step(secret, code, totp.last_step, now) if totp and secret else None
            if step is None or not await uow.factors.use_totp_step(person_id, step, now):
                security.warning("totp refused person=%s", person_id)
                raise SignInFailed(FACTOR_FAILED)
            await uow.commit()
        security.info("totp verified person=%s", person_id)

    # -- recovery codes -------------------------------------------------------------------------------------

    async def new_recovery_codes(self, person_id: str) -> list[str]:
        """A new set of recovery codes, shown once; every earlier code stops working."""
        codes = new_recovery_codes()
        async with self._uow(write=True) as uow:
            await uow.factors.replace_recovery_codes(person_id, [recovery_code_hash(c) for c in codes], self._clock())
            await self._notices.factor_changed(uow, person_id, RECOVERY_CODES, True)
            await uow.commit()
        security.info("recovery codes replaced person=%s count=%d", person_id, len(codes))
        return codes

    async def use_recovery_code(self, person_id: str, code: str, *, client_ip: str | None = None) -> None:
        """Spend one of the person's recovery codes (each works once)."""
        await self._limit("recovery", person_id, client_ip)
        normalise_recovery_code(code)  # ValidationFailed for what cannot be a code at all
        async with self._uow(write=True) as uow:
            if not await uow.factors.use_recovery_code(person_id, recovery_code_hash(code), self._clock()):
                security.warning("recovery code refused person=%s", person_id)
                raise SignInFailed(FACTOR_FAILED)
            left = await uow.factors.recovery_codes_left(person_id)
            await uow.commit()
        security.info("recovery code used person=%s left=%d", person_id, left)


def _matching_step(secret: str, code: str, last_step: int | None, now: datetime) -> int | None:
    """The time step (current first, then ±1, none at or before `last_step`) whose code is `code`."""
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_PERIOD_SECONDS)
    for step in totp_candidate_steps(now, last_step):
        if pyotp.utils.strings_equal(totp.at(step * TOTP_PERIOD_SECONDS), code):
            return step
    return None


def _svg(qr: segno.QRCode) -> str:
    """A complete SVG document of the QR code (with the SVG namespace: without it a data: URI image shows nothing)."""
    out = io.BytesIO()
    qr.save(out, kind="svg", xmldecl=False, svgns=True, scale=4, title="QR-code")
    return out.getvalue().decode()
