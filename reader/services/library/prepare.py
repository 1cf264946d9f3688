"""Everything a fetched page needs before it is stored, done in an extraction worker.

The worker that extracts a page also compresses its HTML, hashes its words and signs its text
for near-duplicate checks. Done in the parent, those steps were a fifth of its CPU on a batch
(bench/extraction.py), and the parent (fetching, SQLite) is the one process a batch waits on;
in the workers they run on every core. The results are exactly what the parent computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reader.extract.article import Extracted, extract_article

# Imported here, not when first used, so that the forkserver loads them once for every worker.
from reader.ml.minhash import signature
from reader.services.library.fingerprint import text_hash
from reader.storage.html_blob import compress_html


@dataclass
class Prepared:
    """A page's extraction, plus what storing it needs."""

    extracted: Extracted
    html_blob: bytes | None  # the page as the library keeps it (reader.storage.articles)
    content_hash: str | None  # fingerprint.text_hash of the text; None when it has no text
    signature: Any  # minhash.signature of the text (None when too short to sign)


def prepare_page(html: str, url: str | None = None) -> Prepared:
    """Extract one page and compute what storing it needs (runs in a worker process)."""
    extracted = extract_article(html, url)
    return prepared(extracted, html)


def prepared(extracted: Extracted, html: str | None) -> Prepared:
    text = extracted.text or ""
    has_text = bool(text.strip())
    return Prepared(
        extracted=extracted,
        html_blob=compress_html(html),
        content_hash=text_hash(text) if has_text else None,
        signature=signature(text) if has_text else None,
    )
