"""deploy/UPGRADES.md "Releases side by side": a process started through the `/srv/eenplan` symlink keeps the release
it started from when the symlink is switched (even for modules it imports later), while the next process starts on
the new release — provided the venv was built at the release's real path, as the document says. A venv built through
the symlink follows the switch half-way through a process's life: the counter-example the rule is for."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

#: the console script pip would write: its interpreter by the path the venv was built at; the module imported late
SCRIPT = """#!{python}
import sys
sys.stdin.readline()  # the symlink is switched meanwhile
import relmod  # imported lazily, after the switch
print(relmod.WHICH, flush=True)
"""


def _release(root: Path, name: str, built_at: Path) -> None:
    """A release directory `root/name` with a venv (no pip: nothing is downloaded), its code on the venv's path by
    a .pth (as `pip install -e` does) and a console script, all naming `built_at` as pip would."""
    release = root / name
    (release / "code").mkdir(parents=True)
    (release / "code" / "relmod.py").write_text(f"WHICH = {name!r}\n")
    venv.EnvBuilder(with_pip=False, symlinks=True).create(release / ".venv")
    lib = release / ".venv" / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    (lib / "release.pth").write_text(str(built_at / "code") + "\n")
    script = release / ".venv" / "bin" / "eenplan"
    script.write_text(SCRIPT.format(python=built_at / ".venv" / "bin" / "python"))
    script.chmod(0o755)


def _switch(link: Path, target: Path) -> None:
    """`ln -sfn target link.next && mv -T link.next link`: the atomic switch of UPGRADES.md."""
    fresh = link.with_name(link.name + ".next")
    fresh.unlink(missing_ok=True)
    fresh.symlink_to(target)
    os.replace(fresh, link)


def _start(link: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(link / ".venv" / "bin" / "eenplan")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
    )


def _finish(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate("go\n", timeout=60)
    assert process.returncode == 0, err
    return out.strip()


def test_a_running_node_keeps_its_release_across_the_symlink_switch(tmp_path: Path) -> None:
    releases, link = tmp_path / "eenplan-releases", tmp_path / "eenplan"
    for name in ("old", "new"):
        _release(releases, name, releases / name)  # built at the real path, as UPGRADES.md says
    _switch(link, releases / "old")
    running = _start(link)  # eenplan@8082, started before the upgrade
    _switch(link, releases / "new")
    restarted = _start(link)  # eenplan@8081, restarted after the switch
    assert _finish(restarted) == "new"
    assert _finish(running) == "old"  # side by side: the old node still runs the old code, even imported late


def test_a_venv_built_through_the_symlink_would_follow_the_switch(tmp_path: Path) -> None:
    releases, link = tmp_path / "eenplan-releases", tmp_path / "eenplan"
    for name in ("old", "new"):
        _release(releases, name, link)  # the mistake: built via /srv/eenplan
    _switch(link, releases / "old")
    running = _start(link)
    _switch(link, releases / "new")
    assert _finish(running) == "new"  # a half-upgraded process: why the venv must name the real path
