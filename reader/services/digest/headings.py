"""Section headings a writer would use: the theme's name when it reads as words, else a phrase
the section's articles share.

Machine labels ("read / exam", "rust, cargo") never head a section. The phrase comes from the
theme's keywords (or the label's parts), chosen by how many of the section's articles use it,
a phrase of two or three words preferred over one word, a word in their titles over one only
in their text (titles are prose; text may be code), and written as the articles write it
("New York", "interest rates"). Plain strings in, strings out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Sequence

from reader.services.digest.wording import reads_as_words

_PARTS = re.compile(r"\s*[/|,;·+]\s*")
PHRASE_BONUS = 1.25  # a phrase of several words counts as this many articles' worth per article
TITLE_WEIGHT = 1.0  # a word in the titles counts again: titles are written for people, not code
RANK_WEIGHT = 0.5  # the last keyword counts half as much as the first
# Code is no place for a heading: fenced blocks, indented blocks and `inline code`.
_CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`|^(?: {4}|\t).*$", re.S | re.M)
# A keyword is found with its common endings ("ferment": "fermentation", "fermented").
_ENDINGS = r"(?:s|es|ed|ing|ation|ations|er|ers)?"


def section_heading(
    label: str,
    keywords: Sequence[str],
    texts: Sequence[str],
    *,
    taken: Collection[str] = (),
    named: bool = False,
    others: Sequence[str] = (),
) -> str:
    """The heading for a section: its theme's label when that reads as words, else the keyword
    (or label part) most of its articles use, as they write it; the first article's title as
    a last resort. `texts`: the section's articles (title and text); `taken`: headings already
    used by other sections (compared lower-cased); `named`: the label is the user's own name
    for the theme, kept as they wrote it; `others`: the rest of the digest's articles, where a
    good heading is rare ("film" heads the film pieces; "best" is everywhere)."""
    used = {t.lower() for t in taken}
    texts = [_without_code(t) for t in texts]
    others = [_without_code(t) for t in others]
    if named or (reads_as_words(label) and label.lower() not in used):
        return label
    candidates: list[str] = []
    for word in [*keywords, *_PARTS.split(label)]:
        word = " ".join(word.split())
        if word and reads_as_words(word) and word.lower() not in {c.lower() for c in candidates}:
            candidates.append(word)
    best: tuple[float, int, str] | None = None
    for rank, candidate in enumerate(candidates):
        pattern = re.compile(rf"(?<!\w){re.escape(candidate)}{_ENDINGS}(?!\w)", re.I)
        forms: Counter[str] = Counter()
        hits = titled = 0
        for text in texts:
            found = pattern.findall(text)
            if found:
                hits += 1
                forms.update(found)
                titled += bool(pattern.search(text.split("\n", 1)[0]))
        if not hits:
            continue
        written = _as_written(forms)
        if written.lower() in used:
            continue
        elsewhere = sum(1 for text in others if pattern.search(text)) / len(others) if others else 0
        share = hits / len(texts) - elsewhere + TITLE_WEIGHT * titled / len(texts)
        # The theme's own order of its keywords (most distinctive in the library first) counts
        # too: a window of two articles says little about which word names the thread.
        prior = 1.0 - RANK_WEIGHT * rank / max(len(candidates), 1)
        score = share * prior * (PHRASE_BONUS if len(candidate.split()) > 1 else 1.0)
        if best is None or (score, -rank) > (best[0], -best[1]):
            best = (score, rank, written)
    if best is not None:
        return best[2]
    first = next((t.split("\n", 1)[0].strip() for t in texts if t.strip()), "")
    return f"Around “{first}”" if first else "More reading"


def _without_code(text: str) -> str:
    return _CODE.sub(" ", text)


def capitalised(heading: str) -> str:
    """A heading with its first letter a capital ("interest rates" -> "Interest rates")."""
    return heading[:1].upper() + heading[1:]


def _as_written(forms: Counter[str]) -> str:
    """The most common way the articles write a phrase; lower case wins a tie (not a name)."""
    return max(forms.items(), key=lambda kv: (kv[1], kv[0].islower(), kv[0]))[0]
