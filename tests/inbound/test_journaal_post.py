"""Reading a member's decrypted post (eenplan_mail.journaal_post): the text/plain part, the protected Subject,
whether it had attachments; HTML only as text without tags; the old clients' "legacy display" part skipped."""

from __future__ import annotations

from eenplan_mail.journaal_post import read_post


def test_the_text_and_the_protected_subject_are_read_and_attachments_only_noted():
    entity = (
        b'Content-Type: multipart/mixed; protected-headers="v1"; boundary="b"\r\nSubject: Rapport\r\n\r\n'
        b'--b\r\nContent-Type: text/plain; charset="us-ascii"; protected-headers="v1"\r\n'
        b"Content-Disposition: inline\r\n\r\nSubject: Rapport\r\n"
        b"--b\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Het rapport is bin=C3=A9n.\r\nTot zondag.\r\n"
        b"--b\r\nContent-Type: image/png; name=a.png\r\nContent-Disposition: attachment\r\n\r\niVBOR\r\n--b--\r\n"
    )
    post = read_post(entity)
    assert post is not None and post.subject == "Rapport" and post.had_attachments
    assert post.text.splitlines()[:2] == ["Het rapport is binén.", "Tot zondag."]


def test_html_only_becomes_text_without_tags_and_no_text_is_none():
    html = (
        b"Content-Type: text/html; charset=UTF-8\r\n\r\n"
        b"<style>p{}</style><p>Hallo <b>oma</b></p><script>x()</script><p>Groet &amp; tot snel</p>"
    )
    post = read_post(html)
    assert post is not None and "<" not in post.text and "Hallo oma" in post.text and "Groet & tot snel" in post.text
    assert "x()" not in post.text and "p{}" not in post.text
    assert not post.had_attachments and post.subject is None
    assert read_post(b"Content-Type: text/plain\r\n\r\n   \r\n") is None
    assert read_post(b"Content-Type: application/pdf\r\n\r\nJVBERi0=\r\n") is None
