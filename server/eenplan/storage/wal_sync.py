"""A helper process that makes a SQLite database's WAL durable on request (and checkpoints it).

Run by `AccessLogWriter` as `python -I wal_sync.py DATABASE`: it reads one
command byte at a time from stdin and answers one byte on stdout.
  s  fdatasync the WAL            → k (done) or E (failed: the caller stops trusting the log)
  c  checkpoint the WAL (PASSIVE) → k (also when busy: the WAL stays valid and is tried again later)
An fsync costs far more CPU than the inserts it protects and, in a thread,
would compete for the GIL with the event loop; a process does not. It uses
only the standard library, so it starts without the project installed.
"""

from __future__ import annotations

import os
import sys


def serve(database: str) -> int:
    """Answer commands until stdin closes."""
    fd = os.open(f"{database}-wal", os.O_RDONLY)
    commands, answers = sys.stdin.buffer, sys.stdout.buffer
    checkpointer = None
    while command := commands.read(1):
        if command == b"s":
            try:
                os.fdatasync(fd)
            except OSError:
                answers.write(b"E")
                answers.flush()
                return 1
        elif command == b"c":
            import sqlite3

            try:
                checkpointer = checkpointer or sqlite3.connect(database, isolation_level=None, timeout=0)
                checkpointer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:
                pass
        answers.write(b"k")
        answers.flush()
    return 0


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1]))
