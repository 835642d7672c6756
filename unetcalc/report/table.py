"""`unetcalc table`: the design table, computed — rich, markdown or csv."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table

from unetcalc.check import CheckResult
from unetcalc.report.labels import op_label
from unetcalc.shapes.shape import format_shape

DECLARED_CODES = ("UC107", "UC108")
HEADER = ("#", "layer", "op", "in", "out", "filters", "params", "declared")


@dataclass(frozen=True, slots=True)
class Row:
    index: int
    name: str
    op: str
    shape_in: str
    shape_out: str
    filters: str
    params: str
    declared: str

    def cells(self) -> tuple[str, ...]:
        return (
            str(self.index),
            self.name,
            self.op,
            self.shape_in,
            self.shape_out,
            self.filters,
            self.params,
            self.declared,
        )


def table_rows(result: CheckResult) -> list[Row]:
    inference = result.inference
    if inference is None:
        return []
    wrong = {d.layer for d in result.diagnostics if d.code in DECLARED_CODES}
    rank = inference.input.rank
    rows = [Row(0, "input", "", "", format_shape(inference.input), "", "", "")]
    for number, entry in enumerate(inference.layers, start=1):
        layer = entry.layer
        declared = [f"{k} {d.text}" for k, d in (("in", layer.declared_in), ("out", layer.declared_out)) if d]
        marks = ""
        if declared:
            marks = ("✗ " if layer.name in wrong else "✓ ") + "; ".join(declared)
        filters = layer.params.get("filters") or layer.params.get("features") or ""
        rows.append(
            Row(
                number,
                layer.name,
                op_label(layer, rank),
                format_shape(entry.ins[0]) if entry.ins else "",
                format_shape(entry.out),
                str(filters),
                "" if entry.params is None else f"{entry.params:,}",
                marks,
            )
        )
    return rows


def render_rich(console: Console, result: CheckResult) -> None:
    table = Table(title=f"{result.spec.name} — {result.path}", title_justify="left")
    for column in HEADER:
        table.add_column(column, justify="right" if column in ("#", "filters", "params") else "left")
    for row in table_rows(result):
        style = "red" if row.declared.startswith("✗") else None
        table.add_row(*row.cells(), style=style)
    console.print(table)
    if result.inference is not None:
        console.print(f"total params: {result.inference.params:,}")


def render_markdown(result: CheckResult) -> str:
    rows = [HEADER, *(row.cells() for row in table_rows(result))]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    lines = []
    for n, row in enumerate(rows):
        lines.append("| " + " | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)) + " |")
        if n == 0:
            lines.append("| " + " | ".join("-" * widths[i] for i in range(len(HEADER))) + " |")
    if result.inference is not None:
        lines.append("")
        lines.append(f"Total parameters: {result.inference.params:,}")
    return "\n".join(lines) + "\n"


def render_csv(result: CheckResult) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    for row in table_rows(result):
        writer.writerow([*row.cells()[:6], row.params.replace(",", ""), row.declared])
    return buffer.getvalue()
