"""Fitting a console table to the terminal's width without splitting words or numbers.

Every column gets a width at least as wide as its longest header word; a figure,
an id, a time or a status is never wrapped (its column is as wide as its widest
cell); titles and findings wrap at word boundaries, and a word or a title too long
for its column is shortened with "…". When the columns do not all fit, the
lowest-priority ones drop out (each report's order is in ``PRIORITY`` and the
README), and the caller names them in a footnote. ``wide`` keeps every column, so
the table may be wider than the terminal.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from rich import box
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

from reports.labels import label

# A cell: its text, or a rich ``Text`` when part of it is styled. A plain ``str`` is
# never read as markup (``as_text``), and a long table of them costs far less: most
# of a half-year report's hundred thousand cells have no style.
Cell = str | Text
_T = TypeVar("_T", str, Text)

GAP = 2  # what rich adds per column: one space each side (box.SIMPLE_HEAD)
WRAP_MIN = 22  # a wrapping column (a title) narrower than this is hard to read
WRAP_MAX = 48  # a wrapping column wider than this makes long lines for one cell
WRAP_LINES = 3  # a title longer than this many lines is shortened with "…"
ELLIPSIS = "…"
_WORD = re.compile(r"(?:[^\s]|\u00a0)+")  # ``\s``: what ``str.isspace`` calls a space
# Columns whose text may wrap at word boundaries; every other cell stays on one line.
WRAPPING = frozenset({"title", "findings", "district"})
# Wrapping columns of short phrases ("начало с опозданием", a district): on two lines
# they still read, so they narrow to their longest word before a figure drops out.
PHRASES = frozenset({"findings", "district"})
# The order in which columns are kept when the terminal is narrow: the first are
# always shown, the last drop out first. Documented in the README.
PRIORITY: dict[str, tuple[str, ...]] = {
    "summary": (
        "programme",
        "platform",
        "district",
        "month",
        "week",
        "live_broadcasts",
        "views",
        "broadcasts_planned",
        "broadcasts_held",
        "broadcasts_missed",
        "unplanned_broadcasts",
        "peak_concurrent",
        "viewer_minutes",
        "avg_start_delay_min",
        "coverage_pct",
        "broadcasts_cancelled",
        "avg_concurrent",
    ),
    "broadcasts": (
        "broadcast_id",
        "title",
        "planned_start",
        "status",
        "views",
        "peak_concurrent",
        "start_delay_min",
        "viewer_minutes",
        "coverage_pct",
        "programme",
        "platforms",
    ),
    "adherence": (
        "broadcast_id",
        "title",
        "planned_start",
        "findings",
        "start_delay_min",
        "overrun_min",
        "status",
        "duration_min",
        "planned_duration_min",
        "programme",
    ),
    "plan": ("id", "start", "title", "status", "programme", "duration_min", "targets"),
}


class LazyCells(Sequence[Cell]):
    """A column's cells, formatted when first looked at: ``fit`` never measures a
    column past the first that does not fit, so those are never formatted (at 80
    columns a half-year's broadcasts report shows 5 of its 11)."""

    __slots__ = ("_cells", "_make")

    def __init__(self, make: Callable[[], list[Cell]]) -> None:
        self._make = make
        self._cells: list[Cell] | None = None

    def made(self) -> list[Cell]:
        """The cells, formatted now if not yet."""
        if self._cells is None:
            self._cells = self._make()
        return self._cells

    def __getitem__(self, index: Any) -> Any:
        return self.made()[index]

    def __len__(self) -> int:
        return len(self.made())

    def __iter__(self) -> Iterator[Cell]:
        return iter(self.made())


def made(column: Column) -> Column:
    """``column`` with its cells as a list (formatted now if they were lazy)."""
    cells = column.cells
    return replace(column, cells=cells.made()) if isinstance(cells, LazyCells) else column


@dataclass(frozen=True, slots=True)
class Column:
    """One column to fit: its key, its (short) header, its cells, how it aligns."""

    key: str
    header: str
    cells: Sequence[Cell]
    numeric: bool = False

    @property
    def wraps(self) -> bool:
        """Whether the cells may wrap at word boundaries (titles, findings)."""
        return self.key in WRAPPING

    @property
    def header_min(self) -> int:
        """The longest header word: a header is never split inside a word."""
        return max((len(word) for word in self.header.split()), default=1)

    @property
    def natural(self) -> int:
        """The widest cell line: the width that shows every cell on one line."""
        lines = "\n".join(plains(self.cells)).split("\n")  # every cell's lines
        return max(1, max(map(len, lines)))

    @property
    def longest_word(self) -> int:
        """The longest word of any cell (a phrase column narrows to it)."""
        longest = 1
        for cell in set(plain(c) for c in self.cells):
            longest = max(longest, *(len(word) for word in cell.split()), 1)
        return longest

    def comfortable(self, natural: int) -> int:
        """The width a wrapping column is given before any column grows further: its
        ``natural`` width, up to ``WRAP_MIN``."""
        return max(self.header_min, min(natural, WRAP_MIN))

    def least(self, natural: int) -> int:
        """The narrowest this column may be, its ``natural`` width known."""
        if self.key in PHRASES:
            return max(self.header_min, min(self.longest_word, WRAP_MIN))
        if self.wraps:
            return self.comfortable(natural)
        return max(self.header_min, natural)


@dataclass(frozen=True, slots=True)
class Fitted:
    """The columns shown (in report order) with their widths, and those left out."""

    shown: list[Column]
    widths: list[int]
    dropped: list[Column]

    @property
    def width(self) -> int:
        """The table's width on screen."""
        return sum(self.widths) + GAP * len(self.widths)

    @property
    def rows(self) -> int:
        """How many rows the table has."""
        return len(self.shown[0].cells) if self.shown else 0


def dropped_note(fitted: Fitted, lang: str, key: str = "note.dropped") -> str:
    """The footnote naming the columns left out for width, and how to see them (``key``:
    the label saying how, for a command without ``--wide``)."""
    names = "; ".join(label(c.key, lang) for c in fitted.dropped)  # labels hold commas
    return label(key, lang).format(columns=names)


def fit(columns: Sequence[Column], width: int, priority: Sequence[str], wide: bool) -> Fitted:
    """Keep columns by priority while their minimum widths fit ``width``; share the rest.

    The first column by priority is always kept. Once a column does not fit, it and
    every column of lower priority drop out, so what is missing follows the
    documented order. Spare width goes first to wrapping columns (fewer title lines),
    then to headers (fewer header lines). ``wide`` keeps every column.
    """
    rank = {key: i for i, key in enumerate(priority)}
    ordered = sorted(columns, key=lambda c: rank.get(c.key, len(rank)))
    # Each measured once, a pass over its cells, and only when reached: a column past
    # the first that does not fit is never measured (nor formatted, ``LazyCells``).
    natural: dict[str, int] = {}
    least: dict[str, int] = {}
    kept: list[Column] = []
    used = 0
    for column in ordered:
        natural[column.key] = column.natural
        least[column.key] = column.least(natural[column.key])
        need = least[column.key] + GAP
        if kept and not wide and used + need > width:
            break
        kept.append(column)
        used += need
    sizes = {c.key: least[c.key] for c in kept}
    spare = 10**6 if wide else max(0, width - used)
    # By priority: a narrowed phrase column back to its comfortable width first, then
    # the most important title grows first.
    wrapping = [c for c in kept if c.wraps]
    for limit in (lambda c: c.comfortable(natural[c.key]), lambda c: natural[c.key]):
        for column in wrapping:
            want = min(limit(column), WRAP_MAX)
            grow = min(spare, max(0, want - sizes[column.key]))
            sizes[column.key] += grow
            spare -= grow
    for column in kept:
        grow = min(spare, max(0, len(column.header) - sizes[column.key]))
        sizes[column.key] += grow
        spare -= grow
    shown = [c for c in columns if c.key in sizes]
    dropped = [c for c in ordered if c.key not in sizes]
    return Fitted(shown, [sizes[c.key] for c in shown], dropped)


def as_text(cell: Cell) -> Text:
    """A cell as rich ``Text`` (a ``str`` as it reads, never as markup)."""
    return Text(cell) if isinstance(cell, str) else cell


def plain(cell: Cell) -> str:
    """A cell's text without its styles."""
    return cell if isinstance(cell, str) else cell.plain


def plains(cells: Iterable[Cell]) -> list[str]:
    """``plain`` of each cell (a long table's columns hold tens of thousands)."""
    return [c if isinstance(c, str) else c.plain for c in cells]


def shorten(text: Cell, width: int, lines: int = WRAP_LINES) -> Cell:
    """``text`` wrapped at word boundaries into at most ``lines`` lines of ``width``.

    A word longer than the width, or what does not fit in the lines, ends in "…".
    Styles are kept on the words that stay (the text is re-joined with new lines); a
    ``str`` gives a ``str``. A cell that fits on one line is given back as it came.
    """
    if isinstance(text, str):
        if "\n" not in text and len(text) <= width:
            return text
        return "\n".join(_wrapped(text, text, width, lines))
    if "\n" not in text.plain and len(text) <= width:
        return text
    return Text("\n").join(_wrapped(text, text.plain, width, lines))


def _wrapped(text: _T, plain: str, width: int, lines: int) -> list[_T]:
    """``shorten``'s lines: str and Text slice, measure and add alike."""
    out: list[_T] = []
    current: _T | None = None
    for start, end in _words(plain):
        word = text[start:end]
        if len(word) > width:
            word = word[: width - 1] + ELLIPSIS
        if current is not None and len(current) + 1 + len(word) <= width:
            current = current + " " + word
            continue
        if current is not None:
            out.append(current)
        current = word
    if current is not None:
        out.append(current)
    if len(out) > lines:
        last = out[lines - 1]
        cut = last[: width - 1] if len(last) >= width else last
        del out[lines - 1 :]
        out.append(cut + ELLIPSIS)
    return out


def _words(plain: str) -> list[tuple[int, int]]:
    """Start and end of each run of non-space characters (new lines are spaces; a
    no-break space is part of a word)."""
    return [match.span() for match in _WORD.finditer(plain)]


def build_table(fitted: Fitted, title: str | None = None, caption: str | None = None) -> Table:
    """A rich table of the fitted columns: fixed widths, headers and figures never split."""
    table = Table(
        title=title,
        title_justify="left",
        header_style="bold",
        box=box.SIMPLE_HEAD,
        collapse_padding=True,
        pad_edge=False,
        caption=caption,
        caption_justify="left",
    )
    for column, size in zip(fitted.shown, fitted.widths, strict=True):
        table.add_column(
            column.header,
            justify="right" if column.numeric else "left",
            width=size,
            # Headers wrap at words (every column is at least as wide as its longest
            # header word); a figure's column is as wide as its widest cell, so it
            # never wraps, and a title was shortened to fit by ``shorten``.
            overflow="ellipsis",
        )
    for index in range(fitted.rows):
        table.add_row(
            *(
                as_text(shorten(c.cells[index], size) if c.wraps else c.cells[index])
                for c, size in zip(fitted.shown, fitted.widths, strict=True)
            )
        )
    return table


def print_wide(
    console: Console, renderable: RenderableType, width: int, *, crop: bool = True
) -> None:
    """Print ``renderable`` at ``width`` even past the console's width (``--wide``).

    ``crop=False`` is for a renderable that keeps to the width itself (a fitted
    table): rich then skips splitting its output into lines to crop them."""
    if width <= console.width:
        console.print(renderable, crop=crop)
        return
    narrow = console.width
    console.width = width
    try:
        console.print(renderable, crop=crop)
    finally:
        console.width = narrow
