"""Tables for sign-in sessions, magic links and OIDC identities."""

from __future__ import annotations
