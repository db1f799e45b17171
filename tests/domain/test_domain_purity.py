"""The domain stays pure and the adapters keep the dependency direction."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_DOMAIN = ("aiohttp", "sqlalchemy", "sqlmodel", "gnupg", "aiosmtplib", "aiosmtpd", "asyncpg",
                       "aiosqlite", "alembic", "eenplan.storage", "eenplan.web", "eenplan.services",
                       "eenplan_mail", "eenplan_crypto", "eenplan_calendar")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                source_root = next(ROOT / r for r in ("server", "mail", "crypto", "calendar")
                                   if path.is_relative_to(ROOT / r))
                parts = path.relative_to(source_root).with_suffix("").parts[:-node.level]
                module = ".".join(parts + ((module,) if module else ()))
            names.add(module)
    return names


def test_domain_imports_no_io_library():
    for path in (ROOT / "server/eenplan/domain").glob("*.py"):
        for name in _imports(path):
            assert not name.startswith(FORBIDDEN_IN_DOMAIN), f"{path.name} imports {name}"


def test_adapters_never_import_each_other():
    adapters = {"mail/eenplan_mail": "eenplan_mail", "crypto/eenplan_crypto": "eenplan_crypto",
                "calendar/eenplan_calendar": "eenplan_calendar", "server/eenplan/storage": "eenplan.storage"}
    for folder, own in adapters.items():
        others = tuple(v for v in adapters.values() if v != own) + ("eenplan.web", "eenplan.services")
        for path in (ROOT / folder).glob("*.py"):
            for name in _imports(path):
                assert not name.startswith(others), f"{folder}/{path.name} imports {name}"


def test_source_roots_have_no_init():
    for root in ("server", "mail", "crypto", "calendar"):
        assert not (ROOT / root / "__init__.py").exists(), f"{root}/__init__.py must not exist"
