"""Reading a member's message to the journaal (issue 14 item 6): the decrypted MIME entity's text/plain part,
its protected Subject (Autocrypt / "Memory Hole" protected headers: on the inner entity) and whether it had
attachments. Only this reads a text part, and only of a message the household key decrypted and the sender's
pinned key signed. No HTML is ever rendered or kept: a message with only HTML gives its text without tags.
"""

from __future__ import annotations

import html
import re
from email.message import Message

from eenplan.domain.journaal import Post

from .inbound import MAX_DEPTH, MAX_PARTS, parse

_TAG = re.compile(r"<[^>]*>")
_HIDDEN = re.compile(r"(?is)<(script|style|head)\b.*?</\1\s*>")
_BREAK = re.compile(r"(?i)<\s*(br|/p|/div|/li|/tr)\b[^>]*>")


def _decoded(part: Message) -> str | None:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return None
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, "replace")
    except LookupError:  # an unknown charset name
        return payload.decode("utf-8", "replace")


def _is_attachment(part: Message) -> bool:
    return (part.get_content_disposition() or "") == "attachment" or (
        part.get_filename() is not None and part.get_content_type() not in ("text/plain", "text/html")
    )


def _walk(msg: Message) -> tuple[str | None, str | None, bool]:
    """(first text/plain, first text/html, whether any other leaf or an attachment was seen)."""
    plain: str | None = None
    markup: str | None = None
    attached = False
    seen = 0

    def walk(part: Message, depth: int) -> None:
        nonlocal plain, markup, attached, seen
        seen += 1
        if seen > MAX_PARTS or depth > MAX_DEPTH:
            return
        if part.is_multipart():
            for child in part.get_payload() or []:
                if isinstance(child, Message):
                    walk(child, depth + 1)
            return
        kind = part.get_content_type()
        if _is_attachment(part):
            attached = True
        elif kind == "text/plain" and depth > 0 and part.get_param("protected-headers") is not None:
            return  # a "legacy display" part: the protected headers again, for old clients (not the text)
        elif kind == "text/plain" and plain is None:
            plain = _decoded(part)
        elif kind == "text/html" and markup is None:
            markup = _decoded(part)
        elif kind not in ("text/plain", "text/html", "text/rfc822-headers"):
            attached = True  # a key, an image, anything else: never kept

    walk(msg, 0)
    return plain, markup, attached


def _unmarked(markup: str) -> str:
    return html.unescape(_TAG.sub("", _BREAK.sub("\n", _HIDDEN.sub("", markup))))


def read_post(entity: bytes) -> Post | None:
    """The post inside a decrypted entity, or None when it holds no text at all."""
    msg = parse(entity)
    plain, markup, attached = _walk(msg)
    text = plain if plain is not None else (_unmarked(markup) if markup is not None else None)
    if text is None or not text.strip():
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    subject = str(msg["Subject"]) if msg["Subject"] is not None else None
    return Post(text=text, subject=subject, had_attachments=attached)
