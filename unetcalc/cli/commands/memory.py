"""`unetcalc memory`: peak GPU memory of a training step and of inference."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from unetcalc.cli.common import (
    InputOption,
    Optimizer,
    OptimizerOption,
    Precision,
    PrecisionOption,
    ReportFormat,
    ReportFormatOption,
    checked,
    input_option,
)
from unetcalc.cli.console import EXIT_OK, text_out


def memory(
    spec: Annotated[str, typer.Argument(help="Spec file.", show_default=False)],
    batch: Annotated[int, typer.Option("--batch", "-b", min=1, help="Samples per step.")] = 1,
    precision: PrecisionOption = Precision.fp32,
    optimizer: OptimizerOption = Optimizer.adam,
    input_size: InputOption = None,
    output_format: ReportFormatOption = ReportFormat.text,
) -> int:
    """Peak GPU memory of one training step (forward, backward, optimizer step) and of inference.

    The figure torch.cuda.max_memory_allocated() reports, with its breakdown: weights, gradients,
    optimizer state, tensors saved for backward (per layer), gradients and cuDNN workspace at the peak.
    """
    from unetcalc.memory.estimate import estimate_memory
    from unetcalc.report.memory_report import render_memory, render_memory_json

    result = checked(spec, input_option(input_size))
    estimate = estimate_memory(result, batch, precision.value, optimizer.value)
    reserved = None
    if not estimate.symbolic:  # the allocator is simulated on a concrete allocation sequence
        from unetcalc.memory.reserved import reserved_peak

        reserved = reserved_peak(result, batch, precision.value, optimizer.value)
    if output_format is ReportFormat.json:
        sys.stdout.write(render_memory_json(result, estimate, reserved))
    else:
        render_memory(text_out(), result, estimate, reserved)
    return EXIT_OK
