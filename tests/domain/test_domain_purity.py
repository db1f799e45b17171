"""The domain stays pure and every layer keeps the dependency direction (DEVELOPERS.md "Rules").

A fast in-suite check by reading the source (every import statement, also inside functions and
TYPE_CHECKING blocks); `make lint` runs the same rules as import-linter contracts (pyproject.toml).
  * domain: no I/O library and nothing of ours outside the domain;
  * services: reach adapters only through the domain's ports, so no adapter package and no library
    an adapter wraps (SQL, web, gpg, SMTP, iCalendar, PDF);
  * adapters (storage, export, eenplan_mail, eenplan_crypto, eenplan_calendar): never each other,
    never services, web or the wiring.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SOURCE_ROOTS = ("server", "mail", "crypto", "calendar")
#: the libraries adapters wrap: only adapters (and web, for aiohttp) may import them
IO_LIBRARIES = (
    "aiohttp",
    "sqlalchemy",
    "sqlmodel",
    "gnupg",
    "aiosmtplib",
    "aiosmtpd",
    "asyncpg",
    "aiosqlite",
    "alembic",
    "icalendar",
    "fpdf",
)
ADAPTERS = {
    "server/eenplan/storage": "eenplan.storage",
    "server/eenplan/export": "eenplan.export",
    "mail/eenplan_mail": "eenplan_mail",
    "crypto/eenplan_crypto": "eenplan_crypto",
    "calendar/eenplan_calendar": "eenplan_calendar",
}
OUTER = ("eenplan.web", "eenplan.services", "eenplan.bootstrap", "eenplan.cli", "eenplan.demo")
FORBIDDEN_IN_DOMAIN = (*IO_LIBRARIES, "authlib", "joserfc", *ADAPTERS.values(), *OUTER)
FORBIDDEN_IN_SERVICES = (*IO_LIBRARIES, *ADAPTERS.values(), "eenplan.web", "eenplan.bootstrap", "eenplan.cli")


def _imports(path: Path, source_root: Path | None = None) -> set[str]:
    """Every module a file imports, relative imports resolved against its source root."""
    if source_root is None:
        source_root = next(ROOT / r for r in SOURCE_ROOTS if path.is_relative_to(ROOT / r))
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                parts = path.relative_to(source_root).with_suffix("").parts[: -node.level]
                module = ".".join(parts + ((module,) if module else ()))
            names.add(module)
            names.update(f"{module}.{a.name}" for a in node.names)  # `from eenplan import storage`
    return names


def _is_within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def violations(folder: Path, forbidden: tuple[str, ...], source_root: Path | None = None) -> list[str]:
    """`file imports module` for every forbidden import under a folder (subpackages included)."""
    return sorted(
        f"{path.relative_to(folder)} imports {name}"
        for path in folder.rglob("*.py")
        for name in _imports(path, source_root)
        if _is_within(name, forbidden)
    )


def test_domain_imports_no_io_library():
    assert violations(ROOT / "server/eenplan/domain", FORBIDDEN_IN_DOMAIN) == []


def test_services_reach_adapters_only_through_ports():
    assert violations(ROOT / "server/eenplan/services", FORBIDDEN_IN_SERVICES) == []


@pytest.mark.parametrize("folder", sorted(ADAPTERS))
def test_adapters_never_import_each_other(folder):
    own = ADAPTERS[folder]
    others = tuple(v for v in ADAPTERS.values() if v != own)
    assert violations(ROOT / folder, (*others, *OUTER)) == []


@pytest.mark.parametrize(
    "statement",
    [
        "from ..storage.uow import UnitOfWork",
        "from eenplan.storage import reads",
        "from eenplan import storage",
        "import sqlalchemy as sa",
        "from eenplan_calendar.werkdagen import WerkdagCalendar",
        "def later():\n    from eenplan_crypto.keyring import Keyring\n",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from aiohttp import web\n",
    ],
)
def test_the_check_sees_a_service_importing_an_adapter(tmp_path, statement):
    services = tmp_path / "eenplan" / "services"
    services.mkdir(parents=True)
    (services / "leaky.py").write_text(statement + "\n")
    (services / "fine.py").write_text("from ..domain.ports import UnitOfWork\nfrom .common import resolve_actor\n")
    found = violations(services, FORBIDDEN_IN_SERVICES, tmp_path)
    assert len(found) >= 1 and all(v.startswith("leaky.py imports ") for v in found), found


def test_source_roots_have_no_init():
    for root in SOURCE_ROOTS:
        assert not (ROOT / root / "__init__.py").exists(), f"{root}/__init__.py must not exist"
