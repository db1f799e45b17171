"""TLS to PostgreSQL (deploy/env.example `?ssl=verify-full&sslrootcert=…`): the URL's ssl settings reach asyncpg's
connect for the engine and for the hot reads' pool. The test server has no TLS, so a connection that asks for
it is refused by the server's answer — which shows the request for TLS got through."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from eenplan.storage.engine import create_engine
from eenplan.storage.pg_reads import PgReads
from eenplan.storage.pg_ssl import engine_connect_args

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _ca(tmp_path: Path) -> Path:
    if shutil.which("openssl") is None:
        pytest.skip("openssl missing")
    cert, key = tmp_path / "ca.pem", tmp_path / "ca.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=db-ca",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert


def test_verify_full_with_a_ca_becomes_a_checking_ssl_context(tmp_path: Path) -> None:
    ca = _ca(tmp_path)
    url, args = engine_connect_args(
        f"postgresql+asyncpg://app:pw@db.example.org/eenplan?ssl=verify-full&sslrootcert={ca}"
    )
    assert "ssl" not in url.query and "sslrootcert" not in url.query
    context = args["ssl"]
    assert isinstance(context, ssl.SSLContext)
    assert context.check_hostname and context.verify_mode == ssl.CERT_REQUIRED
    assert engine_connect_args("postgresql+asyncpg://app:pw@db/eenplan?ssl=require")[1] == {"ssl": "require"}
    assert engine_connect_args("postgresql+asyncpg://app:pw@db/eenplan")[1] == {}


def test_the_deploy_samples_ask_for_tls() -> None:
    env = (DEPLOY / "env.example").read_text()
    assert "?ssl=verify-full&sslrootcert=" in env
    assert "\nssl = on" in (DEPLOY / "postgres" / "postgresql.conf").read_text()
    hba = (DEPLOY / "postgres" / "pg_hba.conf").read_text()
    assert "hostssl   eenplan   eenplan_app" in hba and "scram-sha-256" in hba


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_engine_asks_the_server_for_tls(database_url: str, tmp_path: Path) -> None:
    ca = _ca(tmp_path)
    engine = create_engine(f"{database_url}?ssl=verify-full&sslrootcert={ca}")
    try:
        with pytest.raises(Exception) as refused:
            async with engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        assert "ssl" in str(refused.value).lower()  # the server said no to TLS; not an unknown keyword
        assert "unexpected keyword" not in str(refused.value)
    finally:
        await engine.dispose()
    plain = create_engine(database_url)
    try:
        async with plain.connect() as conn:
            assert (await conn.execute(sa.text("SELECT 1"))).scalar_one() == 1
    finally:
        await plain.dispose()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_hot_reads_pool_asks_the_server_for_tls(database_url: str) -> None:
    reads = PgReads(f"{database_url}?ssl=require")
    assert make_url(reads._dsn).query.get("ssl") == "require"
    with pytest.raises((ConnectionError, asyncpg.PostgresError, OSError)) as refused:
        await reads._ready()
    assert "ssl" in str(refused.value).lower()
