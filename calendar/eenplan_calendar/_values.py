"""How eenplan writes text into iCalendar: TEXT values escaped exactly, and display names (CN) that every
parser reads the same."""

from __future__ import annotations

from icalendar import vText


class Text(vText):
    """A TEXT value escaped exactly by RFC 5545 §3.3.11 (backslash, semicolon, comma).

    icalendar's own escaping first turns the two characters ``\\N`` into a line break, so a location
    typed as ``Kamer \\N2`` arrived as two lines. Here every character typed survives the round trip.
    Line breaks are refused before this; should one get through anyway it is still escaped, never raw."""

    def to_ical(self) -> bytes:
        """The escaped value as UTF-8."""
        text = str(self).replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
        return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n").encode("utf-8")


def cn(name: str) -> str:
    """A display name as a CN parameter. Parameter values have no escape for a backslash (RFC 6868 knows
    only ^n ^^ ^'), and parsers differ: ical.js (Thunderbird) reads ``\\N`` in a CN as a line break, icalendar
    as two characters. A backslash is therefore written as U+FF3C, which looks the same and reads the same."""
    return name.replace("\\", "\uff3c")
