"""The pages' texts: Dutch (B1) is the source language; the gettext catalog lets other languages follow.

The catalog (`web/locale/<lang>/LC_MESSAGES/messages.po`) is compiled in memory at start-up, so nothing
built is committed. Python code marks its texts with `_("…")`; templates with `{{ _("…") }}` or
`{% trans %}`. `tests/web/test_pages_catalog.py` fails when the catalog misses a text.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
#: the language of the msgids, and the only catalog so far
SOURCE_LANGUAGE = "nl"


def catalog_path(language: str = SOURCE_LANGUAGE) -> Path:
    """Where the .po file of a language lives."""
    return LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"


@functools.cache
def translations(language: str = SOURCE_LANGUAGE) -> NullTranslations:
    """The compiled catalog of a language (read once per process; the source language falls back to msgids)."""
    path = catalog_path(language)
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def _(message: str) -> str:
    """A text of the pages in the reader's language (for now: the source language)."""
    return translations().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """A text that depends on a number ("1 minuut", "5 minuten"), in the reader's language."""
    return translations().ngettext(singular, plural, n)
