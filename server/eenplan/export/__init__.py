"""Exports of the plan (PDF)."""
