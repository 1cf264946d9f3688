"""Boilerplate across articles: lines one site repeats in many of its articles.

The way large web corpora are cleaned (line-level duplicate counts): every paragraph line of
every article of a site gets a key, and a key found in at least MIN_ARTICLES different
articles of that site is boilerplate there: a newsletter's sign-up box, a cookie notice the
extractor kept, "Read this in Spanish", "Thanks to Ann and Bo for reading drafts". Names
and numbers change from one issue to the next, so a line also gets a template key with its
capitalised words (past the first) and digits left out, used when enough words remain.

Pure functions: texts in, keys out. reader/services/search/boilerplate.py keeps them per site.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections import Counter
from collections.abc import Iterable

# A line repeated in this many different articles of one site is boilerplate there...
MIN_ARTICLES = 3
# ...and, on a site with many articles, in at least this share of them (a code line or a
# stock heading recurs in a few of hundreds of posts without being anyone's sign-up box).
MIN_SHARE = 0.02
# Shorter lines are left alone: they cost passages nothing and headings give them context.
MIN_LINE_WORDS = 4
# A template key needs this many words left, so that a line of names is not everything.
MIN_TEMPLATE_WORDS = 3
# An article is never mostly boilerplate: past this share of its characters, nothing is cut
# (a site that repeats whole articles has copies, which near-duplicate marking handles).
MAX_SHARE = 0.5
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?|\d+")
_LINE = re.compile(r"[^\n]+")
_JOINERS = {"and", "&", "und", "et", "y"}


def line_keys(line: str) -> tuple[str, ...]:
    """The keys of one line: its normalised words, and its template when different."""
    words = _WORD.findall(line)
    if len(words) < MIN_LINE_WORDS:
        return ()
    exact = " ".join(w.lower() for w in words)
    keys = [_digest("l:" + exact)]
    kept = [w.lower() for i, w in enumerate(words)
            if not w.isdigit() and (i == 0 or not w[:1].isupper()) and w.lower() not in _JOINERS]
    template = " ".join(kept)
    if len(kept) >= MIN_TEMPLATE_WORDS and template != exact:
        keys.append(_digest("t:" + template))
    return tuple(keys)


def article_keys(text: str) -> set[str]:
    """Every key of every line of one article (each counted once per article)."""
    keys: set[str] = set()
    for match in _LINE.finditer(text):
        keys.update(line_keys(match.group(0)))
    return keys


def repeated_keys(texts: Iterable[str], min_articles: int = MIN_ARTICLES) -> set[str]:
    """Keys found in enough of the texts (one site's articles) to be boilerplate there."""
    counts: Counter[str] = Counter()
    total = 0
    for text in texts:
        counts.update(article_keys(text))
        total += 1
    needed = max(min_articles, math.ceil(MIN_SHARE * total))
    return {key for key, n in counts.items() if n >= needed}


def is_boilerplate(line: str, keys: set[str] | frozenset[str]) -> bool:
    return bool(keys) and any(key in keys for key in line_keys(line))


def boilerplate_spans(text: str, keys: set[str] | frozenset[str]) -> list[tuple[int, int]]:
    """(start, end) of each line of `text` that is boilerplate."""
    if not keys:
        return []
    spans = [(m.start(), m.end()) for m in _LINE.finditer(text) if is_boilerplate(m.group(0), keys)]
    covered = sum(end - start for start, end in spans)
    return spans if covered <= MAX_SHARE * len(text.strip()) else []


def strip_boilerplate(text: str, keys: set[str] | frozenset[str]) -> str:
    """The text without its boilerplate lines (for summaries); the stored text is untouched."""
    spans = boilerplate_spans(text, keys)
    if not spans:
        return text
    parts, at = [], 0
    for start, end in spans:
        parts.append(text[at:start])
        at = end
    parts.append(text[at:])
    return re.sub(r"\n{3,}", "\n\n", "".join(parts)).strip()


def _digest(value: str) -> str:
    return hashlib.blake2b(value.encode("utf-8"), digest_size=8).hexdigest()
