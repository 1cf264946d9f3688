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
    text = f"The harbour is busy with ships and cranes today. {long} Ships fill the harbour."
    embed = FakeEmbedder(dimension=64).embed
    full = summarize_text(text, embed, 2)
    assert len(full) == 2
    trimmed = summarize_text(text, embed, 2, word_budget=20)
    assert len(trimmed) == 1 and trimmed[0] == full[0]  # the opening kept, the rest dropped
    assert summarize_text(text, embed, 2, word_budget=1) == trimmed  # never empty


# -- summaries that stand alone ------------------------------------------------------------

from reader.ml.sentences import group_passages, paragraphs  # noqa: E402
from reader.ml.standalone import is_prose, leans_back, stands_alone  # noqa: E402
from reader.ml.summary import (  # noqa: E402
    summarize_passages,
    summary_candidates,
    summary_sources,
)


@pytest.mark.parametrize(
    "sentence",
    [
        "But the river kept rising all through the spring.",
        "So the council closed the bridge for a month.",
        "And nobody asked the fishermen what they thought.",
        "This is why the harbour matters to the town.",
        "It was the wettest winter on record for the valley.",
        "They rebuilt the weir two years later with new money.",
        "However, the survey found fewer otters than expected.",
        "For example, kingfishers returned to three of the rivers.",
        "“But the fish came back,” she said on the riverbank.",
        "These rivers are cleaner than they were in the 1990s.",
    ],
)
def test_openers_that_lean_back(sentence):
    assert leans_back(sentence)
    assert not stands_alone([sentence])


@pytest.mark.parametrize(
    "sentence",
    [
        "Urban rivers in Europe have become markedly cleaner since the 1990s.",
        "The Rust team is happy to announce a new version of Rust, 1.34.0.",
        "Although storms still overflow, the trend is clear.",
        "There are kingfishers on the river again.",
        "Itself a small word, 'itinerary' starts with 'it'.",
    ],
)
def test_openers_that_stand_alone(sentence):
    assert not leans_back(sentence)


@pytest.mark.parametrize(
    "line",
    [
        "[1] Smith, J. Rivers of Europe, 2003, page 12.",
        "1. See the appendix for the full survey tables and methods.",
        "Photo: A kingfisher on the River Wandle in south London.",
        "Subscribe to our newsletter for more stories like this one.",
        "| River | Otters | Salmon |",
        "let x = compute_the_value(input, options);",
        "To install it, run the following command:",
    ],
)
def test_footnotes_captions_tables_code_are_not_prose(line):
    assert not is_prose(line)


def test_hard_wrapped_markdown_is_joined_and_code_and_link_definitions_dropped():
    text = (
        "The Rust team is happy to announce a new version of Rust, 1.34.0. Rust is a\n"
        "programming language that is empowering everyone.\n\n"
        "```\n$ rustup update stable\n```\n\n"
        "[install]: https://www.rust-lang.org/install.html\n\n"
        "## What's in 1.34.0 stable\n\n"
        "The largest feature is [alternative registries][regs] and `TryFrom`.[^1]\n\n"
        "[^1]: A footnote that must never be a summary.\n"
    )
    assert paragraphs(text) == [
        "The Rust team is happy to announce a new version of Rust, 1.34.0. Rust is a "
        "programming language that is empowering everyone.",
        "What's in 1.34.0 stable",
        "The largest feature is alternative registries and TryFrom.",
    ]


def _passages(text):
    return summary_candidates(group_passages(text))


def _summary(text, k=2, **kw):
    passages = _passages(text)
    flat = [s for p in passages for s in p if s]
    vectors = FakeEmbedder(dimension=256).embed(flat)
    return summarize_passages(passages, vectors, k, **kw)


def test_a_sentence_that_leans_back_comes_only_after_its_antecedent():
    text = (
        "Kingfishers are back on city rivers. "
        "But kingfishers on city rivers need clean water and fish to feed on every day. "
        "Kingfishers nest in steep banks of city rivers."
    )
    summary = _summary(text, k=2)
    assert stands_alone(summary)
    assert not leans_back(summary[0])
    if any(s.startswith("But") for s in summary):
        # it follows the sentence it leans on, right after it
        assert summary[:2] == [
            "Kingfishers are back on city rivers.",
            "But kingfishers on city rivers need clean water and fish to feed on every day.",
        ]


