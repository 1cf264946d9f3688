"""Words for themes: class-based TF-IDF keywords, diversified by MMR, a short label, its AUC.

A theme's "class document" is the activation-weighted text of its top passages; a term
scores by how much more often it occurs there than in the library as a whole.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence

import numpy as np

Embed = Callable[[list[str]], np.ndarray]  # texts -> (n, D) unit vectors

STOP_WORDS = frozenset("""
a about above after again against all also although am among an and another any are around as at
back be became because been before being below between both but by can cannot could did do does
doing done down during each either else even ever every few for from further get gets got had has
have having he her here hers herself him himself his how however i if in into is it its itself
just last least less like made make many may me might more most mr mrs ms much must my myself
never new next no nor not now of off often on once one only onto or other others our ours
ourselves out over own per perhaps put rather really said same say says see seen shall she should
since so some still such take than that the their theirs them themselves then there these they
this those though three through thus to too two under until up upon us use used very via was
way we well were what whatever when where whether which while who whom whose why will with within
without would yet you your yours yourself yourselves year years time told first going including
back want told week already around much year's it's don't can't won't didn't isn't that's i'm
we're they're he's she's there's you're i've we've they've let lot several yes
""".split())

_WORD = re.compile(r"[a-z][a-z0-9'\-]*[a-z0-9]|[a-z]")


def tokenize(text: str) -> list[str]:
    """Lower-cased words of two letters or more, stop words kept (bigrams need the gaps)."""
    return [w for w in _WORD.findall(text.lower()) if len(w) > 1]


def _base(word: str) -> str:
    """A word without its possessive ("india's" -> "india"): one term for both."""
    return word[:-2] if word.endswith("'s") and len(word) > 4 else word


def terms(text: str) -> list[str]:
    """Unigrams and bigrams without stop words or numbers-only tokens."""
    words = [_base(w) for w in tokenize(text)]
    keep = [w not in STOP_WORDS and not w[0].isdigit() and len(w) > 2 for w in words]
    out = [w for w, k in zip(words, keep, strict=True) if k]
    out += [f"{a} {b}" for a, b, ka, kb in zip(words, words[1:], keep, keep[1:], strict=False) if ka and kb]
    return out


class TermCounts:
    """Term counts of every passage of the library, computed once and reused per theme."""

    def __init__(self, passages: Sequence[str], min_count: int = 2) -> None:
        counted = [Counter(terms(p)) for p in passages]
        total: Counter[str] = Counter()
        for c in counted:
            total.update(c)
        self.vocab = [t for t, n in total.items() if n >= min_count]
        index = {t: i for i, t in enumerate(self.vocab)}
        self.rows = [{index[t]: n for t, n in c.items() if t in index} for c in counted]
        totals = np.array([total[t] for t in self.vocab], dtype=np.float64)
        self.p_corpus = totals / max(totals.sum(), 1.0)
        self.doc_sets = [set(tokenize(p)) for p in passages]

    def class_counts(self, members: Sequence[tuple[int, float]]) -> tuple[np.ndarray, np.ndarray]:
        """Weighted term counts (V,) over passages (index, weight), and in how many each occurs."""
        counts = np.zeros(len(self.vocab))
        docs = np.zeros(len(self.vocab))
        for i, weight in members:
            for j, n in self.rows[i].items():
                counts[j] += weight * n
                docs[j] += 1
        return counts, docs


def ctfidf(counts: np.ndarray, p_corpus: np.ndarray, n_classes: int) -> np.ndarray:
    """Class-based TF-IDF (V,): tf in the class times log(1 + 1 / (n_classes * p_corpus))."""
    tf = counts / max(counts.sum(), 1e-12)
    return tf * np.log1p(1.0 / (max(n_classes, 1) * np.maximum(p_corpus, 1e-12)))


def _overlap(a: str, b: str) -> float:
    wa, wb = set(a.split()), set(b.split())
    return len(wa & wb) / len(wa | wb)


def mmr(relevance: np.ndarray, similarity: np.ndarray, n: int, diversity: float) -> list[int]:
    """Maximal marginal relevance: n indices, each relevant and unlike those already chosen."""
    chosen: list[int] = []
    left = list(range(len(relevance)))
    while left and len(chosen) < n:
        penalty = similarity[np.ix_(left, chosen)].max(axis=1) if chosen else np.zeros(len(left))
        scores = (1 - diversity) * relevance[left] - diversity * penalty
        pick = left[int(np.argmax(scores))]
        chosen.append(pick)
        left.remove(pick)
    return chosen


def theme_keywords(
    counts: TermCounts,
    members: Sequence[tuple[int, float]],
    n_classes: int,
    *,
    n: int = 10,
    n_candidates: int = 30,
    diversity: float = 0.3,
    embed: Embed | None = None,
    centroid: np.ndarray | None = None,
    background: np.ndarray | None = None,
) -> list[str]:
    """Top `n` keywords of one theme, best first.

    members: (passage index, activation weight) of the theme's top passages. Candidates are
    the c-TF-IDF leaders seen in at least two of those passages; when `embed` and the
    theme's `centroid` (D,) are given, relevance also counts how much closer the term's
    embedding is to the centroid than to the library's `background` (D,).
    """
    class_counts, docs = counts.class_counts(members)
    min_docs = 2 if len(members) >= 4 else 1
    score = ctfidf(class_counts, counts.p_corpus, n_classes) * (docs >= min_docs)
    order = [int(i) for i in np.argsort(-score)[:n_candidates] if score[i] > 0]
    if not order:
        return []
    words = [counts.vocab[i] for i in order]
    rel = score[order] / score[order[0]]
    if embed is not None and centroid is not None:
        vectors = embed(words)
        sem = vectors @ centroid
        if background is not None:
            sem = sem - vectors @ background
        sem = (sem - sem.min()) / max(float(sem.max() - sem.min()), 1e-9)
        rel = 0.5 * rel + 0.5 * sem
        sim = np.maximum(vectors @ vectors.T, [[_overlap(a, b) for b in words] for a in words])
    else:
        sim = np.array([[_overlap(a, b) for b in words] for a in words])
    return [words[i] for i in mmr(rel, sim, n, diversity)]


def same_root(a: str, b: str) -> bool:
    """Two words of one root ("japan" / "japanese", "award" / "awards"): a shared prefix of
    four letters or more covering most of the shorter word."""
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n >= 4 and n >= 0.6 * min(len(a), len(b))


def _overlaps(a: str, b: str) -> bool:
    return any(x == y or same_root(x, y) for x in a.split() for y in b.split())


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def label_key(label: str) -> frozenset[str]:
    """What makes two labels the same name: their words in any order, plurals as singulars
    ("practice / notes" and "practice / note" are one name)."""
    return frozenset(_singular(w) for part in label.split("/") for w in part.split())


def make_label(keywords: Sequence[str], max_terms: int = 2, taken: set[str] | None = None) -> str:
    """A short label from the best keywords, e.g. "mobile phones / broadband"; one not in
    `taken` (in any word order) when the keywords allow (two themes should not share a name).
    A keyword sharing a word or a root with a better one is left out ("japan / japanese")."""
    words = [w for i, w in enumerate(keywords)
             if not any(_overlaps(w, c) for c in keywords[:i])]
    candidates = [" / ".join(words[:max_terms])] if words else []
    for i in range(len(words)):
        for j in range(i + 1, len(words)):
            candidates.append(f"{words[i]} / {words[j]}" if max_terms > 1 else words[i])
    used = {label_key(t) for t in taken or ()}
    for label in candidates:
        if label_key(label) not in used:
            return label
    return candidates[0] if candidates else "(unnamed)"


def label_candidates(keywords: Sequence[str], n: int = 4) -> list[str]:
    """Names to choose from, phrases first: each bigram among the leading keywords alone
    ("mobile phones"), then the two best distinct keywords together ("parking / cities")."""
    lead = list(keywords[:n])
    out = [k for k in lead if " " in k]
    pair = make_label(keywords)
    if pair != "(unnamed)":
        out.append(pair)
    return list(dict.fromkeys(out)) or ["(unnamed)"]


def passage_overlap(token_sets: Sequence[set[str]]) -> float:
    """Mean pairwise Jaccard overlap of passages' word sets: near 1 for one text repeated."""
    sets = [t for t in token_sets if t]
    if len(sets) < 2:
        return 0.0
    values = [len(a & b) / len(a | b) for i, a in enumerate(sets) for b in sets[i + 1:]]
    return float(np.mean(values))


def auc(label_vector: np.ndarray, positives: np.ndarray, negatives: np.ndarray) -> float:
    """P(label closer to a positive than to a negative), ties halved (Mann-Whitney U / n1 n2)."""
    if len(positives) == 0 or len(negatives) == 0:
        return math.nan
    pos = positives @ label_vector
    neg = negatives @ label_vector
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))
