"""The mypy ratchet: which modules still fail, and which listed ones pass now and must leave the list.

`pyproject.toml` lists the modules that do not pass mypy yet under an override with `ignore_errors = true`.
Every other module is checked in full by plain `mypy`, so a new error there fails CI. This script runs mypy
once more with that list switched off and

  * prints the errors per module (the work left), and
  * fails when a listed module has no errors any more, so the list only ever shrinks.

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


def ratchet_list(config: dict) -> tuple[list[str], dict]:
    """The listed modules, and the mypy configuration without that override."""
    mypy = dict(config["tool"]["mypy"])
    overrides = mypy.pop("overrides", [])
    listed: list[str] = []
    kept = []
    for override in overrides:
        if override.get("ignore_errors"):
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
        out = subprocess.run([sys.executable, "-m", "mypy", "--config-file", f.name], cwd=ROOT,
                             capture_output=True, text=True).stdout
    finally:
        Path(f.name).unlink()
    errors = Counter(module_of(m.group(1)) for m in re.finditer(r"^([^:\s]+\.py):\d+: error:", out, re.M))
    for module, n in sorted(errors.items(), key=lambda kv: (-kv[1], kv[0])):
        mark = "" if module in listed else "   <- not in the ratchet list"
        print(f"{n:5d}  {module}{mark}")
    print(f"{sum(errors.values())} errors in {len(errors)} modules without the ratchet list "
          f"({len(listed)} modules listed)")
    clean = [m for m in listed if not any(e == m or (m.endswith(".*") and e.startswith(m[:-1])) for e in errors)]
    if clean:
        print("these listed modules pass now; remove them from the ratchet list in pyproject.toml:")
        print("\n".join(f"    {m}" for m in clean))
        return 0 if report_only else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
