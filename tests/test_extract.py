"""reader.extract: the article, its metadata, the fallbacks, and the worker pool."""

from __future__ import annotations

import os
from concurrent.futures import Future

import pytest

from reader.extract.article import Extracted, extract_article
from reader.extract.pool import ExtractorPool
from reader.fetch.client import FetchOptions, FetchResult, fetch_all
from tests.httpserver import (
    PAGES,
    TestServer,
    http_server_fixture,  # noqa: F401 (the fixture)
)


def page(name: str, encoding: str = "utf-8") -> str:
    return (PAGES / name).read_bytes().decode(encoding)


def test_essay_text_metadata_and_markdown() -> None:
    url = "https://fieldnotes.example/essays/kitchen-gardens"
    result = extract_article(page("essay-gardens.html"), url)
    assert result.extraction == "full" and result.reason is None
    assert result.title == "Why Kitchen Gardens Keep Coming Back"
    assert result.author == "Maren Holt"
    assert result.published == "2025-03-14"
    assert result.site == "Field Notes Quarterly"
    assert result.language == "en"
    assert "Tuesday evenings belong to the beans" in result.text
    assert "somebody will push a seed into it and wait to see what happens." in result.text
    assert "Window boxes of herbs" in result.text
    # Navigation, promotions, sidebars, comments and footers are not the article.
    for boilerplate in (
        "Subscribe for four pounds",
        "Spring sale",
        "Most read this week",
        "chillies and regret",
        "All rights reserved",
    ):
        assert boilerplate not in result.text
        assert boilerplate not in result.markdown
    assert "## What the waiting lists say" in result.markdown
    assert "- Window boxes of herbs" in result.markdown
    assert "##" not in result.text


def test_tables_and_lists_reach_the_markdown() -> None:
    result = extract_article(page("guide-sourdough.html"), "https://crumb.example/starter")
    assert result.extraction == "full"
    assert result.published == "2024-02-09"
    assert result.site == "Crumb & Crust"
    assert "| Fridge | Once a week | 12 hours at room temperature |" in result.markdown
    assert "1. Fresh flour" in result.markdown
    assert "Shop our flour" not in result.text


def test_site_falls_back_to_the_host() -> None:
    html = page("latin1-cafe.html", "iso-8859-1")
    result = extract_article(html, "https://www.journal-du-quartier.example/cafe")
    assert result.site == "journal-du-quartier.example"
    assert result.language == "fr"
    assert result.author == "Hélène Marchand"
    assert "« Et où iraient-ils, tous ? »" in result.text
    assert extract_article(html, None).site is None


def test_app_shell_falls_back_with_a_reason() -> None:
    result = extract_article(page("app-shell.html"), "https://app.ledgerly.example/")
    assert result.extraction == "fallback"
    assert result.reason == "extractor found only 7 words"
    assert result.text == "Please turn on JavaScript to use Ledgerly."
    assert result.title is not None and result.title.startswith("Ledgerly")
    assert result.site == "app.ledgerly.example"


def test_page_without_any_text_falls_back_to_its_title() -> None:
    html = "<html><head><title>Only a title</title></head><body><div></div></body></html>"
    result = extract_article(html, "http://example.test/x")
    assert result.extraction == "fallback"
    assert result.title == "Only a title"
    assert result.text == "" and result.reason == "page has no readable text"


@pytest.mark.parametrize(
    "junk",
    [
        "",
        "   \n\t ",
        os.urandom(4096).decode("latin-1"),
        os.urandom(4096).decode("utf-8", errors="replace"),
        "<html>\x00\x01\x02<body>\x00</body>",
        "<div>" * 3000 + "deep" + "</div>" * 3000,
        "<<<>>><<<<!--",
    ],
)
def test_junk_never_raises(junk: str) -> None:
    result = extract_article(junk, "http://example.test/junk")
    assert isinstance(result, Extracted)
    assert result.extraction == "fallback" and result.reason
    assert result.site == "example.test"


def test_binary_and_empty_pages_say_why() -> None:
    assert extract_article("").reason == "page is empty; nothing to read"
    binary = extract_article(bytes(range(256)).decode("latin-1") * 8)
    assert binary.text == "" and binary.reason is not None and "binary" in binary.reason


def test_plain_text_is_kept_as_it_is() -> None:
    text = "A note without markup\n\nIt says what it says, in two short paragraphs of words."
    result = extract_article(text, "https://notes.example/plain.txt")
    assert result.extraction == "full"
    assert result.text == text and result.title == "A note without markup"


def test_inline_pool_returns_finished_futures() -> None:
    with ExtractorPool(workers=0) as pool:
        future = pool.submit(page("essay-bridges.html"), "https://longspan.example/bridges")
        assert future.done()
        result = future.result()
    assert result.title == "Notes on Bridges That Move"
    assert result.author == "Idris Okafor"


def test_inline_pool_passes_errors_through_the_future() -> None:
    with ExtractorPool(workers=0, extract=_explode) as pool:
        future = pool.submit("<p>x</p>", None)
    with pytest.raises(RuntimeError, match="boom"):
        future.result()


def test_worker_processes_match_inline_extraction() -> None:
    names = ["essay-gardens.html", "essay-bridges.html", "guide-sourdough.html"]
    html = {name: page(name) for name in names}
    with ExtractorPool(workers=2) as pool:
        futures = {name: pool.submit(html[name], f"https://x.example/{name}") for name in names}
        results = {name: f.result(timeout=120) for name, f in futures.items()}
    for name in names:
        assert results[name] == extract_article(html[name], f"https://x.example/{name}")


