"""A report table drawn without rich laying out every cell: the same text, faster.

rich's ``Table`` wraps, justifies, pads and crops every cell of every row through
several layers of renderables; on a half-year's broadcasts report (9,800 rows, 11
columns) that was 85 % of the process's time, for cells whose widths
``reports.layout.fit`` had already fixed and whose text it had already wrapped
(``shorten``). ``LongTable`` lets rich draw the title, the header and its rule and the
caption (a table without rows), and writes the rows itself, as rich would: a space
for the left edge, each cell padded to its column's width (figures to the right,
trailing spaces dropped), two spaces between columns, a space for the right edge,
a cell's missing lines blank. The text is the same; on a colour terminal a cell's
padding may take its style (dim spaces look like spaces). A cell rich would treat
differently — a tab, a character wider than one column, a line longer than its
column — or a console narrower than the table sends the whole table to rich.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from itertools import repeat

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.text import Text

from reports.layout import GAP, Cell, Fitted, build_table, plain, plains, shorten

# Every table with rows: even a summary's 17 rows took rich 20–30 ms to lay out, two to
# three times what they take here, for the same text (``tests/test_report_longtable``
# holds the two equal for every report kind, language and width). The tests set it
# out of reach to draw rich's table for comparison.
LONG_ROWS = 1

_Cell = Cell | list[Cell]  # a cell of one line, or a cell's lines


def table_renderable(
    fitted: Fitted, title: str | None = None, caption: str | None = None
) -> RenderableType:
    """``build_table``'s table, or from ``LONG_ROWS`` rows on the same drawn by ``LongTable``."""
    if fitted.rows < LONG_ROWS:
        return build_table(fitted, title, caption)
    return LongTable(fitted, title, caption)


