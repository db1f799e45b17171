"""The walk of a household's pages (issue 12 item 9): start at the household's start page, follow its
same-origin links under `/huishoudens/{id}` (GET only, breadth-first, bounded), and keep everything that comes
back as text (HTML, a PDF's text, every member of a zip, .ics), to look for markers in (crawl_markers.py).

Nothing here knows which pages exist, and nothing here imports Playwright: the browser test and the
non-browser test (tests/web/test_pages_no_leak.py) each give `walk` their own way to fetch a page.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlencode, urljoin, urlsplit

#: how many pages (and downloads) one walk fetches at most: the household's pages are a handful, each overleg
#: and version adds a few; a walk that needs more is following something endless
MAX_FETCHES = 120


# ---------------------------------------------------------------------------------------------------------
# What came back, as text


class _Links(HTMLParser):
    """The links of a page and its GET forms as they would be sent untouched (each field's own value, a
    select's selected or first option, the first of a group of radio buttons that is checked)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self._form: tuple[str, list[tuple[str, str]]] | None = None
        self._select: tuple[str, list[str], list[str]] | None = None  # name, options, selected ones

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.hrefs.append(a["href"])
        elif tag == "form" and a.get("method", "get").lower() == "get":
            self._form = (a.get("action", ""), [])
        elif self._form is not None and tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind not in ("submit", "button", "reset", "file") and (
                kind not in ("radio", "checkbox") or "checked" in a
            ):
                self._form[1].append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select = (a["name"], [], [])
        elif self._select is not None and tag == "option":
            value = a.get("value", "")
            self._select[1].append(value)
            if "selected" in a:
                self._select[2].append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None and self._form is not None:
            name, options, selected = self._select
            chosen = selected[:1] or options[:1]
            self._form[1].extend((name, v) for v in chosen)
            self._select = None
        elif tag == "form" and self._form is not None:
            action, fields = self._form
            self.hrefs.append(f"{action}?{urlencode(fields)}" if fields else action)
            self._form = None


def links_in(html: str) -> list[str]:
    """Every `<a href>` of a page, as written, and every GET form as sent without changes."""
    parser = _Links()
    parser.feed(html)
    return parser.hrefs


def pdf_text(body: bytes) -> str:
    """The text of every page of a PDF (pypdf), plus its metadata (a title is content too)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(body))
    parts = [page.extract_text() or "" for page in reader.pages]
    parts += [str(v) for v in (reader.metadata or {}).values()]
    return "\n".join(parts)


def body_texts(content_type: str, body: bytes, name: str = "") -> list[str]:
    """What a response holds, as texts: a PDF's text, every member of a zip (PDFs in it as text), anything
    else decoded as UTF-8 (HTML, JSON, .ics)."""
    if content_type == "application/pdf" or body.startswith(b"%PDF"):
        return [pdf_text(body), body.decode("latin-1")]
    if content_type in ("application/zip", "application/x-zip-compressed") or body.startswith(b"PK\x03\x04"):
        out: list[str] = []
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            for member in archive.infolist():
                out.append(member.filename)
                out += body_texts("", archive.read(member), member.filename)
        return out
    return [body.decode("utf-8", errors="replace")]


def found(markers: dict[str, str], texts: Iterable[str]) -> dict[str, str]:
    """The markers that occur in the texts (also with the texts' whitespace removed: a PDF may wrap a line
    anywhere); place → marker."""
    squeezed = [(t, re.sub(r"\s+", "", t)) for t in texts]
    return {p: m for p, m in markers.items() if any(m in t or m in s for t, s in squeezed)}


# ---------------------------------------------------------------------------------------------------------
# The walk


@dataclass
class Fetched:
    """One answer on the walk: where, status, type, and its texts (body and the headers people see)."""

    url: str
    status: int
    content_type: str
    texts: list[str]
    headers: dict[str, str]
    links: list[str] = field(default_factory=list)


@dataclass
class Walk:
    """Every answer one person's walk collected, by path (with query)."""

    prefix: str
    fetched: dict[str, Fetched] = field(default_factory=dict)

    def reached(self, page: str) -> bool:
        """Whether the page `<prefix>/<page>` answered 200."""
        hit = self.fetched.get(f"{self.prefix}/{page}")
        return hit is not None and hit.status == 200

    def summary(self) -> str:
        """Each path walked (the household's id cut off) with its status, for a readable failure."""
        return ", ".join(f"{path.removeprefix(self.prefix) or '/'} {got.status}" for path, got in self.fetched.items())

    def texts(self) -> list[str]:
        """All texts of all answers."""
        return [t for f in self.fetched.values() for t in f.texts]

    def broken(self) -> list[tuple[str, int]]:
        """Links under the prefix that did not answer (a 4xx or 5xx a person would meet by clicking)."""
        return [(path, f.status) for path, f in self.fetched.items() if f.status >= 400]


def local_path(base: str, href: str, prefix: str) -> str | None:
    """A link as a same-origin path (with query, without fragment) when it lies under `prefix`, else None."""
    absolute, _ = urldefrag(urljoin(base, href))
    parts, origin = urlsplit(absolute), urlsplit(base)
    if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
        return None
    if parts.path != prefix and not parts.path.startswith(prefix + "/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


#: fetch one path → what came back (the link hrefs of an HTML page in `links`)
Fetch = Callable[[str], Awaitable[Fetched]]


async def walk(fetch: Fetch, origin: str, prefix: str, *, limit: int = MAX_FETCHES) -> Walk:
    """Breadth-first from `prefix` over same-origin links under it, each path once, at most `limit`."""
    result = Walk(prefix)
    queue = [prefix]
    seen = {prefix}
    while queue:
        path = queue.pop(0)
        assert len(result.fetched) < limit, f"the walk found more than {limit} pages under {prefix}"
        got = await fetch(path)
        result.fetched[path] = got
        for href in got.links:
            nxt = local_path(origin + path, href, prefix)
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return result


def headers_text(headers: dict[str, str]) -> str:
    """The headers a person may see (a download's file name, a redirect's target)."""
    shown = ("content-disposition", "location", "content-type")
    return "\n".join(f"{k}: {v}" for k, v in headers.items() if k.lower() in shown)
