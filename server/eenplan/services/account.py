"""A signed-in person's own account: completing the second factor, and adding or removing their factors.

The rules about who may do what with second factors live here, not in the pages:

* a session completes its second factor with a passkey, a code of the person's app, or a recovery code;
  the session token is then replaced (rotation), so a token seen before never carries the second factor;
* factors are added or removed only by a session that completed a second factor, except the first
  factor of a person who has none: proving that new factor at once (its first code, its first
  assertion) completes the second factor for that session;
* new recovery codes need a session with a second factor, and a person with a passkey or an app.
"""

from __future__ import annotations

from ..domain.errors import SecondFactorRequired, ValidationFailed
from ..domain.factors import FactorInfo, FactorSummary, TotpSetup
from ..domain.sessions import IssuedSession, PersonSessionView
from .factors import SecondFactors
from .sessions import SessionService
from .signin import SignInService

CONFIRM_FIRST = "confirm your sign-in with one of your second factors first"


def may_change_factors(view: PersonSessionView, summary: FactorSummary) -> bool:
    """Whether this session may add or remove factors: with a second factor, or while the person has none."""
    return view.second_factor or not summary.can_pass_second_step


class AccountService:
    """The person's factors and their second-factor step, for the pages (`/inloggen/tweede-stap`, `/account`)."""

    def __init__(self, sessions: SessionService, factors: SecondFactors, signin: SignInService) -> None:
        self._sessions = sessions
        self._factors = factors
        self._signin = signin

    async def overview(self, token: str) -> tuple[PersonSessionView, FactorSummary, bool]:
        """The session, the person's factors, and whether this session may change them."""
        view = await self._sessions.person_session(token)
        summary = await self._factors.summary(view.person_id)
        return view, summary, may_change_factors(view, summary)

    async def _changer(self, token: str) -> tuple[PersonSessionView, FactorSummary]:
        view, summary, may = await self.overview(token)
        if not may:
            raise SecondFactorRequired(CONFIRM_FIRST)
        return view, summary

    async def _completed(self, token: str, view: PersonSessionView, method: str) -> IssuedSession | None:
        """After a first factor was proven by a session without one: the rotated session that now has it."""
        if view.second_factor:
            return None
        return await self._sessions.complete_second_factor(token, method)

    # -- completing the second factor ----------------------------------------------------------------------

    async def verify_totp(self, token: str, code: str, client_ip: str) -> IssuedSession:
        """A code of the person's app completes the second factor; the new session replaces this one."""
        view = await self._sessions.person_session(token)
        await self._factors.verify_totp(view.person_id, code, client_ip=client_ip)
        return await self._sessions.complete_second_factor(token, "totp")

    async def use_recovery_code(self, token: str, code: str, client_ip: str) -> IssuedSession:
        """A recovery code (once) completes the second factor; the new session replaces this one."""
        view = await self._sessions.person_session(token)
        await self._factors.use_recovery_code(view.person_id, code, client_ip=client_ip)
        return await self._sessions.complete_second_factor(token, "recovery-code")

    async def passkey_options(self, token: str) -> tuple[str, str]:
        """(challenge id, options JSON) for confirming this session with one of the person's passkeys."""
        view = await self._sessions.person_session(token)
        return await self._factors.passkey_options(view.person_id)

    async def verify_passkey(
        self, token: str, challenge_id: str, credential_json: str, client_ip: str
    ) -> IssuedSession:
        """One of the person's passkeys completes the second factor; the new session replaces this one."""
        view = await self._sessions.person_session(token)
        await self._factors.verify_passkey(challenge_id, credential_json, view.person_id, client_ip=client_ip)
        return await self._sessions.complete_second_factor(token, "passkey")

    async def passkey_sign_in(
        self, challenge_id: str, credential_json: str, client_ip: str, user_agent: str
    ) -> IssuedSession:
        """A passkey alone signs a returning person in (it is multi-factor by itself): a new session."""
        person_id = await self._factors.verify_passkey(challenge_id, credential_json, None, client_ip=client_ip)
        return await self._signin.start_passkey_session(person_id, client_ip, user_agent)

    # -- changing factors ----------------------------------------------------------------------------------

    async def passkey_registration_options(self, token: str) -> tuple[str, str]:
        """(challenge id, options JSON) to add a passkey, for a session that may change factors."""
        view, _ = await self._changer(token)
        return await self._factors.passkey_registration_options(view.person_id, view.email, view.email)

    async def register_passkey(
        self, token: str, challenge_id: str, credential_json: str, label: str, client_ip: str
    ) -> tuple[FactorInfo, IssuedSession | None]:
        """Keep a new passkey; a session without a second factor (the person's first factor) then has one."""
        view, _ = await self._changer(token)
        info = await self._factors.register_passkey(
            view.person_id, challenge_id, credential_json, label, client_ip=client_ip
        )
        return info, await self._completed(token, view, "passkey")

    async def start_totp(self, token: str) -> TotpSetup:
        """A new secret for an authenticator app, for a session that may change factors."""
        view, _ = await self._changer(token)
        return await self._factors.totp_setup(view.person_id, view.email)

    async def confirm_totp(
        self, token: str, setup_id: str, code: str, client_ip: str
    ) -> tuple[FactorInfo, IssuedSession | None]:
        """Keep the app once its first code is right; a session without a second factor then has one."""
        view, _ = await self._changer(token)
        info = await self._factors.confirm_totp(view.person_id, setup_id, code, client_ip=client_ip)
        return info, await self._completed(token, view, "totp")

    async def new_recovery_codes(self, token: str) -> list[str]:
        """A new set of recovery codes (shown once), for a session with a second factor, of a person with a
        passkey or an app (the codes stand in for those when they are lost; on their own they are no factor)."""
        view = await self._sessions.person_session(token)
        if not view.second_factor:
            raise SecondFactorRequired(CONFIRM_FIRST)
        if not (await self._factors.summary(view.person_id)).has_factor:
            raise ValidationFailed.one("recovery_codes", "set up a passkey or an authenticator app first")
        return await self._factors.new_recovery_codes(view.person_id)

    async def remove(self, token: str, factor_id: str) -> None:
        """Remove one of the person's passkeys or their app, for a session with a second factor."""
        view = await self._sessions.person_session(token)
        if not view.second_factor:
            raise SecondFactorRequired(CONFIRM_FIRST)
        await self._factors.remove(view.person_id, factor_id)