def test_a_crashing_worker_costs_one_page_not_the_batch() -> None:
    with ExtractorPool(workers=1, extract=crash_on_marker) as pool:
        bad = pool.submit("CRASH", "http://example.test/bad")
        good = pool.submit(page("essay-bridges.html"), "http://example.test/good")
        bad_result, good_result = bad.result(timeout=120), good.result(timeout=120)
    assert bad_result.extraction == "fallback"
    assert bad_result.reason == "the extractor crashed on this page; nothing kept"
    assert good_result.extraction == "full" and good_result.title == "Notes on Bridges That Move"


def test_an_error_inside_the_pool_drops_pending_pages() -> None:
    html = page("essay-gardens.html")
    futures: list[Future[Extracted]] = []
    with pytest.raises(KeyError), ExtractorPool(workers=1) as pool:
        futures = [pool.submit(html, f"https://x.example/{i}") for i in range(20)]
        raise KeyError("the caller failed")
    assert all(f.done() for f in futures)
    assert any(f.cancelled() for f in futures)


def test_workers_do_not_import_torch() -> None:
    with ExtractorPool(workers=1, extract=extract_listing_heavy_modules) as pool:
        result = pool.submit(page("essay-bridges.html"), "https://x.example/").result(timeout=120)
    assert result.title == "Notes on Bridges That Move"
    assert result.reason == ""


def test_fetch_then_extract_end_to_end(http_server: TestServer) -> None:
    paths = ["/pages/latin1-cafe.html", "/pages/cyrillic-meta.html", "/redirect/3", "/missing"]
    futures: dict[str, Future[Extracted]] = {}
    failures: dict[str, str] = {}
    with ExtractorPool(workers=0) as pool:

        def on_result(result: FetchResult) -> None:
            if result.ok:
                futures[result.url] = pool.submit(result.text or "", result.final_url)
            else:
                failures[result.url] = result.error or ""

        # The test server is on 127.0.0.1: private addresses allowed on purpose.
        options = FetchOptions(
            retries=0, connect_timeout=2, read_timeout=2, allow_private_addresses=True
        )
        fetch_all([http_server.url(p) for p in paths], options, on_result)
    got = {url.rsplit("/", 1)[1]: f.result() for url, f in futures.items()}
    assert failures == {http_server.url("/missing"): "HTTP 404 Not Found"}
    assert got["latin1-cafe.html"].title == "Le café du coin, dernier salon de la ville"
    assert "Зимняя рыбалка" in got["cyrillic-meta.html"].text
    assert got["3"].title == "Why Kitchen Gardens Keep Coming Back"
    assert got["3"].site == "Field Notes Quarterly"


def _explode(html: str, url: str | None) -> Extracted:
    raise RuntimeError("boom")


def crash_on_marker(html: str, url: str | None) -> Extracted:
    """Runs in a worker: kills it outright on the marker page, as a parser crash would."""
    if html == "CRASH":
        os._exit(1)
    return extract_article(html, url)


def extract_listing_heavy_modules(html: str, url: str | None) -> Extracted:
    """Runs in a worker: extracts, then lists the heavy modules that worker has loaded."""
    import dataclasses
    import sys

    heavy = ("torch", "sentence_transformers", "transformers", "onnxruntime", "sklearn")
    loaded = ",".join(name for name in heavy if name in sys.modules)
    return dataclasses.replace(extract_article(html, url), reason=loaded)


def test_pool_starts_under_a_host_that_replaced_stderr() -> None:
    """Textual swaps sys.stderr for an object whose fileno() is -1 while an app runs."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "class Fake:\n"
        "    def write(self, s): return len(s)\n"
        "    def flush(self): pass\n"
        "    def fileno(self): return -1\n"
        "from reader.extract.pool import ExtractorPool\n"
        "if __name__ == '__main__':\n"
        "    sys.stderr = Fake()\n"
        "    with ExtractorPool(workers=1) as pool:\n"
        "        got = pool.submit('<html><title>T</title><body><p>' + 'word ' * 80 + '</p></body></html>').result()\n"
        "    print('WORDS', len(got.text.split()))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "WORDS" in out.stdout


def _heavy_page(paragraphs: int = 3000) -> str:
    body = "".join(
        f"<div class='post'><p>Paragraph {i} says reading compounds over {i % 97} years of "
        f"practice, and saving is not reading. <a href='/more/{i}'>more</a></p></div>\n"
        for i in range(paragraphs)
    )
    return f"<html><head><title>Huge page</title></head><body>{body}</body></html>"


def test_a_page_past_its_budget_gets_the_cheap_extraction() -> None:
    page = _heavy_page()
    full = extract_article(page, "https://example.org/huge", budget=None)
    assert full.extraction == "full"
    cheap = extract_article(page, "https://example.org/huge", budget=0.3)
    assert cheap.extraction == "fallback"
    assert "took over 0.3 s of CPU" in (cheap.reason or "")
    assert cheap.title == "Huge page"
    assert "Paragraph 2999 says" in cheap.text  # the text is kept, not dropped


def _tight_budget(html: str, url: str | None) -> Extracted:
    return extract_article(html, url, budget=0.3)


def test_a_slow_page_in_a_worker_does_not_hold_the_batch() -> None:
    with ExtractorPool(workers=1, extract=_tight_budget) as pool:
        slow = pool.submit(_heavy_page(), "https://example.org/huge")
        quick = pool.submit(page("essay-gardens.html"), "https://example.org/essay")
        assert slow.result(timeout=120).extraction == "fallback"
        assert quick.result(timeout=120).extraction == "full"
