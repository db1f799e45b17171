"""Run the `eenplan` CLI as a real child process without paying Python's start-up and imports each time.

`python -m eenplan.cli …` spends ~3 s (more on a busy machine) importing aiohttp, SQLAlchemy, fpdf
and the rest before it does anything. `run_cli` forks each run from a multiprocessing forkserver
that imported the CLI once: still a separate process with its own environment, working directory,
stdout, stderr and exit code (what `subprocess.run(..., capture_output=True, text=True)` returns),
but it starts in milliseconds. Use it wherever a test runs the CLI; keep one plain `subprocess.run`
of `python -m eenplan.cli` (tests/project) so the entry point itself stays covered.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import os
import subprocess
import sys
import traceback
from collections.abc import Mapping
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from pathlib import Path

#: modules the forkserver imports once, so a forked run finds them loaded
PRELOAD = [
    "eenplan.cli",
    "eenplan.bootstrap",
    "eenplan.export.pdf",
    "eenplan_crypto.keyring",
    "eenplan_mail.gateway",
    "eenplan_mail.smtp",
    "eenplan_calendar.planner",
    "asyncpg",
    "aiosqlite",
]
_context: ForkServerContext | None = None


def _forkserver() -> ForkServerContext:
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
    return _context


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    return exc.code if isinstance(exc.code, int) else 1


def _child(args: tuple[str, ...], env: dict[str, str], cwd: str, answer: Connection) -> None:
    """In the forked process: the given environment and directory, then `eenplan.cli.main(args)`."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            from eenplan.cli import main

            code = main(list(args))
        except SystemExit as exc:  # argparse and sys.exit
            code = _exit_code(exc)
        except BaseException:  # reported like an uncaught exception in a real process
            traceback.print_exc()
            code = 1
    answer.send((code, out.getvalue(), err.getvalue()))
    answer.close()


def run_cli(
    *args: str, env: Mapping[str, str] | None = None, cwd: str | Path | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """`python -m eenplan.cli *args` in a child process with exactly `env` (default: this process's)."""
    context = _forkserver()
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_child, args=(args, dict(os.environ if env is None else env), str(cwd or os.getcwd()), send), daemon=True
    )
    child.start()
    send.close()
    command = [sys.executable, "-m", "eenplan.cli", *args]
    try:
        if not receive.poll(timeout):
            raise subprocess.TimeoutExpired(command, timeout)
        code, out, err = receive.recv()
    except EOFError:  # the child died without answering (killed, or a crash below Python)
        child.join(timeout)
        code, out, err = (child.exitcode if child.exitcode is not None else -9), "", ""
    finally:
        receive.close()
        if child.is_alive():
            child.join(5)
        if child.is_alive():
            child.kill()
            child.join()
    return subprocess.CompletedProcess(command, code, out, err)