def test_summary_sentences_come_from_one_passage():
    harbour = " ".join(
        f"The harbour at the river mouth saw {n} ships arrive with fish and grain."
        for n in range(12)
    )
    bakery = " ".join(
        f"The bakery by the old market sold {n} loaves of rye bread before noon." for n in range(12)
    )
    text = f"{harbour}\n\n{bakery}"
    passages = _passages(text)
    assert len(passages) == 2
    summary = _summary(text, k=3)
    assert all("harbour" in s for s in summary) or all("bakery" in s for s in summary)


def test_footnotes_and_captions_are_never_summaries():
    text = (
        "Photo: The harbour at the river mouth with ships and grain and fish everywhere.\n"
        "The harbour at the river mouth is busy with ships, grain and fish all year.\n"
        "[1] The harbour at the river mouth: ships, grain and fish, a survey, 2003.\n"
        "The harbour master counts the ships and the fish at the river mouth.\n"
    )
    summary = _summary(text, k=3)
    assert summary and stands_alone(summary)
    assert not any(s.startswith(("Photo", "[1]")) for s in summary)


def test_a_text_of_only_short_sentences_still_gets_a_summary():
    embed = FakeEmbedder(dimension=32).embed
    assert summarize_text("Rivers are cleaner now.", embed, 2) == ["Rivers are cleaner now."]
    assert summarize_text("But it rose.", embed, 2) == []  # nothing that stands alone


# -- openings, antecedents and repairs -------------------------------------------------------

from reader.ml.standalone import close_quote, opens_mid_sentence, without_connective  # noqa: E402


@pytest.mark.parametrize(
    "sentence",
    ["them to the list of supported targets.", "and then the build finished.", "(or so we hoped)."],
)
def test_a_sentence_that_opens_mid_sentence_is_dangling(sentence):
    assert opens_mid_sentence(sentence)
    assert leans_back(sentence)
    assert not stands_alone([sentence])


@pytest.mark.parametrize(
    "sentence", ["iPhone sales rose by a third.", "eBay cut its fees.", "42 ships came in."]
)
def test_names_written_in_lower_case_are_not_mid_sentence(sentence):
    assert not opens_mid_sentence(sentence)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("But the river rose again in May.", "The river rose again in May."),
        ("However, the survey found fewer otters.", "The survey found fewer otters."),
        ("In fact kingfishers came back first.", "Kingfishers came back first."),
        ("But it rose again in May.", "But it rose again in May."),  # "It" still leans back
        ('"But the fish came back," she said.', '"But the fish came back," she said.'),
        ("Butterflies returned to the meadow.", "Butterflies returned to the meadow."),
    ],
)
def test_an_opening_connective_is_dropped_only_when_the_rest_stands_alone(sentence, expected):
    assert without_connective(sentence) == expected


def test_a_quotation_that_runs_on_is_closed():
    assert close_quote('He said: "It will rain.') == 'He said: "It will rain."'
    assert close_quote("She said: “It will rain.") == "She said: “It will rain.”"
    assert close_quote('He said: "It will rain."') == 'He said: "It will rain."'
    assert close_quote('A "quoted" word.') == 'A "quoted" word.'
    assert is_prose(close_quote('He said: "It will rain.'))


def _vectors(rows):
    return np.asarray(rows, dtype=np.float32)


def test_a_central_sentence_that_leans_back_opens_with_its_antecedent():
    passages = [
        [
            "Rivers across the north flooded in the first week of March.",
            "It was the wettest spring the valley has seen in a century.",
            "Ducks were seen swimming down the main street of the town.",
        ]
    ]
    # The leaning sentence is the most central one; its antecedent must come before it.
    vectors = _vectors([[1.0, 0.2, 0.0], [1.0, 0.0, 0.0], [0.6, 0.0, 0.8]])
    summary = summarize_passages(passages, vectors, 2)
    assert summary == passages[0][:2]
    assert stands_alone(summary)


