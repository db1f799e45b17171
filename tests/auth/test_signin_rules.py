"""The pure sign-in rules: secret format, session liveness, and the attempt limiter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from eenplan.domain.sessions import (
    SessionPolicy,
    SignInSession,
    is_live,
    looks_like_secret,
    needs_touch,
    new_secret,
    secret_hash,
)
from eenplan.domain.signin import AttemptLimiter, RateLimited, SignInLimits

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
POLICY = SessionPolicy(idle=timedelta(minutes=15), absolute=timedelta(hours=8))


def test_secrets_have_256_bits_and_only_their_hash_is_kept():
    secrets = {new_secret() for _ in range(1000)}
    assert len(secrets) == 1000 and all(looks_like_secret(s) and len(s) == 43 for s in secrets)
    s = next(iter(secrets))
    assert secret_hash(s) != s and len(secret_hash(s)) == 64
    assert not looks_like_secret("a.b.c") and not looks_like_secret("A" * 42) and not looks_like_secret("A" * 44)


def test_a_session_lives_until_idle_or_absolute_end():
    session = SignInSession("p", "magic-link", T0, T0, T0 + POLICY.absolute, False, False)
    assert is_live(session, T0 + timedelta(minutes=14, seconds=59), POLICY)
    assert not is_live(session, T0 + timedelta(minutes=15), POLICY)
    busy = SignInSession("p", "magic-link", T0, T0 + timedelta(hours=7, minutes=59), T0 + POLICY.absolute, False, False)
    assert not is_live(busy, T0 + timedelta(hours=8), POLICY)
    assert not needs_touch(session, T0 + timedelta(seconds=59), POLICY)
    assert needs_touch(session, T0 + timedelta(seconds=60), POLICY)


def test_a_policy_cannot_idle_longer_than_it_lives():
    with pytest.raises(ValueError):
        SessionPolicy(idle=timedelta(hours=9), absolute=timedelta(hours=8))


async def test_limiter_counts_per_ip_and_per_target_and_refills():
    limits = SignInLimits(AttemptLimiter(4, 60), AttemptLimiter(2, 60))
    await limits.check("link", "10.0.0.1", "a@x", 0)
    await limits.check("link", "10.0.0.1", "a@x", 0)
    with pytest.raises(RateLimited) as err:
        await limits.check("link", "10.0.0.1", "a@x", 0)
    assert err.value.retry_after == 30  # one attempt per 30 s refills
    await limits.check("link", "10.0.0.1", "b@x", 0)
    await limits.check("link", "10.0.0.1", "c@x", 0)
    with pytest.raises(RateLimited):
        await limits.check("link", "10.0.0.1", "d@x", 0)  # the IP is spent, whatever the target
    await limits.check("link", "10.0.0.2", "d@x", 0)  # another IP is not
    await limits.check("redeem", "10.0.0.1", "t", 0)  # another action has its own buckets
    await limits.check("link", "10.0.0.1", "a@x", 30)  # refilled


def test_limiter_forgets_the_oldest_keys_beyond_its_bound():
    limiter = AttemptLimiter(1, 60, max_keys=100)
    for n in range(1000):
        limiter.take(f"k{n}", 0)
    assert len(limiter._buckets) == 100


def test_only_a_local_path_is_kept_through_sign_in():
    from eenplan.domain.sessions import safe_next

    for kept in ("/huishoudens/abc", "/account?x=1", "/"):
        assert safe_next(kept) == kept
    for refused in (
        None,
        "",
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "huishoudens",
        "/a b",
        "/x\x00",
        "/" + "a" * 300,
        "/\u202e",
    ):
        assert safe_next(refused) is None, refused


def test_mfa_at_the_provider_is_read_from_amr_or_acr():
    from eenplan.domain.sessions import shows_mfa

    accepted = frozenset({"mfa", "otp"})
    assert shows_mfa(["pwd", "otp"], None, accepted) and shows_mfa(None, "mfa", accepted)
    assert not shows_mfa(["pwd"], "urn:basic", accepted) and not shows_mfa("mfa", None, accepted)  # amr is a list


def test_the_second_factor_policy():
    from eenplan.domain.sessions import SecondFactorPolicy as P

    assert P("professionals").requires(True) and not P("professionals").requires(False)
    assert P("everyone").requires(False) and not P("off").requires(True)
