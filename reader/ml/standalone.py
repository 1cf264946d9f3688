"""Can a sentence be read on its own? Rules for what a summary may open with, or hold at all.

Plain strings in, booleans out. A summary line is read out of context, in a newsletter, so it
must not open with a connective ("But", "So") or a word that points back ("This", "It",
"They") unless the sentence it leans on comes with it, and it must not be a footnote, a
caption, a table row, a line of code or site furniture ("Subscribe to our newsletter").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Words that, opening a sentence, lean on the one before it. Lower-cased, compared whole.
CONNECTIVES = frozenset(
    """
    and but so or nor yet also however therefore thus hence then still besides moreover
    furthermore instead meanwhile otherwise nevertheless nonetheless anyway anyhow likewise
    similarly conversely consequently accordingly indeed plus again further additionally
    alternatively second secondly third thirdly fourth finally lastly next later
    afterwards afterward admittedly regardless
    """.split()
)
REFERENCES = frozenset(
    """
    this that these those it its it's they them their theirs he him his she her hers such
    here which whose whom both either neither another other others
    former latter same above below thereby therein
    """.split()
)
# "Each of these", "Some of them": a quantity of something named before.
_POINTING = frozenset("these those them this that which it".split())
# Multi-word openers that lean back ("For example, ...", "In other words, ...").
PHRASES = (
    "as a result",
    "as such",
    "at the same time",
    "by contrast",
    "even so",
    "for example",
    "for instance",
    "in addition",
    "in contrast",
    "in fact",
    "in other words",
    "in short",
    "in that case",
    "in this case",
    "in turn",
    "on the other hand",
    "that said",
    "that is",
    "to that end",
    "with that",
    "all of this",
    "all this",
    "none of this",
    "one of them",
    "the same",
    "the other",
    "the former",
    "the latter",
    "the two",
    "the rest",
    "not only that",
    "on top of that",
    "because of this",
    "because of that",
    "despite this",
    "despite that",
    "after that",
    "before that",
    "until then",
    "by then",
    "since then",
    "as usual",
    "as always",
    "as before",
    "as mentioned",
    "as noted",
    "as discussed",
    "as described",
    "as we saw",
    "note that",
    "note also",
    # A definite "the X" that answers or sums up what came before.
    "the answer",
    "the short answer",
    "the long answer",
    "the short version",
    "the reason",
    "the result",
    "the upshot",
    "the catch",
    "the problem is",
    "the plan is",
    "the goal is",
    "the hope is",
    "the question is",
    "apart from that",
    "apart from this",
    "other than that",
    "besides that",
    "for this reason",
    "for that reason",
    "to do this",
    "to do that",
    "in the meantime",
    "the point is",
    "the idea is",
    "the first is",
    "the second is",
    "the next",
    "the following",
    "the above",
    "the previous",
    "the latter",
    "the former",
)

_FIRST_WORDS = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)?")
_LEADING_JUNK = re.compile(r"""^[\s"'“”‘’(\[*_—–-]+""")
# Footnote markers: "[1]", "[^2]", "^3", "¹", "†", "1)" or "12." at the start, "[3]" inside.
_FOOTNOTE_START = re.compile(
    r"^\s*(?:\[\^?\w{1,4}\]|\^\d+|[¹²³⁴-⁹⁰†‡*]+|\d{1,3}[.)]\s|\(\d{1,3}\)\s)"
)
_FOOTNOTE_MARK = re.compile(
    r"\[\^?\d{1,3}\]|\[\^\w+\]|[¹²³⁴-⁹⁰]|\^\d{1,2}\b|(?<=[a-z][.,;])\d{1,2}(?=\s|$)"
)
_CAPTION = re.compile(
    r"^\s*(?:image|images|photo|photograph|picture|figure|fig\.?|table|chart|graph|source|"
    r"credit|credits|caption|illustration|video|watch|listen|pictured|above|below|left|right|"
    r"top|bottom|via|update|updated|editor'?s note|note|disclosure|correction|related|"
    r"read more|see also|advertisement|sponsored)\b\s*(?:\d+\s*)?[:.|—–-]",
    re.I,
)
_BOILERPLATE = re.compile(
    r"\b(?:subscribe to|sign up (?:here|now|today)|sign up (?:for|to) (?:our|my|the) "
    r"(?:newsletter|mailing list)|our newsletter|we use cookies|accept cookies|"
    r"click here|read more|share this|follow us|all rights reserved|copyright (?:\d{4}|©)|©|"
    r"terms of (?:use|service)|privacy policy|"
    r"getty images|reuters/|ap photo|comments? (?:are|is) closed|leave a comment|"
    r"this post was|this article was (?:originally )?published|originally published|"
    r"you can (?:follow|find) (?:me|us)|support (?:this|our) work|patreon)\b",
    re.I,
)
_CODE = re.compile(r"[{};]\s*$|^\s*(?:\$ |>>>|#include|fn |def |let |const |import |use |//)|=>")
_TABLE = re.compile(r"\|.*\||\t.*\t")
_SPACED_CLOSE = re.compile(r"([.!?])\s+([\"”])$")
_TERMINAL = re.compile(r"""[.!?…]["'”’)\]]*$""")


