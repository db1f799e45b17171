"""Tables for consent, overmacht and the NEN 7513 access log."""

from __future__ import annotations
