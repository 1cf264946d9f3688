"""Property: a library exported as JSONL and imported into an empty library exports the same.

Generated articles carry any Unicode (controls, bidi, markup-like text), tags, notes,
highlights, reading states and progress. The second export must equal the first, record for
record (the archive's own contract: an empty library restores to the same records).
"""

from __future__ import annotations

import io
import json
import tempfile
from datetime import datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reader.services.context import LibraryContext
from reader.services.library.service import LibraryService

words = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
tag = st.text(st.characters(whitelist_categories=("Ll", "Lu", "Nd")), min_size=1, max_size=12)
dates = st.datetimes(datetime(1990, 1, 1), datetime(2100, 1, 1)).map(lambda d: d.strftime("%Y-%m-%dT%H:%M:%SZ"))


@st.composite
def article(draw, n: int) -> dict:
    text = draw(words.filter(lambda t: t.strip()))
    return {
        "url": f"https://example.org/essay/{n}",
        "title": draw(words),
        "author": draw(st.none() | words),
        "site": draw(st.none() | words),
        "text": text,
        "tags": draw(st.lists(tag, max_size=3, unique_by=str.lower)),
        "notes": [{"text": t, "created_at": d}
                  for t, d in draw(st.lists(st.tuples(words, dates), max_size=2))],
        "highlights": [{"text": text[:10], "note": draw(st.none() | words), "created_at": d}
                       for d in draw(st.lists(dates, max_size=2))],
        "status": draw(st.sampled_from(["unread", "reading", "read", "archived"])),
        "progress": draw(st.floats(0, 1)),
        "added_at": draw(dates),
    }


def export(home: Path) -> list[dict]:
    ctx = LibraryContext(home)
    try:
        out = io.StringIO()
        LibraryService(ctx).export(out, format="jsonl")
    finally:
        ctx.close()
    # JSON Lines are split on "\n" only: U+0085 and U+2028 may sit raw inside a string.
    return [json.loads(line) for line in out.getvalue().split("\n") if line]


def import_into(home: Path, rows: list[dict], folder: Path) -> None:
    path = folder / f"in-{home.name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    ctx = LibraryContext(home)
    try:
        report = LibraryService(ctx).import_file(path, format="jsonl")
    finally:
        ctx.close()
    assert not report.failed, report.failed


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(1, 4).flatmap(lambda k: st.tuples(*(article(n) for n in range(k)))))
def test_export_then_import_is_the_identity(articles) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        first, second = folder / "first", folder / "second"
        import_into(first, list(articles), folder)
        exported = export(first)
        assert sum(r.get("kind") == "article" for r in exported) == len(articles)
        import_into(second, exported, folder)
        assert export(second) == exported
