"""Cut an article into passages the embedding model reads whole.

Windows follow paragraphs, then sentences, then words, and are measured in the model's
own word pieces, so no passage is ever truncated by the model. The title (itself capped)
is put before each passage so a chunk keeps its context.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

# Bump when the way articles are cut changes: every article is then chunked again.
CHUNKER_VERSION = 1
TITLE_SEPARATOR = "\n\n"

_PARAGRAPH = re.compile(r"[^\n]+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+")


class TokenCounter(Protocol):
    """What the chunker needs from a tokenizer: character spans of each word piece."""

    def token_spans(self, texts: Sequence[str]) -> list[list[tuple[int, int]]]:
        """For each text, the (start, end) characters of its word pieces, special tokens excluded."""
        ...


@dataclass(frozen=True)
class Chunk:
    ordinal: int
    start: int  # the passage is text[start:end] of the article
    end: int
    context: str  # the title as the model reads it, possibly shortened
    text: str
    token_count: int  # word pieces of context + passage, special tokens excluded

    @property
    def embed_text(self) -> str:
        """Exactly what the model reads for this chunk."""
        return embed_text(self.context, self.text)

    @property
    def content_hash(self) -> str:
        return content_hash(self.embed_text)


def embed_text(context: str, passage: str) -> str:
    return f"{context}{TITLE_SEPARATOR}{passage}" if context else passage


def content_hash(text: str) -> str:
    """The key of a vector: sha256 of the text embedded."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def source_hash(
    title: str | None, text: str, tokenizer_id: str, budget: int,
    skip: Sequence[tuple[int, int]] = (),
) -> str:
    """What an article's chunks depend on: when it changes, the article is chunked again."""
    h = hashlib.sha256()
    parts = [str(CHUNKER_VERSION), tokenizer_id, str(budget), title or "", text]
    if skip:  # only then, so libraries without boilerplate keep their hashes
        parts.append(repr(sorted(skip)))
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\x00")
    return h.hexdigest()


