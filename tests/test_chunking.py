"""Chunking: windows the model reads whole, following paragraphs, measured in word pieces."""

from __future__ import annotations

import re

import pytest

from reader.ml.chunking import chunk_article, content_hash, source_hash
from reader.ml.embedder import FakeEmbedder, WordPieceTokenizer, resolve_model

PARAGRAPHS = [
    "Compost heaps work best when green and brown material are layered. Kitchen scraps bring "
    "nitrogen; dry leaves and cardboard bring carbon.",
    "Turning the heap every week lets air in. Without air the heap turns sour and smells.",
    "A finished heap is dark, crumbly and smells of a forest floor after rain.",
]


def words(text: str) -> list[str]:
    return re.findall(r"\S+", text)


@pytest.fixture(scope="module")
def wordpieces() -> WordPieceTokenizer:
    """The packaged model's own tokenizer, through the tokenizers library (no torch)."""
    source = resolve_model("all-MiniLM-L6-v2")
    return WordPieceTokenizer(source.folder / "tokenizer.json", 256)


def test_short_article_is_one_chunk_with_its_title_as_context() -> None:
    counter = FakeEmbedder(max_tokens=256)
    text = "\n\n".join(PARAGRAPHS)
    chunks = chunk_article("Making compost", text, counter, budget=254)
    assert len(chunks) == 1
    chunk = chunks[0]
    assert chunk.context == "Making compost"
    assert chunk.embed_text.startswith("Making compost\n\n")
    assert chunk.text == text and (chunk.start, chunk.end) == (0, len(text))
    assert chunk.token_count == len(words(chunk.embed_text.replace(";", " ").replace(".", " ")))


def test_windows_follow_paragraphs_and_cover_every_word() -> None:
    counter = FakeEmbedder()
    text = "\n\n".join(PARAGRAPHS * 4)
    chunks = chunk_article("Compost", text, counter, budget=40)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.token_count <= 40
        assert text[chunk.start : chunk.end] == chunk.text
        # Paragraphs fit the budget, so every window starts and ends on paragraph edges.
        assert chunk.start == 0 or text[chunk.start - 1] == "\n"
        assert chunk.end == len(text) or text[chunk.end] == "\n"
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert sum((words(c.text) for c in chunks), []) == words(text)


def test_long_paragraph_is_cut_at_sentences_then_words_never_truncated() -> None:
    counter = FakeEmbedder()
    sentence = "Bees visit the flowers of the orchard in the early morning light. "
    run_on = "and then the bees came back " * 30  # one sentence far over the budget
    text = (sentence * 12) + run_on.strip() + "."
    chunks = chunk_article(None, text, counter, budget=30)
    assert all(c.token_count <= 30 for c in chunks)
    assert sum((words(c.text) for c in chunks), []) == words(text)
    # Sentence windows end at a full stop until the run-on sentence starts.
    assert chunks[0].text.endswith(".")


def test_balanced_windows_leave_no_scrap_at_the_end() -> None:
    counter = FakeEmbedder()
    text = "\n".join(f"Paragraph number {i} says one short thing." for i in range(10))
    chunks = chunk_article(None, text, counter, budget=50)
    sizes = [c.token_count for c in chunks]
    assert len(chunks) == 2 and min(sizes) >= max(sizes) // 2


def test_long_title_is_shortened_and_counted() -> None:
    counter = FakeEmbedder()
    title = " ".join(f"word{i}" for i in range(100))
    chunks = chunk_article(title, "A body of a few words.", counter, budget=64, title_budget=32)
    assert chunks[0].context.endswith("…")
    assert len(words(chunks[0].context)) <= 17  # 64 // 4 word pieces, then the ellipsis
    assert chunks[0].token_count <= 64


def test_empty_and_blank_texts_have_no_chunks() -> None:
    counter = FakeEmbedder()
    assert chunk_article("Title", "", counter, budget=64) == []
    assert chunk_article("Title", " \n\n \t", counter, budget=64) == []


def test_same_input_same_chunks_and_hashes() -> None:
    counter = FakeEmbedder()
    text = "\n\n".join(PARAGRAPHS * 3)
    first = chunk_article("T", text, counter, budget=40)
    again = chunk_article("T", text, counter, budget=40)
    assert first == again
    assert first[0].content_hash == content_hash(first[0].embed_text)
    assert source_hash("T", text, "m", 40) == source_hash("T", text, "m", 40)
    assert source_hash("T", text, "m", 40) != source_hash("T2", text, "m", 40)
    assert source_hash("T", text, "m", 40) != source_hash("T", text + ".", "m", 40)
    assert source_hash("T", text, "m", 40) != source_hash("T", text, "other", 40)


def test_real_tokenizer_windows_fit_the_model(wordpieces: WordPieceTokenizer) -> None:
    """With all-MiniLM-L6-v2's word pieces, no chunk is longer than the 254 the model reads."""
    paragraph = (
        "Myelodysplastic-like disorders, antidisestablishmentarianism and "
        "pneumonoultramicroscopicsilicovolcanoconiosis stretch WordPiece vocabularies; "
        "ünïcödé and emoji 🌱 too. "
    )
    text = "\n\n".join([paragraph * 3, paragraph * 9, "x" * 3000, paragraph])
    chunks = chunk_article("A title about tokens", text, wordpieces, budget=254)
    counted = wordpieces.token_spans([c.embed_text for c in chunks])
    for chunk, spans in zip(chunks, counted, strict=True):
        assert chunk.token_count == len(spans) <= 254
    assert "".join(c.text for c in chunks).replace(" ", "").replace("\n", "") == text.replace(
        " ", ""
    ).replace("\n", "")
