"""Terminal safety in the UI: hostile article data shows as plain text, never as markup or controls."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import DataTable, OptionList, Static

from reader.services.library.service import LibraryService
from reader.storage.articles import ArticleStore
from reader.tui.app import make_app
from reader.tui.screens.reader import ArticleScreen

FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
TITLE = "Hostile \x1b[2J\x1b]52;c;ZXZpbA==\x07[red]red[/red] \u202eevil"


async def settle(pilot) -> None:
    app = pilot.app
    for _ in range(20):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if all(w.is_finished for w in app.workers):
            return
    raise AssertionError("workers kept running")


def hostile_article(ctx, tmp_path: Path) -> int:
    service = LibraryService(ctx)
    path = tmp_path / "hostile.md"
    path.write_text("# placeholder\n\nplaceholder text\n", "utf-8")
    report = service.add([str(path)])
    article_id = report.added[0]
    ArticleStore(ctx.db).update(
        article_id,
        title=TITLE,
        site="[link=https://evil.example]site[/link]\x9b0m",
        author="Au\x1b[31mthor [b]",
        text="Body \x1b]8;;https://evil.example/\x1b\\link\x1b]8;;\x1b\\ \u2066iso\u2069",
        markdown="Body \x1b[5mblink\x1b[0m and [bold]not bold[/bold]\n",
    )
    service.note(article_id, "note \x1b[2J [i]x[/i]")
    service.highlight(article_id, "Body", "hl \u202e [dim]note[/dim]")
    return article_id


async def test_hostile_article_renders_as_plain_text(ctx, tmp_path):
    hostile_article(ctx, tmp_path)
    app = make_app(ctx)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#queue", DataTable)
        row = [str(cell) for cell in table.get_row_at(0)]
        assert not FORBIDDEN.search(" ".join(row)), row
        assert any("[red]red[/red]" in cell for cell in row), row  # markup shown as text
        assert not FORBIDDEN.search(app.export_screenshot())
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ArticleScreen)
        header = str(app.screen.query_one("#article-header", Static).render())
        listing = app.screen.query_one("#article-notes", OptionList)
        notes = " ".join(str(listing.get_option_at_index(i).prompt)
                         for i in range(listing.option_count))
        for shown in (header, notes):
            assert not FORBIDDEN.search(shown), repr(shown)
        assert "[red]red[/red]" in header and "[link=https://evil.example]site[/link]" in header
        assert "[i]x[/i]" in notes and "[dim]note[/dim]" in notes
        assert not FORBIDDEN.search(app.export_screenshot())
