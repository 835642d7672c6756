"""`unetcalc fit`: the largest batch or input that fits a GPU."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from unetcalc.check import CheckResult
from unetcalc.cli.common import (
    Optimizer,
    OptimizerOption,
    Precision,
    PrecisionOption,
    ReportFormat,
    ReportFormatOption,
    checked,
    fail,
    input_option,
)
from unetcalc.cli.console import EXIT_OK, text_out


def _axis_option(grow: str | None, result: CheckResult) -> int | None:
    if grow is None or grow.lower() == "all":
        return None
    assert result.validity is not None
    names = [axis.symbol for axis in result.validity.axes]
    if grow.isdigit() and int(grow) < len(names):
        return int(grow)
    if grow in names:
        return names.index(grow)
    raise fail(f"--grow {grow}: name an axis of the input ({', '.join(names)}) or its number, or all")


def fit(
    spec: Annotated[str, typer.Argument(help="Spec file.", show_default=False)],
    budget: Annotated[
        str,
        typer.Option("--memory", "-m", help="GPU memory to fit in: 24GiB, 80GB, 11G, 16000MiB.", show_default=False),
    ],
    batch: Annotated[
        int | None,
        typer.Option("--batch", "-b", min=1, help="Fix the batch and find the largest valid input size instead."),
    ] = None,
    size: Annotated[
        str | None, typer.Option("--size", "--input", "-i", help="The input size to find the largest batch at.")
    ] = None,
    grow: Annotated[
        str | None,
        typer.Option(
            "--grow", help="With --batch: grow only this axis (H, W, D or 0, 1, 2); default every axis alike."
        ),
    ] = None,
    reserve: Annotated[
        str, typer.Option("--reserve", help="Keep this much more free (other processes, a safety margin), e.g. 1GiB.")
    ] = "0",
    context: Annotated[
        str, typer.Option("--context", help="The CUDA context, outside PyTorch's allocator (0.3-0.6 GiB measured).")
    ] = "0.5GiB",
    allocated: Annotated[
        bool,
        typer.Option(
            "--allocated",
            help="Compare max_memory_allocated with the budget (the old criterion) instead of the caching "
            "allocator's reserved peak, which is what must fit for the step to run.",
        ),
    ] = False,
    precision: PrecisionOption = Precision.fp32,
    optimizer: OptimizerOption = Optimizer.adam,
    output_format: ReportFormatOption = ReportFormat.text,
) -> int:
    """The largest batch that fits a GPU, or (with --batch) the largest valid input size that fits.

    A step fits when the caching allocator's reserved peak + the CUDA context (--context) + --reserve is
    within --memory; --allocated compares max_memory_allocated instead.
    """
    from unetcalc.memory.fit import Budget, FitError, largest_batch, largest_size, parse_bytes
    from unetcalc.report.memory_report import fit_json, render_fit

    try:
        limit = parse_bytes(budget) - parse_bytes(reserve)
        cuda_context = parse_bytes(context)
    except ValueError as exc:
        raise fail(str(exc)) from None
    if limit - cuda_context <= 0:
        raise fail(f"--reserve {reserve} and --context {context} leave nothing of --memory {budget}")
    plan = Budget(limit, cuda_context, "allocated" if allocated else "reserved")
    if batch is not None and size is not None:
        raise fail("give --batch (find the largest input) or --size (find the largest batch), not both")
    result = checked(spec, input_option(size))
    assert result.input is not None and result.validity is not None
    start = result.input.size
    try:
        if batch is None:
            if not all(isinstance(s, int) for s in start):
                raise fail(
                    f"the input is symbolic ({'x'.join(map(str, start))}): give --size (e.g. 512x512) to find the "
                    "largest batch there, or --batch to find the largest input"
                )
            answer = largest_batch(result.spec, tuple(int(s) for s in start), plan, precision.value, optimizer.value)
            question = "largest batch"
        else:
            axis = _axis_option(grow, result)
            sizes = tuple(s if isinstance(s, int) else 0 for s in start)
            answer = largest_size(
                result.spec, tuple(result.validity.axes), sizes, axis, batch, plan, precision.value, optimizer.value
            )
            question = "largest valid input" + ("" if axis is None else f" growing axis {grow}")
    except FitError as exc:
        raise fail(f"{spec}: {exc}") from None
    if output_format is ReportFormat.json:
        from unetcalc.textsafe import safe_json

        sys.stdout.write(safe_json(fit_json(result, answer)) + "\n")
    else:
        render_fit(text_out(), result, answer, question)
    return EXIT_OK
