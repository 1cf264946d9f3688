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

from reader.ml.theme_labels import same_root
from reader.services.digest.wording import reads_as_words

_PARTS = re.compile(r"\s*[/|,;·+]\s*")
PHRASE_BONUS = 1.25  # a phrase of several words counts as this many articles' worth per article
TITLE_WEIGHT = 1.0  # a word in the titles counts again: titles are written for people, not code
RANK_WEIGHT = 0.5  # the last keyword counts half as much as the first
PLURAL_SHARE = 3  # the plural is used when it is at least a third as common
PHRASE_SHARE = 0.6  # a word followed this often by the same word heads as the phrase
PAIR_SHARE = 0.6  # a second word joins a lone first word when it scores this share of it
# Code is no place for a heading: fenced blocks, indented blocks and `inline code`.
_CODE = re.compile(r"```.*?```|~~~.*?~~~|`[^`\n]*`|^(?: {4}|\t).*$", re.S | re.M)
_CODE_BEFORE = frozenset("/:.`_<&#")
_CODE_AFTER = frozenset("/:(`_<>[#")
_GLUE = frozenset("the and for with that this from are was were has have not but its".split())
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
    scored = _scored(label, keywords, texts, used, others)
    if scored:
        return _joined(scored, texts)
    first = next((t.split("\n", 1)[0].strip() for t in texts if t.strip()), "")
    return f"Around “{first}”" if first else "More reading"


def _scored(
    label: str,
    keywords: Sequence[str],
    texts: Sequence[str],
    used: Collection[str],
    others: Sequence[str],
) -> list[tuple[float, int, str]]:
    """(score, rank, phrase as written) for each keyword or label part the section's articles
    use, best first."""
    candidates: list[str] = []
    for word in [*keywords, *_PARTS.split(label)]:
        word = " ".join(word.split())
        if word and reads_as_words(word) and word.lower() not in {c.lower() for c in candidates}:
            candidates.append(word)
    scored: list[tuple[float, int, str]] = []
    for rank, candidate in enumerate(candidates):
        pattern = re.compile(rf"(?<!\w){re.escape(candidate)}{_ENDINGS}(?!\w)", re.I)
        forms: Counter[str] = Counter()
        in_titles: Counter[str] = Counter()
        hits = titled = 0
        for text in texts:
            title, _, body = text.partition("\n")
            found = pattern.findall(body)
            in_title = pattern.findall(title)
            if found or in_title:
                hits += 1
                forms.update(found)
                in_titles.update(in_title)
                titled += bool(in_title)
        if not hits or _mostly_code(pattern, texts):
            continue
        # As the prose writes it: a title's capitals say nothing about a name.
        written = _as_written(forms or in_titles)
        if " " not in written:
            written = _with_its_noun(written, texts)
        if written.lower() in used:
            continue
        elsewhere = sum(1 for text in others if pattern.search(text)) / len(others) if others else 0
        share = hits / len(texts) - elsewhere + TITLE_WEIGHT * titled / len(texts)
        # The theme's own order of its keywords (most distinctive in the library first) counts
        # too: a window of two articles says little about which word names the thread.
        prior = 1.0 - RANK_WEIGHT * rank / max(len(candidates), 1)
        score = share * prior * (PHRASE_BONUS if len(candidate.split()) > 1 else 1.0)
        scored.append((score, rank, written))
    return sorted(scored, key=lambda s: (-s[0], s[1]))


def _joined(scored: list[tuple[float, int, str]], texts: Sequence[str]) -> str:
    """The best phrase; a lone word is joined by the next best word when that one is nearly as
    good ("embeddings and interpretability"): one word heads a section badly ("Feature"). Two
    words the articles write side by side head as they write them ("Project Directors")."""
    best = scored[0][2]
    if " " in best or len(scored) < 2:
        return best
    for score, _rank, word in scored[1:]:
        if score < PAIR_SHARE * scored[0][0]:
            break
        if " " in word and best.lower() in word.lower().split():
            return word  # the phrase the lone word belongs to ("Project Directors")
        if " " in word or same_root(word.lower(), best.lower()):
            continue
        return _side_by_side(best, word, texts) or f"{best} and {word}"
    return best


def _side_by_side(first: str, second: str, texts: Sequence[str]) -> str | None:
    """The two words as most of the articles that use both write them together, if they do."""
    a, b = (rf"{re.escape(w)}{_ENDINGS}" for w in (first, second))
    pattern = re.compile(rf"(?<!\w)(?:{a}\s+{b}|{b}\s+{a})(?!\w)", re.I)
    forms = Counter(m.group(0) for t in texts for m in pattern.finditer(t))
    together = sum(1 for t in texts if pattern.search(t))
    if together * 2 <= len(texts):
        return None
    return " ".join(_as_written(forms).split())


def _with_its_noun(word: str, texts: Sequence[str]) -> str:
    """A word the articles nearly always follow with the same word, with it ("undefined" ->
    "undefined behavior"): the phrase is what they mean."""
    pattern = re.compile(rf"(?<!\w){re.escape(word)}\s+([a-z]{{3,}})\b", re.I)
    alone = len(re.findall(rf"(?<!\w){re.escape(word)}(?!\w)", "\n".join(texts), re.I))
    following = Counter(m.group(1) for t in texts for m in pattern.finditer(t))
    if not following or not alone:
        return word
    nxt, n = following.most_common(1)[0]
    if n >= 3 and n >= PHRASE_SHARE * alone and reads_as_words(nxt) and nxt.lower() not in _GLUE:
        return f"{word} {nxt}"
    return word


def _mostly_code(pattern: re.Pattern[str], texts: Sequence[str]) -> bool:
    """Whether the word is mostly an identifier in the articles ("std::mem", "docs/std/",
    "x.len()"): a word of code, not one a writer heads a section with."""
    code = total = 0
    for text in texts:
        for match in pattern.finditer(text):
            total += 1
            before = text[match.start() - 1 : match.start()]
            after = text[match.end() : match.end() + 2]
            code += bool(
                (before and before in _CODE_BEFORE)
                or (after[:1] and after[:1] in _CODE_AFTER)
                or re.match(r"\.\w", after)
            )
    return total > 0 and code * 2 >= total


def _without_code(text: str) -> str:
    return _CODE.sub(" ", text)


def capitalised(heading: str) -> str:
    """A heading with its first letter a capital ("interest rates" -> "Interest rates")."""
    return heading[:1].upper() + heading[1:]


def _as_written(forms: Counter[str]) -> str:
    """The most common way the articles write a phrase; lower case wins a tie (not a name).
    A plural the articles use too heads a section better than the singular ("Embeddings")."""
    best = max(forms.items(), key=lambda kv: (kv[1], kv[0].islower(), kv[0]))[0]
    for ending in ("s", "es"):
        plural = forms.get(best + ending, 0)
        if plural and plural * PLURAL_SHARE >= forms[best]:
            return best + ending
    return best
