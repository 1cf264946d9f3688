"""The queue table's quick cell drawing gives the segments DataTable's own drawing gives."""

from __future__ import annotations

import asyncio
import random

from rich.segment import Segment
from rich.text import Text
from textual.app import App
from textual.widgets import DataTable

from reader.tui.widgets import QueueTable

CHARS = "ab Z1%[]\t·…日本é\u0301 "
STYLES = ["", "dim", "bold red", "italic", "cyan on blue"]


def random_cell(rng: random.Random) -> Text:
    plain = "".join(rng.choice(CHARS) for _ in range(rng.randint(0, 40)))
    text = Text(plain, style=rng.choice(STYLES),
                justify=rng.choice([None, "left", "right", "center", "full", "default"]),
                overflow=rng.choice([None, "ellipsis", "crop", "fold"]),
                no_wrap=rng.choice([None, True]))
    if rng.random() < 0.5:
        text.stylize(rng.choice(STYLES[1:]), rng.randint(0, 20), rng.randint(0, 40))
    return text


class Tables(App[None]):
    def compose(self):
        yield QueueTable(id="quick", cursor_type="row", zebra_stripes=True)


def simple(lines) -> list[tuple[str, object]]:
    return [(s.text, s.style) for line in lines for s in Segment.simplify(line)]


def draw_both(rows: list[list[Text]], widths: list[int]) -> list[tuple[list, list]]:
    """Each cell drawn by the quick path and by DataTable's own, on the same table."""
    async def run():
        app = Tables()
        async with app.run_test(size=(120, 20)) as pilot:
            table = app.query_one("#quick", QueueTable)
            for n, width in enumerate(widths):
                table.add_column(f"c{n}", width=width, key=f"c{n}")
            for n, row in enumerate(rows):
                table.add_row(*row, key=str(n))
            table.move_cursor(row=min(1, len(rows) - 1))
            await pilot.pause()
            pairs = []
            for row in range(len(rows)):
                for column, width in enumerate(widths):
                    for cursor in (False, True):
                        style = table.rich_style
                        table._cell_render_cache.clear()
                        quick = table._render_cell(row, column, style, width + 2, cursor)
                        table._cell_render_cache.clear()
                        plain = DataTable._render_cell(table, row, column, style, width + 2, cursor)
                        pairs.append((simple(quick), simple(plain)))
            return pairs
    return asyncio.run(run())


def test_quick_cells_match_datatable_drawing():
    rng = random.Random(11)
    widths = [0, 1, 2, 5, 9, 17, 30]
    rows = [[random_cell(rng) for _ in widths] for _ in range(40)]
    pairs = draw_both(rows, widths)
    assert len(pairs) == 40 * len(widths) * 2
    for quick, plain in pairs:
        assert quick == plain


def test_cells_the_library_uses_match():
    from reader.models import Article
    from reader.tui.format import queue_cells

    article = Article(id=7, url="https://example.org/a", canonical_url="https://example.org/a",
                      title="A [b]title[/b] that runs on " * 4,
                      site="example.org", state="reading", progress=0.42, word_count=1234,
                      added_at="2026-11-30T10:00:00Z", fetch_state="failed")
    cells = queue_cells(article, theme="Hedges and walls", selected=True)
    keys = ["mark", "id", "state", "title", "added", "reading_time", "theme"]
    for quick, plain in draw_both([[cells[k] for k in keys]], [2, 5, 11, 30, 6, 12, 8]):
        assert quick == plain


class Pair(App[None]):
    def compose(self):
        yield QueueTable(id="quick")
        yield DataTable(id="plain")


def test_fixed_width_tables_skip_measuring_but_size_as_datatable_does():
    """Measuring every cell of new rows only serves auto-width columns: with fixed widths the
    table is skipped, and its scrollable size is still the one DataTable computes."""
    rng = random.Random(5)
    rows = [[random_cell(rng) for _ in range(4)] for _ in range(60)]

    async def run():
        app = Pair()
        async with app.run_test(size=(100, 20)) as pilot:
            quick, plain = app.query_one("#quick", QueueTable), app.query_one("#plain", DataTable)
            for auto in (False, True):
                for table in (quick, plain):
                    table.clear(columns=True)
                    for n, width in enumerate((3, 10, 25, 7)):
                        table.add_column(f"c{n}", width=None if auto and n == 2 else width)
                    for n, row in enumerate(rows):
                        table.add_row(*row, key=str(n))
                await pilot.pause()
                assert quick.virtual_size == plain.virtual_size
                assert ([c.get_render_width(quick) for c in quick.ordered_columns]
                        == [c.get_render_width(plain) for c in plain.ordered_columns])

    asyncio.run(run())
