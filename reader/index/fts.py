"""Keyword search with SQLite FTS5 (porter stemming, BM25) over article titles and texts.

User queries never reach FTS5 as syntax: words are quoted one by one, so punctuation,
quotes and operators typed by a user cannot raise a syntax error. What is understood:
plain words (any may match; BM25 ranks), "quoted phrases" (must match), -word (must not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlite_utils import Database

from reader.errors import BadInput

# Common English words: dropped from keyword queries (BM25 gives them little weight anyway).
STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves
    out over own same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself yourselves
    """.split()
)

_WORD = re.compile(r"[^\W_]+")
_PHRASE_OR_WORD = re.compile(r'"([^"]*)"|(\S+)')
_MARK_OPEN, _MARK_CLOSE = "\x02", "\x03"


@dataclass
class ParsedQuery:
    """What a user typed, understood."""

    text: str
    words: list[str] = field(default_factory=list)  # words that may match, stop words removed
    phrases: list[list[str]] = field(default_factory=list)  # must match, as phrases
    excluded: list[str] = field(default_factory=list)  # must not match
    dropped: list[str] = field(default_factory=list)  # stop words left out

    @property
    def semantic_text(self) -> str:
        """The query for the model: what the user typed, without the -words they ruled out."""
        kept = [
            m.group(0)
            for m in _PHRASE_OR_WORD.finditer(self.text)
            if not (m.group(2) and m.group(2).startswith("-") and len(m.group(2)) > 1)
        ]
        return " ".join(kept).replace('"', " ").strip()

    @property
    def has_terms(self) -> bool:
        return bool(self.words or self.phrases)


def parse_query(text: str) -> ParsedQuery:
    """Split a query into words, phrases and exclusions; raise BadInput when nothing is left."""
    query = ParsedQuery(text=" ".join(text.split()))
    if not query.text:
        raise BadInput("empty query: type a few words to search for")
    for match in _PHRASE_OR_WORD.finditer(query.text):
        phrase, token = match.group(1), match.group(2)
        if phrase is not None:
            words = [w.lower() for w in _WORD.findall(phrase)]
            if len(words) > 1:
                query.phrases.append(words)
            else:
                _add_word(query, words)
        elif token.startswith("-") and len(token) > 1:
            query.excluded.extend(w.lower() for w in _WORD.findall(token[1:]))
        else:
            _add_word(query, [w.lower() for w in _WORD.findall(token)])
    if not query.has_terms:
        if query.dropped:
            shown = ", ".join(repr(w) for w in dict.fromkeys(query.dropped))
            raise BadInput(
                f"only common words ({shown}): add a word that says what you are looking for,"
                ' or put an exact phrase in "quotes"'
            )
        if query.excluded:
            raise BadInput("a query needs a word to look for, not only -exclusions")
        raise BadInput("no words to search for: letters or digits are needed")
    return query


def _add_word(query: ParsedQuery, words: list[str]) -> None:
    for word in words:
        if word in STOP_WORDS:
            query.dropped.append(word)
        elif word not in query.words:
            query.words.append(word)


def _quote(words: list[str]) -> str:
    return '"' + " ".join(words).replace('"', '""') + '"'


def match_expression(query: ParsedQuery) -> str:
    """The FTS5 MATCH expression: every word quoted, so user text is never FTS syntax."""
    any_of = [_quote([w]) for w in query.words] + [_quote(p) for p in query.phrases]
    expression = "(" + " OR ".join(any_of) + ")"
    if query.phrases:
        required = " AND ".join(_quote(p) for p in query.phrases)
        expression = f"{required} AND {expression}"
    if query.excluded:
        expression += " NOT (" + " OR ".join(_quote([w]) for w in query.excluded) + ")"
    return expression


@dataclass(frozen=True)
class KeywordWeights:
    """BM25 column weights (title, text); tuned on SciFact's train queries."""

    title: float = 1.0
    text: float = 1.0


