"""`reader add` and `reader fetch` end to end against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from reader.cli import main
from reader.services.library.service import LibraryService


@pytest.fixture
def library(ctx) -> LibraryService:
    ctx.settings.read_timeout = 1.0
    ctx.settings.connect_timeout = 1.0
    ctx.settings.retries = 1
    ctx.settings.max_bytes = 64 * 1024
    return LibraryService(ctx)


def test_a_batch_records_every_failure_and_keeps_going(library: LibraryService, http_server) -> None:
    urls = {
        "good": http_server.url("/pages/essay-gardens.html"),
        "redirected": http_server.url("/redirect/3"),
        "flaky": http_server.url("/flaky"),
        "missing": http_server.url("/missing"),
        "pdf": http_server.url("/report.pdf"),
        "loop": http_server.url("/loop/a"),
        "big": http_server.url("/big"),
        "empty": http_server.url("/empty"),
        "latin1": http_server.url("/pages/latin1-cafe.html"),
    }
    added = library.add(list(urls.values()))
    ids = dict(zip(urls, added.added, strict=True))
    report = library.fetch(workers=0)
    assert len(report.fetched) + len(report.failed) == len(urls)

    good = library.get(ids["good"])
    assert (good.state, good.fetch_state) == ("unread", "fetched") and good.fetched_at and good.word_count > 100
    assert good.title and good.content_hash and good.extraction == "full"
    # The same page through a redirect chain: fetched, redirects recorded, flagged as a duplicate.
    redirected = library.get(ids["redirected"])
    assert redirected.final_url == urls["good"]
    assert len(redirected.redirects) == 3
    assert {redirected.duplicate_of, good.duplicate_of} - {None} == {min(ids["good"], ids["redirected"])}
    assert library.get(ids["flaky"]).fetch_state == "fetched"
    assert library.get(ids["flaky"]).attempts == 2
    assert "é" in library.get(ids["latin1"]).text or "à" in library.get(ids["latin1"]).text
    for name in ("missing", "pdf", "loop", "big"):
        article = library.get(ids[name])
        assert article.fetch_state == "failed", name
        assert article.fetch_error, name
    assert "404" in library.get(ids["missing"]).fetch_error
    assert "pdf" in library.get(ids["pdf"]).fetch_error.lower()
    assert library.get(ids["empty"]).fetch_state in ("failed", "fetched")


def test_retry_failed_only_when_asked(library: LibraryService, http_server) -> None:
    article_id = library.add([http_server.url("/missing")]).added[0]
    library.fetch(workers=0)
    assert library.fetch(workers=0).fetched == []
    first = library.get(article_id).attempts
    library.fetch(retry_failed=True, workers=0)
    assert library.get(article_id).attempts > first


def test_stopping_a_batch_loses_nothing(library: LibraryService, http_server) -> None:
    pages = ["essay-gardens.html", "essay-bridges.html", "guide-sourdough.html"]
    library.add([http_server.url(f"/pages/{p}") for p in pages])
    calls = {"n": 0}

    def stop_after_first() -> bool:
        calls["n"] += 1
        return library.ctx.db.execute(
            "select count(*) from articles where fetch_state = 'fetched'"
        ).fetchone()[0] >= 1

    library.fetch(should_stop=stop_after_first, workers=0)
    states = [a.fetch_state for a in library.list()]
    assert states.count("fetched") >= 1
    library.fetch(workers=0)  # the next run picks up the rest
    assert [a.fetch_state for a in library.list()] == ["fetched"] * 3


def test_marked_read_while_queued_is_read_once_fetched(library: LibraryService, http_server) -> None:
    article_id = library.add([http_server.url("/pages/essay-bridges.html")]).added[0]
    library.mark(article_id, "read")
    library.fetch(workers=0)
    article = library.get(article_id)
    assert (article.state, article.fetch_state) == ("read", "fetched") and article.read_at


def test_cli_add_fetches_and_lists(http_server) -> None:
    url = http_server.url("/pages/guide-sourdough.html")
    result = CliRunner().invoke(main, ["add", "--no-index", url, "--tag", "bread"])
    assert result.exit_code == 0, result.output
    assert "fetched 1, failed 0" in result.stderr
    rows = json.loads(CliRunner().invoke(main, ["list", "--json"]).stdout)
    assert (rows[0]["state"], rows[0]["fetch_state"]) == ("unread", "fetched") and rows[0]["tags"] == ["bread"]


def test_import_newsletter_queues_and_fetches_its_links(library: LibraryService, http_server,
                                                        tmp_path) -> None:
    doc = tmp_path / "issue.md"
    doc.write_text(
        "# Weekly links\n\n"
        f"- [Gardens]({http_server.url('/pages/essay-gardens.html')})\n"
        f"- [Bridges]({http_server.url('/pages/essay-bridges.html')}?utm_source=newsletter)\n"
        "- [Unsubscribe](https://news.example.com/unsubscribe?u=1)\n",
        "utf-8",
    )
    report = library.import_file(doc)
    assert len(report.added) == 2
    assert any("unsubscribe" in s.where.lower() or "unsubscribe" in s.message.lower()
               for s in report.skipped)
    # Links harvested from a document may not reach this machine (127.0.0.1)...
    report = library.fetch(workers=0)
    assert len(report.failed) == 2
    assert all(error.startswith("refused: 127.0.0.1 is a loopback address")
               for _id, _url, error in report.failed)
    # ...unless the user allows private addresses, as someone reading their own network would.
    library.ctx.settings.allow_private_addresses = True
    library.fetch(workers=0, retry_failed=True)
    assert sorted(a.fetch_state for a in library.list()) == ["fetched", "fetched"]


def test_opml_subscribes_and_queues_feed_items(library: LibraryService, http_server,
                                               tmp_path) -> None:
    opml = tmp_path / "feeds.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>Mine</title></head><body>'
        f'<outline type="rss" text="Test feed" xmlUrl="{http_server.url("/feed.xml")}"/>'
        '<outline type="rss" text="Broken" xmlUrl="' + http_server.url("/missing") + '"/>'
        "</body></opml>",
        "utf-8",
    )
    library.ctx.settings.allow_private_addresses = True  # the feeds are on 127.0.0.1
    report = library.import_file(opml)
    assert report.feeds == 2
    assert report.added, "the feed's items are queued"
    assert any("404" in p.message for p in report.failed)
    feeds = library.ctx.db.execute("select url, error from feeds order by id").fetchall()
    assert feeds[0][1] is None and "404" in feeds[1][1]


def test_worker_processes_store_exactly_what_inline_extraction_stores(tmp_path, http_server) -> None:
    """Pages are prepared (compressed, hashed, signed) in the extraction workers; what lands in
    the library must not depend on where that happened."""
    from reader.services.context import LibraryContext
    from reader.storage import near_dups

    paths = ["/pages/essay-gardens.html", "/pages/essay-bridges.html", "/redirect/3",
             "/pages/guide-sourdough.html", "/pages/latin1-cafe.html", "/pages/cyrillic-meta.html",
             "/missing"]
    stored = {}
    for workers in (0, 2):
        ctx = LibraryContext(tmp_path / f"workers-{workers}")
        try:
            library = LibraryService(ctx)
            ids = library.add([http_server.url(p) for p in paths]).added
            report = library.fetch(workers=workers)
            assert len(report.fetched) == len(paths) - 1 and len(report.failed) == 1
            rows = []
            for article_id in ids:
                row = ctx.db.execute(
                    "select text, markdown, html, content_hash, duplicate_of, title, fetch_state "
                    "from articles where id = ?", [article_id]).fetchone()
                sig = near_dups.signature_of(ctx.db, article_id)
                rows.append((*row, None if sig is None else sig.tolist()))
            stored[workers] = rows
        finally:
            ctx.close()
    assert stored[2] == stored[0]
    from reader.ml.minhash import signature
    from reader.services.library.capture import text_hash
    from reader.storage.articles import decompress_html
    from tests.httpserver import PAGES

    for text, _, _, content_hash, duplicate_of, _, state, sig in stored[2]:
        if state != "fetched":
            continue
        assert content_hash == text_hash(text)
        if duplicate_of is None:  # an exact copy is found by its hash, never signed
            assert sig == signature(text).tolist()
    gardens, redirected = stored[2][0], stored[2][2]
    assert decompress_html(gardens[2]) == (PAGES / "essay-gardens.html").read_text("utf-8")
    assert redirected[4] == 1  # the same page through redirects: a duplicate of the first


def test_extraction_workers_load_no_storage_layer() -> None:
    """What the forkserver preloads for every worker: the extractor, not SQLite or services."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "import reader.services.library.prepare\n"
        "print(sorted(m for m in ('sqlite_utils', 'reader.storage.articles', "
        "'reader.services.library.capture', 'reader.services.context') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
