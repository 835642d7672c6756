"""`unetcalc table`: the design table, computed — rich, markdown or csv."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

from rich.console import Console
from rich.table import Table
from rich.text import Text

from unetcalc.check import CheckResult
from unetcalc.ops.registry import op_label
from unetcalc.report.costs import human_count, poly_json
from unetcalc.shapes.cost import compute_costs
from unetcalc.shapes.poly import Poly
from unetcalc.shapes.shape import Shape, format_shape
from unetcalc.textsafe import csv_cell, markdown_text, printable
from unetcalc.tiling.receptive import Windows, receptive_field

DECLARED_CODES = ("UC107", "UC108")
HEADER = ("#", "layer", "op", "in", "out", "RF", "filters", "params", "MACs", "declared")
NUMERIC = ("#", "filters", "params", "MACs")


@dataclass(frozen=True, slots=True)
class Row:
    index: str
    name: str
    op: str
    shape_in: str
    shape_out: str
    field: str  # the exact receptive field of the output: smallest–largest window over the phases, per axis
    filters: str
    params: int | None
    macs: Poly | None
    declared: str

    def cells(self, exact: bool = False) -> tuple[str, ...]:
        """Display cells; ``exact`` gives plain numbers (csv) instead of 1,234 and 1.2 G."""
        params = "" if self.params is None else (str(self.params) if exact else f"{self.params:,}")
        macs = ""
        if self.macs is not None:
            value = poly_json(self.macs)
            macs = str(value) if exact or not isinstance(value, int) else human_count(value)
        return (
            self.index,
            self.name,
            self.op,
            self.shape_in,
            self.shape_out,
            self.field,
            self.filters,
            params,
            macs,
            self.declared,
        )


def table_rows(result: CheckResult, macs: str = "true") -> list[Row]:
    return list(iter_rows(result, macs))


def iter_rows(result: CheckResult, macs: str = "true") -> Iterator[Row]:
    """The table's rows one by one: the input, then every layer."""
    inference = result.inference
    if inference is None:
        return
    wrong = {lid for lid, found in result.findings_by_layer().items() if any(d.code in DECLARED_CODES for d in found)}
    costs = compute_costs(inference, macs)
    last_shape: Shape | None = inference.input
    last_text = format_shape(inference.input)
    fields = receptive_field(result).per_layer if result.graph is not None else {}
    yield Row("0", "input", "", "", last_text, "1", "", None, None, "")
    returned = result.spec_outputs() if result.spec.outputs else []
    for number, (entry, layer_macs) in enumerate(zip(inference.layers, costs.per_layer_macs, strict=True), start=1):
        layer = entry.layer
        declared = [f"{k} {d.text}" for k, d in (("in", layer.declared_in), ("out", layer.declared_out)) if d]
        marks = (("✗ " if layer.id in wrong else "✓ ") + "; ".join(declared)) if declared else ""
        filters = layer.params.get("filters") or layer.params.get("features") or ""
        # A chain's input is the row above's output: the same Shape, formatted once.
        shape_in = "" if not entry.ins else last_text if entry.ins[0] is last_shape else format_shape(entry.ins[0])
        last_shape, last_text = entry.out, format_shape(entry.out)
        yield Row(
            str(number),
            layer.name
            + (f" → output {returned.index(layer.id) + 1}" if layer.id in returned else "")
            + ("" if layer.runs else " (not run)"),
            op_label(layer, inference.input.rank),
            shape_in,
            last_text,
            field_text(fields.get(layer.id, [])),
            str(filters),
            entry.params,
            layer_macs,
            marks,
        )


def field_text(windows: list[Windows | None]) -> str:
    """``188–204`` (every axis alike) or ``92–100×188–204``; empty where a window is not the same at every size."""
    if not windows or any(w is None for w in windows):
        return ""
    parts = []
    for window in windows:
        assert window is not None
        low, high = window.sizes
        parts.append(str(low) if low == high else f"{low}–{high}")
    return parts[0] if len(set(parts)) == 1 else "×".join(parts)


def _totals(result: CheckResult, convention: str = "true") -> str:
    assert result.inference is not None
    macs = poly_json(compute_costs(result.inference, convention).macs)
    shown = human_count(macs) if isinstance(macs, int) else macs
    return f"Total parameters: {result.inference.params:,}; MACs: {shown}"


# Dropped first when the table is wider than the terminal: each repeats what another column shows
# (the input shape is the previous row's output, filters are the output's channels) or is a detail.
DROP_ORDER = ("#", "filters", "RF", "in", "MACs", "params")


