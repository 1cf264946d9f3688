"""PDF reading benchmark: text quality, speed and errors of each candidate library, one run.

Candidates, each on the same files in the same process:
- reader: reader.extract.pdf (pypdfium2 lines with positions, then our layout rules);
- reader-on-pypdf: the same layout rules fed by pypdf's text (no positions);
- pypdfium2-raw: PdfTextPage.get_text_range() of every page;
- pypdf-raw: PageObject.extract_text() of every page.
pymupdf is not a candidate: it is AGPL, which this project does not ship.

Files: every PDF in ../shared/corpora/pdf-samples (see its README and files.json), plus
multi-column papers made for this benchmark (unless --no-made): each joins eight of the
project's own demo essays (reader/demo/essays, written for this project) as numbered
sections under a title, an author line and an abstract, set in two justified columns by
headless Chromium (`chromium --headless --print-to-pdf`), which adds its own running header
(date and title) and footer (file URL and page "n/m") to every page.

Quality: word F1 against the source's own words: bags of lower-cased `\\w+` tokens of the
output (title and text) and of the ground truth. Ground truth is the source kept beside the
PDF where the PDF's words are literally in it (001's .tex, 002's source.odt, 015's
habibi.html) and the HTML of the made papers; the other .tex sources generate their text with
\\lipsum or \\blindtext macros, so they have none, and only count for speed and errors.
`running_lines_left`: how many running header/footer lines of the made papers (their file
URL and page counters) survive in the output; `paragraphs_whole`: the share of their source
paragraphs found whole, as one line of the output (joined across lines, columns and pages,
and not split). Speed: pages per second over every readable
file. Errors: what each candidate says about the encrypted, image-only and truncated files.

    python bench/papers.py [PDF_SAMPLES] [--no-made] [--papers 3]

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import html
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT = REPO.parent / "shared" / "corpora" / "pdf-samples"
TOKEN = re.compile(r"\w+")
CANDIDATES = ("reader", "reader-on-pypdf", "pypdfium2-raw", "pypdf-raw")


# -- candidates ------------------------------------------------------------------------
def run_reader(data: bytes, backend: str = "pdfium") -> tuple[str, int]:
    from reader.extract.pdf import read_pdf

    doc = read_pdf(data, backend=backend)
    parts = [doc.title or ""] + [b.text for b in doc.blocks]
    return "\n".join(parts), doc.pages_read


def run_pdfium_raw(data: bytes) -> tuple[str, int]:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(data)
    texts = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    return "\n".join(texts), len(doc)


def run_pypdf_raw(data: bytes) -> tuple[str, int]:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages), len(reader.pages)


RUNNERS = {
    "reader": run_reader,
    "reader-on-pypdf": lambda data: run_reader(data, backend="pypdf"),
    "pypdfium2-raw": run_pdfium_raw,
    "pypdf-raw": run_pypdf_raw,
}


# -- ground truth ----------------------------------------------------------------------
def tex_words(path: Path) -> str | None:
    source = path.read_text("utf-8", errors="replace")
    if re.search(r"\\(lipsum|blindtext|Blindtext|input|include)\b", source):
        return None  # the words come from macros, not from this file
    body = source.split("\\begin{document}", 1)[-1].split("\\end{document}", 1)[0]
    body = re.sub(r"(?<!\\)%.*", "", body)
    body = re.sub(r"\\[a-zA-Z]+\*?(\[[^\]]*\])?", " ", body)
    return body


def odt_words(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        xml = z.read("content.xml").decode("utf-8")
    return html.unescape(re.sub(r"<[^>]+>", " ", xml))


def html_words(path_or_text: Path | str) -> str:
    text = path_or_text.read_text("utf-8") if isinstance(path_or_text, Path) else path_or_text
    text = re.sub(r"<(script|style|title)[^>]*>.*?</\1>", " ", text, flags=re.S | re.I)
    return html.unescape(re.sub(r"<[^>]+>", " ", text))


def ground_truth(pdf: Path) -> str | None:
    folder = pdf.parent
    if (folder / "source.odt").exists():
        return odt_words(folder / "source.odt")
    if pdf.name.startswith("habibi") and (folder / "habibi.html").exists():
        return html_words(folder / "habibi.html")
    texs = list(folder.glob("*.tex"))
    if len(texs) == 1:
        return tex_words(texs[0])
    return None


def f1(output: str, truth: str) -> dict[str, float]:
    got = Counter(t.lower() for t in TOKEN.findall(output))
    want = Counter(t.lower() for t in TOKEN.findall(truth))
    common = sum((got & want).values())
    if not common:
        return {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    p, r = common / sum(got.values()), common / sum(want.values())
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4)}


# -- papers made for this benchmark ----------------------------------------------------------
def make_papers(count: int, folder: Path) -> list[tuple[Path, str, list[str], list[str]]]:
    """(pdf, ground-truth text, running-line patterns, body paragraphs) for each paper."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not chromium:
        return []
    essays = sorted((REPO / "reader" / "demo" / "essays").glob("*.md"))
    made = []
    for n in range(count):
        chosen = essays[n * 8:(n + 1) * 8]
        if len(chosen) < 8:
            break
        title = f"Field Notes on Practice, Cities and Tools, Part {n + 1}"
        sections, abstract, all_paragraphs = [], "", []
        for i, path in enumerate(chosen, start=1):
            lines = path.read_text("utf-8").split("\n")
            heading = lines[0].lstrip("# ").strip()
            paragraphs = [p.strip() for p in "\n".join(lines[1:]).split("\n\n") if p.strip()]
            if i == 1:
                abstract = paragraphs[0]
            all_paragraphs += paragraphs
            body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
            sections.append(f"<h2>{i} {html.escape(heading)}</h2>{body}")
        page = (
            f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}"
            "</title><style>body{font-family:serif;font-size:10pt;margin:0}"
            "h1{font-size:17pt;text-align:center;margin:0 0 .3em}.by{text-align:center}"
            ".abstract{margin:1em 3em;font-size:9pt}.cols{column-count:2;column-gap:2em;"
            "text-align:justify}h2{font-size:12pt}p{margin:0;text-indent:1.5em}</style></head>"
            f"<body><h1>{html.escape(title)}</h1><p class='by'>Ada Lovelace and Charles Babbage</p>"
            f"<div class='abstract'><b>Abstract</b> {html.escape(abstract)}</div>"
            f"<div class='cols'>{''.join(sections)}</div></body></html>"
        )
        source = folder / f"made-paper-{n + 1}.html"
        source.write_text(page, "utf-8")
        pdf = folder / f"made-paper-{n + 1}.pdf"
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        f"--print-to-pdf={pdf}", source.as_uri()],
                       check=True, capture_output=True, timeout=120)
        truth = html_words(page)  # the <h1> holds the title once
        made.append((pdf, truth, [re.escape(source.as_uri()), r"\b\d+/\d+\b"], all_paragraphs))
    return made


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("samples", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--no-made", action="store_true", help="skip the Chromium-made papers")
    parser.add_argument("--papers", type=int, default=3)
    args = parser.parse_args()
    if not args.samples.exists():
        sys.exit(f"{args.samples} is absent")
    import logging

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # font warnings on every page

    with tempfile.TemporaryDirectory() as tmp:
        files: list[tuple[str, bytes, str | None, list[str], list[str]]] = []
        for pdf in sorted(args.samples.glob("*/*.pdf")):
            files.append((str(pdf.relative_to(args.samples)), pdf.read_bytes(), ground_truth(pdf), [], []))
        good = args.samples / "004-pdflatex-4-pages" / "pdflatex-4-pages.pdf"
        if good.exists():
            data = good.read_bytes()
            files.append(("made: pdflatex-4-pages truncated to a third", data[: len(data) // 3], None, [], []))
        made = [] if args.no_made else make_papers(args.papers, Path(tmp))
        for pdf, truth, running, paragraphs in made:
            files.append((f"made: {pdf.name}", pdf.read_bytes(), truth, running, paragraphs))

        results: dict[str, dict] = {}
        for name in CANDIDATES:
            runner = RUNNERS[name]
            per_file, pages, seconds, scores, left, whole = {}, 0, 0.0, [], 0, []
            for label, data, truth, running, paragraphs in files:
                started = time.perf_counter()
                try:
                    text, n_pages = runner(data)
                except Exception as exc:  # noqa: BLE001 - a benchmark records every failure
                    per_file[label] = {"error": f"{type(exc).__name__}: {str(exc)[:120]}"}
                    continue
                elapsed = time.perf_counter() - started
                pages += n_pages
                seconds += elapsed
                entry: dict[str, object] = {"words": len(TOKEN.findall(text))}
                if truth is not None:
                    entry.update(f1(text, truth))
                    scores.append(entry["f1"])
                if running:
                    found = sum(len(re.findall(p, text)) for p in running)
                    entry["running_lines_left"] = found
                    left += found
                if paragraphs:
                    lines = {" ".join(line.split()) for line in text.split("\n")}
                    share = sum(" ".join(p.split()) in lines for p in paragraphs) / len(paragraphs)
                    entry["paragraphs_whole"] = round(share, 4)
                    whole.append(share)
                per_file[label] = entry
            results[name] = {
                "mean_f1": round(sum(scores) / len(scores), 4) if scores else None,
                "files_scored": len(scores),
                "pages_per_second": round(pages / seconds, 1) if seconds else None,
                "running_lines_left": left,
                "paragraphs_whole": round(sum(whole) / len(whole), 4) if whole else None,
                "files": per_file,
            }
        base = results["pypdf-raw"]["pages_per_second"]
        for name in CANDIDATES:
            speed = results[name]["pages_per_second"]
            results[name]["speed_vs_pypdf_raw"] = round(speed / base, 2) if speed and base else None
        print(json.dumps({
            "samples": str(args.samples),
            "made_papers": len(made),
            "made_with": "chromium --headless --print-to-pdf over HTML of the project's demo essays "
                         "in two columns" if made else None,
            "candidates": results,
            "licences": {"pypdfium2": "Apache-2.0 or BSD-3-Clause (PDFium: BSD-3-Clause)",
                         "pypdf": "BSD-3-Clause", "pymupdf": "AGPL-3.0 (not a candidate)"},
            "note": "one run on a shared 2-core machine: compare speeds within this object only",
        }, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
