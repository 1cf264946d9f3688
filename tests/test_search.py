"""Indexing and search through the services and the CLI, over a real SQLite library.

Most tests use the deterministic fake embedder; the last ones use the real packaged model
(its ONNX export is made once per session by tests/test_embedder.py's helper).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from reader.errors import BadInput, Cancelled, IndexNotReady, NotFound
from reader.index.fts import make_snippet
from reader.index.hnsw import index_lock
from reader.ml.embedder import FakeEmbedder
from reader.services.search import indexing
from reader.services.search.indexing import INDEXER_LOCK, index_pending
from reader.services.search.service import (
    FusionParams,
    SearchFilters,
    SearchService,
    fuse,
    parse_when,
)
from reader.storage.chunks import forget_article

ESSAYS = {
    "tomatoes": (
        "Tending tomatoes on a balcony",
        "Tomatoes on a balcony want six hours of sun and a deep pot. Water the soil, not the "
        "leaves, and pinch out the side shoots so the plant puts its effort into fruit.\n\n"
        "A tomato plant in a pot dries out fast in July; a saucer under the pot and mulch on top "
        "keep the roots from baking.",
    ),
    "sourdough": (
        "Keeping a sourdough starter alive",
        "A sourdough starter is flour and water that wild yeast and bacteria have moved into. "
        "Feed it every day at room temperature, or once a week from the fridge.\n\n"
        "When the starter smells of nail varnish it is hungry: discard half and feed it.",
    ),
    "comets": (
        "Comets and where they come from",
        "Long-period comets fall inwards from the Oort cloud, a shell of icy bodies far beyond "
        "Neptune. Their tails always point away from the Sun, pushed by the solar wind.",
    ),
    "chess": (
        "Why the opening matters less than you think in chess",
        "Club players memorise opening lines, yet most of their games are decided by tactics in "
        "the middlegame: a forgotten knight fork, an undefended bishop, a back-rank mate.",
    ),
    "running": (
        "Learning to run slowly",
        "Most of a runner's training should be easy running, slow enough to hold a conversation. "
        "Slow miles build the heart and the legs without the injuries that speed brings.",
    ),
    "bridges": (
        "Bridges that sway",
        "Suspension bridges move with the wind. Engineers add dampers so that a crowd walking in "
        "step cannot set the deck swinging.",
    ),
}


_URLS = itertools.count(1)


def add_article(
    ctx,
    title: str,
    text: str,
    *,
    status: str = "unread",
    added: str = "2026-01-05T10:00:00Z",
    tags: tuple[str, ...] = (),
) -> int:
    url = f"https://essays.example/{next(_URLS)}"
    cursor = ctx.db.execute(
        "INSERT INTO articles (url, canonical_url, title, text, state, fetch_state, added_at) "
        "VALUES (?,?,?,?,?,?,?)",
        [url, url, title, text, status, "fetched", added],
    )
    article_id = int(cursor.lastrowid)
    for tag in tags:
        ctx.db.execute(
            "INSERT INTO article_tags (article_id, tag) VALUES (?, ?)", [article_id, tag]
        )
    return article_id


@pytest.fixture
def fake() -> FakeEmbedder:
    return FakeEmbedder(dimension=64, max_tokens=48)


@pytest.fixture
def library(ctx) -> dict[str, int]:
    ids = {}
    for number, (key, (title, text)) in enumerate(ESSAYS.items()):
        status = "read" if number % 2 else "unread"
        added = f"2026-01-{number + 1:02d}T09:00:00Z"
        tags = ("kitchen",) if key == "sourdough" else ()
        ids[key] = add_article(ctx, title, text, status=status, added=added, tags=tags)
    return ids


def top(results) -> int:
    return results.hits[0].article_id


# -- indexing -----------------------------------------------------------------------


def test_index_pending_chunks_embeds_and_indexes_once(ctx, library, fake) -> None:
    report = index_pending(ctx, embedder=fake)
    chunk_count = ctx.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
    assert report.articles_chunked == len(ESSAYS) and report.embedded == chunk_count > len(ESSAYS)
    assert report.index_size == chunk_count and not report.skipped
    assert (ctx.paths.index_dir / "manifest.json").exists()
    manifest = json.loads((ctx.paths.index_dir / "manifest.json").read_text())
    assert (manifest["model"], manifest["dimension"], manifest["count"]) == (
        fake.model_id,
        64,
        chunk_count,
    )
    again = index_pending(ctx, embedder=fake)
    assert (again.articles_chunked, again.embedded, again.index_size) == (0, 0, chunk_count)
    assert fake.embedded == chunk_count  # nothing embedded twice


def test_same_passage_in_two_articles_is_embedded_once(ctx, fake) -> None:
    add_article(ctx, "Same", "Identical words in both places.")
    add_article(ctx, "Same", "Identical words in both places.")
    report = index_pending(ctx, embedder=fake)
    assert report.chunks_added == 2 and report.embedded == 1 and report.index_size == 2


def test_only_changed_articles_are_chunked_again(ctx, library, fake) -> None:
    index_pending(ctx, embedder=fake)
    article = library["tomatoes"]
    before = {c[0] for c in ctx.db.execute("SELECT id FROM chunks WHERE article_id = ?", [article])}
    ctx.db.execute(
        "UPDATE articles SET text = text || ? WHERE id = ?", ["\n\nBasil likes it too.", article]
    )
    ctx.db.execute("UPDATE articles SET progress = 0.4 WHERE id = ?", [library["comets"]])
    report = index_pending(ctx, embedder=fake)
    assert report.articles_chunked == 1
    after = {c[0] for c in ctx.db.execute("SELECT id FROM chunks WHERE article_id = ?", [article])}
    assert before & after  # untouched passages keep their ids
    assert fake.embedded == ctx.db.execute(
        "SELECT count(DISTINCT content_hash) FROM chunks"
    ).fetchone()[0] + len(before - after)


def test_interrupted_indexing_resumes_without_losing_work(ctx, fake, monkeypatch) -> None:
    for i in range(12):
        add_article(ctx, f"Note {i}", f"Observation number {i} about birds {i} and trees {i}.")
    monkeypatch.setattr(indexing, "EMBED_BATCH", 5)
    calls = iter([False, False, True])  # stop before the second embedding batch
    with pytest.raises(Cancelled):
        index_pending(ctx, embedder=fake, should_stop=lambda: next(calls, True))
    assert ctx.db.execute("SELECT count(*) FROM embeddings").fetchone()[0] == 5
    manifest = json.loads((ctx.paths.index_dir / "manifest.json").read_text())
    assert manifest["count"] == 5  # what was embedded is searchable already
    report = index_pending(ctx, embedder=fake)
    assert report.embedded == 7 and report.index_size == 12 and fake.embedded == 12


def test_a_second_indexer_steps_aside(ctx, library, fake) -> None:
    with index_lock(ctx.paths.index_dir, exclusive=True, name=INDEXER_LOCK):
        report = index_pending(ctx, embedder=fake)
    assert report.skipped and "another indexer" in report.summary()
    assert ctx.db.execute("SELECT count(*) FROM chunks").fetchone()[0] == 0


def test_changing_the_model_re_embeds_everything(ctx, library, fake) -> None:
    index_pending(ctx, embedder=fake)
    other = FakeEmbedder(dimension=32, max_tokens=48, model_id="another-model")
    messages = []
    report = index_pending(ctx, embedder=other, progress=lambda p: messages.append(p.message))
    assert any("changed from fake-hashed-words-64 to another-model" in m for m in messages)
    assert report.messages and report.embedded == report.index_size > 0
    assert json.loads((ctx.paths.index_dir / "manifest.json").read_text())["dimension"] == 32
    with pytest.raises(IndexNotReady, match="indexed with another-model"):
        SearchService(ctx, embedder=fake).search("comets", mode="semantic")
    assert (
        top(SearchService(ctx, embedder=other).search("comets", mode="semantic"))
        == library["comets"]
    )


def test_missing_stale_or_damaged_index_is_rebuilt_never_used(ctx, library, fake) -> None:
    index_pending(ctx, embedder=fake)
    (ctx.paths.index_dir / "chunks.hnsw").write_bytes(b"not an index")
    results = SearchService(ctx, embedder=fake).search("comet tails solar wind", mode="semantic")
    assert any("rebuilt" in n and "damaged" in n for n in results.notices)
    assert top(results) == library["comets"]
    # Stale: a new article embedded while the saved index was not updated.
    manifest = (ctx.paths.index_dir / "manifest.json").read_bytes()
    ids = (ctx.paths.index_dir / "chunks.ids.npy").read_bytes()
    index_file = (ctx.paths.index_dir / "chunks.hnsw").read_bytes()
    new = add_article(
        ctx, "Meteor showers", "Meteor showers happen when Earth crosses comet debris."
    )
    index_pending(ctx, embedder=fake)
    (ctx.paths.index_dir / "manifest.json").write_bytes(manifest)
    (ctx.paths.index_dir / "chunks.ids.npy").write_bytes(ids)
    (ctx.paths.index_dir / "chunks.hnsw").write_bytes(index_file)
    results = SearchService(ctx, embedder=fake).search("meteor showers debris", mode="semantic")
    assert top(results) == new
    # Missing altogether.
    for path in ctx.paths.index_dir.iterdir():
        if path.suffix != ".lock":
            path.unlink()
    assert (
        top(SearchService(ctx, embedder=fake).search("sourdough starter", mode="semantic"))
        == library["sourdough"]
    )


def test_deleted_articles_vanish_from_results(ctx, library, fake) -> None:
    index_pending(ctx, embedder=fake)
    service = SearchService(ctx, embedder=fake)
    assert top(service.search("chess opening tactics", mode="semantic")) == library["chess"]
    forget_article(ctx.db, library["chess"])
    ctx.db.execute("DELETE FROM articles WHERE id = ?", [library["chess"]])
    for mode in ("semantic", "keyword", "hybrid"):
        hits = service.search("chess opening tactics knight", mode=mode).hits
        assert library["chess"] not in [h.article_id for h in hits]
    report = index_pending(ctx, embedder=fake)
    assert report.index_size == ctx.db.execute("SELECT count(*) FROM chunks").fetchone()[0]


# -- searching ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_each_mode_finds_the_right_essay_with_a_marked_snippet(ctx, library, fake, mode) -> None:
    index_pending(ctx, embedder=fake)
    results = SearchService(ctx, embedder=fake).search(
        "sourdough starter yeast", mode=mode, limit=3
    )
    hit = results.hits[0]
    assert hit.article_id == library["sourdough"]
    assert "**starter**" in hit.marked() and "**yeast**" in hit.marked()
    assert all(hit.snippet[s:e].lower() in {"sourdough", "starter", "yeast"} for s, e in hit.spans)
    assert len(results.hits) <= 3
    data = results.to_dict()
    assert data["results"][0]["id"] == library["sourdough"] and data["mode"] == mode
    if mode == "hybrid":
        assert hit.keyword_rank == 1 and hit.semantic_rank == 1


def test_fusion_by_scores_and_by_ranks() -> None:
    keyword = [(1, 10.0), (2, 5.0)]
    semantic = [(2, 0.9, 20), (3, 0.5, 30)]
    by_scores = fuse(keyword, semantic, "hybrid", FusionParams(method="scores", keyword_share=0.4))
    assert [aid for aid, _ in by_scores] == [2, 1, 3]
    assert by_scores[0][1] == pytest.approx(0.4 * 0.5 + 0.6 * 1.0)
    by_ranks = fuse(keyword, semantic, "hybrid", FusionParams(method="rrf", k=1.0))
    assert [aid for aid, _ in by_ranks] == [2, 1, 3]
    assert by_ranks[0][1] == pytest.approx(1 / 3 + 1 / 2)
    assert fuse(keyword, semantic, "keyword", FusionParams()) == keyword
    assert fuse(keyword, [], "hybrid", FusionParams()) == keyword


def test_hybrid_scores_every_candidate_both_ways(ctx, library, fake) -> None:
    index_pending(ctx, embedder=fake)
    service = SearchService(ctx, embedder=fake, fusion=FusionParams(second_chunk=0.0))
    found = service.rankings("pot roots wind", mode="hybrid", depth=1)
    keyword_ids = [aid for aid, _ in found.keyword]
    semantic_ids = [aid for aid, _, _ in found.semantic]
    # Each ranking kept its best article and got the other's candidate with its real score.
    assert set(keyword_ids) == set(semantic_ids) and len(keyword_ids) >= 2
    alone = service.rankings("pot roots wind", mode="semantic", depth=10).semantic
    real = {aid: score for aid, score, _ in alone}
    assert all(score == pytest.approx(real[aid]) for aid, score, _ in found.semantic)


def test_filters_by_status_tag_and_date(ctx, library, fake) -> None:
    index_pending(ctx, embedder=fake)
    service = SearchService(ctx, embedder=fake)
    for mode in ("keyword", "semantic", "hybrid"):
        hits = service.search(
            "the comets, tomatoes and chess",
            mode=mode,
            limit=10,
            filters=SearchFilters(states=("read",)),
        ).hits
        statuses = {
            ctx.db.execute("SELECT state FROM articles WHERE id=?", [h.article_id]).fetchone()[0]
            for h in hits
        }
        assert statuses == {"read"}
        tagged = service.search("starter", mode=mode, filters=SearchFilters(tags=("kitchen",))).hits
        assert [h.article_id for h in tagged] == [library["sourdough"]]
        dated = service.search(
            "tomatoes sourdough comets",
            mode=mode,
            filters=SearchFilters(since="2026-01-02", until="2026-01-02"),
        ).hits
        assert [h.article_id for h in dated] == [library["sourdough"]]
    with pytest.raises(BadInput, match="cannot read the date"):
        service.search("comets", filters=SearchFilters(since="last tuesday"))
    with pytest.raises(BadInput, match="unknown reading state"):
        service.search("comets", filters=SearchFilters(states=("lost",)))


def test_parse_when_forms() -> None:
    assert parse_when("2026-01-02") == "2026-01-02T00:00:00Z"
    assert parse_when("2026-01-02", end=True) == "2026-01-03T00:00:00Z"
    assert parse_when("2026-01-02T10:30:00Z") == "2026-01-02T10:30:00Z"
    assert parse_when("7d") < parse_when("1d")


def test_steering_moves_the_query_vector(ctx, library, fake) -> None:
    index_pending(ctx, embedder=fake)
    service = SearchService(ctx, embedder=fake)
    towards = fake.embed(["Suspension bridges dampers wind deck"])[0]
    seen = []

    def steer(vector: np.ndarray) -> np.ndarray:
        seen.append(vector.shape)
        return vector + 3 * towards

    results = service.search("tomatoes", mode="semantic", steer=steer)
    assert seen == [(64,)] and top(results) == library["bridges"]


def test_related_articles(ctx, library, fake) -> None:
    twin = add_article(
        ctx,
        "More on balcony tomatoes",
        "Tomatoes in pots on a balcony need sun, water and deep soil.",
    )
    index_pending(ctx, embedder=fake)
    results = SearchService(ctx, embedder=fake).related(library["tomatoes"], limit=3)
    ids = [h.article_id for h in results.hits]
    assert ids[0] == twin and library["tomatoes"] not in ids and len(ids) == 3
    with pytest.raises(NotFound):
        SearchService(ctx, embedder=fake).related(9999)


# -- bad input and unready libraries ------------------------------------------------


def test_bad_queries_get_clear_errors(ctx, library, fake) -> None:
    index_pending(ctx, embedder=fake)
    service = SearchService(ctx, embedder=fake)
    with pytest.raises(BadInput, match="empty query"):
        service.search("  ")
    with pytest.raises(BadInput, match="only common words"):
        service.search("the and of it", mode="semantic")
    with pytest.raises(BadInput, match="unknown search mode"):
        service.search("comets", mode="fuzzy")
    long_query = " ".join(["tomatoes balcony pots sun"] * 30)  # 120 words > 46 the fake reads
    results = service.search(long_query, mode="semantic")
    assert any("longer than the model reads" in n for n in results.notices)
    assert top(results) == library["tomatoes"]
    with pytest.raises(BadInput, match="at most"):
        service.search("word " * 3000, mode="semantic")


def test_nothing_indexed_yet(ctx, library, fake) -> None:
    service = SearchService(ctx, embedder=fake)
    with pytest.raises(IndexNotReady, match="reader index"):
        service.search("comets", mode="semantic")
    results = service.search("comets", mode="hybrid")
    assert top(results) == library["comets"] and "keyword matches only" in results.notices[0]
    assert top(service.search("comets", mode="keyword")) == library["comets"]


def test_unindexed_articles_are_mentioned(ctx, library, fake) -> None:
    index_pending(ctx, embedder=fake)
    add_article(ctx, "Fresh", "Just fetched, not embedded yet.")
    notices = SearchService(ctx, embedder=fake).search("comets", mode="hybrid").notices
    assert any("1 article is not indexed yet" in n for n in notices)


def test_empty_library(ctx, fake) -> None:
    with pytest.raises(IndexNotReady, match="no articles with text"):
        SearchService(ctx, embedder=fake).search("anything", mode="keyword")


def test_snippet_window_holds_the_marks() -> None:
    text = "filler " * 100 + "the comet tail points away " + "more " * 100
    start = text.index("comet")
    snippet, spans = make_snippet(text, (0, len(text)), [(start, start + 5)], width=80)
    assert snippet.startswith("…") and snippet.endswith("…") and len(snippet) <= 82
    assert [snippet[s:e] for s, e in spans] == ["comet"]


# -- the command line ---------------------------------------------------------------


@pytest.fixture
def cli(ctx, fake, monkeypatch):
    """The CLI over the test library, with the fake embedder in place of the model."""
    from reader.cli import main

    monkeypatch.setattr(indexing, "indexing_embedder", lambda *_a, **_k: fake)
    monkeypatch.setattr(indexing, "query_embedder", lambda *_a, **_k: fake)
    runner = CliRunner()
    home = str(ctx.paths.root)

    def run(*args: str):
        return runner.invoke(main, ["--home", home, *args])

    return run


def test_cli_index_search_related(cli, library) -> None:
    result = cli("index")
    assert result.exit_code == 0, result.output
    assert "articles chunked" in result.output
    result = cli("search", "sourdough", "starter", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["results"][0]["id"] == library["sourdough"]
    assert "**starter**" in data["results"][0]["snippet_marked"]
    result = cli("search", "comets", "--mode", "keyword", "--status", "unread", "--limit", "1")
    assert result.exit_code == 0 and f"[{library['comets']}]" in result.stdout
    result = cli("related", str(library["tomatoes"]), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["results"]
    result = cli("index", "--rebuild", "--json")
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["rebuilt"] and report["embedded"] == 0 and report["index_size"] > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("search", "the"), "only common words"),
        (("search", '"'), "letters or digits"),
        (("search", "comets", "--mode", "semantic"), "nothing is indexed yet"),
        (("related", "424242"), "no article with id 424242"),
        (("search", "x", "--since", "someday"), "cannot read the date"),
    ],
)
def test_cli_bad_input_is_one_line_and_exit_1(cli, library, args, message) -> None:
    result = cli(*args)
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# -- the real model -----------------------------------------------------------------


@pytest.fixture
def real_library(ctx, tmp_path_factory) -> dict[str, int]:
    """The essays indexed with the packaged model, reusing the session's ONNX export."""
    from reader.ml.onnx_encoder import export_folder
    from tests.test_embedder import make_packaged_export

    exported = make_packaged_export(tmp_path_factory)
    target = export_folder(ctx.paths.models_dir, "all-MiniLM-L6-v2")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(exported, target_is_directory=True)
    ids = {key: add_article(ctx, title, text) for key, (title, text) in ESSAYS.items()}
    report = index_pending(ctx)
    assert report.model == "all-MiniLM-L6-v2" and report.index_size > 0
    return ids


