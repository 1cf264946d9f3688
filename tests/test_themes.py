"""Themes through the services, storage and CLI on a real SQLite library.

The library is four made-up topics written for these tests, imported as JSONL and indexed
with the deterministic FakeEmbedder, so training takes seconds and nothing downloads.
"""

from __future__ import annotations

import json
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from reader.errors import Cancelled, NotEnoughData, NotFound
from reader.ml.embedder import FakeEmbedder
from reader.services.context import LibraryContext
from reader.services.library.service import LibraryService
from reader.services.search.indexing import index_pending
from reader.services.themes.service import ThemeService

TOPICS = {
    "garden": ("tomato seedling compost greenhouse mulch pruning orchard soil trellis "
               "marigold watering cuttings rootstock allotment raised-bed").split(),
    "sailing": ("harbour mainsail jib tiller mooring keel regatta spinnaker anchor "
                "buoy tide dinghy rigging helmsman starboard").split(),
    "astronomy": ("telescope nebula galaxy eclipse orbit comet asteroid observatory "
                  "spectrum supernova meteor constellation planet redshift aperture").split(),
    "baking": ("sourdough starter dough oven crumb proofing flour levain crust knead "
               "baguette rye brioche hydration yeast").split(),
}
FILLER = "the a of and to in was is it for on with this that today we".split()
MONTH = {"garden": "2026-01", "sailing": "2026-02", "astronomy": "2026-03", "baking": "2026-03"}


def article(topic: str, n: int, rng: np.random.Generator) -> dict:
    words = TOPICS[topic]
    paragraphs = []
    for _ in range(3):
        picks = [words[i] if rng.random() < 0.7 else FILLER[i % len(FILLER)]
                 for i in rng.integers(0, len(words), size=45)]
        paragraphs.append(" ".join(picks).capitalize() + ".")
    day = 1 + n % 27
    return {"url": f"https://example.test/{topic}/{n}", "title": f"Notes on {topic} {n}",
            "text": "\n\n".join(paragraphs), "status": "read",
            "read_at": f"{MONTH[topic]}-{day:02d}T10:00:00Z",
            "added_at": f"{MONTH[topic]}-{day:02d}T09:00:00Z"}


def add(ctx: LibraryContext, rows: list[dict], fake: FakeEmbedder, folder: Path) -> None:
    path = folder / f"import-{len(list(folder.glob('import-*')))}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    LibraryService(ctx).import_file(path, format="jsonl")
    index_pending(ctx, embedder=fake, wait=True)


def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder(dimension=64, max_tokens=64)


