"""The mypy ratchet: which modules are not strict yet, and which listed ones pass now and must leave the list.

mypy is strict everywhere (`pyproject.toml`), except for the modules listed in a ratchet override: one that
relaxes strict flags (`disallow_untyped_defs = false`, ...) or, in an emergency, `ignore_errors = true`.
Plain `mypy` checks every other module in full, so a new error there fails CI. This script runs mypy once
more with the ratchet overrides taken out (everything strict) and

  * prints the errors per module (the work left), and
  * fails when a listed module has no errors any more, so the lists only ever shrink.

Usage: python .ci/mypy_ratchet.py [--report]   (--report: print only, never fail)
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ROOTS = ("server", "mail", "crypto", "calendar")


def is_ratchet(override: dict) -> bool:
    """An override that lets its modules off something: errors ignored or a strict flag switched off."""
    return bool(override.get("ignore_errors")) or any(v is False for k, v in override.items() if k != "module")


def ratchet_list(config: dict) -> tuple[list[str], dict]:
    """The listed modules, and the mypy configuration without the ratchet overrides."""
    mypy = dict(config["tool"]["mypy"])
    overrides = mypy.pop("overrides", [])
    listed: list[str] = []
    kept = []
    for override in overrides:
        if is_ratchet(override):
            modules = override["module"]
            listed += [modules] if isinstance(modules, str) else modules
        else:
            kept.append(override)
    mypy["overrides"] = kept
    return listed, mypy


def module_of(path: str) -> str:
    """server/eenplan/web/app.py -> eenplan.web.app"""
    parts = Path(path).with_suffix("").parts
    if parts and parts[0] in ROOTS:
        parts = parts[1:]
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def to_toml(mypy: dict) -> str:
    """Just enough TOML for a [tool.mypy] table with [[tool.mypy.overrides]]."""

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, int):
            return str(v)
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["[tool.mypy]"] + [f"{k} = {value(v)}" for k, v in mypy.items() if k != "overrides"]
    for override in mypy["overrides"]:
        lines += ["", "[[tool.mypy.overrides]]"] + [f"{k} = {value(v)}" for k, v in override.items()]
    return "\n".join(lines) + "\n"


def main() -> int:
    """Run mypy without the list; report per module; fail if a listed module is clean."""
    report_only = "--report" in sys.argv[1:]
    listed, mypy = ratchet_list(tomllib.loads((ROOT / "pyproject.toml").read_text()))
    with tempfile.NamedTemporaryFile("w", suffix=".toml", dir=ROOT, prefix=".mypy-ratchet-", delete=False) as f:
        f.write(to_toml(mypy))
    try:
        out = subprocess.run(
            [sys.executable, "-m", "mypy", "--config-file", f.name], cwd=ROOT, capture_output=True, text=True
        ).stdout
    finally:
        Path(f.name).unlink()
    errors = Counter(module_of(m.group(1)) for m in re.finditer(r"^([^:\s]+\.py):\d+: error:", out, re.M))
    for module, n in sorted(errors.items(), key=lambda kv: (-kv[1], kv[0])):
        mark = "" if module in listed else "   <- not in the ratchet list"
        print(f"{n:5d}  {module}{mark}")
    print(
        f"{sum(errors.values())} errors in {len(errors)} modules with everything strict "
        f"({len(listed)} modules on the ratchet lists)"
    )
    kept_strict = [m for m in listed if m.split(".")[:2] in (["eenplan", "domain"], ["eenplan", "services"])]
    if kept_strict:
        print("domain/ and services/ are always strict; take these off the ratchet lists:", *kept_strict)
        return 1
    clean = [m for m in listed if not any(e == m or (m.endswith(".*") and e.startswith(m[:-1])) for e in errors)]
    if clean:
        print("these listed modules pass strict now; remove them from the ratchet list in pyproject.toml:")
        print("\n".join(f"    {m}" for m in clean))
        return 0 if report_only else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
