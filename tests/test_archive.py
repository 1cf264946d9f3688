"""The lossless archive: export, import into an empty library, export again gives the same records."""

from __future__ import annotations

import io
import json
from pathlib import Path

from reader.models import utcnow
from reader.services.context import LibraryContext
from reader.services.library.service import LibraryService


def _export(library: LibraryService) -> list[dict]:
    out = io.StringIO()
    library.export(out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def _full_library(ctx: LibraryContext, tmp_path: Path) -> LibraryService:
    """A library with every kind of record a user makes, and both states in every combination."""
    library = LibraryService(ctx)
    essay = tmp_path / "essay.md"
    essay.write_text("# Gardens\n\nPlant the walls first. Then the paths.", "utf-8")
    ids = library.add([str(essay), "https://dead.example/gone", "https://later.example/q"],
                      tags=["garden"]).added
    library.mark(ids[0], "reading")
    library.set_progress(ids[0], 0.4)
    library.note(ids[0], "walls before paths")
    store = library.store
    store.add_highlight(ids[0], "Plant the walls first.", "the thesis", start_char=0, end_char=22)
    # A dead link that the reader had archived: it keeps that state beside its error.
    library.mark(ids[1], "archived")
    store.update(ids[1], fetch_state="failed", fetch_error="HTTP 410 Gone: the page was removed",
                 attempts=1)
    library.note(ids[1], "worth finding a mirror")
    library.tag(ids[1], ["dead"])
    db = ctx.db
    db.execute("insert into feeds(url, title, site_url, added_at, last_fetched_at, error) "
               "values (?, ?, ?, ?, ?, ?)",
               ["https://blog.example/feed.xml", "A blog", "https://blog.example/", utcnow(),
                utcnow(), None])
    db["digests"].insert({"created_at": "2026-11-01T10:00:00Z", "window_start": "2026-10-25T00:00:00Z",
                          "window_end": "2026-11-01T00:00:00Z", "subject": "What I read",
                          "article_ids": json.dumps([ids[0]]), "unread_ids": "[]",
                          "format": "markdown", "text": "My own edited words.",
                          "data": "{}", "edited_at": "2026-11-01T11:00:00Z"})
    db["themes"].insert({"id": 5, "label": "walls / paths", "name": "Garden design",
                         "level": "broad", "created_at": utcnow()})
    from reader.storage import near_dups

    near_dups.set_user_distinct(db, ids[2])  # the user split it from a near copy
    ctx.settings.concurrency = 3
    ctx.settings.llm_api_key = "sk-secret"
    ctx.save_settings()
    return library


def test_archive_round_trip_is_the_identity(ctx: LibraryContext, tmp_path: Path) -> None:
    first = _export(_full_library(ctx, tmp_path))
    kinds = [r["kind"] for r in first]
    assert kinds[0] == "reader-export"
    assert {"article", "feed", "digest", "theme_name", "settings"} <= set(kinds)
    assert [r["kept_apart"] for r in first if "kept_apart" in r] == [True]
    assert "sk-secret" not in json.dumps(first)  # never secrets
    dump = tmp_path / "archive.jsonl"
    dump.write_text("".join(json.dumps(r) + "\n" for r in first), "utf-8")

    other = LibraryContext(tmp_path / "restored")
    try:
        copy = LibraryService(other)
        report = copy.import_file(dump)
        assert not report.failed
        assert report.restored == {"feed": 1, "digest": 1, "theme_name": 1, "settings": 1}
        second = _export(copy)
        assert other.settings.concurrency == 3 and other.settings.llm_api_key == ""
    finally:
        other.close()
    assert second == first


def test_a_dead_link_keeps_its_reading_state_notes_and_tags(ctx: LibraryContext,
                                                            tmp_path: Path) -> None:
    library = _full_library(ctx, tmp_path)
    dead = library.list(fetch_state="failed")
    assert len(dead) == 1
    article = dead[0]
    assert (article.state, article.fetch_state) == ("archived", "failed")
    assert article.tags == ["dead", "garden"] and article.notes[0].text == "worth finding a mirror"
    assert "410" in article.fetch_error
    assert [a.id for a in library.list(state="archived")] == [article.id]
    assert len(library.list(state="all", fetch_state="all")) == 3


def test_an_export_from_before_the_two_states_still_imports(ctx: LibraryContext,
                                                            tmp_path: Path) -> None:
    old = tmp_path / "old.jsonl"
    rows = [
        {"id": 1, "url": "https://a.example/read", "title": "Read one", "status": "read",
         "text": "Words of the first article.", "extraction": "full", "progress": 1.0,
         "read_at": "2025-01-02T00:00:00Z", "tags": ["x"], "notes": [], "highlights": []},
        {"id": 2, "url": "https://b.example/dead", "title": "Dead one", "status": "failed",
         "target_status": "archived", "error": "HTTP 404", "tags": [], "notes": [{"text": "n"}],
         "highlights": []},
        {"id": 3, "url": "https://c.example/later", "status": "queued", "target_status": None,
         "tags": [], "notes": [], "highlights": []},
    ]
    old.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    library = LibraryService(ctx)
    report = library.import_file(old)
    assert len(report.added) == 3 and not report.failed
    got = {a.url: a for a in library.list()}
    read, dead, later = (got[r["url"]] for r in rows)
    assert (read.state, read.fetch_state, read.progress) == ("read", "fetched", 1.0)
    assert (dead.state, dead.fetch_state, dead.fetch_error) == ("archived", "failed", "HTTP 404")
    assert [n.text for n in dead.notes] == ["n"]
    assert (later.state, later.fetch_state) == ("unread", "queued")


def test_a_read_article_without_progress_is_read_to_the_end(ctx: LibraryContext,
                                                           tmp_path: Path) -> None:
    path = tmp_path / "omnivore-like.jsonl"
    path.write_text(json.dumps({"url": "https://done.example/a", "state": "read",
                                "text": "All of it."}) + "\n", "utf-8")
    library = LibraryService(ctx)
    library.import_file(path, format="jsonl")
    article = library.list()[0]
    assert (article.state, article.progress) == ("read", 1.0)


def test_markdown_export_writes_the_title_once_and_escapes_html(ctx: LibraryContext,
                                                               tmp_path: Path) -> None:
    essay = tmp_path / "x.md"
    essay.write_text("# Tags <script>alert(1)</script>\n\nBody with <b>bold</b> & more.", "utf-8")
    library = LibraryService(ctx)
    library.add([str(essay)])
    out = io.StringIO()
    library.export(out, format="markdown")
    text = out.getvalue()
    assert text.count("Tags &lt;script&gt;") == 1
    assert "<script>" not in text and "<b>" not in text and "&amp; more" in text
