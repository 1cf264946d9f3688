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

import numpy as np

from reader.ml.sentences import split_sentences, word_count

EmbedFn = Callable[[list[str]], np.ndarray]

LENGTH_POWER = 0.25  # how much a longer sentence is preferred (0: not at all)
COVERAGE_WEIGHT = 0.2  # weight of the coverage gain against centrality
OVERLAP_FLOOR = 0.3  # cosine below which two sentences are not considered overlapping
MIN_WORDS = 6  # shorter lines are headings, captions or bylines
MAX_WORDS = 80  # longer "sentences" are usually run-together paragraphs


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
    """The k sentences of `text` that best summarise it, in document order.

    word_budget: stop adding sentences (best first) once they would pass this many words;
    the best sentence is always kept.
    """
    sentences = split_sentences(text or "")
    if not sentences:
        return []
    if len(sentences) <= k and word_budget is None:
        return sentences
    # Embed only the candidates: the others can never be picked.
    kept = [sentences[i] for i in candidates(sentences)]
    vectors = np.asarray(embed(kept), dtype=np.float32)
    ranked = central_coverage(vectors, [word_count(s) for s in kept], k)
    if word_budget is not None:
        ranked = _within_budget([kept[i] for i in ranked], ranked, word_budget)
    return [kept[i] for i in sorted(ranked)]


def _within_budget(picked: list[str], ranked: list[int], budget: int) -> list[int]:
    out, used = [], 0
    for sentence, index in zip(picked, ranked, strict=True):
        words = word_count(sentence)
        if out and used + words > budget:
            break
        out.append(index)
        used += words
    return out


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
