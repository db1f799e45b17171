"""A three-way merge of one free text (a text section's field): the version someone started from (base), what
they wrote (mine) and what another person saved meanwhile (theirs).

Pure. The texts are compared by lines (a paragraph is a run of lines; Windows and old Mac line ends count as
one line end). Parts only one side changed merge by themselves; the same change on both sides is kept once.
Where both sides changed the same lines differently, a closer look may still merge them: line by line when
neither added or removed a line there; lines one side only added around a line the other changed; by sentences
(one person changed the first sentence of a paragraph, the other added one at its end); lines both begin or
end the part with, kept once. What still does not merge keeps both texts one after the other — theirs, then
mine — named as an `Overlap` (lines of the merged text), so nothing either person wrote is lost.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import Enum

#: a sentence ends at . ! or ? before white space; a line end always ends a piece
_SENTENCE = re.compile(r"(?<=[.!?])(?=\s)|(?=\n)")


class OverlapKind(Enum):
    """How the two sides met on the same lines."""

    BOTH_CHANGED = "both_changed"  # both texts kept: theirs, then mine
    THEY_REMOVED = "they_removed"  # they removed what I changed: mine kept
    I_REMOVED = "i_removed"  # I removed what they changed: theirs kept


@dataclass(frozen=True)
class Overlap:
    """Lines of the merged text where both sides changed the same part: the other's text comes first
    (`theirs_lines` lines from `first_line`, counted from 1), then one's own (`mine_lines` lines)."""

    first_line: int
    theirs_lines: int
    mine_lines: int

    @property
    def kind(self) -> OverlapKind:
        """Whether both texts are there, or one side had removed the part the other changed."""
        if self.theirs_lines == 0:
            return OverlapKind.THEY_REMOVED
        if self.mine_lines == 0:
            return OverlapKind.I_REMOVED
        return OverlapKind.BOTH_CHANGED

    @property
    def mine_first(self) -> int:
        """The first line of one's own text in the merged text."""
        return self.first_line + self.theirs_lines


@dataclass(frozen=True)
class Merged:
    """The merged text (line ends as `\\n`) and the parts both sides changed (none: it merged by itself)."""

    text: str
    overlaps: tuple[Overlap, ...]

    @property
    def clean(self) -> bool:
        """True when no part was changed by both sides differently."""
        return not self.overlaps


@dataclass(frozen=True)
class _Both:
    """A part both sides changed differently: their lines, then mine."""

    theirs: list[str]
    mine: list[str]


_Part = list[str] | _Both