@pytest.mark.slow
def test_real_model_finds_by_meaning_without_shared_words(ctx, real_library) -> None:
    service = SearchService(ctx)
    assert (
        top(service.search("growing vegetables in containers", mode="semantic"))
        == real_library["tomatoes"]
    )
    assert (
        top(service.search("astronomy ice bodies orbiting", mode="semantic"))
        == real_library["comets"]
    )
    assert top(service.search("marathon training pace", mode="hybrid")) == real_library["running"]


@pytest.mark.slow
def test_cli_search_never_imports_torch(ctx, real_library) -> None:
    """A `reader search` process encodes its query with ONNX Runtime only."""
    probe = (
        "import sys, json\n"
        "from reader.cli import main\n"
        "try:\n"
        "    main(['search', '--mode', 'semantic', '--json', 'baking bread at home'])\n"
        "except SystemExit as exit:\n"
        "    assert not exit.code, exit.code\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in\n"
        "    ('torch', 'sentence_transformers', 'transformers', 'sklearn'))\n"
        "print(json.dumps(heavy), file=sys.stderr)\n"
    )
    env = {**os.environ, "READER_HOME": str(ctx.paths.root)}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stderr.strip().splitlines()[-1]) == []
    assert json.loads(done.stdout)["results"][0]["id"] == real_library["sourdough"]


