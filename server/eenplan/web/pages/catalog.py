"""The pages' message catalog: extract every marked text and write the .po files (a developer's tool).

    .venv/bin/python -m eenplan.web.pages.catalog      # after changing texts; keeps existing translations

Texts are marked `_("…")` in `web/pages/*.py` and `{{ _("…") }}` / `{% trans %}` in `web/templates/*.html`;
`tests/web/test_pages_catalog.py` fails when a catalog misses one.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from .i18n import LOCALE_DIR, SOURCE_LANGUAGE, catalog_path

WEB_DIR = Path(__file__).resolve().parent.parent
METHOD_MAP = [("pages/**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")]
OPTIONS = {"templates/**.html": {"trim_blocks": "True", "lstrip_blocks": "True"}}


def extracted() -> set[str]:
    """Every text the pages and templates mark for translation."""
    found: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        WEB_DIR, METHOD_MAP, OPTIONS, keywords={"_": None, "gettext": None, "ngettext": (1, 2)}
    ):
        found.update([message] if isinstance(message, str) else [m for m in message if m])
    return found


def update(language: str) -> Path:
    """Write the catalog of `language` with every extracted text (existing translations kept, stale ones dropped)."""
    path = catalog_path(language)
    old: Catalog | None = None
    if path.exists():
        with path.open("rb") as handle:
            old = read_po(handle, locale=language)
    catalog = Catalog(locale=language, project="eenplan", charset="utf-8", fuzzy=False)
    for message in sorted(extracted()):
        kept = old.get(message) if old is not None else None
        catalog.add(message, kept.string if kept is not None else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=0, omit_header=False, sort_output=True)
    return path


if __name__ == "__main__":
    languages = sorted(p.name for p in LOCALE_DIR.iterdir() if p.is_dir()) if LOCALE_DIR.exists() else []
    for lang in languages or [SOURCE_LANGUAGE]:
        print(update(lang), file=sys.stderr)
