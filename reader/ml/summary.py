"""Extractive summaries: pick the sentences most central to an article that also cover it.

Arrays in, indices out. The caller embeds the sentences (any sentence-embedding model) and
passes the vectors; nothing here loads a model, a file or a database.

Our selection, `central_coverage`, scores a sentence by its cosine to the article's mean
sentence embedding (centrality), scaled by a mild length prior (a longer central sentence
carries more of the article), and adds a facility-location coverage gain: how much closer the
article's sentences get to the chosen set. The coverage term keeps the second and third picks
from restating the first. `lead` and `centroid` are the baselines it is measured against.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from reader.ml.sentences import group_passages, word_count
from reader.ml.standalone import (
    close_quote,
    is_prose,
    leans_back,
    strip_footnote_marks,
    without_connective,
)

EmbedFn = Callable[[list[str]], np.ndarray]

LENGTH_POWER = 0.25  # how much a longer sentence is preferred (0: not at all)
COVERAGE_WEIGHT = 0.2  # weight of the coverage gain against centrality
OVERLAP_FLOOR = 0.3  # cosine below which two sentences are not considered overlapping
MIN_WORDS = 6  # shorter lines are headings, captions or bylines
MAX_WORDS = 80  # longer "sentences" are usually run-together paragraphs
LEAD_WEIGHT = 0.1  # how much the first passage is preferred over later ones
SUMMARY_COVERAGE = 0.5  # the same, in `summarize_passages` (which also weighs the lead)
START_CANDIDATES = 8  # opening sentences tried, most central first
SUBJECT_FLOOR = 0.3  # cosine to the opening above which a sentence elsewhere is on its subject
SUMMARY_LENGTH_POWER = 0.35  # LENGTH_POWER in `summarize_passages`


def lead(n_sentences: int, k: int) -> list[int]:
    """Baseline: the first k sentences."""
    return list(range(min(k, n_sentences)))


def centroid(embeddings: np.ndarray, k: int) -> list[int]:
    """Baseline: the k sentences closest to the mean sentence embedding, best first."""
    vectors = _unit(embeddings)
    if len(vectors) == 0:
        return []
    scores = vectors @ vectors.mean(axis=0)
    return [int(i) for i in np.argsort(-scores, kind="stable")[:k]]


def central_coverage(
    embeddings: np.ndarray,
    lengths: Sequence[int],
    k: int,
    *,
    length_power: float = LENGTH_POWER,
    coverage_weight: float = COVERAGE_WEIGHT,
    overlap_floor: float = OVERLAP_FLOOR,
) -> list[int]:
    """Greedily pick k sentences by centrality x length prior + coverage gain, in pick order.

    embeddings: (n, d) sentence vectors; lengths: n word counts.
    """
    vectors = _unit(embeddings)
    n = len(vectors)
    if n == 0 or k <= 0:
        return []
    words = np.maximum(np.asarray(lengths, dtype=np.float64), 1.0)
    centrality = np.clip(vectors @ vectors.mean(axis=0), 0.0, None)
    base = centrality * (words / np.median(words)) ** length_power
    # Similarity above the floor, rescaled to [0, 1]: how well sentence j stands for sentence i.
    similarity = np.clip((vectors @ vectors.T - overlap_floor) / (1.0 - overlap_floor), 0.0, 1.0)
    covered = np.zeros(n)
    chosen: list[int] = []
    for _ in range(min(k, n)):
        gain = (np.maximum(covered[:, None], similarity) - covered[:, None]).mean(axis=0)
        score = base + coverage_weight * gain
        score[chosen] = -np.inf
        best = int(np.argmax(score))
        chosen.append(best)
        covered = np.maximum(covered, similarity[:, best])
    return chosen


def candidates(
    sentences: Sequence[str], *, min_words: int = MIN_WORDS, max_words: int = MAX_WORDS
) -> list[int]:
    """Indices of the sentences worth summarising with (all of them if none qualify)."""
    keep = [i for i, s in enumerate(sentences) if min_words <= word_count(s) <= max_words]
    return keep or list(range(len(sentences)))


def summarize(
    sentences: Sequence[str],
    embeddings: np.ndarray,
    k: int,
    *,
    min_words: int = MIN_WORDS,
    max_words: int = MAX_WORDS,
) -> list[int]:
    """Indices of the k summary sentences among `sentences`, in document order."""
    if len(sentences) != len(embeddings):
        raise ValueError(f"{len(sentences)} sentences but {len(embeddings)} embeddings")
    keep = candidates(sentences, min_words=min_words, max_words=max_words)
    if not keep:
        return []
    lengths = [word_count(sentences[i]) for i in keep]
    picked = central_coverage(np.asarray(embeddings)[keep], lengths, k)
    return sorted(keep[i] for i in picked)


def summarize_text(
    text: str, embed: EmbedFn, k: int = 2, *, word_budget: int | None = None
) -> list[str]:
    """A summary of `text` that stands alone: up to k sentences of one passage, main claim first."""
    raw = group_passages(text or "")
    passages = summary_candidates(raw)
    sources = [s for passage in summary_sources(raw) for s in passage if s]
    if not sources:
        return []
    vectors = np.asarray(embed(sources), dtype=np.float32)
    return summarize_passages(passages, vectors, k, word_budget=word_budget)


def summary_candidates(
    passages: Sequence[Sequence[str]], *, min_words: int = MIN_WORDS, max_words: int = MAX_WORDS
) -> list[list[str]]:
    """Per passage, the sentences a summary may use: whole prose sentences, footnote marks
    removed, a quotation that runs on closed, an opening "But" or "However," dropped when the
    rest stands alone. A passage keeps its order; a gap (a sentence left out) is kept as "" so that a
    sentence leaning on a dropped one is never joined to an earlier one."""
    return [[shown for shown, _ in p] for p in _candidates(passages, min_words, max_words)]


def summary_sources(
    passages: Sequence[Sequence[str]], *, min_words: int = MIN_WORDS, max_words: int = MAX_WORDS
) -> list[list[str]]:
    """The same shape as `summary_candidates`, each kept sentence as the article has it: what
    to embed. A sentence is scored by what it says in its place (its "But", its open quote),
    not by the tidied form a summary shows."""
    return [[source for _, source in p] for p in _candidates(passages, min_words, max_words)]


def _candidates(
    passages: Sequence[Sequence[str]], min_words: int, max_words: int
) -> list[list[tuple[str, str]]]:
    """(shown, source) per sentence of each passage; ("", "") where one is left out."""
    out = []
    for passage in passages:
        kept = []
        for sentence in passage:
            clean = without_connective(close_quote(strip_footnote_marks(sentence)))
            ok = is_prose(clean) and min_words <= word_count(clean) <= max_words
            kept.append((clean, sentence.strip()) if ok else ("", ""))
        out.append(kept)
    if min_words > 1 and not any(s for p in out for s, _ in p):
        # A very short text: any whole prose sentence will do.
        return _candidates(passages, 1, max_words)
    return out


def summarize_passages(
    passages: Sequence[Sequence[str]],
    vectors: np.ndarray,
    k: int,
    *,
    word_budget: int | None = None,
    lead_weight: float = LEAD_WEIGHT,
) -> list[str]:
    """Up to k sentences about one thing, the article's main claim first.

    The opening is the most central sentence that stands alone, or a central sentence that
    leans back together with the sentences it leans on, right before it. Then come the
    sentences that add most: from the opening's passage, or from another passage when they
    are on the opening's subject (cosine >= SUBJECT_FLOOR); a sentence that leans back only
    with its antecedent right before it. After the opening, sentences keep the article's order.

    passages: from `summary_candidates` ("" marks a sentence left out); vectors: one row per
    non-empty sentence, in order. word_budget: stop before passing this many words (the
    opening is always kept).
    """
    where = [(p, i) for p, passage in enumerate(passages) for i, s in enumerate(passage) if s]
    if len(where) != len(vectors):
        raise ValueError(f"{len(where)} sentences but {len(vectors)} vectors")
    if not where or k <= 0:
        return []
    texts = [passages[p][i] for p, i in where]
    unit = _unit(vectors)
    lengths = np.maximum(np.array([word_count(t) for t in texts], dtype=np.float64), 1.0)
    centrality = np.clip(unit @ unit.mean(axis=0), 0.0, None)
    # A mild lead prior: writers state the claim early; later passages elaborate.
    order = np.array([p for p, _ in where], dtype=np.float64)
    base = centrality * (lengths / np.median(lengths)) ** SUMMARY_LENGTH_POWER
    base = base * (1.0 + lead_weight / (1.0 + order))
    cosine = unit @ unit.T
    similarity = np.clip((cosine - OVERLAP_FLOOR) / (1.0 - OVERLAP_FLOOR), 0.0, 1.0)
    sel = _Selection(where, [leans_back(t) for t in texts], base, similarity, cosine, lengths)
    best: tuple[float, list[int], int] | None = None
    for start in np.argsort(-base, kind="stable")[:START_CANDIDATES]:
        opening = sel.unit(int(start), ())
        if opening is None or len(opening) > k:
            continue
        # The opening is chosen as if there were no budget: the budget trims, never reorders.
        picked = sel.extend(opening, k, None)
        score = base[picked].sum() + SUMMARY_COVERAGE * similarity[:, picked].max(axis=1).mean()
        if best is None or score > best[0]:
            best = (score, picked, len(opening))
    if best is None:
        return []
    _score, picked, n_open = best
    if word_budget is not None:
        picked = sel.extend(picked[:n_open], k, word_budget)
    return [texts[j] for j in sel.reading_order(picked, n_open)]


@dataclass
class _Selection:
    """What `summarize_passages` picks from: positions, lean-back flags and scores."""

    where: list[tuple[int, int]]
    leaning: list[bool]
    base: np.ndarray
    similarity: np.ndarray
    cosine: np.ndarray
    lengths: np.ndarray

    def __post_init__(self) -> None:
        self.index = {w: j for j, w in enumerate(self.where)}

    def unit(self, j: int, picked: Sequence[int]) -> list[int] | None:
        """Sentence j with the sentences it leans on (those not picked yet), in order; None
        when it leans on a sentence the summary may not use (left out, or in no passage)."""
        chain = [j]
        while self.leaning[chain[0]]:
            passage, i = self.where[chain[0]]
            before = self.index.get((passage, i - 1))
            if before is None:
                return None
            if before in picked:
                break
            chain.insert(0, before)
        return chain

    def extend(self, opening: list[int], k: int, word_budget: int | None) -> list[int]:
        """The opening, then the units that add most per sentence, up to k sentences."""
        picked = list(opening)
        used = float(self.lengths[picked].sum())
        covered = self.similarity[:, picked].max(axis=1)
        head = opening[-1]
        passage = self.where[head][0]
        while len(picked) < k:
            options = []
            for j in range(len(self.where)):
                if j in picked:
                    continue
                if self.where[j][0] != passage and self.cosine[head, j] < SUBJECT_FLOOR:
                    continue
                unit = self.unit(j, picked)
                if unit is None or len(picked) + len(unit) > k:
                    continue
                size = float(self.lengths[unit].sum())
                if word_budget is not None and used + size > word_budget:
                    continue
                gain = (np.maximum(covered, self.similarity[:, unit].max(axis=1)) - covered).mean()
                options.append(
                    ((self.base[unit].sum() + SUMMARY_COVERAGE * gain) / len(unit), j, unit)
                )
            if not options:
                break
            _score, _j, unit = max(options, key=lambda o: (o[0], -o[1]))
            picked.extend(unit)
            used += float(self.lengths[unit].sum())
            covered = np.maximum(covered, self.similarity[:, unit].max(axis=1))
        return picked

    def reading_order(self, picked: list[int], n_open: int) -> list[int]:
        """The opening, the sentences that lean on its end, then the rest as the article has
        them (a sentence that leans back is then right after the one it leans on)."""
        rest = sorted(picked[n_open:], key=lambda j: self.where[j])
        follow: list[int] = []
        passage, i = self.where[picked[n_open - 1]]
        while (after := self.index.get((passage, i + 1))) in rest and self.leaning[after]:
            follow.append(after)
            i += 1
        return [*picked[:n_open], *follow, *[j for j in rest if j not in follow]]


_ROUGE_TOKEN = re.compile(r"[a-z0-9]+")


def rouge_f1(candidate: str, reference: str, n: int) -> float:
    """ROUGE-n F1 on lower-cased [a-z0-9]+ tokens, no stemming, clipped n-gram counts."""
    cand = _ngrams(_ROUGE_TOKEN.findall(candidate.lower()), n)
    ref = _ngrams(_ROUGE_TOKEN.findall(reference.lower()), n)
    overlap = sum((cand & ref).values())
    if overlap == 0:
        return 0.0
    precision = overlap / sum(cand.values())
    recall = overlap / sum(ref.values())
    return 2 * precision * recall / (precision + recall)


def _ngrams(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _unit(embeddings: np.ndarray) -> np.ndarray:
    vectors = np.asarray(embeddings, dtype=np.float64)
    if vectors.ndim != 2:
        raise ValueError(f"expected an (n, d) array, got shape {vectors.shape}")
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
