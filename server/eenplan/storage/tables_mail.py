"""Tables for keys, mailgroups and the mail outbox."""

from __future__ import annotations