class LongTable:
    """A fitted table whose rows are written directly (see the module docstring)."""

    def __init__(self, fitted: Fitted, title: str | None, caption: str | None) -> None:
        self.fitted = fitted
        self.title = title
        self.caption = caption

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        """As wide as the fitted columns (what ``build_table``'s table measures)."""
        return Measurement(self.fitted.width, self.fitted.width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        fitted = self.fitted
        columns = _columns(fitted) if fitted.width <= options.max_width else None
        if columns is None:
            yield from console.render(build_table(fitted, self.title, self.caption), options)
            return
        empty = Fitted([replace(c, cells=[]) for c in fitted.shown], fitted.widths, fitted.dropped)
        head = console.render_lines(build_table(empty, self.title), options, pad=False)
        for line in head[:-1]:  # the title, the header and its rule
            yield from line
            yield Segment.line()
        numeric = [c.numeric for c in fitted.shown]
        if console.color_system is None:  # styles show nothing: the rows are one text
            yield Segment(_plain_rows(columns, fitted.widths, numeric))
        else:
            for row in zip(*columns, strict=True):
                yield from _row_segments(row, fitted.widths, numeric, console)
        yield from head[-1]  # the table's bottom edge: a line of spaces
        yield Segment.line()
        if self.caption:
            caption = console.render_str(self.caption, style="table.caption", highlight=False)
            width = options.update(width=fitted.width, highlight=False, height=None)
            yield from console.render(caption, width.update(justify="left"))


def _columns(fitted: Fitted) -> list[list[_Cell]] | None:
    """Each column's cells as lines, or ``None`` when a cell needs rich's own layout."""
    columns: list[list[_Cell]] = []
    for column, size in zip(fitted.shown, fitted.widths, strict=True):
        cells = [shorten(cell, size) for cell in column.cells] if column.wraps else column.cells
        lines = _cell_lines(cells, size)
        if lines is None:
            return None
        columns.append(lines)
    return columns


def _cell_lines(cells: Sequence[Cell], size: int) -> list[_Cell] | None:
    """Each of a column's cells: itself when one line, else its lines (a list);
    ``None`` if one does not fit as it is."""
    if _plain_column_fits(cells, size):  # figures and statuses: checked in one pass
        return list(cells)
    out: list[_Cell] = []
    append = out.append
    for cell in cells:
        lines: list[Cell]
        if isinstance(cell, str):
            if "\n" not in cell:  # most cells: one plain line
                if not _plain_fits(cell, size):
                    return None
                append(cell)
                continue
            lines = list(cell.split("\n"))
        elif "\n" in cell.plain:
            lines = list(cell.split("\n", allow_blank=True))
        else:
            lines = [cell]
        if not all(_plain_fits(plain(line), size) for line in lines):
            return None
        append(lines if len(lines) > 1 else lines[0])
    return out


def _plain_column_fits(cells: Sequence[Cell], size: int) -> bool:
    """Whether every cell is one line of at most ``size`` characters, each one column
    wide, without a tab: then each cell is its own line, as ``_cell_lines`` would find
    one by one (``False`` says nothing)."""
    texts = plains(cells)
    joined = "\n".join(texts)
    if joined.count("\n") != len(texts) - 1 or max(map(len, texts), default=0) > size:
        return False
    if joined.isascii():
        return "\t" not in joined
    return all(ch.isascii() or cell_len(ch) == 1 for ch in set(joined)) and "\t" not in joined


def _plain_fits(text: str, size: int) -> bool:
    """Whether rich would show ``text`` unchanged in a cell ``size`` wide."""
    if len(text) > size or "\t" in text:
        return False
    return text.isascii() or cell_len(text) == len(text)


def _plain_rows(columns: list[list[_Cell]], widths: list[int], numeric: list[bool]) -> str:
    """Every row's lines as one text, for a console that shows no styles.

    Worked a column at a time: each column's cells justified at once, then every row's
    first line joined, then the further lines of the rows that have them."""
    justified: list[list[str | list[str]]] = []
    firsts: list[list[str]] = []
    heights = [1] * (len(columns[0]) if columns else 0)
    for column, size, right in zip(columns, widths, numeric, strict=True):
        # Styles show nothing here: a cell of one line is its text.
        cells = [c.plain if isinstance(c, Text) else c for c in column]
        if all(isinstance(c, str) for c in cells):  # most columns: no call per cell
            done: list[str] = (
                [c.rstrip().rjust(size) for c in cells]  # type: ignore[union-attr]
                if right
                else [c.ljust(size) for c in cells]  # type: ignore[union-attr]
            )
            justified.append(done)  # type: ignore[arg-type]
            firsts.append(done)
            continue
        mixed = [
            _justified(c, size, right) if isinstance(c, str) else _lines(c, size, right)
            for c in cells
        ]
        for row, cell in enumerate(mixed):
            if isinstance(cell, list) and len(cell) > heights[row]:
                heights[row] = len(cell)
        justified.append(mixed)
        firsts.append([c if isinstance(c, str) else c[0] for c in mixed])
    gap = " " * GAP
    lines = [[f" {gap.join(parts)} \n" for parts in zip(*firsts, strict=True)]]
    for level in range(1, max(heights, default=1)):  # the further lines of tall rows
        parts_of = [
            repeat(" " * size) if cells is first else _level(cells, level, " " * size)
            for cells, first, size in zip(justified, firsts, widths, strict=True)
        ]
        lines.append(
            [
                f" {gap.join(parts)} \n" if height > level else ""
                for parts, height in zip(zip(*parts_of), heights)  # noqa: B905  # repeat
            ]
        )
    if len(lines) == 1:  # nearly every long table: one line a row
        return "".join(lines[0])
    return "".join(map("".join, zip(*lines, strict=True)))


def _level(cells: list[str | list[str]], level: int, blank: str) -> list[str]:
    """Line ``level`` (from the second) of each justified cell, blank past its last."""
    return [blank if isinstance(c, str) or level >= len(c) else c[level] for c in cells]


def _lines(cell: Text | list[Cell], size: int, right: bool) -> str | list[str]:
    """A cell that is not a plain line, justified: its one line, or its lines (a list)."""
    if isinstance(cell, list):
        return [_justified(plain(line), size, right) for line in cell]
    return _justified(cell.plain, size, right)


def _row_segments(
    row: Sequence[_Cell], widths: list[int], numeric: list[bool], console: Console
) -> Iterator[Segment]:
    """The lines of one row: edge, cells padded to their widths and two spaces apart.

    Unstyled text is joined into one segment per run: rich handles each segment
    separately, so a line of a dozen unstyled cells costs what one cell does."""
    lines_of = [cell if isinstance(cell, list) else [cell] for cell in row]
    height = max(len(cell) for cell in lines_of)
    gap = " " * GAP
    for index in range(height):
        text: list[str] = [" "]
        for column, (cell, size) in enumerate(zip(lines_of, widths, strict=True)):
            if column:
                text.append(gap)
            if index >= len(cell):
                text.append(" " * size)
                continue
            line = cell[index]
            if isinstance(line, str) or (not line.spans and not line.style):
                text.append(_justified(plain(line), size, numeric[column]))
                continue
            yield Segment("".join(text))
            text = []
            yield from _styled(line, size, numeric[column], console)
        text.append(" ")
        yield Segment("".join(text))
        yield Segment.line()


def _justified(text: str, size: int, right: bool) -> str:
    """``text`` padded to ``size`` as rich's table justifies a cell (right: rstripped)."""
    return text.rstrip().rjust(size) if right else text.ljust(size)


def _styled(line: Text, size: int, right: bool, console: Console) -> list[Segment]:
    """A styled line of a cell, justified in ``size`` (its padding takes its style)."""
    if not line.spans:  # one style over the whole line (an unknown "—"): one segment
        return [Segment(_justified(line.plain, size, right), console.get_style(line.style))]
    padded = line.copy()
    if right:
        padded.rstrip()
        padded.pad_left(size - len(padded.plain))
    else:
        padded.pad_right(size - len(padded.plain))
    # As rich's own Text rendering does: ``join`` turns the base style into a span.
    return [s for s in Text().join([padded]).render(console) if s.text]
