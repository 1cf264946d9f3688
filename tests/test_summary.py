"""Sentence splitting and extractive summaries (reader.ml.sentences, reader.ml.summary)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from reader.ml.embedder import FakeEmbedder
from reader.ml.sentences import split_sentences, word_count
from reader.ml.summary import (
    central_coverage,
    centroid,
    lead,
    rouge_f1,
    summarize,
    summarize_text,
)
from tests.conftest import corpus


def test_split_keeps_abbreviations_decimals_and_initials_together():
    text = (
        "Mr. Okafor paid $11.5bn for the U.S. unit. J. K. Rowling was not involved. "
        'He said: "It is done." Then he left! Was it worth it? Nobody knows.'
    )
    assert split_sentences(text) == [
        "Mr. Okafor paid $11.5bn for the U.S. unit.",
        "J. K. Rowling was not involved.",
        'He said: "It is done."',
        "Then he left!",
        "Was it worth it?",
        "Nobody knows.",
    ]


def test_split_treats_lines_and_list_items_as_units():
    text = "A heading without a stop\n\n- first point here\n2. second point\nClosing line. next"
    assert split_sentences(text) == [
        "A heading without a stop",
        "first point here",
        "second point",
        # a lower-case word after a stop is not a new sentence
        "Closing line. next",
    ]


def test_word_count_counts_words_not_punctuation():
    assert word_count("It's 3 o'clock — isn't it?") == 5
    assert word_count("") == 0


def test_rouge_matches_a_hand_computed_value():
    # candidate: the cat sat; reference: the cat sat down. unigrams 3/3 and 3/4.
    assert rouge_f1("The cat sat", "the cat sat down", 1) == pytest.approx(2 * 1 * 0.75 / 1.75)
    # bigrams: (the cat), (cat sat) shared; candidate 2, reference 3
    assert rouge_f1("The cat sat", "the cat sat down", 2) == pytest.approx(
        2 * 1 * (2 / 3) / (5 / 3)
    )
    assert rouge_f1("dogs", "cats", 1) == 0.0
    # clipped counts: repeating a word does not earn it twice
    assert rouge_f1("the the the", "the cat", 1) == pytest.approx(2 * (1 / 3) * 0.5 / (1 / 3 + 0.5))


def _unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def test_coverage_prefers_a_second_subject_over_a_repeat():
    # Three near-copies of subject A, three sentences on subject B, about equally central.
    a = [_unit([1, 0.02 * i, 0]) for i in range(3)]
    b = [_unit([0.3, 1, 0.1 * i]) for i in range(3)]
    vectors = np.stack(a + b)
    assert all(i < 3 for i in centroid(vectors, 2)), "the baseline repeats subject A"
    picked = central_coverage(vectors, [20] * 6, 2)
    assert picked[0] < 3 and picked[1] >= 3


def test_centrality_wins_when_coverage_is_off_and_length_prior_matters():
    vectors = np.stack([_unit([1, 0, 0]), _unit([1, 0.1, 0]), _unit([0, 0, 1])])
    assert central_coverage(vectors, [10, 10, 10], 1, coverage_weight=0)[0] in (0, 1)
    # Two equally central sentences: the longer one carries more of the article.
    twins = np.stack([_unit([1, 0, 0]), _unit([1, 0, 0]), _unit([0, 1, 0])])
    assert central_coverage(twins, [8, 30, 10], 1)[0] == 1


def test_summarize_returns_document_order_and_skips_fragments():
    sentences = [
        "Photo: a harbour",
        "Ships dock at the harbour every single morning.",
        "Fish prices at the harbour rose sharply this spring season.",
        "The harbour master expects more ships at the harbour next year.",
    ]
    emb = FakeEmbedder(dimension=128).embed(sentences)
    picked = summarize(sentences, emb, 2)
    assert picked == sorted(picked)
    assert 0 not in picked  # a four-word caption is never a summary
    assert len(picked) == 2
    with pytest.raises(ValueError):
        summarize(sentences, emb[:2], 2)


def test_baselines():
    assert lead(5, 3) == [0, 1, 2]
    assert lead(2, 3) == [0, 1]
    assert centroid(np.zeros((0, 4)), 3) == []


def test_summarize_text_edge_cases():
    embed = FakeEmbedder(dimension=32).embed
    assert summarize_text("", embed, 2) == []
    assert summarize_text("Only one sentence here.", embed, 2) == ["Only one sentence here."]


TEXT = """Last Tuesday my neighbour asked whether I had ever seen a kingfisher in the city.

Urban rivers in Europe have become markedly cleaner since the 1990s, as sewage treatment
improved and factories moved away from the banks. Cleaner urban rivers now support fish,
insects and birds that had been absent for decades, and surveys record kingfishers, otters
and salmon returning to city rivers. The recovery of these rivers is uneven, though: storm
overflows still send untreated sewage into many urban rivers after heavy rain.

I still have not seen one myself."""


@pytest.mark.slow
def test_real_model_summary_is_central_not_the_lead():
    from reader.ml.embedder import SentenceTransformerEmbedder, resolve_model

    embedder = SentenceTransformerEmbedder(resolve_model("all-MiniLM-L6-v2"))
    summary = summarize_text(TEXT, embedder.embed, 2)
    assert len(summary) == 2
    assert not any("neighbour" in s or "seen one" in s for s in summary)
    assert all("rivers" in s for s in summary)


@pytest.mark.slow
def test_real_model_beats_lead3_on_a_few_bbc_articles():
    from reader.ml.embedder import SentenceTransformerEmbedder, resolve_model

    rows = [json.loads(line) for line in (corpus("bbc") / "bbc.jsonl").open(encoding="utf-8")]
    rows = [r for r in rows if r.get("summary")][::200][:8]
    embedder = SentenceTransformerEmbedder(resolve_model("all-MiniLM-L6-v2"))
    ours = lead3 = 0.0
    for row in rows:
        sentences = split_sentences(row["article"])
        picked = summarize(sentences, embedder.embed(sentences), 3)
        ours += rouge_f1(" ".join(sentences[i] for i in picked), row["summary"], 1)
        lead3 += rouge_f1(" ".join(sentences[:3]), row["summary"], 1)
    assert ours > lead3


def test_word_budget_keeps_the_best_sentence_and_drops_what_does_not_fit():
    long = "Harbour " + " ".join(["ships and harbour cranes"] * 12) + "."
    text = f"Ships fill the harbour. {long} The harbour is busy with ships today."
    embed = FakeEmbedder(dimension=64).embed
    full = summarize_text(text, embed, 2)
    assert len(full) == 2
    trimmed = summarize_text(text, embed, 2, word_budget=20)
    assert len(trimmed) == 1 and trimmed[0] in full
    assert summarize_text(text, embed, 2, word_budget=1) == trimmed  # never empty