def corpus(per_topic: int, start: int = 0, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed + start)
    return [article(t, start + n, rng) for t in TOPICS for n in range(per_topic)]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A trained library, built once and copied for each test."""
    home = tmp_path_factory.mktemp("themes-template")
    ctx = LibraryContext(home)
    fake = fake_embedder()
    add(ctx, corpus(16), fake, home)
    ThemeService(ctx, embed=fake.embed).train()
    ctx.close()
    return home


@pytest.fixture
def library(template: Path, reader_home: Path):
    shutil.rmtree(reader_home)
    shutil.copytree(template, reader_home)
    ctx = LibraryContext(reader_home)
    fake = fake_embedder()
    yield ctx, ThemeService(ctx, embed=fake.embed), fake
    ctx.close()


def topic_of(ctx: LibraryContext) -> dict[int, str]:
    return {a: url.split("/")[3] for a, url in ctx.db.execute("select id, url from articles")}


def test_training_stores_two_levels_metrics_and_activations(library) -> None:
    ctx, service, _ = library
    status = service.status()
    assert status["trained"] and not status["stale"]
    assert {"fvu_heldout", "l0", "dead_frac"} <= set(status["metrics"])
    assert any("latents" in line for line in status["why"])
    run = service.store.active_run()
    assert run.config["m"] >= 16 and run.config["k"] >= 1
    arrays = service.store.weights(run.id)
    assert arrays["w_dec"].shape == (run.config["m"], 64)
    broad = service.list_themes("broad")
    fine = service.list_themes("fine", include_hidden=True)
    assert 2 <= len(broad) <= 8 and len(fine) >= 8
    assert all(t.parent_id in {b.id for b in broad} for t in fine)
    # Each topic's articles go to one broad theme (what a digest section needs).
    topics = topic_of(ctx)
    sections = service.article_themes(None)
    assert set(sections) == set(topics)
    by_topic: dict[str, list[int]] = {}
    for article_id, rows in sections.items():
        best = max((r for r in rows if r[1] == "broad"), key=lambda r: r[2])
        by_topic.setdefault(topics[article_id], []).append(best[0])
    for picks in by_topic.values():
        assert max(picks.count(p) for p in set(picks)) / len(picks) >= 0.9
    assert all(0 < s <= 1 for rows in sections.values() for _, _, s in rows)


def test_labels_use_the_topic_words(library) -> None:
    ctx, service, _ = library
    vocab = {w for words in TOPICS.values() for w in words}
    for theme in service.list_themes("broad"):
        assert theme.keywords and set(" ".join(theme.keywords).split()) & vocab
        assert set(theme.label.replace(" / ", " ").split()) <= vocab
    shown = service.show(service.list_themes("fine")[0].id)
    assert shown["articles"] and shown["passages"] and shown["history"]
    assert shown["timeline"]["periods"][0] == "2026-01"


def test_retraining_keeps_ids_and_names(library, reader_home: Path) -> None:
    ctx, service, fake = library
    before = {t.id for t in service.list_themes()}
    target = service.list_themes("fine")[0]
    service.rename(target.id, "My  favourite   theme")
    add(ctx, corpus(2, start=100), fake, reader_home)
    report = service.train()
    assert report.kind == "incremental" and "new" in report.reasons[0]
    after = {t.id for t in service.list_themes()}
    assert len(before & after) / len(before) >= 0.9
    renamed = service.store.theme(target.id)
    assert renamed.name == "My favourite theme" and renamed.title == "My favourite theme"
    assert service.resolve("my favourite theme").id == target.id
    assert len(service.store.history(target.id)) == 2
    full = service.train(full=True)
    assert full.kind == "full" and full.kept >= 0.8 * len(before)
    assert service.store.theme(target.id).name == "My favourite theme"
    fresh = service.train(fresh=True)
    assert fresh.kind == "cold" and "fresh" in fresh.reasons[0]


def test_cancelled_training_keeps_the_previous_themes(library) -> None:
    ctx, service, _ = library
    run = service.store.active_run_id()
    themes = [(t.id, t.label) for t in service.list_themes(include_hidden=True)]
    calls = iter(range(10_000))
    with pytest.raises(Cancelled):
        service.train(full=True, should_stop=lambda: next(calls) > 50)
    assert service.store.active_run_id() == run
    assert [(t.id, t.label) for t in service.list_themes(include_hidden=True)] == themes
    assert ctx.db.execute("select count(*) from theme_runs").fetchone()[0] == 1


def test_a_small_library_says_how_many_more_and_shows_clusters(ctx, reader_home) -> None:
    fake = fake_embedder()
    add(ctx, corpus(3), fake, reader_home)
    service = ThemeService(ctx, embed=fake.embed)
    with pytest.raises(NotEnoughData, match=r"about \d+ more articles"):
        service.train()
    clusters = service.preview_clusters()
    assert len(clusters) >= 2 and sum(len(c.article_ids) for c in clusters) == 12
    assert service.status() == {"trained": False}


def test_a_model_change_retrains_from_scratch_and_keeps_names(library, reader_home) -> None:
    ctx, service, _ = library
    target = service.list_themes("broad")[0]
    service.rename(target.id, "Section I named")
    other = FakeEmbedder(dimension=48, max_tokens=64, model_id="fake-other-48")
    index_pending(ctx, embedder=other, wait=True)
    assert service.status()["stale"]
    with pytest.raises(Exception, match="retrain|dimensions"):
        service.steer(np.ones(48, np.float32) / np.sqrt(48), plus=[target.id])
    report = ThemeService(ctx, embed=other.embed).train()
    assert report.kind == "cold" and "model changed" in report.reasons[0]
    assert service.store.active_run().model == "fake-other-48"
    assert not service.status()["stale"]
    names = [t.name for t in service.list_themes(include_hidden=True)]
    assert "Section I named" in names  # matched by the articles it covers


def test_steering_moves_a_query_along_a_theme(library) -> None:
    ctx, service, fake = library
    theme = service.list_themes("fine")[0]
    run = service.store.active_run()
    direction = service.store.weights(run.id)["w_dec"][theme.latent]
    query = fake.embed(["a note about the weather and the week"])[0]
    up = service.steer(query, plus=[theme.id])
    down = service.steer(query, minus=[str(theme.id)])
    assert np.linalg.norm(up) == pytest.approx(1.0, abs=1e-5)
    assert up @ direction > query @ direction > down @ direction
    assert np.array_equal(service.steer(query), query)
    broad = service.list_themes("broad")[0]
    assert np.linalg.norm(service.steer(query, plus=[broad.title])) == pytest.approx(1, abs=1e-5)
    with pytest.raises(NotFound):
        service.steer(query, plus=["no such theme at all"])


def test_shared_themes_of_two_articles(library) -> None:
    ctx, service, _ = library
    topics = topic_of(ctx)
    gardens = [a for a, t in sorted(topics.items()) if t == "garden"][:2]
    boat = next(a for a, t in sorted(topics.items()) if t == "sailing")
    same = service.shared_themes(*gardens)
    assert same and any(r["level"] == "broad" for r in same)
    assert all(r["strength_a"] > 0 and r["strength_b"] > 0 for r in same)
    assert not [r for r in service.shared_themes(gardens[0], boat) if r["level"] == "broad"]


def test_timeline_and_what_changed(library) -> None:
    ctx, service, _ = library
    topics = topic_of(ctx)
    sail_article = next(a for a, t in topics.items() if t == "sailing")
    found = service.article_themes([sail_article])[sail_article]
    sailing = next(theme_id for theme_id, level, _ in found if level == "broad")
    line = service.timeline(sailing)
    assert line["periods"] == ["2026-01", "2026-02", "2026-03"]
    assert line["articles"][1] == 16 and line["articles"][0] + line["articles"][2] <= 8
    assert line["share"][1] == max(line["share"])
    assert len(line["sparkline"]) == 3 and line["sparkline"][1] == "█"
    weekly = service.timeline(sailing, "week")
    assert weekly["periods"][0].startswith("2026-W") and len(weekly["periods"]) > 8
    changes = service.changes("2026-02-01", "2026-02-28")
    assert changes["articles_now"] == 16 and changes["articles_before"] == 13  # from 4 January
    assert sailing in [r["id"] for r in changes["rising"]]
    assert all(r["change"] < 0 for r in changes["fading"])


def test_cli_lists_shows_renames_and_follows_themes(library, reader_home) -> None:
    ctx, service, _ = library
    from reader.cli import main

    runner = CliRunner()
    home = ["--home", str(reader_home)]
    listed = runner.invoke(main, [*home, "themes", "--json"])
    assert listed.exit_code == 0, listed.output
    data = json.loads(listed.output)
    assert data["status"]["trained"] and data["themes"][0]["level"] == "broad"
    first = data["themes"][0]["id"]
    plain = runner.invoke(main, [*home, "themes"])
    assert "Broad themes" in plain.output and "held-out FVU" in plain.output
    shown = runner.invoke(main, [*home, "themes", "show", str(first), "--json"])
    assert json.loads(shown.output)["theme"]["id"] == first
    renamed = runner.invoke(main, [*home, "themes", "rename", str(first), "Stars", "and", "sky"])
    assert "Stars and sky" in renamed.output
    assert runner.invoke(main, [*home, "themes", "show", "stars and sky"]).exit_code == 0
    line = runner.invoke(main, [*home, "themes", "timeline", str(first), "--json"])
    assert json.loads(line.output)["periods"]
    changes = runner.invoke(main, [*home, "themes", "changes", "--since", "2026-02-01",
                                   "--until", "2026-02-28"])
    assert "Rising" in changes.output and "Fading" in changes.output
    missing = runner.invoke(main, [*home, "themes", "show", "9999"])
    assert missing.exit_code == 1 and "no theme" in missing.output
    status = runner.invoke(main, [*home, "themes", "status", "--json"])
    assert json.loads(status.output)["run_id"] == service.store.active_run_id()


def test_cli_train_on_a_small_library_fails_cleanly(ctx, reader_home) -> None:
    from reader.cli import main

    add(ctx, corpus(2), fake_embedder(), reader_home)
    result = CliRunner().invoke(main, ["--home", str(reader_home), "themes", "train"])
    assert result.exit_code == 1
    assert "more articles" in result.output and "Rough clusters" in result.output


class ChatServer:
    """A chat-completions endpoint on 127.0.0.1 answering from a script."""

    def __init__(self, answer) -> None:
        self.prompts: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args) -> None:
                return None

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.prompts.append(body["messages"][-1]["content"])
                status, payload = answer(len(server.prompts))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def reply(text: str) -> tuple[int, dict]:
    return 200, {"choices": [{"message": {"role": "assistant", "content": text}}]}


def test_llm_labels_when_configured(library) -> None:
    ctx, service, _ = library
    server = ChatServer(lambda n: reply(f'"Theme number {n}."\nextra line'))
    try:
        ctx.settings.llm_labels = True
        ctx.settings.llm_base_url = server.url
        report = service.train(fresh=True)
    finally:
        server.close()
    assert not report.notes and server.prompts
    assert "Keywords:" in server.prompts[0] and "Passages:" in server.prompts[0]
    titled = [t for t in service.list_themes() if t.llm_label]
    assert titled and titled[0].title.startswith("Theme number ")
    assert all(t.title == t.llm_label for t in titled if not t.name)


def test_llm_failure_keeps_keyword_labels(library) -> None:
    ctx, service, _ = library
    server = ChatServer(lambda n: (500, {"error": "down"}))
    try:
        ctx.settings.llm_labels = True
        ctx.settings.llm_base_url = server.url
        report = service.train(full=True)
    finally:
        server.close()
    assert report.notes and "LLM labels stopped" in report.notes[0]
    assert all(t.title == t.label for t in service.list_themes() if not t.name)
