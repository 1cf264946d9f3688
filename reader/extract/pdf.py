"""Read a PDF's text: paragraphs, section headings, title, authors and date.

Backend: pypdfium2 (Apache-2.0 or BSD-3-Clause; PDFium itself is BSD-3-Clause), chosen on
bench/papers.py over ../shared/corpora/pdf-samples and three two-column papers printed by
Chromium: through the layout rules in pdf_layout.py it scored word F1 1.00 on the papers
(pypdf's raw text 0.99, with every running header kept), kept 99% of their paragraphs
whole (the same rules on pypdf's text: 60%) and read about 20 pages/s against pypdf's 4.3
in the same run (PDFium's raw text alone: 18 times pypdf). It also reports where
each line sits and its font size, which the layout rules need for paragraphs, headings and
running lines; pypdf does not without a slow visitor. Its weak spot is right-to-left text
(glyph order is visual; we reverse RTL runs). pymupdf is AGPL and is not used; pypdf stays
as a second backend for the benchmark only.

Limits: at most MAX_BYTES of PDF and the first MAX_PAGES pages (the result says when it was
cut). Encrypted, corrupt and image-only (scanned) PDFs raise PdfUnreadable with a reason a
person can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reader.errors import BadInput
from reader.extract.article import Extracted
from reader.extract.pdf_layout import Block, Line, Page, drop_running_lines, to_blocks

MAX_BYTES = 50 * 1024 * 1024
MAX_PAGES = 400
# Fewer characters than this per page, on average, means there is no text layer to read.
MIN_CHARS_PER_PAGE = 20  # letters and digits
_TITLE_JUNK = re.compile(r"^(untitled|microsoft (word|powerpoint) - .*|.*\.(docx?|tex|dvi|pdf))$", re.I)
_PDF_DATE = re.compile(r"D:(\d{4})(\d{2})?(\d{2})?")
_SPACES = re.compile(r"\s+")
# Headings that open a document without naming it.
_NOT_TITLES = {"contents", "table of contents", "abstract", "introduction", "preface", "inhalt",
               "inhaltsverzeichnis", "table des matières", "sommaire", "índice", "resumen"}
_SENTENCE = re.compile(r"[.!?]$|[.!?]\s")
_CONTROL = re.compile(r"[\x00-\x01\x03-\x1f\x7f]")  # \x02 is PDFium's end-of-line hyphen
_RTL = "\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff"
_RTL_RUN = re.compile(f"[{_RTL}]+(?:\\s+[{_RTL}]+)*")


class PdfUnreadable(BadInput):
    """A PDF with nothing we can read: encrypted, corrupt, or pictures of text."""


@dataclass
class PdfDocument:
    """What one PDF holds, before it becomes an article."""

    title: str | None
    author: str | None
    published: str | None
    blocks: list[Block]
    pages: int  # in the file
    pages_read: int
    note: str | None  # why the text is partial, if it is


def looks_like_pdf(data: bytes | None, content_type: str | None = None) -> bool:
    """Is this body a PDF (by its content type or its first bytes)?"""
    if content_type and content_type.split(";")[0].strip().lower() in (
        "application/pdf", "application/x-pdf"
    ):
        return True
    return bool(data) and b"%PDF-" in data[:1024]


def read_pdf(data: bytes, *, max_pages: int = MAX_PAGES, max_bytes: int = MAX_BYTES,
             backend: str = "pdfium") -> PdfDocument:
    """Parse a PDF into blocks of text; raises PdfUnreadable with a reason."""
    if not data or b"%PDF-" not in data[:1024]:
        raise PdfUnreadable("not a PDF (no %PDF- header)")
    if len(data) > max_bytes:
        raise PdfUnreadable(f"PDF is {len(data) // 1_048_576} MB; the limit is {max_bytes // 1_048_576} MB")
    reader = _pdfium_pages if backend == "pdfium" else _pypdf_pages
    meta, pages, total = reader(data, max_pages)
    chars = sum(sum(c.isalnum() for c in line.text) for page in pages for line in page.lines)
    if chars < min(200, MIN_CHARS_PER_PAGE * max(1, len(pages)) / 2):
        raise PdfUnreadable(
            f"no text layer on its {total} page(s): a scanned or image-only PDF (OCR is not supported)"
        )
    pages = drop_running_lines(pages)
    blocks = to_blocks(pages)
    title = _title(meta.get("Title"), blocks)
    if title and blocks and blocks[0].text.strip() == title:
        blocks = blocks[1:]
    author = _clean(meta.get("Author")) or _byline(blocks)
    note = None
    if total > len(pages):
        note = f"only the first {len(pages)} of {total} pages were read"
    return PdfDocument(
        title=title,
        author=author or None,
        published=_date(meta.get("CreationDate")),
        blocks=blocks,
        pages=total,
        pages_read=len(pages),
        note=note,
    )


def extract_pdf(data: bytes, url: str | None = None, **limits: int) -> Extracted:
    """A PDF as an article: text, Markdown with headings, and metadata."""
    doc = read_pdf(data, **limits)
    text = "\n".join(block.text for block in doc.blocks)
    parts = [f"# {doc.title}"] if doc.title else []
    for block in doc.blocks:
        parts.append(f"## {block.text}" if block.heading else block.text)
    return Extracted(
        title=doc.title,
        author=doc.author,
        published=doc.published,
        site=None,
        language=None,
        text=text,
        markdown="\n\n".join(parts),
        extraction="full",
        reason=doc.note,
    )


# -- backends ------------------------------------------------------------------------
def _pdfium_pages(data: bytes, max_pages: int) -> tuple[dict[str, str], list[Page], int]:
    import pypdfium2 as pdfium

    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise PdfUnreadable("the PDF is encrypted (password protected)") from None
        raise PdfUnreadable(f"the PDF is damaged or not a PDF ({exc})") from None
    try:
        total = len(doc)
        meta = doc.get_metadata_dict()
        pages = [_pdfium_page(doc[i]) for i in range(min(total, max_pages))]
    except pdfium.PdfiumError as exc:
        raise PdfUnreadable(f"the PDF is damaged ({exc})") from None
    finally:
        doc.close()
    return meta, pages, total


def _pdfium_page(page) -> Page:
    width, height = page.get_size()
    textpage = page.get_textpage()
    boxes: list[list[float]] = []  # left, top, right, bottom (top-down), merged into lines
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        box = [left, height - top, right, height - bottom]
        if boxes and _same_line(boxes[-1], box):
            last = boxes[-1]
            last[1], last[2], last[3] = min(last[1], box[1]), max(last[2], box[2]), max(last[3], box[3])
        else:
            boxes.append(box)
    import pypdfium2.raw as pdfium_c

    lines = []
    for left, top, right, bottom in boxes:
        # PDFium decides the spacing within a line better than gluing its pieces ourselves.
        text = textpage.get_text_bounded(left, height - bottom, right, height - top)
        text = _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()
        text = _RTL_RUN.sub(lambda m: m.group(0)[::-1], text)  # PDFium gives visual order
        if text:
            index = textpage.get_index(left + 1, height - (top + bottom) / 2, 2, 2)
            size = pdfium_c.FPDFText_GetFontSize(textpage.raw, index) if index is not None and index >= 0 else 0.0
            lines.append(Line(text, left, top, right, bottom, size or None))
    textpage.close()
    page.close()
    return Page(width, height, lines)


def _same_line(a: list[float], b: list[float]) -> bool:
    """Is box b the continuation of box a on the same printed line (same band, to its right)?"""
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    smaller = min(a[3] - a[1], b[3] - b[1]) or 1.0
    return overlap > 0.4 * smaller and b[0] >= a[2] - 2.0 and b[0] - a[2] < 3 * smaller


def _pypdf_pages(data: bytes, max_pages: int) -> tuple[dict[str, str], list[Page], int]:
    import io

    import pypdf
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise PdfUnreadable("the PDF is encrypted (password protected)")
        total = len(reader.pages)
        raw = reader.metadata or {}
        meta = {k.lstrip("/"): str(v) for k, v in raw.items()}
        pages = []
        for i in range(min(total, max_pages)):
            text = reader.pages[i].extract_text() or ""
            pages.append(Page(None, None, [Line(t) for t in text.splitlines() if t.strip()]))
    except (PdfReadError, FileNotDecryptedError, ValueError, KeyError) as exc:
        raise PdfUnreadable(f"the PDF is damaged ({exc})") from None
    return meta, pages, total


# -- metadata ------------------------------------------------------------------------
def _clean(value: str | None) -> str:
    return _SPACES.sub(" ", _CONTROL.sub("", value or "")).strip()


def _title(meta_title: str | None, blocks: list[Block]) -> str | None:
    title = _clean(meta_title)
    if title and not _TITLE_JUNK.match(title):
        return title[:300]
    # A heading before any body text, not a numbered section ("1 Introduction").
    for block in blocks[:4]:
        if not block.heading:
            break
        if not re.match(r"^[\dIVX]+\b", block.text) and block.text.lower() not in _NOT_TITLES:
            return block.text[:300]
    return None


def _byline(blocks: list[Block]) -> str | None:
    """The line under the title, when it reads like names (short, no sentence, few digits)."""
    if not blocks:
        return None
    text = blocks[0].text
    words = text.split()
    capitalised = sum(w[:1].isupper() for w in words)
    if 1 < len(words) <= 10 and not _SENTENCE.search(text) and capitalised >= len(words) / 2 \
            and sum(c.isdigit() for c in text) < 3:
        return text[:200]
    return None


def _date(value: str | None) -> str | None:
    match = _PDF_DATE.match(value or "")
    if not match:
        return None
    year, month, day = match.group(1), match.group(2) or "01", match.group(3) or "01"
    return f"{year}-{month}-{day}"
