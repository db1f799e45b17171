"""Where the data lives: the data directory (SQLite file, keyrings, generated secrets) and the database URL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import setting


@dataclass(frozen=True)
class DatabaseSettings:
    """The data directory and the database."""

    data_dir: Path = setting(
        Path("./var"), "Directory for the SQLite file, keyrings and generated secrets.", "EENPLAN_DATA_DIR"
    )
    database_url: str = setting(
        "",
        "SQLAlchemy async URL. Default: sqlite+aiosqlite under the data dir; "
        "production: postgresql+asyncpg://user:pass@host/db.",
        "EENPLAN_DATABASE_URL",
    )

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data dir."""
        return self.database_url or f"sqlite+aiosqlite:///{(self.data_dir / 'eenplan.db').resolve()}"
