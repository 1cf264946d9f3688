"""Split article text into sentences: plain strings in, plain strings out.

A rule-based splitter is enough for the summariser: it must not cut "Mr. Smith", "$11.1bn",
"J. K. Rowling" or "U.S. officials", and it must treat headings and list lines (which
carry no final stop) as units of their own.
"""

from __future__ import annotations

import re

# Words that end in a full stop without ending a sentence (compared lower-cased, no dot).
ABBREVIATIONS = frozenset(
    """
    mr mrs ms mx dr prof st sr jr rev hon gen col lt capt cmdr sgt gov sen rep pres supt insp
    det fr mt ft vs etc al approx dept est inc ltd co corp plc bros no nos vol fig figs ed eds
    op cf ca jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues wed thu thur thurs fri
    sat sun e.g i.e a.m p.m u.s u.k u.n e.u
    """.split()
)

# A candidate boundary: terminal punctuation, optional closing quotes/brackets, then space.
_BOUNDARY = re.compile(r"""([.!?…]+)(["'”’)\]]*)(\s+)""")
# What may start a new sentence: a capital, a digit, or an opening quote/bracket.
_STARTER = re.compile(r"""["'“‘(\[]*[A-Z0-9À-Ý]""")
_WORD_BEFORE = re.compile(r"""([\w.'’-]+)$""")
_BULLET = re.compile(r"^\s*(?:[-*•·]|\d+[.)])\s+")
_SPACES = re.compile(r"[ \t\u00a0]+")
WORD = re.compile(r"\w+(?:['’]\w+)*")


def split_sentences(text: str) -> list[str]:
    """The sentences of `text` in order; each line without a final stop is its own unit."""
    sentences: list[str] = []
    for line in text.splitlines():
        line = _SPACES.sub(" ", _BULLET.sub("", line)).strip()
        if line:
            sentences.extend(_split_line(line))
    return sentences


def word_count(sentence: str) -> int:
    """How many words a sentence has (letters/digits runs, apostrophes kept inside)."""
    return len(WORD.findall(sentence))


def _split_line(line: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(line):
        end = match.end(2)
        rest = line[match.end() :]
        if not rest or not _STARTER.match(rest):
            continue
        if match.group(1) == "." and _is_abbreviation(line[start : match.start(1)]):
            continue
        pieces.append(line[start:end].strip())
        start = match.end()
    tail = line[start:].strip()
    if tail:
        pieces.append(tail)
    return [p for p in pieces if p]


def _is_abbreviation(before: str) -> bool:
    """Whether the text before a full stop ends with an abbreviation or an initial."""
    match = _WORD_BEFORE.search(before)
    if match is None:
        return False
    word = match.group(1).lstrip("'’-")
    lowered = word.lower().rstrip(".")
    if lowered in ABBREVIATIONS:
        return True
    # A single capital is an initial ("J. K. Rowling"); dotted acronyms ("U.S", "a.m").
    if len(word) == 1 and word.isupper():
        return True
    return bool(re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", word))
