"""`unetcalc table`: the design table, computed."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from unetcalc.cli.common import (
    InputOption,
    fail,
    input_option,
    load,
    print_report,
)
from unetcalc.cli.console import EXIT_FINDINGS, EXIT_OK, out


class TableFormat(StrEnum):
    rich = "rich"
    markdown = "markdown"
    csv = "csv"


class TableStyle(StrEnum):
    full = "full"
    note = "note"


class MacsConvention(StrEnum):
    true = "true"
    torchinfo = "torchinfo"


def table(
    spec: Annotated[str, typer.Argument(help="Spec file.", show_default=False)],
    output_format: Annotated[TableFormat, typer.Option("--format", "-f", help="Table format.")] = TableFormat.rich,
    input_size: InputOption = None,
    wide: Annotated[
        bool, typer.Option("--wide", help="Every column, however wide (rich: by default it fits the terminal).")
    ] = False,
    style: Annotated[
        TableStyle,
        typer.Option(
            "--style",
            help="markdown only: `note` writes a design note's columns (Layers | Dimensions | Operation | "
            "Filters, input shapes as `252 x 252 x 64`), corrected, to paste back.",
        ),
    ] = TableStyle.full,
    macs: Annotated[
        MacsConvention,
        typer.Option(
            "--macs",
            help="true: multiply-adds as performed (ptflops); torchinfo: parameters × output positions, "
            "torchinfo's convention (4× for a 2D transposed conv), to compare with it.",
        ),
    ] = MacsConvention.true,
) -> int:
    """Print the design table, computed: layer, op, in/out shape (HxWxC), filters, params, declared shapes."""
    from unetcalc.report.table import render_markdown, render_rich, write_csv

    result = load(spec, input_option(input_size))
    convention = macs.value if isinstance(macs, MacsConvention) else str(macs)
    if style is TableStyle.note:
        from unetcalc.report.note_table import render_note_table

        if output_format is not TableFormat.markdown:
            raise fail("--style note writes markdown: add --format markdown")
        sys.stdout.write(render_note_table(result))
    elif output_format is TableFormat.markdown:
        sys.stdout.write(render_markdown(result, convention))
    elif output_format is TableFormat.csv:
        write_csv(sys.stdout, result, convention)
    else:
        render_rich(out(), result, wide, convention)
    if result.inference is None:
        print_report(result)
    return EXIT_FINDINGS if result.errors else EXIT_OK
