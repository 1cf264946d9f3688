"""One-line table cells drawn without Rich's renderable pipeline, to the same segments.

Textual's DataTable draws every cell through `Console.render_lines(Styled(Padding(cell)))`:
about 0.25 ms a cell, so a library page of 35 rows by 9 columns cost ~80 ms on each change of
the listing, the most of a keystroke's time. For the cells the library uses (a `Text` on one
line, in a row one line high) the same segments come from the steps Rich takes inside that
pipeline, done directly: wrap (which justifies and truncates), render, crop and pad, pad the
sides, apply the row's styles. `tests/test_tui_table.py` checks the output is identical.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

_NEWLINE = Text("\n")


def cell_segments(
    console: Console, options: ConsoleOptions, cell: object, width: int, padding: int
) -> list[Segment] | None:
    """The unstyled segments of a one-line cell `width` cells wide, padding included; None where
    the quick path does not apply (not a Text, a line break in it, wrapping asked for, no room
    inside the padding).
    """
    if not isinstance(cell, Text) or cell.no_wrap is False or "\n" in cell.plain:
        return None
    inner = width - 2 * padding
    if inner <= 0:
        return None
    tab_size = console.tab_size if cell.tab_size is None else cell.tab_size
    lines = cell.wrap(
        console, inner,
        justify=cell.justify or options.justify or "default",
        overflow=cell.overflow or options.overflow or "fold",
        tab_size=tab_size or 8,
        no_wrap=True,
    )
    rendered = list(_NEWLINE.join(lines).render(console, end=cell.end))
    cropped = list(Segment.split_and_crop_lines(rendered, inner, include_new_lines=False, pad=True))
    line = cropped[0] if cropped else [Segment(" " * inner)]
    side = Segment(" " * padding, Style.null())
    return [side, *line, side]


def signature(cell: Text, width: int, padding: int, options: ConsoleOptions) -> tuple:
    """What `cell_segments` depends on: equal signatures draw the same segments."""
    return (cell.plain, cell.style, tuple(cell.spans), cell.justify, cell.overflow, cell.no_wrap,
            cell.end, cell.tab_size, width, padding, options.justify, options.overflow)


def styled(segments: list[Segment], pre_style: Style, post_style: Style | None) -> list[list[Segment]]:
    """The cell's one line with the row's styles laid under and over its own."""
    return [list(Segment.apply_style(segments, style=pre_style, post_style=post_style))]


def cell_line(
    console: Console, options: ConsoleOptions, cell: object, width: int, padding: int,
    pre_style: Style, post_style: Style | None,
) -> list[list[Segment]] | None:
    """The segments of a one-line cell with the row's styles, or None (see `cell_segments`)."""
    segments = cell_segments(console, options, cell, width, padding)
    return None if segments is None else styled(segments, pre_style, post_style)
