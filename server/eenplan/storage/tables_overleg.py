"""Tables for overleggen, date polls and attendance."""

from __future__ import annotations