# Connectives that only link a sentence to the one before; without them it says the same thing.
DROPPABLE = (
    *"""but and so yet however also still indeed moreover furthermore meanwhile nevertheless
    nonetheless besides plus anyway instead thus hence therefore again""".split(),
    "in fact",
    "in addition",
    "after all",
    "of course",
)
_DROPPABLE_WORDS = "|".join(d.replace(" ", r"\s+") for d in DROPPABLE)
_DROPPABLE = re.compile(rf"^({_DROPPABLE_WORDS})\b,?\s+(?=[A-Za-z0-9])", re.I)
# A word that starts lower-case but is a name ("iPhone", "eBay", "macOS").
_MIXED_CASE = re.compile(r"^[a-z]+[A-Z]")


def opening_words(sentence: str, n: int = 4) -> list[str]:
    """The first n words, lower-cased, quotes and brackets ignored."""
    return [w.lower().replace("’", "'") for w in _FIRST_WORDS.findall(sentence[:80])[:n]]


def leans_back(sentence: str) -> bool:
    """Whether the sentence opens with a connective or a word that refers to what came before."""
    text = _LEADING_JUNK.sub("", sentence)
    words = opening_words(text)
    if not words:
        return False
    if opens_mid_sentence(text):
        return True
    first = words[0]
    if first in CONNECTIVES or first in REFERENCES:
        return True
    if len(words) >= 3 and words[1] == "of" and words[2] in _POINTING:
        return True  # "Each of these", "Most of them", "One of those"
    opener = " ".join(words)
    return any(opener == p or opener.startswith(p + " ") for p in PHRASES)


def opens_mid_sentence(sentence: str) -> bool:
    """Whether the text starts inside a sentence ("them to the list", "and then"): a lower-case
    first word that is not a name written that way ("iPhone")."""
    text = _LEADING_JUNK.sub("", sentence)
    match = re.match(r"[^\W\d_]+", text)
    return bool(match) and text[0].islower() and not _MIXED_CASE.match(match.group(0))


def without_connective(sentence: str) -> str:
    """The sentence without an opening connective that only links it to the one before
    ("But the river rose." -> "The river rose."), when what is left stands alone; otherwise
    the sentence as it is. Quotations are left as the speaker said them."""
    match = _DROPPABLE.match(sentence)
    if match is None:
        return sentence
    rest = sentence[match.end() :]
    rest = rest[0].upper() + rest[1:]
    return sentence if leans_back(rest) else rest


def close_quote(sentence: str) -> str:
    """A sentence that opens a quotation the next sentence goes on with, closed at its end
    (`He said: "It will rain.` -> `He said: "It will rain."`); a closing quote set off by a
    space (`rain. "`) joined to its stop."""
    stripped = sentence.rstrip()
    if _SPACED_CLOSE.search(stripped):
        return _SPACED_CLOSE.sub(r"\1\2", stripped)
    if not stripped or stripped[-1] not in ".!?":
        return sentence
    if stripped.count('"') % 2 == 1 and not stripped.endswith('"'):
        return stripped + '"'
    if stripped.count("“") == stripped.count("”") + 1:
        return stripped + "”"
    return sentence


def is_footnote(sentence: str) -> bool:
    """A footnote or a reference-list line: it starts with a marker."""
    return bool(_FOOTNOTE_START.match(sentence))


def has_footnote_mark(sentence: str) -> bool:
    """A footnote marker anywhere ("as shown[3]", "the result¹")."""
    return bool(_FOOTNOTE_MARK.search(sentence))


def strip_footnote_marks(sentence: str) -> str:
    """The sentence without inline footnote markers (never at its start)."""
    return re.sub(r"\s+([.,;:!?])", r"\1", _FOOTNOTE_MARK.sub("", sentence)).strip()


def is_furniture(sentence: str) -> bool:
    """Captions, tables, code, boilerplate: lines that are not the article's prose."""
    return bool(
        _CAPTION.match(sentence)
        or _BOILERPLATE.search(sentence)
        or _TABLE.search(sentence)
        or _CODE.search(sentence)
    )


def is_prose(sentence: str) -> bool:
    """A complete sentence of the article's prose: ends in a stop, not a footnote or furniture."""
    stripped = sentence.strip()
    if not _TERMINAL.search(stripped) or stripped.endswith(":"):
        return False
    if not re.match(r"""["'“‘(]*[A-Z0-9]""", stripped):
        return False
    if stripped.count("(") != stripped.count(")") or stripped.count('"') % 2:
        return False
    return not (is_footnote(stripped) or is_furniture(stripped))


def stands_alone(summary: Sequence[str]) -> bool:
    """Whether a summary (its sentences in order) reads on its own.

    The first sentence must not lean back; no sentence may be a footnote, carry a footnote
    marker, or be furniture. A later sentence may lean back on the one before it.
    """
    if not summary:
        return False
    if leans_back(summary[0]):
        return False
    return not any(
        is_footnote(s) or has_footnote_mark(s) or is_furniture(s) or s.rstrip().endswith(":")
        for s in summary
    )
