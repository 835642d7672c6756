"""`unetcalc rf`: the exact receptive field, per output phase."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from unetcalc.cli.common import (
    InputOption,
    ReportFormat,
    ReportFormatOption,
    checked,
    input_option,
)
from unetcalc.cli.console import EXIT_OK, text_out


def rf(
    spec: Annotated[str, typer.Argument(help="Spec file.", show_default=False)],
    input_size: InputOption = None,
    output_format: ReportFormatOption = ReportFormat.text,
) -> int:
    """The exact receptive field: the input window each output position reads, per axis and pooling phase.

    Computed by propagating windows through every layer (skips, pools, transposed convs, resamplings,
    crops, pads), not by the chain formula; the halo a tile needs follows from it.
    """
    from unetcalc.report.receptive_report import field_json, render_field
    from unetcalc.tiling.receptive import receptive_field

    result = checked(spec, input_option(input_size), "rf")
    field = receptive_field(result)
    if output_format is ReportFormat.json:
        from unetcalc.textsafe import safe_json

        sys.stdout.write(safe_json(field_json(result, field)) + "\n")
    else:
        render_field(text_out(), result, field)
    return EXIT_OK