def fitting_columns(rows: list[tuple[str, ...]], width: int) -> list[int]:
    """Indexes of the columns to show so that the table fits ``width`` terminal columns."""
    shown = list(range(len(HEADER)))
    natural = [max(len(r[i]) for r in [HEADER, *rows]) for i in shown]
    for name in DROP_ORDER:
        if sum(natural[i] + 3 for i in shown) + 1 <= width:
            break
        shown.remove(HEADER.index(name))
    return shown


def render_rich(console: Console, result: CheckResult, wide: bool = False, macs: str = "true") -> None:
    # The title is printed by us, not by rich: a wrapped title line could start with any text of the name.
    console.print(Text(printable(f"table of {result.spec.name} — {result.path}")))
    rows = table_rows(result, macs)
    cells = [row.cells() for row in rows]
    shown = list(range(len(HEADER))) if wide else fitting_columns(cells, console.width)
    if len(rows) > RICH_TABLE_ROWS:
        _stream_rows(console, cells, shown)
    else:
        _rich_table(console, rows, cells, shown, wide)
    hidden = [HEADER[i] for i in range(len(HEADER)) if i not in shown]
    if hidden:
        console.print(Text(f"{', '.join(hidden)} hidden to fit {console.width} columns: --wide shows all", "dim"))
    if result.inference is not None:
        console.print(Text(printable(_totals(result, macs))))


# Past this many rows rich's table layout costs seconds (it measures every cell of every row): the
# rows are streamed as aligned plain text instead, at the cost of the borders.
RICH_TABLE_ROWS = 1000


def _stream_rows(console: Console, cells: list[tuple[str, ...]], shown: list[int]) -> None:
    text = [[printable(row[i]) for i in shown] for row in [HEADER, *cells]]
    widths = [max(len(row[k]) for row in text) for k in range(len(shown))]

    def line(row: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if HEADER[i] in NUMERIC else cell.ljust(width)
            for cell, width, i in zip(row, widths, shown, strict=True)
        ).rstrip()

    out = [line(text[0]), "  ".join("─" * w for w in widths), *(line(row) for row in text[1:])]
    console.file.write("\n".join(out) + "\n")


def _rich_table(
    console: Console, rows: list[Row], cells: list[tuple[str, ...]], shown: list[int], wide: bool = False
) -> None:
    table = Table()
    for index in shown:
        table.add_column(HEADER[index], justify="right" if HEADER[index] in NUMERIC else "left")
    for row, row_cells in zip(rows, cells, strict=True):
        style = "red" if row.declared.startswith("✗") else None
        table.add_row(*(Text(printable(row_cells[i])) for i in shown), style=style)  # cells are text, never markup
    if wide:  # every column whole, into a file or a pipe too (rich would fit 80 columns there)
        widths = [max(len(HEADER[i]), *(len(c[i]) for c in cells)) if cells else len(HEADER[i]) for i in shown]
        saved = console.width
        console.width = max(saved, sum(widths) + 3 * len(widths) + 1)  # print(width=) cannot pass the console's
        console.print(table)
        console.width = saved
    else:
        console.print(table)


def markdown_grid(rows: list[tuple[str, ...]]) -> list[str]:
    """Rows of escaped cells as an aligned markdown table; the first row is the header."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
        if n == 0:
            lines.append("| " + " | ".join("-" * width for width in widths) + " |")
    return lines


def render_markdown(result: CheckResult, macs: str = "true") -> str:
    rows = [HEADER, *(tuple(markdown_text(c) for c in row.cells()) for row in table_rows(result, macs))]
    lines = markdown_grid(rows)
    if result.inference is not None:
        lines += ["", _totals(result, macs)]
    return "\n".join(lines) + "\n"


def render_csv(result: CheckResult, macs: str = "true") -> str:
    buffer = io.StringIO()
    write_csv(buffer, result, macs)
    return buffer.getvalue()


def write_csv(stream: TextIO, result: CheckResult, macs: str = "true") -> None:
    """The table as CSV, written row by row as it is made (a 100k-row table is never held whole)."""
    block = io.StringIO()  # rows go out in blocks: one write per row can be a system call each
    writer = csv.writer(block, lineterminator="\n")
    writer.writerow(HEADER)
    for number, row in enumerate(iter_rows(result, macs), start=1):
        writer.writerow([csv_cell(cell) for cell in row.cells(exact=True)])
        if number % 2048 == 0:
            stream.write(block.getvalue())
            block.seek(0)
            block.truncate()
    stream.write(block.getvalue())