@pytest.mark.slow
def test_first_index_exports_the_query_encoder(ctx) -> None:
    """With no ONNX export in the library yet, indexing makes it (once) and says so."""
    from reader.ml.onnx_encoder import export_folder, read_manifest

    add_article(ctx, *ESSAYS["comets"])
    messages: list[str] = []
    report = index_pending(ctx, progress=lambda p: messages.append(p.message))
    assert any("exporting all-MiniLM-L6-v2 to ONNX" in m for m in messages)
    manifest = read_manifest(export_folder(ctx.paths.models_dir, "all-MiniLM-L6-v2"))
    assert manifest is not None and manifest["model_id"] == report.model == "all-MiniLM-L6-v2"
    messages.clear()
    index_pending(ctx, progress=lambda p: messages.append(p.message))
    assert not any("exporting" in m for m in messages)


@pytest.mark.slow
def test_switching_to_int8_re_embeds_everything_and_search_follows(ctx, real_library) -> None:
    """The library records the variant its vectors came from; a switch re-embeds, never mixes."""
    passages = ctx.db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    ctx.settings.embedding_precision = "int8"
    service = SearchService(ctx)
    with pytest.raises(IndexNotReady, match=r"\+int8: run `reader index`"):
        service.search("growing vegetables in containers", mode="semantic")
    steps: list[str] = []
    report = index_pending(ctx, progress=lambda p: steps.append(f"{p.stage}:{p.message or ''}"))
    assert report.model == "all-MiniLM-L6-v2+int8"
    assert report.embedded == passages and report.index_size == passages
    assert any("quantising all-MiniLM-L6-v2 to int8" in s for s in steps)
    assert any(s.startswith("embedding:") for s in steps)  # progress while re-embedding
    assert any("re-embedding all" in m for m in report.messages)
    found = SearchService(ctx).search("growing vegetables in containers", mode="semantic")
    assert top(found) == real_library["tomatoes"]
