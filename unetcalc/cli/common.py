"""What several commands share: the options they take alike and the helpers that end a command early."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from unetcalc.check import CheckResult, InputOptionError, SpecFileError, check_file, parse_input_option
from unetcalc.cli.console import EXIT_FINDINGS, EXIT_USAGE, Line, Printer, print_error, status, text_err

if TYPE_CHECKING:
    pass


def fail(message: str) -> typer.Exit:
    print_error(message)
    return typer.Exit(EXIT_USAGE)


def input_option(text: str | None) -> tuple[int | str, ...] | None:
    if text is None:
        return None
    try:
        return parse_input_option(text)
    except InputOptionError as exc:
        raise fail(str(exc)) from None


def load(path: str, input_size: tuple[int | str, ...] | None, documents: bool = False) -> CheckResult:
    try:
        return check_file(path, input_size, documents=documents)
    except (SpecFileError, InputOptionError) as exc:
        raise fail(str(exc)) from None


InputOption = Annotated[
    str | None,
    typer.Option("--input", "-i", help="Override the spec's input size, e.g. 570x570 or HxW (symbols allowed)."),
]


def require_torch() -> None:
    from unetcalc.torch import TorchMissing, require_torch

    try:
        require_torch()
    except TorchMissing as exc:
        raise fail(str(exc)) from None


def verify_all(console: Printer, results: list[CheckResult]) -> bool:
    require_torch()
    from unetcalc.report.build import render_verification
    from unetcalc.torch.verify import verify as verify_result

    ok = True
    for result in results:
        with status(f"verifying {result.path} on the meta device…"):
            checks = verify_result(result)
        ok = render_verification(console, result, checks) and ok
    return ok


def print_report(result: CheckResult) -> None:
    """A spec's check report on stderr (why a command stops): plain lines in blocks when not a terminal,
    where rich per line cost ~0.7 ms a finding (a spec with 100k findings took over a minute)."""
    from unetcalc.report.text import render_result

    with text_err().batched() as printer:
        render_result(printer, result)


def check_targets(targets: list[str], reads: list[str]) -> None:
    from unetcalc.cli.outputs import OutputError, check_targets

    try:
        check_targets(targets, reads)
    except OutputError as exc:
        raise fail(str(exc)) from None


def write_output(target: str, write: Callable[[Path], object]) -> None:
    """Write one output; a file-system failure is a clear message and exit 2, with nothing left behind."""
    from unetcalc.cli.outputs import OutputError, write_output

    try:
        write_output(target, write)
    except OutputError as exc:
        raise fail(str(exc)) from None


def checked(spec: str, input_size: tuple[int | str, ...] | None, command: str = "memory") -> CheckResult:
    """A spec that checks without errors, or its findings on stderr and exit 1."""
    result = load(spec, input_size)
    if result.inference is None or not result.ok or not result.layers_ok():
        print_report(result)
        text_err().print(Line("error:", "bold red") + f" {command} needs a spec that checks without errors")
        raise typer.Exit(EXIT_FINDINGS)
    return result


class Precision(StrEnum):
    fp32 = "fp32"
    bf16 = "bf16"
    fp16 = "fp16"


class Optimizer(StrEnum):
    adam = "adam"
    adamw = "adamw"
    sgd = "sgd"
    sgd_momentum = "sgd-momentum"


class ReportFormat(StrEnum):
    text = "text"
    json = "json"


PrecisionOption = Annotated[
    Precision, typer.Option("--precision", "-p", help="fp32, or bf16/fp16 autocast (float32 weights).")
]


OptimizerOption = Annotated[
    Optimizer, typer.Option("--optimizer", help="Its state counts: Adam/AdamW 2×, momentum 1×.")
]


ReportFormatOption = Annotated[ReportFormat, typer.Option("--format", "-f", help="text or json.")]