def chunk_article(
    title: str | None,
    text: str,
    counter: TokenCounter,
    *,
    budget: int,
    title_budget: int = 32,
    skip: Sequence[tuple[int, int]] = (),
) -> list[Chunk]:
    """Paragraph-aware windows of at most `budget` word pieces, title included.

    `budget` is what the model reads minus its special tokens (254 for all-MiniLM-L6-v2).
    `skip` holds (start, end) spans of lines to leave out (a site's boilerplate): no chunk
    holds them, and no chunk spans across one.
    """
    if budget < 16:
        raise ValueError(f"a budget of {budget} word pieces is too small to chunk with")
    context, context_tokens = _title_context(title, counter, min(title_budget, budget // 4))
    passage_budget = budget - context_tokens
    units = _units(text, counter, passage_budget)
    segments = _without(units, skip) if skip else [units]
    windows = [w for segment in segments if segment for w in _pack(segment, passage_budget)]
    if not windows:
        return []
    chunks = []
    for ordinal, (start, end) in enumerate(windows):
        passage = text[start:end]
        chunks.append(Chunk(ordinal, start, end, context, passage, 0))
    return _measured(chunks, counter, budget, text)


def _title_context(title: str | None, counter: TokenCounter, limit: int) -> tuple[str, int]:
    """The title, cut at a word piece boundary when longer than `limit`, and its length."""
    title = " ".join((title or "").split())
    if not title:
        return "", 0
    spans = counter.token_spans([title])[0]
    if len(spans) > limit:
        title = title[: spans[limit - 1][1]].rstrip() + " …"
        spans = counter.token_spans([title])[0]
    # The separator adds no word pieces for the tokenizers we know; measured, not assumed.
    joined = counter.token_spans([embed_text(title, "x")])[0]
    return title, len(joined) - 1 if joined else len(spans)


def _units(text: str, counter: TokenCounter, limit: int) -> list[tuple[int, int, int]]:
    """(start, end, word pieces) of paragraphs, or of sentences and word runs when too long."""
    paragraphs = [(m.start(), m.end()) for m in _PARAGRAPH.finditer(text)]
    paragraphs = [_strip(text, s, e) for s, e in paragraphs]
    paragraphs = [(s, e) for s, e in paragraphs if e > s]
    if not paragraphs:
        return []
    spans = counter.token_spans([text[s:e] for s, e in paragraphs])
    units: list[tuple[int, int, int]] = []
    for (start, end), pieces in zip(paragraphs, spans, strict=True):
        if not pieces:
            continue
        if len(pieces) <= limit:
            units.append((start, end, len(pieces)))
        else:
            units.extend(_split_long(text, start, end, pieces, limit))
    return units


def _split_long(
    text: str, offset: int, paragraph_end: int, pieces: list[tuple[int, int]], limit: int
) -> list[tuple[int, int, int]]:
    """Split one long paragraph at sentence ends, and sentences still too long between words.

    Units are contiguous spans of text, so characters no word piece covers are kept too.
    """
    cuts = [offset + m.end() for m in _SENTENCE_END.finditer(text, offset, paragraph_end)]
    bounds = [offset, *[c for c in cuts if offset < c < paragraph_end], paragraph_end]
    starts = [offset + s for s, _ in pieces]
    units: list[tuple[int, int, int]] = []
    i = 0
    for s_start, s_end in zip(bounds, bounds[1:], strict=False):
        j = i  # the sentence's word pieces are those starting before its end
        while j < len(pieces) and starts[j] < s_end:
            j += 1
        begin = s_start
        while j - i > limit:
            k = _word_boundary(text, starts, i, i + limit)
            units.append((*_strip(text, begin, starts[k]), k - i))
            begin, i = starts[k], k
        if j > i:
            units.append((*_strip(text, begin, s_end), j - i))
        elif units:  # text without word pieces joins the unit before it
            last_start, _, count = units[-1]
            units[-1] = (last_start, _strip(text, begin, s_end)[1], count)
        i = j
    return units


def _word_boundary(text: str, starts: list[int], lo: int, hi: int) -> int:
    """The last piece index in (lo, hi] that starts a new word, so words stay whole."""
    for k in range(hi, lo, -1):
        if k < len(starts) and starts[k] > 0 and not text[starts[k] - 1].isalnum():
            return k
    return hi


def _without(
    units: list[tuple[int, int, int]], skip: Sequence[tuple[int, int]]
) -> list[list[tuple[int, int, int]]]:
    """Runs of units between the skipped spans, the units inside them left out."""
    segments: list[list[tuple[int, int, int]]] = [[]]
    spans = sorted(skip)
    for unit in units:
        if any(lo <= unit[0] and unit[1] <= hi for lo, hi in spans):
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append(unit)
    return segments


def _pack(units: list[tuple[int, int, int]], limit: int) -> list[tuple[int, int]]:
    """Greedy windows of whole units, balanced so the last one is not a scrap."""
    total = sum(n for _, _, n in units)
    target = math.ceil(total / math.ceil(total / limit))
    windows: list[tuple[int, int]] = []
    start, end, size = units[0][0], units[0][1], units[0][2]
    for u_start, u_end, n in units[1:]:
        if size + n > limit or size >= target:
            windows.append((start, end))
            start, size = u_start, 0
        end = u_end
        size += n
    windows.append((start, end))
    return windows


def _measured(chunks: list[Chunk], counter: TokenCounter, budget: int, text: str) -> list[Chunk]:
    """Count each chunk as the model will read it; halve any that a tokenizer merge pushed over."""
    counts = [len(s) for s in counter.token_spans([c.embed_text for c in chunks])]
    out: list[Chunk] = []
    for chunk, count in zip(chunks, counts, strict=True):
        if count <= budget:
            out.append(replace(chunk, ordinal=len(out), token_count=count))
            continue
        middle = _middle_cut(text, chunk.start, chunk.end)
        parts = [_strip(text, chunk.start, middle), _strip(text, middle, chunk.end)]
        halves = [Chunk(0, s, e, chunk.context, text[s:e], 0) for s, e in parts if e > s]
        for half in _measured(halves, counter, budget, text):
            out.append(replace(half, ordinal=len(out)))
    return out


def _middle_cut(text: str, start: int, end: int) -> int:
    middle = (start + end) // 2
    space = text.rfind(" ", start + 1, middle)
    return space if space > start else middle


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
