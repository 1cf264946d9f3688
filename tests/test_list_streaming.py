"""`reader list --json` reads the library a page at a time and prints what a whole list would."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from reader.cli import main
from reader.services.context import LibraryContext
from reader.services.library.service import LibraryService


def fill(home: Path, count: int) -> None:
    ctx = LibraryContext(home)
    with ctx.db.atomic():
        for i in range(count):
            url = f"https://stream.example/{i}"
            # Few distinct times, so pages must break ties on id.
            ctx.db.execute(
                "INSERT INTO articles (url, canonical_url, title, added_at) VALUES (?, ?, ?, ?)",
                [url, url, f"Article {i}", f"2026-01-0{1 + i % 3}T00:00:00Z"],
            )
    ctx.close()


def test_paged_listing_is_the_whole_listing_in_order(tmp_path: Path) -> None:
    fill(tmp_path, 1234)
    ctx = LibraryContext(tmp_path)
    library = LibraryService(ctx)
    whole = [a.id for a in library.list()]
    assert [a.id for a in library.iter_list(page=100)] == whole
    assert [a.id for a in library.iter_list(page=100, limit=250)] == whole[:250]
    assert [a.id for a in library.iter_list(page=7, limit=7)] == whole[:7]
    ctx.close()


def test_list_json_streams_the_same_document(tmp_path: Path) -> None:
    fill(tmp_path, 1100)  # more than one page
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 1100 and len({r["id"] for r in rows}) == 1100
    assert result.stdout == json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n"
    empty = CliRunner().invoke(main, ["--home", str(tmp_path / "none"), "list", "--json"])
    assert json.loads(empty.stdout) == []


def test_list_json_streams_terminal_controls_as_escapes_and_the_data_exact(tmp_path: Path) -> None:
    """What echo_json does for a whole list: C1, bidi and line-separator characters escaped."""
    fill(tmp_path, 450)
    title = "Evil \u202eeman\u202c \x9b2J \u2028 title"
    ctx = LibraryContext(tmp_path)
    ctx.db.execute("UPDATE articles SET title = ? WHERE id = 7", [title])
    ctx.close()
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "list", "--json"])
    assert result.exit_code == 0, result.output
    for raw in ("\u202e", "\u202c", "\x9b", "\u2028"):
        assert raw not in result.stdout
    assert "\\u202e" in result.stdout and "\\u009b" in result.stdout
    rows = json.loads(result.stdout)
    assert len(rows) == 450 and [r["title"] for r in rows if r["id"] == 7] == [title]
    from reader.textsafe import json_safe

    assert result.stdout == json_safe(json.dumps(rows, ensure_ascii=False, indent=2)) + "\n"
