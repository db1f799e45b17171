"""SQLite's generated DATA_DIR/key_encryption_key unseals every household's signing key: a copy others on the
machine may read is refused at start, with a message that names the file (and never shows the key)."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from eenplan.config import Settings
from eenplan.domain.errors import ValidationFailed


def test_a_group_or_world_readable_key_file_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "var"
    settings = Settings(data_dir=data, database_url=f"sqlite+aiosqlite:///{data}/eenplan.db")
    first, _ = settings.key_encryption_keys()  # made with mode 0600: accepted
    path = data / "key_encryption_key"
    assert settings.key_encryption_keys()[0] == first
    for loose in (0o640, 0o604, 0o660):
        os.chmod(path, loose)
        with pytest.raises(ValidationFailed) as refused:
            settings.key_encryption_keys()
        text = str(refused.value) + repr(getattr(refused.value, "errors", ""))
        assert str(path) in text and oct(loose)[2:] in text
        assert base64.b64encode(first).decode() not in text
    os.chmod(path, 0o600)
    assert settings.key_encryption_keys()[0] == first
