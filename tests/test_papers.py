"""Papers: arXiv links of any form are one article holding the full text; citation_pdf_url
pages are followed to their PDF; local and fetched PDFs become articles."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reader.extract.citation import read_citation
from reader.fetch.arxiv import ArxivId, ArxivUrls, canonical_url, parse_arxiv
from reader.services.library.capture import Capture
from reader.services.library.fetching import fetch_pending
from reader.storage.articles import ArticleStore
from tests.conftest import corpus
from tests.pdfmaker import paper

SECTION = ("Sparse features let a reader name what a model attends to, and the experiments below "
           "measure how often those names hold up when the inputs change in small ways. ")


def abs_page(arxiv_id: str, title: str) -> bytes:
    return f"""<!doctype html><html><head><title>[{arxiv_id}] {title}</title>
<meta name="citation_title" content="{title}" />
<meta name="citation_author" content="Lovelace, Ada" />
<meta name="citation_author" content="Babbage, Charles" />
<meta name="citation_date" content="2021/01/04" />
<meta name="citation_pdf_url" content="https://arxiv.org/pdf/{arxiv_id}v2" />
<meta name="citation_arxiv_id" content="{arxiv_id}" />
<meta name="citation_abstract" content="We study how readers name sparse features &amp; why." />
</head><body><h1>{title}</h1><blockquote>Abstract: We study how readers name sparse features
&amp; why.</blockquote><p>Submitted 4 Jan 2021.</p></body></html>""".encode()


def html_paper(title: str) -> bytes:
    sections = "".join(
        f"<section><h2>{i}. {name}</h2><p>{SECTION * 6}</p><p>{SECTION * 5}</p></section>"
        for i, name in enumerate(["Introduction", "Method", "Results"], start=1)
    )
    return (f"<!doctype html><html><head><title>{title}</title></head><body><article>"
            f"<h1>{title}</h1>{sections}</article></body></html>").encode()


PDF = paper([[SECTION * 8, "## Results", SECTION * 6], [SECTION * 7]], title="A Paper in PDF")

ROUTES: dict[str, tuple[int, bytes, str]] = {
    "/abs/2101.00001": (200, abs_page("2101.00001", "Naming Sparse Features"), "text/html"),
    "/html/2101.00001": (200, html_paper("Naming Sparse Features"), "text/html"),
    "/abs/2102.00002": (200, abs_page("2102.00002", "A Paper Only in PDF"), "text/html"),
    "/html/2102.00002": (404, b"no html version", "text/plain"),
    "/pdf/2102.00002": (200, PDF, "application/pdf"),
    "/journal/landing": (200, b"""<html><head><meta name="citation_title" content="Journal Paper">
