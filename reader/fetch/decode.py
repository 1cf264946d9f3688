"""Turn fetched bytes into text: content-type sniffing and charset detection.

Order of trust for the charset: a byte-order mark, then bytes that are valid UTF-8
(a page whose declared single-byte charset is wrong is almost always UTF-8 in truth,
and text in another charset almost never validates as UTF-8), then the charset the
header declares, then the one in <meta>, then a statistical guess, then cp1252.
A few invalid bytes never move a page off its charset: UTF-8 with more valid letters
than bad bytes stays UTF-8, a declared charset failing on at most 1 in 100 of its
non-ASCII bytes stays that charset, and only the bad bytes become U+FFFD.
"""

from __future__ import annotations

import codecs
import re

# Labels that browsers treat as windows-1252 (its superset), per the WHATWG encoding standard.
_CP1252_LABELS = {
    "iso-8859-1",
    "iso8859-1",
    "latin1",
    "latin-1",
    "l1",
    "us-ascii",
    "ascii",
    "cp819",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""")
_HTML_START = re.compile(
    rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|title|meta|p|div|h1|script|style|a)\b",
    re.IGNORECASE | re.DOTALL,
)
_XML_START = re.compile(rb"^\s*<(?:\?xml|rss|feed|rdf:RDF)\b", re.IGNORECASE)
_FEED_ROOT = re.compile(rb"<(rss|feed|rdf:RDF)\b", re.IGNORECASE)
_SEVEN_BIT = ("iso2022", "utf-7", "hz")
_ASCII_BYTES = bytes(range(128))
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/feed+json",
    }
)
# Types that say nothing about the content: we look at the bytes instead.
GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream", "text/plain"})
# How far into a document we look for declarations and sniffable markup.
_HEAD_BYTES = 4096


def codec_name(label: str | None) -> str | None:
    """The Python codec for a charset label, or None when it is unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _CP1252_LABELS:
        return "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def meta_charset(body: bytes) -> str | None:
    """The charset an HTML <meta> tag (or an XML declaration) states, if any."""
    head = body[:_HEAD_BYTES]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def sniff_type(body: bytes) -> str | None:
    """Guess a media type from the first bytes: text/html, application/xml or a feed type."""
    head = body[:_HEAD_BYTES].lstrip(b"\xef\xbb\xbf")
    if _XML_START.match(head):
        root = _FEED_ROOT.search(head)
        if root is None:
            # An XML declaration followed by an XHTML document is still a web page.
            return "application/xhtml+xml" if b"<html" in head.lower() else "application/xml"
        kind = root.group(1).lower()
        return "application/atom+xml" if kind == b"feed" else "application/rss+xml"
    if _HTML_START.match(head):
        return "text/html"
    return None


def decode_body(body: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode a page; returns (text, codec used). Never raises."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body.decode(name, errors="replace"), name
    labels = (declared, meta_charset(body))
    for label in labels:
        # 7-bit encodings look like ASCII, so only their declaration identifies them.
        name = codec_name(label)
        if name and name.startswith(_SEVEN_BIT) and body.isascii():
            return body.decode(name, errors="replace"), name
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return text, "utf-8"
    if _mostly_utf8(body):
        # A few stray bytes in a UTF-8 page: replace those, keep every other letter.
        return body.decode("utf-8", errors="replace"), "utf-8"
    for label in labels:
        name = codec_name(label)
        if name is None or name == "utf-8":
            continue  # bytes that are not mostly UTF-8 are not UTF-8
        try:
            return body.decode(name), name
        except UnicodeDecodeError:
            if _few_errors(body, name):
                return body.decode(name, errors="replace"), name
        except LookupError:
            continue
    name = _guess(body)
    return body.decode(name, errors="replace"), name


def _error_count(body: bytes, name: str) -> tuple[int, str]:
    """How many undecodable sequences body holds in codec `name`, and the text without them."""
    kept = body.decode(name, errors="ignore")
    return len(body.decode(name, errors="replace")) - len(kept), kept


def _mostly_utf8(body: bytes) -> bool:
    """UTF-8 with a few invalid bytes: at least as many valid non-ASCII letters as errors."""
    errors, kept = _error_count(body, "utf-8")
    letters = len(kept) - len(kept.encode("ascii", errors="ignore"))
    return letters > 0 and letters >= errors


def _few_errors(body: bytes, name: str) -> bool:
    """A declared charset that fails on a handful of bytes (at most 1 in 100 non-ASCII)."""
    errors, _kept = _error_count(body, name)
    high = len(body.translate(None, _ASCII_BYTES))
    return errors <= max(1, high // 100)


def _guess(body: bytes) -> str:
    """A statistical guess (charset-normalizer ships with httpx), preferring cp1252 on ties."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - httpx normally brings it
        return "cp1252"
    matches = from_bytes(body[:65536])
    best = matches.best()
    if best is None:
        return "cp1252"
    # Short texts fit many neighbouring code pages equally well: take the web's default.
    for match in matches:
        if (
            codec_name(match.encoding) == "cp1252"
            and match.chaos <= best.chaos
            and match.coherence >= best.coherence
        ):
            return "cp1252"
    if best.coherence == 0:
        try:
            body.decode("cp1252")
        except UnicodeDecodeError:
            pass
        else:
            return "cp1252"  # no language evidence at all
    return codec_name(best.encoding) or "cp1252"


def parse_content_type(value: str | None) -> tuple[str, str | None]:
    """The media type (lower-cased) and the charset parameter of a Content-Type header."""
    if not value:
        return "", None
    mime, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip("\"'")
    return mime.strip().lower(), charset


def settle_type(mime: str, body: bytes) -> str:
    """The declared type, or what the bytes look like when the declaration says nothing."""
    if mime in GENERIC_TYPES:
        return sniff_type(body) or mime
    return mime


def unsupported(mime: str) -> str:
    """The error for a type we will not read."""
    return f"unsupported content type {mime}" if mime else "unrecognised content (no content type)"
