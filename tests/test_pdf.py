"""Reading PDFs: paragraphs, hyphenation, running lines, headings, metadata, limits and errors."""

from __future__ import annotations

import pytest

from reader.extract.pdf import PdfUnreadable, extract_pdf, looks_like_pdf, read_pdf
from tests.conftest import corpus
from tests.pdfmaker import TextLine, make_pdf, paper

LONG = (
    "Reading papers is slow work because the arguments are long and the notation is dense, so "
    "it pays to read twice and to take notes as you go along the way, then compare them."
)
SECOND = (
    "We measured the time each reader spent on each page of forty papers and compared the "
    "first reading with the second reading of the same paper, page by page."
)


def test_paragraphs_headings_and_running_lines() -> None:
    pages = [[LONG, "## Method", SECOND], [SECOND, LONG], [LONG]]
    data = paper(pages, title="How People Read Papers", header="Journal of Reading Studies, Vol. 3")
    doc = extract_pdf(data)
    assert doc.title == "How People Read Papers"
    paragraphs = doc.text.split("\n")
    assert paragraphs == [LONG, "Method", SECOND, SECOND, LONG, LONG]
    assert "## Method" in doc.markdown.split("\n\n")
    assert "Journal of Reading" not in doc.text
    # page numbers at the foot are gone, not glued to a paragraph
    assert not any(p.strip().isdigit() for p in paragraphs)


def test_paragraph_continues_across_a_page_break_and_hyphenation_is_undone() -> None:
    top = [TextLine(72, 100 + 13 * i, 10, t) for i, t in enumerate([
        "The committee met every week through the winter and argued about the",
        "shape of the new library, which should hold the whole collec-",
    ])]
    bottom = [TextLine(72, 100, 10, "tion in one well-lit room with a well-"),
              TextLine(72, 113, 10, "known view of the river.")]
    other = [TextLine(72, 300, 10, "A well-known fact is that rivers flood.")]
    doc = extract_pdf(make_pdf([top, bottom + other]))
    first = doc.text.split("\n")[0]
    assert "whole collection in one well-lit room" in first
    assert "with a well-known view of the river." in first  # the document's own spelling kept


def test_metadata_title_author_and_date() -> None:
    data = make_pdf([[TextLine(72, 100, 10, LONG[:80])]],
                    info={"Title": "Slow Reading", "Author": "Ada Lovelace", "CreationDate": "D:20240305"})
    doc = read_pdf(data)
    assert (doc.title, doc.author, doc.published) == ("Slow Reading", "Ada Lovelace", "2024-03-05")


def test_page_cap_says_so() -> None:
    data = paper([[LONG]] * 5)
    doc = read_pdf(data, max_pages=2)
    assert (doc.pages, doc.pages_read) == (5, 2)
    assert doc.note == "only the first 2 of 5 pages were read"
    assert extract_pdf(data, max_pages=2).reason == doc.note


def test_byte_cap_and_junk_are_clear_errors() -> None:
    data = paper([[LONG]])
    with pytest.raises(PdfUnreadable, match="limit"):
        read_pdf(data, max_bytes=100)
    with pytest.raises(PdfUnreadable, match="not a PDF"):
        read_pdf(b"<html>not a pdf</html>")
    with pytest.raises(PdfUnreadable, match="damaged"):
        read_pdf(data[: len(data) // 3])


def test_no_text_layer_is_a_clear_error() -> None:
    with pytest.raises(PdfUnreadable, match="no text layer"):
        read_pdf(make_pdf([[], []]))


def test_looks_like_pdf() -> None:
    assert looks_like_pdf(b"", "application/pdf; qs=0.9")
    assert looks_like_pdf(b"%PDF-1.7\n...", None)
    assert not looks_like_pdf(b"<html>", "text/html")


@pytest.mark.parametrize("backend", ["pdfium", "pypdf"])
def test_real_samples(backend: str) -> None:
    samples = corpus("pdf-samples")
    with pytest.raises(PdfUnreadable, match="encrypted"):
        read_pdf((samples / "005-libreoffice-writer-password/libreoffice-writer-password.pdf").read_bytes(),
                 backend=backend)
    with pytest.raises(PdfUnreadable, match="no text layer"):
        read_pdf((samples / "007-imagemagick-images/imagemagick-lzw.pdf").read_bytes(), backend=backend)
    doc = read_pdf((samples / "026-latex-multicolumn/multicolumn.pdf").read_bytes(), backend=backend)
    text = "\n".join(b.text for b in doc.blocks)
    assert "adipiscing elit" in text and "adip-" not in text
    if backend == "pdfium":
        assert doc.title == "Two-Column Document with Lorem Ipsum"
        assert any(b.heading and b.text == "Abstract" for b in doc.blocks)


def test_two_columns_keep_paragraphs_whole_across_a_sentence_end_at_a_line_end() -> None:
    left = ["The first column starts a paragraph that runs on for a",
            "while and ends a sentence right at the margin here.",
            "The paragraph goes on after that sentence, and it ends",
            "short."]
    right = ["The second column holds another paragraph, which also",
             "runs over more than one line before it stops."]
    lines = [TextLine(50 + (15 if i == 0 else 0), 100 + 13 * i, 10, t) for i, t in enumerate(left)]
    lines += [TextLine(310 + (15 if i == 0 else 0), 100 + 13 * i, 10, t) for i, t in enumerate(right)]
    doc = extract_pdf(make_pdf([lines]))
    assert doc.text.split("\n") == [" ".join(left), " ".join(right)]
