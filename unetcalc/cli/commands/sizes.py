"""`unetcalc sizes`: the valid input sizes in closed form."""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import Annotated

import typer

from unetcalc.cli.common import fail, load, print_report
from unetcalc.cli.console import EXIT_FINDINGS, EXIT_OK, text_out


def _range_option(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    from unetcalc.spec.shapetext import whole_number

    low_text, sep, high_text = text.partition("..")
    low, high = whole_number(low_text), whole_number(high_text)
    if not sep or low is None or high is None or low > high:
        raise fail(f"--range {text!r}: write LOW..HIGH in digits, e.g. 100..1000")
    return low, high


class SizesFormat(StrEnum):
    text = "text"
    bioimageio = "bioimageio"


def sizes(
    spec: Annotated[str, typer.Argument(help="Spec file.", show_default=False)],
    near: Annotated[int | None, typer.Option("--near", help="Show the nearest valid sizes below and above N.")] = None,
    span: Annotated[str | None, typer.Option("--range", help="List the valid sizes in LOW..HIGH.")] = None,
    output_format: Annotated[
        SizesFormat,
        typer.Option("--format", "-f", help="text, or bioimageio: the axes for a bioimage.io rdf.yaml (spec 0.5)."),
    ] = SizesFormat.text,
) -> int:
    """Which input sizes are valid, per axis, in closed form: H ≡ r (mod m), H ≥ min, and the output size."""
    from unetcalc.report.sizes import render_sizes

    parsed_range = _range_option(span)
    result = load(spec, None)
    if result.validity is None or not result.layers_ok():  # sizes of a spec that does not parse mean nothing
        print_report(result)
        return EXIT_FINDINGS
    if output_format is SizesFormat.bioimageio:
        from unetcalc.report.bioimageio import render_bioimageio

        if not result.ok or any(not a.feasible for a in result.validity.axes):
            print_report(result)
            return EXIT_FINDINGS
        sys.stdout.write(render_bioimageio(result))
        return EXIT_OK
    render_sizes(text_out(), result, near, parsed_range)
    return EXIT_FINDINGS if any(not a.feasible for a in result.validity.axes) else EXIT_OK