def lines(text: str) -> list[str]:
    """A text as its lines, whatever the line ends (CRLF, CR, LF); the empty text has none."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n") if text else []


#: the most lines (or, within an overlap, sentences) a text may have to be merged: the matching is cubic in the worst
#: case (many equal lines: 200 take 0.14 s, 2,000 minutes), and a plan's text field is a few paragraphs
MAX_PARTS = 120


def mergeable(base: str, mine: str, theirs: str) -> bool:
    """Whether the three texts are short enough to merge (`MAX_PARTS` lines each); else no merge is offered."""
    return all(len(lines(text)) <= MAX_PARTS for text in (base, mine, theirs))


def merge(base: str, mine: str, theirs: str) -> Merged:
    """Merge `mine` and `theirs`, both made from `base`: what only one side changed is taken, the same change
    on both sides once, and where both changed the same lines differently both texts stay (theirs first) and
    the overlap is named (see the module's docstring)."""
    out: list[str] = []
    overlaps: list[Overlap] = []
    for part in _merge_lines(lines(base), lines(mine), lines(theirs)):
        if isinstance(part, _Both):
            overlaps.append(Overlap(len(out) + 1, len(part.theirs), len(part.mine)))
            out += part.theirs + part.mine
        else:
            out += part
    return Merged("\n".join(out), tuple(overlaps))


def _merge_lines(base: list[str], mine: list[str], theirs: list[str]) -> list[_Part]:
    """The line-level three-way merge: the parts in order, merged or both."""
    parts: list[_Part] = []
    for b, m, t in _chunks(base, mine, theirs):
        if m == t or t == b:
            parts.append(m)
        elif m == b:
            parts.append(t)
        else:
            parts += _resolve(b, m, t)
    return _joined(parts)


def _resolve(base: list[str], mine: list[str], theirs: list[str]) -> list[_Part]:
    """A part both sides changed: line by line when no line was added or removed there, then by sentences; what
    still overlaps keeps both."""
    if len(base) == len(mine) == len(theirs) > 1:
        parts: list[_Part] = []
        for b, m, t in zip(base, mine, theirs, strict=True):
            if m == t or t == b:
                parts.append([m])
            elif m == b:
                parts.append([t])
            else:
                parts += _resolve([b], [m], [t])
        return parts
    around = _around(base, mine, theirs)
    if around is not None:
        return [around]
    if base and mine and theirs:
        by_sentence = _merge_sentences("\n".join(base), "\n".join(mine), "\n".join(theirs))
        if by_sentence is not None:
            return [by_sentence.split("\n")]
    return _trimmed(base, mine, theirs)


def _trimmed(base: list[str], mine: list[str], theirs: list[str]) -> list[_Part]:
    """Lines both sides begin or end the part with are theirs and mine alike: kept once. If then nothing is left
        on one side and only new lines on the other, those were added beside the shared change: kept; only lines of
    the base, the one side removed what the other left as it was: removed. Otherwise
        what is left overlaps (all of it, when the two sides share no line there)."""
    start = 0
    while start < min(len(mine), len(theirs)) and mine[start] == theirs[start]:
        start += 1
    end = 0
    while end < min(len(mine), len(theirs)) - start and mine[-1 - end] == theirs[-1 - end]:
        end += 1
    if not start and not end:
        return [_Both(theirs, mine)]
    rest_mine, rest_theirs = mine[start : len(mine) - end], theirs[start : len(theirs) - end]
    for rest, empty, longer, shorter in (
        (rest_mine, rest_theirs, mine, theirs),
        (rest_theirs, rest_mine, theirs, mine),
    ):
        if not empty and not set(rest) & set(base):  # only lines added beside the shared change
            return [longer]
        if not empty and set(rest) <= set(base):  # only lines kept as they were, which the other side removed
            return [shorter]
    middle: _Part = _Both(rest_theirs, rest_mine)
    return [mine[:start], middle, mine[len(mine) - end :]]


def _around(base: list[str], mine: list[str], theirs: list[str]) -> list[str] | None:
    """When one side left the part as it was and only added lines before or after it, the other side's change of
    the part with those lines around it; None otherwise."""
    if not base:
        return None
    for added, changed in ((mine, theirs), (theirs, mine)):
        for k in range(len(added) - len(base) + 1):
            if added[k : k + len(base)] == base:
                return added[:k] + changed + added[k + len(base) :]
    return None


def _merge_sentences(base: str, mine: str, theirs: str) -> str | None:
    """The same merge by sentences; None when both sides changed the same sentence (no clean merge), or when a
    text has more than `MAX_PARTS` sentences (one huge line: not worth the matching's time)."""
    pieces = [_sentences(text) for text in (base, mine, theirs)]
    if any(len(p) > MAX_PARTS for p in pieces):
        return None
    out: list[str] = []
    for b, m, t in _chunks(*pieces):
        if m == t or t == b:
            out += m
        elif m == b:
            out += t
        else:
            return None
    return "".join(out)


def _sentences(text: str) -> list[str]:
    """A text as pieces that join back to it exactly: each sentence with the white space before it."""
    return [piece for piece in _SENTENCE.split(text) if piece]


def _joined(parts: list[_Part]) -> list[_Part]:
    """Neighbouring overlaps as one (theirs together, then mine together), merged lines as one run."""
    out: list[_Part] = []
    for part in parts:
        last = out[-1] if out else None
        if isinstance(part, _Both) and isinstance(last, _Both):
            out[-1] = _Both(last.theirs + part.theirs, last.mine + part.mine)
        elif isinstance(part, list) and isinstance(last, list):
            out[-1] = last + part
        else:
            out.append(part)
    return out


def _chunks(
    base: Sequence[str], mine: Sequence[str], theirs: Sequence[str]
) -> list[tuple[list[str], list[str], list[str]]]:
    """The three texts cut at the parts neither side changed: (base, mine, theirs) per part, in order (diff3)."""
    chunks: list[tuple[list[str], list[str], list[str]]] = []
    ib = im = it = 0
    for b0, b1, m0, m1, t0, t1 in _stable(base, mine, theirs):
        if (ib, im, it) != (b0, m0, t0):
            chunks.append((list(base[ib:b0]), list(mine[im:m0]), list(theirs[it:t0])))
        if b1 > b0:
            same = list(base[b0:b1])
            chunks.append((same, same, same))
        ib, im, it = b1, m1, t1
    return chunks


def _stable(
    base: Sequence[str], mine: Sequence[str], theirs: Sequence[str]
) -> list[tuple[int, int, int, int, int, int]]:
    """The runs of base that both sides kept unchanged, as (base, mine, theirs) start and end, and a last empty
    run at the three ends."""
    ours = SequenceMatcher(None, base, mine, autojunk=False).get_matching_blocks()
    other = SequenceMatcher(None, base, theirs, autojunk=False).get_matching_blocks()
    runs: list[tuple[int, int, int, int, int, int]] = []
    i = j = 0
    while i < len(ours) and j < len(other):
        ob, om, olen = ours[i]
        tb, tt, tlen = other[j]
        start, end = max(ob, tb), min(ob + olen, tb + tlen)
        if start < end:
            m0, t0 = om + start - ob, tt + start - tb
            runs.append((start, end, m0, m0 + end - start, t0, t0 + end - start))
        if ob + olen < tb + tlen:
            i += 1
        else:
            j += 1
    runs.append((len(base), len(base), len(mine), len(mine), len(theirs), len(theirs)))
    return runs
