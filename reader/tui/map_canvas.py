"""The reading map drawn with braille dots: each cell holds 2x4 dots, coloured by the theme most
of its points carry, with theme names written where the map service placed them and a box the
user moves to pick a region.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from reader.textsafe import terminal_safe

# Dot bit of braille cell (column, row): U+2800 + sum of bits.
BITS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1",
           "#ff9da7", "#9c755f", "#17becf", "#8c564b", "#bcbd22")
GREY = "#8a8a8a"


def theme_colour(index: int | None) -> str:
    return GREY if index is None else PALETTE[index % len(PALETTE)]


@dataclass
class Box:
    """A region of the canvas in cells: column, row, width, height."""

    col: int
    row: int
    width: int = 8
    height: int = 4

    def fraction(self, cols: int, rows: int) -> tuple[float, float, float, float]:
        """The box as map coordinates (x0, y0, x1, y1) in [0, 1]."""
        return (self.col / cols, self.row / rows, (self.col + self.width) / cols,
                (self.row + self.height) / rows)

    def clamp(self, cols: int, rows: int) -> None:
        self.width = max(1, min(self.width, cols))
        self.height = max(1, min(self.height, rows))
        self.col = max(0, min(self.col, cols - self.width))
        self.row = max(0, min(self.row, rows - self.height))


def cell_of(x: float, y: float, cols: int, rows: int) -> tuple[int, int, int, int]:
    """(cell column, cell row, dot column 0-1, dot row 0-3) of a point in [0, 1]^2."""
    dx = min(cols * 2 - 1, max(0, int(x * (cols * 2 - 1) + 0.5)))
    dy = min(rows * 4 - 1, max(0, int(y * (rows * 4 - 1) + 0.5)))
    return dx // 2, dy // 4, dx % 2, dy % 4


def render_rows(points: list[tuple[float, float, int | None]],
                labels: list[tuple[float, float, str, int]], cols: int, rows: int,
                box: Box | None = None, focus: int | None = None) -> list[Text]:
    """Rows of the canvas. points: (x, y, colour index or None); labels: (x, y, name, colour).
    `focus` dims every colour but that one."""
    bits = [[0] * cols for _ in range(rows)]
    votes: list[list[Counter]] = [[Counter() for _ in range(cols)] for _ in range(rows)]
    for x, y, colour in points:
        c, r, dc, dr = cell_of(x, y, cols, rows)
        bits[r][c] |= BITS[dc][dr]
        votes[r][c][colour] += 1
    chars = [[chr(0x2800 + b) if b else " " for b in line] for line in bits]
    styles: list[list[Style]] = []
    for r in range(rows):
        line = []
        for c in range(cols):
            if not votes[r][c]:
                line.append(Style())
                continue
            colour = votes[r][c].most_common(1)[0][0]
            dim = focus is not None and colour != focus
            line.append(Style(color=GREY if dim else theme_colour(colour), dim=dim))
        styles.append(line)
    taken: list[tuple[int, int, int]] = []  # (row, first col, last col) of placed names
    for x, y, name, colour in labels:
        text = terminal_safe(name, single_line=True)[: max(4, cols // 3)]
        c, r, _, _ = cell_of(x, y, cols, rows)
        start = max(0, min(cols - len(text), c - len(text) // 2))
        for shift in (0, -1, 1, -2, 2):
            row = r + shift
            if 0 <= row < rows and not any(t[0] == row and start <= t[2] and t[1] <= start
                                           + len(text) for t in taken):
                break
        else:
            continue  # no room: the legend still names it
        taken.append((row, start, start + len(text) - 1))
        for i, ch in enumerate(text):
            chars[row][start + i] = ch
            styles[row][start + i] = Style(color=theme_colour(colour), bold=True,
                                           dim=focus is not None and colour != focus)
    out = []
    for r in range(rows):
        line = Text()
        for c in range(cols):
            style = styles[r][c]
            if box and box.col <= c < box.col + box.width and box.row <= r < box.row + box.height:
                style = style + Style(bgcolor="#3a3a5a")
            line.append(chars[r][c], style)
        out.append(line)
    return out


class MapCanvas(Widget, can_focus=True):
    """Draws a ReadingMap; the screen moves its box and sets its focus theme."""

    DEFAULT_CSS = """
    MapCanvas { width: 1fr; height: 1fr; }
    MapCanvas:focus { background-tint: $foreground 3%; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.points: list[tuple[float, float, int | None]] = []
        self.labels: list[tuple[float, float, str, int]] = []
        self.pick_box = Box(0, 0)
        self.focus_colour: int | None = None

    def show_map(self, reading_map) -> None:
        colours = {t.id: t.colour for t in reading_map.themes}
        self.points = [(p.x, p.y, colours.get(p.theme_id)) for p in reading_map.points]
        self.labels = [(t.x, t.y, t.title, t.colour) for t in reading_map.themes]
        self.pick_box = Box(max(0, self.size.width // 2 - 4), max(0, self.size.height // 2 - 2))
        self.refresh()

    def move_box(self, dcol: int, drow: int, dwidth: int = 0, dheight: int = 0) -> None:
        self.pick_box.col += dcol
        self.pick_box.row += drow
        self.pick_box.width += dwidth
        self.pick_box.height += dheight
        self.pick_box.clamp(max(1, self.size.width), max(1, self.size.height))
        self.refresh()

    def selected_region(self) -> tuple[float, float, float, float]:
        return self.pick_box.fraction(max(1, self.size.width), max(1, self.size.height))

    def render(self) -> Text:
        cols, rows = max(1, self.size.width), max(1, self.size.height)
        self.pick_box.clamp(cols, rows)
        lines = render_rows(self.points, self.labels, cols, rows, self.pick_box, self.focus_colour)
        return Text("\n").join(lines)