def keyword_search(
    db: Database,
    query: ParsedQuery,
    *,
    limit: int | None,
    where: str = "1",
    params: list | None = None,
    weights: KeywordWeights | None = None,
    articles: str = "articles a",
) -> list[tuple[int, float]]:
    """(article id, BM25 score: higher is better), best first, among articles matching `where`:
    the best `limit`, or every match when `limit` is None.

    `where` is SQL over the articles table aliased `a` (the caller builds it, with params);
    `articles` names that table in the FROM clause (with an INDEXED BY, say).
    """
    weights = weights or KeywordWeights()
    rows = db.execute(
        f"""
        SELECT f.rowid, bm25(articles_fts, ?, ?) AS score
        FROM articles_fts f JOIN {articles} ON a.id = f.rowid
        WHERE articles_fts MATCH ? AND {where}
        ORDER BY score {"" if limit is None else "LIMIT ?"}
        """,
        [
            weights.title,
            weights.text,
            match_expression(query),
            *(params or []),
            *([] if limit is None else [limit]),
        ],
    ).fetchall()
    # FTS5's bm25() is negative, more negative is better.
    return [(row[0], -float(row[1])) for row in rows]


def marked_spans(db: Database, query: ParsedQuery, article_id: int) -> list[tuple[int, int]]:
    """Character spans of the article's text that the query's words match (stemmed, as FTS5 does)."""
    if not query.has_terms:
        return []
    row = db.execute(
        """
        SELECT highlight(articles_fts, 1, ?, ?) FROM articles_fts
        WHERE articles_fts MATCH ? AND rowid = ?
        """,
        [_MARK_OPEN, _MARK_CLOSE, _match_for_marks(query), article_id],
    ).fetchone()
    if not row or row[0] is None:
        return []
    return _spans_from_marked(row[0])


def _match_for_marks(query: ParsedQuery) -> str:
    # Marks show why a passage matched: any word or phrase, whatever the exclusions.
    return (
        "("
        + " OR ".join([_quote([w]) for w in query.words] + [_quote(p) for p in query.phrases])
        + ")"
    )


def _spans_from_marked(marked: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    position = 0  # in the original text
    start = None
    for char in marked:
        if char == _MARK_OPEN:
            start = position
        elif char == _MARK_CLOSE:
            if start is not None:
                spans.append((start, position))
            start = None
        else:
            position += 1
    return spans


SNIPPET_CHARS = 280


def make_snippet(
    text: str, region: tuple[int, int], spans: list[tuple[int, int]], width: int = SNIPPET_CHARS
) -> tuple[str, list[tuple[int, int]]]:
    """About `width` characters of `region`, placed to hold the most marked spans."""
    lo, hi = region
    inside = [(s, e) for s, e in spans if lo <= s and e <= hi]
    start = lo
    if inside and hi - lo > width:
        best = max(
            range(len(inside)),
            key=lambda i: sum(1 for s, e in inside[i:] if e <= inside[i][0] + width - 40),
        )
        start = max(lo, inside[best][0] - 40)
        start = _word_start(text, start, lo)
    end = min(hi, start + width)
    if end < hi:
        space = text.rfind(" ", start, end)
        end = space if space > start + width // 2 else end
    body = text[start:end]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix) - start
    snippet = (prefix + body + suffix).replace("\n", " ")
    marks = [(s + shift, e + shift) for s, e in inside if start <= s and e <= end]
    return snippet, marks


def _word_start(text: str, i: int, lo: int) -> int:
    while i > lo and not text[i - 1].isspace():
        i -= 1
    return i


def rebuild(db: Database) -> None:
    """Rebuild the FTS index from the articles table (for `reader doctor`)."""
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")


def integrity_ok(db: Database) -> bool:
    """True when the FTS index agrees with the articles table."""
    import sqlite3

    try:
        db.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError:
        return False
    return True
