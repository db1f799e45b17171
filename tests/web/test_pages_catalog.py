"""The pages' texts are all in the catalog (Dutch is the source language; other languages follow from it)."""

from __future__ import annotations

from babel.messages.pofile import read_po

from eenplan.web.pages.catalog import extracted
from eenplan.web.pages.i18n import LOCALE_DIR, catalog_path


def test_every_text_of_the_pages_is_in_every_catalog():
    texts = extracted()
    assert "Naar de inhoud" in texts and "Inloggen" in texts  # the extraction sees templates and code
    languages = [p.name for p in LOCALE_DIR.iterdir() if p.is_dir()]
    assert "nl" in languages
    for language in languages:
        with catalog_path(language).open("rb") as handle:
            catalog = read_po(handle, locale=language)
        missing = sorted(t for t in texts if catalog.get(t) is None)
        assert not missing, f"{language}: run `python -m eenplan.web.pages.catalog`; missing: {missing[:5]}"
