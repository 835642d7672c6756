"""`unetcalc diff`: what changed between two specs, shapes included."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from unetcalc.cli.common import load
from unetcalc.cli.console import EXIT_OK, text_out


class DiffFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


def diff(
    old: Annotated[str, typer.Argument(help="The old spec.", show_default=False)],
    new: Annotated[str, typer.Argument(help="The new spec.", show_default=False)],
    output_format: Annotated[DiffFormat, typer.Option("--format", "-f", help="Output format.")] = DiffFormat.text,
    show_all: Annotated[
        bool, typer.Option("--all", help="Every changed shape (text: by default the first 8).")
    ] = False,
) -> int:
    """What changed between two versions of a spec: layers, shapes, parameters, output, valid inputs, findings."""
    from unetcalc.diff import diff_results
    from unetcalc.report import diff_report

    changes = diff_results(load(old, None), load(new, None))
    if output_format is DiffFormat.markdown:
        sys.stdout.write(diff_report.render_markdown(changes))
    elif output_format is DiffFormat.json:
        sys.stdout.write(diff_report.render_json(changes))
    else:
        diff_report.render_text(text_out(), changes, show_all)  # plain lines when piped: no rich per line
    return EXIT_OK
