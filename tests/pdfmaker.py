"""Write small, valid PDFs for tests: lines of Helvetica text placed where a test says.

`make_pdf([[TextLine(72, 80, 11, "Hello"), ...], ...], info={"Title": "T"})` gives the bytes of
a PDF with one page per list; y is measured from the top of an A4 page, in points.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 595, 842


@dataclass
class TextLine:
    x: float
    y: float  # from the top of the page
    size: float
    text: str


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def make_pdf(pages: list[list[TextLine]], info: dict[str, str] | None = None) -> bytes:
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    pages_id = len(objects) + 1
    add(b"")  # the page tree, filled in once the pages exist
    kids = []
    for lines in pages:
        stream = "".join(
            f"BT /F1 {ln.size} Tf {ln.x} {HEIGHT - ln.y} Td ({_escape(ln.text)}) Tj ET\n" for ln in lines
        ).encode("cp1252")
        content = add(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream")
        kids.append(add(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (pages_id, WIDTH, HEIGHT, content, font)
        ))
    objects[pages_id - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    info_id = None
    if info:
        fields = " ".join(f"/{k} ({_escape(v)})" for k, v in info.items())
        info_id = add(f"<< {fields} >>".encode("latin-1"))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    trailer = b"<< /Size %d /Root %d 0 R" % (len(objects) + 1, catalog)
    if info_id:
        trailer += b" /Info %d 0 R" % info_id
    out += b"trailer\n" + trailer + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def paper(paragraphs_per_page: list[list[str]], *, title: str = "", header: str = "",
          footer_numbers: bool = True, width_chars: int = 80) -> bytes:
    """A paper-like PDF: body paragraphs wrapped at `width_chars`, first lines indented,
    an optional running header and page numbers at the foot."""
    pages = []
    for number, paragraphs in enumerate(paragraphs_per_page, start=1):
        lines: list[TextLine] = []
        y = 60.0
        if header:
            lines.append(TextLine(72, 40, 9, header))
        if title and number == 1:
            lines.append(TextLine(150, 80, 17, title))
            y = 120.0
        for paragraph in paragraphs:
            if paragraph.startswith("## "):
                y += 8
                lines.append(TextLine(72, y, 14, paragraph[3:]))
                y += 20
                continue
            wrapped = _wrap(paragraph, width_chars)
            for i, text in enumerate(wrapped):
                lines.append(TextLine(72 + (15 if i == 0 else 0), y, 10, text))
                y += 13
        if footer_numbers:
            lines.append(TextLine(290, 800, 10, str(number)))
        pages.append(lines)
    return make_pdf(pages)


def _wrap(text: str, width: int) -> list[str]:
    lines, current = [], ""
    for word in text.split():
        if current and len(current) + 1 + len(word) > width:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}".strip()
    if current:
        lines.append(current)
    return lines
