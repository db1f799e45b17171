"""One GnuPG home directory driven through python-gnupg, one call at a time.

python-gnupg starts one `gpg` process per call and blocks, so every call runs in a worker thread
(`asyncio.to_thread`) and calls are serialised: an asyncio.Lock keeps the event loop's queue orderly
and a threading.Lock keeps gpg calls exclusive even if an awaiting task is cancelled mid-call.
Calls that only read the home (sign+encrypt of the outbox's views) may run a few at once
(`_run_shared`, each its own gpg process; gpg-agent serves them side by side); a readers-writer
lock in the threads keeps them apart from every exclusive call.
`Keyring` builds the server keyring's operations on top of this.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import gnupg
from prometheus_client import Gauge, Histogram

from eenplan.domain.errors import ValidationFailed

from .errors import KeyringUnavailable

T = TypeVar("T")

#: gpg-agent's socket "<home>/S.gpg-agent.browser" must fit in sun_path (108 bytes)
MAX_HOME_CHARS = 80
_OPTIONS = [
    "--no-auto-key-retrieve",
    "--auto-key-locate",
    "local",
    "--no-emit-version",
    "--no-comments",
    "--pinentry-mode",
    "loopback",
    "--personal-digest-preferences",
    "SHA512 SHA384 SHA256",
    "--personal-cipher-preferences",
    "AES256 AES192 AES",
    "--cert-digest-algo",
    "SHA512",
]


#: the gpg queue's figures for the metrics endpoint (eenplan.web.metrics serves the process's registry)
GPG_QUEUE = Gauge("eenplan_gpg_queue_length", "gpg calls waiting for or holding a GnuPG home's lock")
GPG_SECONDS = Histogram(
    "eenplan_gpg_call_seconds",
    "Time one gpg call takes (in its worker thread, lock held)",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)


def make_gpg(home: str, binary: str) -> gnupg.GPG:
    """A python-gnupg handle on `home` with the server's fixed options; KeyringUnavailable if gpg cannot start."""
    try:
        return gnupg.GPG(gpgbinary=binary, gnupghome=home, verbose=False, options=list(_OPTIONS))
    except (OSError, ValueError) as exc:
        raise KeyringUnavailable(f"cannot start gpg ({type(exc).__name__})") from exc


#: how many read-only gpg calls (`GpgHome._run_shared`) may run on one home at once
SHARED_CALLS = 4


class _ReadWrite:
    """A readers-writer lock for threads: many shared gpg calls, or one exclusive call (waiting writers go first)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writing = False
        self._waiting_writers = 0

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        """Hold the lock shared."""
        with self._cond:
            self._cond.wait_for(lambda: not self._writing and not self._waiting_writers)
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    @contextlib.contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the lock alone."""
        with self._cond:
            self._waiting_writers += 1
            self._cond.wait_for(lambda: not self._writing and not self._readers)
            self._waiting_writers -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._cond:
                self._writing = False
                self._cond.notify_all()


class GpgHome:
    """A GnuPG home directory and the one lock its gpg calls take turns on."""

    def __init__(self, home: Path | str, *, gpg_binary: str = "gpg") -> None:
        """Remember the home directory; nothing touches the disk until the first call."""
        path = os.path.abspath(os.fspath(home))
        if len(path) > MAX_HOME_CHARS:
            raise ValidationFailed.one(
                "gnupg_home",
                f"path is {len(path)} characters; gpg-agent socket paths allow at most "
                f"{MAX_HOME_CHARS} here — use a short directory such as /var/lib/eenplan/gpg",
            )
        self.home = Path(path)
        self._binary = gpg_binary
        self._gpg: gnupg.GPG | None = None
        self._lock = asyncio.Lock()
        self._thread_lock = threading.Lock()
        self._rw = _ReadWrite()
        self._shared_slots = asyncio.Semaphore(SHARED_CALLS)
        self._handles: queue.SimpleQueue[gnupg.GPG] = queue.SimpleQueue()

    # -- plumbing -----------------------------------------------------------------------------
    def _prepare_home(self) -> None:
        try:
            self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
            st = self.home.stat()
            if st.st_uid != os.getuid():
                raise KeyringUnavailable("gnupg home is owned by another user")
            if st.st_mode & 0o077:
                os.chmod(self.home, 0o700)
        except OSError as exc:
            raise KeyringUnavailable(f"gnupg home is not usable ({type(exc).__name__})") from exc

    def _call(self, fn: Callable[..., T], *args: Any) -> T:
        with self._thread_lock, self._rw.writing():
            if self._gpg is None:
                self._prepare_home()
                self._gpg = make_gpg(str(self.home), self._binary)
            try:
                with GPG_SECONDS.time():
                    return fn(self._gpg, *args)
            except OSError as exc:
                raise KeyringUnavailable(f"gpg call failed ({type(exc).__name__})") from exc

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        with GPG_QUEUE.track_inprogress():
            async with self._lock:
                return await asyncio.to_thread(self._call, fn, *args)

    def _call_shared(self, fn: Callable[..., T], *args: Any) -> T:
        with self._rw.reading():  # never beside an exclusive call, even one whose awaiting task was cancelled
            try:
                gpg = self._handles.get_nowait()
            except queue.Empty:
                self._prepare_home()
                gpg = make_gpg(str(self.home), self._binary)
            try:
                with GPG_SECONDS.time():
                    return fn(gpg, *args)
            except OSError as exc:
                raise KeyringUnavailable(f"gpg call failed ({type(exc).__name__})") from exc
            finally:
                self._handles.put(gpg)

    async def _run_shared(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a call that only reads the home (sign+encrypt, key listings) beside up to SHARED_CALLS - 1 others
        like it, each with its own gpg process; never beside an exclusive `_run` call (imports, key generation)."""
        with GPG_QUEUE.track_inprogress():
            async with self._shared_slots:
                async with self._lock:  # queue behind exclusive calls that came first
                    pass
                return await asyncio.to_thread(self._call_shared, fn, *args)

    async def aclose(self) -> None:
        """Stop this home's gpg-agent (it would otherwise linger); the keyring stays on disk."""
        gpgconf = shutil.which(
            "gpgconf", path=os.path.dirname(shutil.which(self._binary) or "") or None
        ) or shutil.which("gpgconf")
        if not gpgconf or not self.home.exists():
            return

        def kill() -> None:
            with self._thread_lock, self._rw.writing():
                subprocess.run(
                    [gpgconf, "--homedir", str(self.home), "--kill", "gpg-agent"],
                    capture_output=True,
                    timeout=15,
                    check=False,
                )

        async with self._lock:
            await asyncio.to_thread(kill)