def test_a_sentence_elsewhere_joins_only_when_it_is_on_the_openings_subject():
    first = [
        "The harbour at the river mouth saw its busiest year since records began.",
        "A storm in the spring closed the harbour for a week.",
    ]
    second = [
        "The harbour will add a new quay for grain ships next year.",
        "The bakery by the old market sold more rye bread than ever.",
    ]
    on_subject = [[1.0, 0.3, 0.1], [0.2, 1.0, 0.0], [0.9, 0.1, 0.0], [0.0, 0.1, 1.0]]
    summary = summarize_passages([first, second], _vectors(on_subject), 2)
    assert summary[0] == first[0]
    assert "bakery" not in " ".join(summary)
    assert second[0] in summary  # another passage, same subject


def test_inline_html_and_block_quote_markers_are_not_summary_text():
    text = (
        "We will\n> designate a release in the latter\n> third of the year as Rust 2018.\n\n"
        'The <code>Mutex</code> wants <a href="https://example.org">safe RCU</a>.</p> '
        "<p>A Vec<T> or a Box<dyn Fn> is <em>fine</em>.\n"
    )
    assert paragraphs(text) == [
        "We will designate a release in the latter third of the year as Rust 2018.",
        "The Mutex wants safe RCU. A Vec<T> or a Box<dyn Fn> is fine.",
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "Each of these produces an answer with no working.",
        "Most of them were closed by noon.",
        "Apart from that, the team has a backlog of interviews.",
        "The plan is to provide a mirror for crates.",
    ],
)
def test_a_quantity_or_a_plan_named_before_leans_back(sentence):
    assert leans_back(sentence)


def test_a_summary_opens_with_its_main_claim_then_keeps_the_articles_order():
    passages = [
        [
            "My grandmother kept her recipes on index cards in a tin box.",
            "The card showed not just the recipe but its history and its margin notes.",
            "Her kitchen was small and always warm in winter.",
        ]
    ]
    # The second sentence is the most central: it opens; the first follows as context.
    vectors = _vectors([[0.9, 0.3, 0.0], [1.0, 0.0, 0.0], [0.0, 0.2, 1.0]])
    summary = summarize_passages(passages, vectors, 2)
    assert summary == [passages[0][1], passages[0][0]]


def test_a_claim_that_leans_back_opens_with_the_sentence_it_leans_on():
    passages = [
        [
            "The council voted to close the old bridge to cars next spring.",
            "This will push traffic onto the ring road for at least two years.",
            "Her kitchen was small and always warm in winter.",
        ]
    ]
    vectors = _vectors([[0.8, 0.4, 0.0], [1.0, 0.0, 0.0], [0.0, 0.2, 1.0]])
    summary = summarize_passages(passages, vectors, 2)
    assert summary == passages[0][:2]


def test_sentences_are_embedded_as_the_article_has_them_and_shown_tidied():
    raw = [
        [
            "The river rose overnight across the valley.",
            "But the town's flood wall held for the first time.[2]",
            "Short one.",
            'The mayor said: "We were ready this time.',
        ]
    ]
    shown = summary_candidates(raw)
    sources = summary_sources(raw)
    assert [len(p) for p in shown] == [len(p) for p in sources]
    assert [bool(s) for s in shown[0]] == [bool(s) for s in sources[0]]
    assert shown[0][1] == "The town's flood wall held for the first time."
    assert sources[0][1] == raw[0][1]
    assert shown[0][3].endswith('time."') and sources[0][3] == raw[0][3]
    assert shown[0][2] == sources[0][2] == ""


def test_a_closing_quote_set_off_by_a_space_is_joined_and_sign_up_is_not_always_furniture():
    assert close_quote('He said: "It will rain. "') == 'He said: "It will rain."'
    assert is_prose("The judges are in talks to sign up for the new series.")
    assert not is_prose("Sign up for our newsletter to get every post.")
