"""The library service over a real SQLite file: capture, merge, reading state, export."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from reader.errors import BadInput, NotFound
from reader.services.library.service import LibraryService


@pytest.fixture
def library(ctx) -> LibraryService:
    return LibraryService(ctx)


def write(path: Path, text: str) -> Path:
    path.write_text(text, "utf-8")
    return path


def test_add_local_markdown_and_text_files(library: LibraryService, tmp_path: Path) -> None:
    md = write(tmp_path / "essay.md", "# On gardens\n\nA [link](https://x.org) and **bold** words.\n")
    txt = write(tmp_path / "plain.txt", "Plain title\n\nPlain body text follows here.\n")
    report = library.add([str(md), str(txt)], tags=["local"])
    assert len(report.added) == 2 and not report.failed
    essay = library.get(report.added[0])
    assert essay.title == "On gardens"
    assert "A link and bold words." in essay.text
    assert (essay.state, essay.fetch_state) == ("unread", "provided")
    assert essay.tags == ["local"]
    assert library.get(report.added[1]).title == "Plain title"
    # The same file again merges instead of duplicating.
    again = library.add([str(md)])
    assert again.merged == [report.added[0]] and not again.added


def test_add_html_file_is_extracted(library: LibraryService, tmp_path: Path) -> None:
    body = " ".join(f"Sentence {i} about reading slowly and well." for i in range(60))
    html = write(tmp_path / "page.html", f"<html><head><title>Slow reading</title></head>"
                                         f"<body><article><h1>Slow reading</h1><p>{body}</p></article></body></html>")
    report = library.add([str(html)])
    article = library.get(report.added[0])
    assert article.title == "Slow reading"
    assert "reading slowly" in article.text
    assert article.word_count > 300


def test_bad_inputs_are_reported_one_by_one(library: LibraryService, tmp_path: Path) -> None:
    report = library.add(["javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd",
                          "not a url at all", str(tmp_path / "missing.md"),
                          "https://example.com/fine"])
    assert len(report.failed) == 5
    assert len(report.added) == 1
    assert library.get(report.added[0]).fetch_state == "queued"


def test_same_article_twice_is_one_article(library: LibraryService) -> None:
    first = library.add(["https://Example.com:443/post?utm_source=x&b=2&a=1#frag"], tags=["one"])
    second = library.add(["https://example.com/post?a=1&b=2"], tags=["two"])
    assert second.merged == first.added
    assert library.get(first.added[0]).tags == ["one", "two"]


def test_stdin_urls(library: LibraryService) -> None:
    report = library.add(["-"], stdin_text="https://a.org/1\nsee https://b.org/2 too\n")
    assert len(report.added) == 2
    empty = library.add(["-"], stdin_text="nothing here")
    assert empty.failed and not empty.added


def test_reading_state(library: LibraryService, tmp_path: Path) -> None:
    article_id = library.add([str(write(tmp_path / "a.txt", "Title\n\nBody"))]).added[0]
    assert library.mark(article_id, "read").state == "read"
    assert library.get(article_id).read_at is not None
    assert library.mark(article_id, "unread").read_at is None
    assert library.set_progress(article_id, 0.5).state == "reading"
    assert library.set_progress(article_id, 1.0).state == "read"
    library.note(article_id, "worth rereading")
    library.highlight(article_id, "Body", "the key line")
    library.tag(article_id, ["x", "y"])
    library.tag(article_id, ["x"], remove=True)
    article = library.get(article_id)
    assert [n.text for n in article.notes] == ["worth rereading"]
    assert [(h.text, h.note) for h in article.highlights] == [("Body", "the key line")]
    assert article.tags == ["y"]
    with pytest.raises(BadInput):
        library.mark(article_id, "sideways")
    with pytest.raises(BadInput):
        library.note(article_id, "   ")
    with pytest.raises(NotFound):
        library.mark(9999, "read")
    library.delete(article_id)
    with pytest.raises(NotFound):
        library.get(article_id)


def test_marking_a_queued_article_waits_for_its_fetch(library: LibraryService) -> None:
    article_id = library.add(["https://example.com/later"]).added[0]
    article = library.mark(article_id, "archived")
    assert (article.fetch_state, article.state) == ("queued", "archived")


def test_list_filters(library: LibraryService, tmp_path: Path) -> None:
    a = library.add([str(write(tmp_path / "a.txt", "A\n\nBody"))], tags=["t"]).added[0]
    library.add(["https://example.com/q"])
    assert [x.id for x in library.list(tag="t")] == [a]
    assert {x.fetch_state for x in library.list(fetch_state="queued")} == {"queued"}
    with pytest.raises(BadInput):
        library.list(state="nope")


def test_export_then_import_gives_back_the_same_library(tmp_path: Path, ctx) -> None:
    from reader.services.context import LibraryContext

    library = LibraryService(ctx)
    ids = library.add([str(write(tmp_path / "a.md", "# A\n\nFirst body.")),
                       str(write(tmp_path / "b.txt", "B\n\nSecond body.")),
                       "https://example.com/queued?utm_medium=x"], tags=["t1"]).added
    library.mark(ids[0], "read")
    library.note(ids[0], "note one")
    library.highlight(ids[1], "Second", "hl note")
    library.mark(ids[2], "archived")
    out = io.StringIO()
    assert library.export(out) == 3
    first = [json.loads(line) for line in out.getvalue().splitlines()]
    dump = tmp_path / "export.jsonl"
    dump.write_text(out.getvalue(), "utf-8")

    other = LibraryContext(tmp_path / "other")
    try:
        copy = LibraryService(other)
        report = copy.import_file(dump)
        assert len(report.added) == 3 and not report.failed
        out2 = io.StringIO()
        copy.export(out2)
        second = [json.loads(line) for line in out2.getvalue().splitlines()]
    finally:
        other.close()
    volatile = {"updated_at"}
    strip = lambda rows: [{k: v for k, v in r.items() if k not in volatile} for r in rows]  # noqa: E731
    assert strip(second) == strip(first)


def test_export_markdown(library: LibraryService, tmp_path: Path) -> None:
    library.add([str(write(tmp_path / "a.md", "# Alpha\n\nBody text."))])
    out = io.StringIO()
    library.export(out, format="markdown")
    assert out.getvalue().startswith("# Alpha")
    with pytest.raises(BadInput):
        library.export(io.StringIO(), format="pdf")
