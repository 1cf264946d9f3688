"""The schema, chunk storage, the HNSW index file and FTS5 keyword search."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from reader.errors import BadInput
from reader.index import fts
from reader.index.hnsw import HnswParams, IndexBusy, IndexInvalid, VectorIndex, index_lock
from reader.ml.chunking import chunk_article
from reader.ml.embedder import FakeEmbedder
from reader.storage import chunks as store
from reader.storage.db import open_db


def _states(status: str) -> tuple[str, str]:
    """(state, fetch_state) for the single status these tests were written with."""
    return ("unread", status) if status in ("queued", "failed") else (status, "fetched")


def add_article(
    db, title: str, text: str, *, status: str = "unread", url: str | None = None
) -> int:
    url = url or f"https://example.org/{abs(hash((title, text)))}"
    cursor = db.execute(
        "INSERT INTO articles (url, canonical_url, title, text, state, fetch_state, added_at) "
        "VALUES (?,?,?,?,?,?,?)",
        [url, url, title, text, *_states(status), "2026-01-05T10:00:00Z"],
    )
    return int(cursor.lastrowid)


@pytest.fixture
def db(tmp_path: Path):
    database = open_db(tmp_path / "reader.db")
    yield database
    database.conn.close()


def unit_vectors(n: int, dim: int, seed: int = 0) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


# -- schema -------------------------------------------------------------------------


def test_migration_creates_exactly_the_search_schema(db) -> None:
    assert [c.name for c in db["chunks"].columns] == [
        "id",
        "article_id",
        "ordinal",
        "start_char",
        "end_char",
        "context",
        "text",
        "token_count",
        "content_hash",
    ]
    assert [c.name for c in db["embeddings"].columns] == [
        "id",
        "model",
        "content_hash",
        "dimension",
        "vector",
        "created_at",
    ]
    assert [(i.columns, i.unique) for i in db["embeddings"].indexes] == [
        (["model", "content_hash"], 1)
    ]
    assert [i.columns for i in db["chunks"].indexes if i.name == "chunks_content_hash"] == [
        ["content_hash", "article_id"]
    ]
    assert [c.name for c in db["chunk_sources"].columns] == [
        "article_id",
        "source_hash",
        "tokenizer",
        "chunk_count",
        "chunked_at",
        "stale",
    ]
    assert db["articles"].detect_fts() == "articles_fts"
    assert {"articles_fts_insert", "articles_fts_delete", "articles_fts_update"} <= set(
        db.triggers_dict
    )
    assert "AUTOINCREMENT" in db["chunks"].schema
    assert "ON DELETE CASCADE" in db["chunks"].schema


# -- chunk storage ------------------------------------------------------------------


def test_replace_chunks_keeps_ids_of_unchanged_passages(db) -> None:
    fake = FakeEmbedder()
    text = "\n".join(f"Paragraph {i} about rivers and boats and bridges." for i in range(12))
    article = add_article(db, "Rivers", text)
    first = chunk_article("Rivers", text, fake, budget=30)
    added, removed = store.replace_chunks(db, article, first, "h1", fake.model_id)
    assert len(added) == len(first) and removed == []
    edited = text + "\nA new last paragraph about canals."
    second = chunk_article("Rivers", edited, fake, budget=30)
    added2, removed2 = store.replace_chunks(db, article, second, "h2", fake.model_id)
    kept = set(added) - set(removed2)
    assert kept and len(added2) == len(removed2) + len(second) - len(first)
    stored = store.article_chunks(db, article)
    assert [c.ordinal for c in stored] == list(range(len(second)))
    assert all(edited[c.start : c.end] == c.text for c in stored)


def test_vectors_are_stored_once_per_model_and_text(db) -> None:
    vectors = unit_vectors(2, 8)
    store.put_embeddings(db, "m", ["a", "b"], vectors)
    store.put_embeddings(db, "m", ["a"], unit_vectors(1, 8, seed=5))  # ignored: already there
    store.put_embeddings(db, "other", ["a"], vectors[:1])
    assert db.execute("SELECT count(*) FROM embeddings").fetchone()[0] == 3
    blob = db.execute(
        "SELECT vector FROM embeddings WHERE model='m' AND content_hash='a'"
    ).fetchone()[0]
    np.testing.assert_array_equal(np.frombuffer(blob, dtype="<f4"), vectors[0])


def test_deleting_an_article_deletes_its_chunks_and_forget_article(db) -> None:
    fake = FakeEmbedder()
    one = add_article(db, "One", "First article text.")
    two = add_article(db, "Two", "Second article text.")
    for aid, title, text in (
        (one, "One", "First article text."),
        (two, "Two", "Second article text."),
    ):
        store.replace_chunks(db, aid, chunk_article(title, text, fake, budget=30), "h", "t")
    db.execute("DELETE FROM articles WHERE id = ?", [one])  # cascade, as the library's delete does
    assert db.execute("SELECT count(*) FROM chunks WHERE article_id = ?", [one]).fetchone()[0] == 0
    removed = store.forget_article(db, two)
    assert len(removed) == 1 and store.count_chunks(db) == 0
    assert db.execute("SELECT count(*) FROM chunk_sources").fetchone()[0] == 0


def test_text_change_marks_chunks_stale_but_reading_progress_does_not(db) -> None:
    article = add_article(db, "T", "Some text.")
    store.replace_chunks(
        db, article, chunk_article("T", "Some text.", FakeEmbedder(), budget=30), "h", "t"
    )
    assert store.articles_to_chunk(db, "t") == []
    db.execute("UPDATE articles SET progress = 0.5, state = 'reading' WHERE id = ?", [article])
    assert store.articles_to_chunk(db, "t") == []
    db.execute("UPDATE articles SET text = 'Other text.' WHERE id = ?", [article])
    assert store.articles_to_chunk(db, "t") == [article]
    assert store.articles_to_chunk(db, "another-tokenizer") == [article]


def test_only_fetched_unique_articles_are_chunked(db) -> None:
    good = add_article(db, "Good", "Has text.")
    add_article(db, "Queued", "", status="queued")
    add_article(db, "Failed", "Text but failed.", status="failed")
    dup = add_article(db, "Dup", "Has text.")
    db.execute("UPDATE articles SET duplicate_of = ? WHERE id = ?", [good, dup])
    assert store.articles_to_chunk(db, "t") == [good]


# -- the HNSW index -----------------------------------------------------------------


def test_index_adds_searches_removes_and_grows() -> None:
    vectors = unit_vectors(300, 16)
    index = VectorIndex(16, capacity=16)
    index.add(np.arange(100, 400), vectors)
    assert len(index) == 300
    ids, sims = index.search(vectors[7], 3)
    assert ids[0][0] == 107 and sims[0][0] == pytest.approx(1.0, abs=1e-5)
    index.remove(np.array([107]))
    ids, _ = index.search(vectors[7], 3)
    assert 107 not in ids[0] and len(index) == 299
    index.add(np.array([107]), vectors[7:8])  # a removed id can come back
    assert index.search(vectors[7], 1)[0][0][0] == 107
    ids, _ = index.search(vectors[7], 5, allowed=lambda label: label % 2 == 0)
    assert all(i % 2 == 0 for i in ids[0])
    assert index.search(vectors[0], 1000)[0].shape[1] == 300  # never more than it holds


def test_index_round_trips_and_refuses_what_it_cannot_trust(tmp_path: Path) -> None:
    vectors = unit_vectors(50, 8)
    index = VectorIndex(8)
    index.add(np.arange(1, 51), vectors)
    index.remove(np.array([3, 4]))
    index.save(tmp_path, "model-a")
    loaded = VectorIndex.load(tmp_path, model="model-a", dimension=8)
    np.testing.assert_array_equal(loaded.ids, index.ids)
    assert loaded.search(vectors[9], 1)[0][0][0] == 10
    assert 3 not in loaded.search(vectors[2], 5)[0][0]

    with pytest.raises(IndexInvalid, match="built with 'model-a'"):
        VectorIndex.load(tmp_path, model="model-b", dimension=8)
    with pytest.raises(IndexInvalid, match="16-d"):
        VectorIndex.load(tmp_path, model="model-a", dimension=16)
    data = bytearray((tmp_path / "chunks.hnsw").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (tmp_path / "chunks.hnsw").write_bytes(bytes(data))
    with pytest.raises(IndexInvalid, match="damaged"):
        VectorIndex.load(tmp_path, model="model-a", dimension=8)
    np.save(tmp_path / "chunks.ids.npy", np.arange(5))
    with pytest.raises(IndexInvalid, match="id list"):
        VectorIndex.load(tmp_path, model="model-a", dimension=8)
    with pytest.raises(IndexInvalid, match="no index file"):
        VectorIndex.load(tmp_path / "elsewhere", model="model-a", dimension=8)


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    with (
        index_lock(tmp_path, exclusive=True),
        pytest.raises(IndexBusy),
        index_lock(tmp_path, exclusive=True, wait=False),
    ):
        pass
    with index_lock(tmp_path, exclusive=False), index_lock(tmp_path, exclusive=False, wait=False):
        pass  # readers share


# -- keyword search -----------------------------------------------------------------


def test_parse_query_words_phrases_exclusions_and_stop_words() -> None:
    query = fts.parse_query('the Running "sour dough" -yeast of bread')
    assert query.words == ["running", "bread"]
    assert query.phrases == [["sour", "dough"]]
    assert query.excluded == ["yeast"]
    assert query.dropped == ["the", "of"]
    assert "yeast" not in query.semantic_text and "sour dough" in query.semantic_text
    with pytest.raises(BadInput, match="empty query"):
        fts.parse_query("   ")
    with pytest.raises(BadInput, match="only common words"):
        fts.parse_query("the of and")
    with pytest.raises(BadInput, match="not only -exclusions"):
        fts.parse_query("-yeast")
    with pytest.raises(BadInput, match="letters or digits"):
        fts.parse_query("?!* ()")
    assert fts.parse_query('"to be or not to be"').phrases == [
        ["to", "be", "or", "not", "to", "be"]
    ]


def test_keyword_search_stems_ranks_and_stays_in_step(db) -> None:
    runs = add_article(db, "Running in the rain", "She runs every morning, whatever the weather.")
    bread = add_article(db, "Baking bread", "Sourdough bread needs a lively starter and patience.")
    add_article(db, "Chess", "Openings, middlegames and endgames.")
    hits = fts.keyword_search(db, fts.parse_query("runner running"), limit=10)
    assert [aid for aid, _ in hits] == [runs]
    hits = fts.keyword_search(db, fts.parse_query("bread running"), limit=10)
    assert {aid for aid, _ in hits} == {runs, bread}
    assert all(score > 0 for _, score in hits)
    assert fts.keyword_search(db, fts.parse_query('"lively starter" -sourdough'), limit=10) == []
    assert fts.keyword_search(db, fts.parse_query('"lively starter"'), limit=10)[0][0] == bread

    db.execute("UPDATE articles SET text = 'Rye loaves only.' WHERE id = ?", [bread])
    assert fts.keyword_search(db, fts.parse_query("sourdough"), limit=10) == []
    db.execute("DELETE FROM articles WHERE id = ?", [runs])
    assert fts.keyword_search(db, fts.parse_query("rain"), limit=10) == []
    assert fts.integrity_ok(db)


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "AND",
        "OR NOT",
        "foo*",
        "(",
        ")",
        "title:bread",
        "NEAR(a b)",
        "a - b",
        "'",
        "^start",
        "bread + butter",
        "{x}",
        "x:y:z",
        "c++",
        "C#",
        "naïve café",
        "🌱 garden",
        "1/2",
        'un"balanced',
        "-",
        "--",
        "*",
        "a AND OR b",
        "NOT bread",
    ],
)
def test_user_queries_never_raise_fts_syntax_errors(db, query: str) -> None:
    add_article(db, "Baking bread", "Bread and butter; naïve café garden c++ notes.")
    try:
        parsed = fts.parse_query(query)
    except BadInput:
        return
    try:
        fts.keyword_search(db, parsed, limit=5)
        for aid in (1,):
            fts.marked_spans(db, parsed, aid)
    except sqlite3.OperationalError as exc:  # pragma: no cover - what the test guards against
        pytest.fail(f"{query!r} raised {exc}")


def test_marked_spans_follow_stemming(db) -> None:
    text = "Gardeners garden in gardens; the gardening never ends."
    article = add_article(db, "Notes", text)
    spans = fts.marked_spans(db, fts.parse_query("garden"), article)
    assert [text[s:e] for s, e in spans] == ["Gardeners", "garden", "gardens", "gardening"]
    assert fts.marked_spans(db, fts.parse_query("telescope"), article) == []


def test_ef_follows_the_index_size_and_a_setting_overrides_it() -> None:
    from reader.index.hnsw import EF_MAX, auto_ef

    assert auto_ef(1_000) == auto_ef(100_000) == HnswParams().ef_search
    sizes = [100_000, 200_000, 500_000, 1_000_000, 10_000_000, 10**9]
    efs = [auto_ef(n) for n in sizes]
    assert efs == sorted(efs) and efs[3] >= 800 and efs[-1] == EF_MAX
    index = VectorIndex(8, capacity=64)
    vectors = np.random.default_rng(0).normal(size=(40, 8)).astype(np.float32)
    index.add(np.arange(40), vectors)
    assert index.ef_for() == HnswParams().ef_search and index.ef_for(600) == 600
    index.search(vectors[0], 5, ef=index.ef_for(600))
    assert index._index.ef == 600  # what hnswlib searched with


def test_an_unchanged_index_file_is_not_hashed_again_but_a_changed_one_is(tmp_path: Path, monkeypatch) -> None:
    import os

    from reader.index import hnsw

    vectors = unit_vectors(20, 8)
    index = VectorIndex(8)
    index.add(np.arange(1, 21), vectors)
    index.save(tmp_path, "model-a")
    hashed: list[Path] = []
    real = hnsw.file_checksum
    monkeypatch.setattr(hnsw, "file_checksum", lambda path: hashed.append(path) or real(path))
    manifest = tmp_path / "manifest.json"
    index_file = tmp_path / "chunks.hnsw"
    # The manifest is newer than the file it describes (as after any save but the quickest).
    stat = index_file.stat()
    os.utime(manifest, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))
    VectorIndex.load(tmp_path, model="model-a", dimension=8)
    assert hashed == []
    # Saved and rewritten within one clock tick: the times cannot tell, so it is hashed.
    os.utime(manifest, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    VectorIndex.load(tmp_path, model="model-a", dimension=8)
    assert hashed == [index_file]
    # Damaged later, same size: its time changed, so it is hashed and refused.
    os.utime(manifest, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))
    data = bytearray(index_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    index_file.write_bytes(bytes(data))
    os.utime(index_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    with pytest.raises(IndexInvalid, match="damaged"):
        VectorIndex.load(tmp_path, model="model-a", dimension=8)
