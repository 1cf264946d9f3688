"""The byline search gives exactly what trafilatura's extract_author gives, on real and odd pages."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from trafilatura.metadata import extract_author
from trafilatura.utils import load_html

from reader.extract.metadata import _needed_literals, page_author

from .conftest import corpus

PAGES = Path(__file__).parent / "pages"

ODD_PAGES = [
    # A byline holding a date that extract_author cuts from its copy (the text changes).
    "<html><body><div class='byline'>By Ada Lovelace <time>3 May</time> in London</div></body></html>",
    # A byline inside a comments block: cut, so the next candidate wins.
    "<html><body><div id='comments'><span class='author'>Troll Person</span></div>"
    "<p class='byline'>Grace Hopper</p></body></html>",
    # Inside a figure: cut.
    "<html><body><figure><span class='author-name'>Photo Credit</span></figure></body></html>",
    # Matched only by the regular expressions (no exact class).
    "<html><body><span class='post-AuthorName x'>Alan Turing</span></body></html>",
    "<html><body><div id='articleAuthor'>Barbara Liskov</div></body></html>",
    "<html><body><a class='ByLine-link'>Edsger Dijkstra</a></body></html>",
    # Too short, then too long, then right.
    "<html><body><span class='author'>Al</span><span class='author'>" + "x " * 80 + "</span>"
    "<p class='byline'>Frances Allen</p></body></html>",
    # The tail of a cut element stays in the text around it.
    "<html><body><div class='byline'>By<figure>pic</figure>Katherine Johnson</div></body></html>",
    "<html><body><p>No byline at all.</p></body></html>",
]


def _same(html: str) -> None:
    tree = load_html(html)
    assert page_author(tree) == extract_author(load_html(html))


@pytest.mark.parametrize("html", ODD_PAGES)
def test_odd_pages_match_trafilatura(html: str) -> None:
    _same(html)


def test_test_pages_match_trafilatura() -> None:
    for path in sorted(PAGES.glob("*.html")):
        _same(path.read_text("utf-8", errors="replace"))


def test_article_extraction_corpus_matches_trafilatura() -> None:
    folder = corpus("article-extraction")
    found = 0
    for path in sorted((folder / "html").glob("*.html.gz")):
        html = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
        tree = load_html(html)
        expected = extract_author(load_html(html))
        assert page_author(tree) == expected, path.name
        found += expected is not None
    assert found > 50  # the comparison covered real bylines, not only misses


def test_needed_literals_are_in_every_match() -> None:
    import re

    for pattern in ("author-?name|AuthorName|authorName", "[Aa]uthor|screenname|writer|[Bb]yline",
                    "^comments|comment-?list|article-(?:share|support)"):
        literals = _needed_literals(pattern)
        assert literals is not None
        for text in ("authorname", "author-name", "Authors", "byline-x", "comments", "commentlist",
                     "article-share", "x-writer"):
            if re.search(pattern, text):
                assert any(lit in text for lit in literals), (pattern, text)
    assert _needed_literals("ab?c") is None  # no run of three needed characters
    assert _needed_literals(r"\d+ author") is None  # escapes are not read
