"""Any HTML, Markdown, plain-text or e-mail document (a newsletter issue): queue its links."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

from reader.errors import ImportFormatError
from reader.fetch.importers.capped import read_capped
from reader.fetch.importers.common import ItemCollector, decode_text
from reader.fetch.links import find_links
from reader.models import ImportBatch, ImportedItem

_HTML_SUFFIXES = (".html", ".htm", ".xhtml")
_MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd")
_FRONT_MATTER_URL = re.compile(
    r"^(?:url|canonical_url|permalink|link):\s*[\"']?(https?://[^\s\"']+)", re.M | re.I
)


def read_document(path: Path) -> ImportBatch:
    """The document's outbound links as items; the links it skipped, with why, in `skipped`."""
    collector = ItemCollector("document")
    raw = read_capped(path)
    if b"\x00" in raw[:8192] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFormatError(f"{path.name}: a binary file, not a document with links")
    if path.suffix.lower() == ".eml" or _looks_like_mail(raw):
        content, kind = _mail_body(raw, path)
    else:
        content = decode_text(raw, collector.problems)
        kind = document_kind(content, path.suffix)
    links, skipped = find_links(content, kind=kind, base_url=_own_url(content, kind))
    collector.batch.skipped.extend(skipped)
    for link in links:
        collector.add(ImportedItem(url=link.url, title=link.title), link.url)
    if not links:
        collector.problem(path.name, "no links worth queueing in this document")
    return collector.batch


def document_kind(content: str, suffix: str = "") -> str:
    """html, markdown or text: by file suffix, else by what the content looks like."""
    suffix = suffix.lower()
    if suffix in _HTML_SUFFIXES:
        return "html"
    if suffix in _MARKDOWN_SUFFIXES:
        return "markdown"
    head = content.lstrip()[:2000].lower()
    if head.startswith(("<!doctype html", "<html")) or re.search(
        r"<a\s[^>]*href\s*=", content, re.I
    ):
        return "html"
    if suffix == ".txt":
        return "text"
    if re.search(r"\[[^\]\n]+\]\(\S+\)|^ {0,3}\[[^\]]+\]:\s*\S+", content, re.M):
        return "markdown"
    return "text"


def _own_url(content: str, kind: str) -> str | None:
    """The document's own address, from Markdown front matter (HTML declares it in its head)."""
    if kind != "markdown" or not content.startswith("---"):
        return None
    end = content.find("\n---", 3)
    match = _FRONT_MATTER_URL.search(content[: end if end > 0 else 2000])
    return match.group(1) if match else None


def _looks_like_mail(raw: bytes) -> bool:
    head = raw[:2000].lstrip()
    has_headers = re.match(rb"^(?:[A-Za-z-]+:[^\n]*\r?\n)+", head) is not None
    return has_headers and re.search(rb"^MIME-Version:", head, re.M | re.I) is not None


def _mail_body(raw: bytes, path: Path) -> tuple[str, str]:
    """The HTML part of a saved e-mail, else its plain-text part."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    body = message.get_body(preferencelist=("html", "plain"))
    if body is None:
        raise ImportFormatError(f"{path.name}: an e-mail without an HTML or text part")
    try:
        content = body.get_content()
    except (LookupError, UnicodeError):  # an unknown or wrong charset
        content = body.get_payload(decode=True).decode("utf-8", errors="replace")
    return content, "html" if body.get_content_subtype() == "html" else "text"
