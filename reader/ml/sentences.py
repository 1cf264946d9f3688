"""Split article text into sentences: plain strings in, plain strings out.

A rule-based splitter is enough for the summariser: it must not cut "Mr. Smith", "$11.1bn",
"J. K. Rowling" or "U.S. officials", and it must treat headings and list lines (which
carry no final stop) as units of their own.
"""

from __future__ import annotations

import html
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
PASSAGE_WORDS = 180  # about a search chunk (254 word pieces)
_FENCE = re.compile(r"^(```|~~~)")
# Lines that are never prose: link and footnote definitions, table rows and rules, HTML.
_SKIP_LINE = re.compile(
    r"^(?:\[[^\]]+\]:\s|\|.*\||[-=*_]{3,}$|:?-{3,}:?\s*\||<[a-zA-Z/!][^>]*>$|!\[)"
)
_TERMINAL_END = re.compile(r"""[.!?…:]["'”’)\]]*$""")
_HEADING = re.compile(r"^#{1,6}\s+")
_QUOTE_MARK = re.compile(r"^(?:>\s?)+")  # a Markdown block quote's markers
# Inline HTML in Markdown ("<code>Mutex</code>", "<a href=...>"): the tags go, the words stay.
# Only real HTML tag names: `Vec<T>` and `Box<dyn Fn>` are Rust, not HTML.
_INLINE_TAG = re.compile(
    r"</?(?:a|abbr|b|br|cite|code|del|details|div|em|i|img|ins|kbd|li|mark|ol|p|pre|q|s|"
    r"samp|small|span|strong|sub|summary|sup|u|ul|var)(?:\s[^<>]*)?/?>"
)
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_INLINE_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_REF_LINK = re.compile(r"\[([^\]^]+)\]\[[^\]]*\]")
_SHORTCUT_LINK = re.compile(r"\[([^\]^]+)\](?![(\[:])")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]]+\]")
_EMPHASIS = re.compile(r"(\*\*|__|\*|\b_)(\S(?:.*?\S)?)\1")
WORD = re.compile(r"\w+(?:['’]\w+)*")


def split_sentences(text: str) -> list[str]:
    """The sentences of `text` in order; each line without a final stop is its own unit."""
    return [s for paragraph in paragraphs(text) for s in _split_line(paragraph)]


def split_paragraphs(text: str) -> list[list[str]]:
    """The sentences of each paragraph of `text`, paragraph by paragraph."""
    return [_split_line(p) for p in paragraphs(text)]


def group_passages(text: str, max_words: int = PASSAGE_WORDS) -> list[list[str]]:
    """Sentences grouped into passages of whole paragraphs, about as long as a search chunk.

    Used when an article has no chunks yet: the summary draws from one passage.
    """
    passages: list[list[str]] = []
    current: list[str] = []
    words = 0
    for sentences in split_paragraphs(text):
        size = sum(word_count(s) for s in sentences)
        if current and words + size > max_words:
            passages.append(current)
            current, words = [], 0
        current = current + sentences
        words += size
    if current:
        passages.append(current)
    return passages


def paragraphs(text: str) -> list[str]:
    """The prose paragraphs of `text`, one line each.

    Hard-wrapped lines (Markdown, plain-text mail) are joined back; code fences, Markdown
    link definitions, footnote definitions and table rows are left out.
    """
    out: list[str] = []
    current = ""
    fenced = False
    # With blank lines between paragraphs, every line of a block belongs to one paragraph.
    blocks = bool(_BLANK_LINE.search(text or ""))
    in_list = False
    for raw in (text or "").splitlines():
        stripped = raw.strip()
        if _FENCE.match(stripped):
            fenced = not fenced
            current = _flush(out, current)
            continue
        if fenced or _SKIP_LINE.match(stripped):
            current = _flush(out, current)
            continue
        line = _SPACES.sub(" ", _BULLET.sub("", _QUOTE_MARK.sub("", stripped))).strip()
        if not line:
            current = _flush(out, current)
            in_list = False
            continue
        if _HEADING.match(stripped):
            _flush(out, current)
            current = _flush(out, line)
            continue
        joined = blocks and not in_list and not _BULLET.match(raw)
        if current and (joined or _continues(current, line, raw)):
            current = f"{current} {line}"
        else:
            current = _flush(out, current)
            current = line
            in_list = bool(_BULLET.match(raw))
    _flush(out, current)
    return out


def _flush(out: list[str], current: str) -> str:
    # Inline Markdown again on the joined paragraph: a link or emphasis may span a hard wrap.
    current = html.unescape(_clean_markdown(current)) if current else ""
    if current:
        out.append(current)
    return ""


def _continues(previous: str, line: str, raw: str) -> bool:
    """Whether `line` carries on the sentence `previous` left open (a hard wrap)."""
    if _BULLET.match(raw) or _TERMINAL_END.search(previous):
        return False
    if previous.endswith((",", ";", "-", "–", "—", "(")):
        return True
    first = line[0]
    if first.islower() or first.isdigit() or first in "([\"'“‘$`":
        return True
    # A long unfinished line followed by a capitalised one: a wrap, not a heading.
    return len(previous) >= 50 and previous[-1].isalnum()


def _clean_markdown(line: str) -> str:
    """Inline Markdown reduced to its words: links, emphasis, code ticks, headings."""
    line = _HEADING.sub("", line)
    line = _IMAGE.sub("", line)
    line = _INLINE_TAG.sub("", line)
    line = _INLINE_LINK.sub(r"\1", line)
    line = _REF_LINK.sub(r"\1", line)
    line = _FOOTNOTE_REF.sub("", line)
    line = _SHORTCUT_LINK.sub(r"\1", line)
    line = _EMPHASIS.sub(r"\2", line)
    return line.replace("`", "").strip()


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
