"""Scholarly metadata in a page's <meta name="citation_*"> tags (Highwire Press, as Google
Scholar reads them): title, authors, date, abstract and the URL of the full-text PDF."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field

_META = re.compile(r"<meta\b[^>]*>", re.IGNORECASE)
_ATTR = re.compile(r"""([a-zA-Z_:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")
_DATE = re.compile(r"(\d{4})[/-](\d{1,2})(?:[/-](\d{1,2}))?")


@dataclass
class Citation:
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    published: str | None = None  # YYYY-MM-DD
    abstract: str | None = None
    pdf_url: str | None = None
    arxiv_id: str | None = None

    @property
    def author(self) -> str | None:
        return ", ".join(self.authors) if self.authors else None


def read_citation(page: str) -> Citation | None:
    """The citation_* metadata of an HTML page, or None when it has none."""
    found: dict[str, list[str]] = {}
    for tag in _META.findall(page[:500_000]):
        attrs = {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None)
                 for m in _ATTR.finditer(tag)}
        name = attrs.get("name", "").lower()
        if name.startswith("citation_") and attrs.get("content", "").strip():
            found.setdefault(name, []).append(_clean(attrs["content"]))
    if not found:
        return None
    first = {k: v[0] for k, v in found.items()}
    return Citation(
        title=first.get("citation_title"),
        authors=[_name(a) for a in found.get("citation_author", [])],
        published=_date(first.get("citation_date") or first.get("citation_publication_date")
                        or first.get("citation_online_date")),
        abstract=first.get("citation_abstract"),
        pdf_url=first.get("citation_pdf_url"),
        arxiv_id=first.get("citation_arxiv_id"),
    )


def _clean(value: str) -> str:
    return re.sub(r"\s+", " ", html_lib.unescape(value)).strip()


def _name(value: str) -> str:
    """"Lovelace, Ada" becomes "Ada Lovelace"; other forms stay as they are."""
    if value.count(",") == 1:
        last, first = (p.strip() for p in value.split(","))
        if last and first:
            return f"{first} {last}"
    return value


def _date(value: str | None) -> str | None:
    match = _DATE.search(value or "")
    if not match:
        return None
    year, month, day = match.group(1), int(match.group(2)), int(match.group(3) or 1)
    return f"{year}-{month:02d}-{day:02d}"
