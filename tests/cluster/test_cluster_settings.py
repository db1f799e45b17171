"""What every node of a cluster must share comes from the settings, never from a file one node made itself."""

from __future__ import annotations

import pytest

from eenplan.config import Settings
from eenplan.domain.errors import ValidationFailed


def test_a_node_on_postgresql_without_the_shared_token_secret_refuses_to_start(tmp_path):
    # Each node would otherwise write its own DATA_DIR/secret_key: a token, a page form, a VERP return path or an
    # authenticator-app secret sealed by one node would be refused by the next (nginx sends requests anywhere).
    settings = Settings(data_dir=tmp_path, database_url="postgresql+asyncpg://eenplan@127.0.0.1/eenplan")
    with pytest.raises(ValidationFailed) as err:
        settings.signing_key()
    assert err.value.problems[0].field == "EENPLAN_SECRET_KEY"
    assert not (tmp_path / "secret_key").exists()


def test_one_node_on_sqlite_still_makes_its_own_secret(tmp_path):
    settings = Settings(data_dir=tmp_path)
    assert settings.signing_key() == Settings(data_dir=tmp_path).signing_key()
    assert (tmp_path / "secret_key").exists()
