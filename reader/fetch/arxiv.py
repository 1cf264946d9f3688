"""arXiv links: which URLs are one paper, its canonical URL, and where its full text lives.

An abs, pdf or html link to any version (v1, v2, ...) of a paper, new-style ids
(2101.00001) and old-style ones (hep-th/9901001, math.GT/0309136) alike, is one article
whose canonical URL is https://arxiv.org/abs/ID without a version. The full text is the
HTML version (https://arxiv.org/html/ID) where arXiv has one, else the PDF.

`ArxivUrls.base` says where requests go; tests point it at a local server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

CANONICAL_BASE = "https://arxiv.org"
HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})
_NEW_ID = r"\d{4}\.\d{4,5}"
_OLD_ID = r"[a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7}"
_PATH = re.compile(rf"^/(abs|pdf|html)/({_NEW_ID}|{_OLD_ID})(v\d+)?(?:\.pdf)?/?$")


@dataclass(frozen=True)
class ArxivId:
    id: str  # without version
    version: str | None  # "v2", or None for the latest


def parse_arxiv(url: str, *, hosts: frozenset[str] = HOSTS) -> ArxivId | None:
    """The paper an arXiv abs/pdf/html URL points at, or None for any other URL."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    netloc = f"{host}:{parts.port}" if parts.port else host
    if host not in hosts and netloc not in hosts:
        return None
    match = _PATH.match(parts.path)
    if not match:
        return None
    return ArxivId(match.group(2), match.group(3))


def canonical_url(paper: ArxivId) -> str:
    """The one URL every link to any version of the paper becomes."""
    return f"{CANONICAL_BASE}/abs/{paper.id}"


@dataclass(frozen=True)
class ArxivUrls:
    """Where to ask for a paper's pages; `base` is https://arxiv.org unless a test says."""

    base: str = CANONICAL_BASE

    def abs_url(self, paper: ArxivId) -> str:
        return f"{self.base}/abs/{paper.id}"

    def html_url(self, paper: ArxivId) -> str:
        return f"{self.base}/html/{paper.id}"

    def pdf_url(self, paper: ArxivId) -> str:
        return f"{self.base}/pdf/{paper.id}"

    def request_url(self, url: str) -> str:
        """The URL to fetch for a stored article URL (arXiv ones go to `base`)."""
        paper = parse_arxiv(url)
        return self.abs_url(paper) if paper else url
