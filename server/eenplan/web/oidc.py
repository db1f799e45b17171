"""OpenID Connect relying party (authorization code + PKCE S256) with authlib's framework-agnostic pieces.

HTTP goes through aiohttp; authlib builds the authorization request and the
token request, authenticates the client (client_secret_basic) and validates
the ID token's claims (`CodeIDToken`: iss, aud, azp, exp, iat, nonce,
at_hash); joserfc checks its signature against the provider's JWKS with an
explicit algorithm allow-list (and refuses unknown `crit` headers). Discovery and
JWKS are cached; an unknown key id refreshes the JWKS once (key rotation).
Foreign errors become SignInFailed (a bad code or token) or TemporaryFailure
(the provider is unreachable).
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any, cast

import aiohttp
from authlib.oauth2.auth import ClientAuth
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri, prepare_token_request
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from ..domain.errors import TemporaryFailure
from ..domain.signin import SignInFailed, VerifiedIdentity

log = logging.getLogger("eenplan.signin")

ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")
MAX_ID_TOKEN_BYTES = 16_384
MAX_RESPONSE_BYTES = 262_144
CACHE_SECONDS = 3600
LEEWAY_SECONDS = 60
FAILED = "the sign-in could not be completed; start again"


class OidcClient:
    """One OpenID Connect provider, as configured by EENPLAN_OIDC_*."""

    def __init__(
        self, issuer: str, client_id: str, client_secret: str, redirect_uri: str, *, timeout_seconds: float = 10
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self._client_id = client_id
        self._auth = ClientAuth(client_id, client_secret, "client_secret_basic")
        self._redirect_uri = redirect_uri
        self._timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._keys: tuple[float, KeySet] | None = None

    async def authorization_url(self, *, state: str, nonce: str, code_verifier: str) -> str:
        """Where to send the browser: the provider's authorization endpoint with state, nonce and PKCE."""
        metadata = await self._discover()
        return prepare_grant_uri(
            metadata["authorization_endpoint"],
            self._client_id,
            "code",
            self._redirect_uri,
            "openid email",
            state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(code_verifier),
            code_challenge_method="S256",
        )

    async def redeem(self, *, code: str, code_verifier: str, nonce: str) -> VerifiedIdentity:
        """Exchange the code, validate the ID token, and return who the provider says signed in."""
        if not code or len(code) > 2048:
            raise SignInFailed(FAILED)
        metadata = await self._discover()
        body = prepare_token_request(
            "authorization_code", code=code, redirect_uri=self._redirect_uri, code_verifier=code_verifier
        )
        uri, headers, body = self._auth.prepare(
            "POST",
            metadata["token_endpoint"],
            {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
            body,
        )
        status, tokens = await self._request("POST", uri, headers=headers, data=body)
        if status != 200 or not isinstance(tokens, dict) or not isinstance(tokens.get("id_token"), str):
            raise SignInFailed(FAILED)
        access_token = tokens.get("access_token")
        claims = await self._validate(tokens["id_token"], nonce, access_token)
        email, verified = claims.get("email"), claims.get("email_verified")
        if email is None and access_token and metadata.get("userinfo_endpoint"):
            status, info = await self._request(
                "GET",
                metadata["userinfo_endpoint"],
                headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            )
            # OIDC Core §5.3.2: the userinfo `sub` must be the ID token's, or the answer is not about this user.
            if status == 200 and isinstance(info, dict) and info.get("sub") == claims["sub"]:
                email, verified = info.get("email"), info.get("email_verified")
        amr, acr = claims.get("amr"), claims.get("acr")
        return VerifiedIdentity(
            self.issuer,
            str(claims["sub"]),
            email if isinstance(email, str) else None,
            verified is True,
            tuple(m for m in amr if isinstance(m, str)) if isinstance(amr, list) else (),
            acr if isinstance(acr, str) else None,
        )

    async def _validate(self, id_token: str, nonce: str, access_token: str | None) -> CodeIDToken:
        if len(id_token) > MAX_ID_TOKEN_BYTES:
            raise SignInFailed(FAILED)
        options = {
            "iss": {"essential": True, "value": self.issuer},
            "aud": {"essential": True, "value": self._client_id},
            "sub": {"essential": True},
            "exp": {"essential": True},
            "iat": {"essential": True},
            "nonce": {"essential": True},
        }
        params = {"nonce": nonce, "client_id": self._client_id}
        if access_token:
            params["access_token"] = access_token
        for refresh in (False, True):
            try:
                token = jwt.decode(id_token, await self._jwks(refresh), algorithms=list(ALGORITHMS))
            except (JoseError, ValueError, TypeError, KeyError):
                continue  # perhaps a rotated key: fetch the JWKS once more
            claims = CodeIDToken(token.claims, token.header, options, params)
            try:
                claims.validate(now=int(time.time()), leeway=LEEWAY_SECONDS)
            except (JoseError, ValueError, TypeError) as err:
                log.info("oidc id token refused: %s", type(err).__name__)
                raise SignInFailed(FAILED) from None
            return claims
        raise SignInFailed(FAILED)

    async def _discover(self) -> dict[str, Any]:
        if self._metadata and self._metadata[0] > time.monotonic():
            return self._metadata[1]
        status, metadata = await self._request("GET", f"{self.issuer}/.well-known/openid-configuration")
        needed = ("authorization_endpoint", "token_endpoint", "jwks_uri")
        if (
            status != 200
            or not isinstance(metadata, dict)
            or metadata.get("issuer") != self.issuer
            or not all(isinstance(metadata.get(k), str) for k in needed)
        ):
            raise TemporaryFailure("the identity provider's configuration could not be read")
        if "S256" not in metadata.get("code_challenge_methods_supported", ["S256"]):
            raise TemporaryFailure("the identity provider does not support PKCE S256")
        self._metadata = (time.monotonic() + CACHE_SECONDS, metadata)
        return metadata

    async def _jwks(self, refresh: bool) -> KeySet:
        if self._keys and self._keys[0] > time.monotonic() and not refresh:
            return self._keys[1]
        metadata = await self._discover()
        status, jwks = await self._request("GET", metadata["jwks_uri"])
        if status != 200 or not isinstance(jwks, dict):
            raise TemporaryFailure("the identity provider's keys could not be read")
        try:
            keys = KeySet.import_key_set(cast(Any, jwks))  # its shape is checked by joserfc
        except (JoseError, ValueError, TypeError):
            raise TemporaryFailure("the identity provider's keys could not be read") from None
        self._keys = (time.monotonic() + CACHE_SECONDS, keys)
        return keys

    async def _request(self, method: str, url: str, **kwargs: Any) -> tuple[int, Any]:
        """(status, JSON body or None). One short-lived HTTP session per call: sign-ins are infrequent."""
        try:
            async with (
                aiohttp.ClientSession(timeout=self._timeout) as http,
                http.request(method, url, allow_redirects=False, **kwargs) as resp,
            ):
                raw = await resp.content.read(MAX_RESPONSE_BYTES + 1)
                if len(raw) > MAX_RESPONSE_BYTES:
                    return resp.status, None
                try:
                    return resp.status, json.loads(raw)
                except ValueError:
                    return resp.status, None
        except (aiohttp.ClientError, TimeoutError, OSError):
            raise TemporaryFailure("the identity provider could not be reached") from None