<meta name="citation_pdf_url" content="/journal/paper.pdf"></head><body><p>Landing page with
an abstract only.</p></body></html>""", "text/html"),
    "/journal/paper.pdf": (200, PDF, "application/pdf"),
}


@pytest.fixture
def local_ctx(ctx):
    """A library allowed to fetch from this machine (links found in pages are not, by default)."""
    ctx.settings.allow_private_addresses = True
    return ctx


@pytest.fixture
def server() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            return

        def do_GET(self) -> None:  # noqa: N802
            status, body, kind = ROUTES.get(self.path.split("?")[0], (404, b"missing", "text/plain"))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _pdf_fetch_supported() -> bool:
    from reader.fetch.client import ACCEPT_HEADERS

    return "document" in ACCEPT_HEADERS


@pytest.mark.parametrize("url, expected", [
    ("https://arxiv.org/abs/2101.00001", ArxivId("2101.00001", None)),
    ("https://arxiv.org/abs/2101.00001v3", ArxivId("2101.00001", "v3")),
    ("http://www.arxiv.org/pdf/2101.00001v2.pdf", ArxivId("2101.00001", "v2")),
    ("https://export.arxiv.org/html/2312.12345v1", ArxivId("2312.12345", "v1")),
    ("https://arxiv.org/abs/hep-th/9901001v2", ArxivId("hep-th/9901001", "v2")),
    ("https://arxiv.org/abs/math.GT/0309136", ArxivId("math.GT/0309136", None)),
    ("https://arxiv.org/list/cs.LG/recent", None),
    ("https://example.org/abs/2101.00001", None),
    ("not a url", None),
])
def test_arxiv_url_rules(url: str, expected: ArxivId | None) -> None:
    assert parse_arxiv(url) == expected


def test_citation_meta() -> None:
    citation = read_citation(abs_page("2101.00001", "Naming Sparse Features").decode())
    assert citation.title == "Naming Sparse Features"
    assert citation.author == "Ada Lovelace, Charles Babbage"
    assert citation.published == "2021-01-04"
    assert citation.abstract == "We study how readers name sparse features & why."
    assert read_citation("<html><head><title>x</title></head></html>") is None


def test_every_form_of_an_arxiv_link_is_one_article(ctx) -> None:
    capture = Capture(ctx)
    for url in ("https://arxiv.org/pdf/2101.00001v1.pdf", "http://arxiv.org/abs/2101.00001v2",
                "https://arxiv.org/html/2101.00001"):
        capture.add_url(url)
    rows = ctx.db.execute("select canonical_url from articles").fetchall()
    assert rows == [(canonical_url(ArxivId("2101.00001", None)),)]


def test_arxiv_abs_link_holds_the_html_full_text_with_the_abstract_pages_metadata(local_ctx, server) -> None:
    Capture(local_ctx).add_url("https://arxiv.org/pdf/2101.00001v2")
    report = fetch_pending(local_ctx, arxiv=ArxivUrls(base=server), workers=0)
    assert report.failed == []
    article = ArticleStore(local_ctx.db).get(report.fetched[0])
    assert article.title == "Naming Sparse Features"
    assert article.author == "Ada Lovelace, Charles Babbage"
    assert article.published == "2021-01-04"
    assert article.text.startswith("Abstract\nWe study how readers name sparse features & why.")
    assert article.word_count > 500 and "Results" in article.text
    assert "## Abstract" in article.markdown
    assert any(line.startswith("#") and "Method" in line for line in article.markdown.splitlines())


def test_arxiv_without_html_falls_back_to_the_pdf(local_ctx, server) -> None:
    Capture(local_ctx).add_url("https://arxiv.org/abs/2102.00002v1")
    report = fetch_pending(local_ctx, arxiv=ArxivUrls(base=server), workers=0)
    article = ArticleStore(local_ctx.db).get(report.fetched[0])
    assert article.title == "A Paper Only in PDF"  # the abstract page's, not the PDF's
    if not _pdf_fetch_supported():
        # The fetch client does not return PDFs yet: the abstract page stays, and says why.
        assert "full text not available" in article.extraction_note
        assert "404" in article.extraction_note
        return
    assert article.word_count > 300 and article.extraction_note is None
    assert "## Results" in article.markdown


@pytest.mark.skipif(not _pdf_fetch_supported(), reason="the fetch client does not return PDFs yet")
def test_citation_pdf_url_is_followed_and_pdf_by_url_is_read(local_ctx, server) -> None:
    capture = Capture(local_ctx)
    capture.add_url(server + "/journal/landing")
    capture.add_url(server + "/journal/paper.pdf?direct=1")
    report = fetch_pending(local_ctx, workers=0)
    store = ArticleStore(local_ctx.db)
    landing, direct = (store.get(i) for i in sorted(report.fetched))
    assert landing.title == "Journal Paper" and "## Results" in landing.markdown
    assert direct.title == "A Paper in PDF" and direct.word_count > 300


def test_local_pdf_files_and_unreadable_ones(ctx, tmp_path: Path) -> None:
    good = tmp_path / "paper.pdf"
    good.write_bytes(PDF)
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(PDF[:300])
    capture = Capture(ctx)
    report = capture.add_document(good, tags=["papers"])
    failed = capture.add_document(bad)
    article = ArticleStore(ctx.db).get(report.added[0])
    assert article.title == "A Paper in PDF" and article.tags == ["papers"]
    assert "## Results" in article.markdown and "\n1\n" not in article.text
    assert failed.added == [] and "damaged" in failed.failed[0].message


def test_real_pdfs_through_the_cli(reader_home: Path) -> None:
    from click.testing import CliRunner

    from reader.cli import main

    samples = corpus("pdf-samples")
    runner = CliRunner()
    added = runner.invoke(main, ["add", "--no-fetch", "--no-index",
                                 str(samples / "026-latex-multicolumn/multicolumn.pdf")])
    assert added.exit_code == 0, added.output
    locked = runner.invoke(main, ["add", "--no-fetch", "--no-index",
                                  str(samples / "005-libreoffice-writer-password/libreoffice-writer-password.pdf")])
    assert locked.exit_code == 1 and "encrypted (password protected)" in locked.output
    shown = runner.invoke(main, ["show", "1", "--json"])
    assert '"title": "Two-Column Document with Lorem Ipsum"' in shown.output
    assert '"author": "Your Name"' in shown.output


def test_fetched_pdf_bodies_are_routed_to_the_pdf_reader(ctx) -> None:
    """The routing hook, whatever the client: a PDF body becomes the article's text."""
    from reader.fetch.client import FetchResult
    from reader.services.library import fetching

    Capture(ctx).add_url("https://example.org/report.pdf")
    store = ArticleStore(ctx.db)
    article_id = store.query()[0].id
    result = FetchResult(url="https://example.org/report.pdf", final_url="https://example.org/report.pdf",
                         content_type="application/pdf", body=PDF, text=None, attempts=1)
    report = fetching.FetchReport()
    future = fetching._document_future(result)
    fetching._store_extracted(store, article_id, result, future, report)
    article = store.get(article_id)
    assert report.fetched == [article_id] and article.title == "A Paper in PDF"
    assert "## Results" in article.markdown and article.fetch_error is None
    assert article.fetch_state == "fetched"

    broken = FetchResult(url=result.url, final_url=result.url, content_type="application/pdf",
                         body=PDF[:200], text=None, attempts=1)
    report = fetching.FetchReport()
    fetching._store_extracted(store, article_id, broken, fetching._document_future(broken), report)
    assert "damaged" in report.failed[0][2]
    failed = store.get(article_id)
    assert failed.fetch_state == "failed" and failed.next_retry_at is None  # no retry can help
    assert fetching._document_future(FetchResult(url="u", content_type="text/html", text="<p>")) is None
