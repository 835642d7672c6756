"""The human report of `unetcalc check`: verdict, findings with hints, shapes, valid inputs."""

from __future__ import annotations

from unetcalc.check import CheckResult, nearest_text
from unetcalc.findings.diagnostic import Severity
from unetcalc.report.costs import costs_line
from unetcalc.report.labels import validity_summary
from unetcalc.report.markup import Printer, escape
from unetcalc.shapes.cost import compute_costs
from unetcalc.shapes.shape import format_shape
from unetcalc.textsafe import path_text

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render_result(console: Printer, result: CheckResult, strict: bool = False) -> None:
    errors, warnings = len(result.errors), len(result.warnings)
    failed = errors or (strict and warnings)
    verdict = "[bold red]✗ FAIL[/]" if failed else "[bold green]✓ OK[/]"
    counts = ", ".join(x for x in (errors and _plural(errors, "error"), warnings and _plural(warnings, "warning")) if x)
    console.print(
        f"{verdict}  [bold]{escape(result.path)}[/] ({escape(result.spec.name)})" + (f" — {counts}" if counts else "")
    )
    for d in result.diagnostics:
        console.print(
            f"  {escape(path_text(d.file))}:{d.line}:{d.column} [{STYLE[d.severity]}]{d.code}[/] {escape(d.message)}"
        )
        if d.hint:
            console.print(f"      [dim]hint:[/] {escape(d.hint)}")
    inference = result.inference
    if inference is None:
        return
    output = format_shape(inference.output)
    console.print(
        f"  shape   {format_shape(inference.input)} → {output}   "
        f"params {inference.params:,}   layers {len(inference.layers)}"
    )
    if inference.output is not None:
        console.print(f"  cost    {escape(costs_line(compute_costs(inference)))}")
    if result.validity is not None and inference.output is not None:
        axes = result.validity.axes
        console.print(f"  valid   {escape(validity_summary(axes))}")
        spec_input = result.input
        if spec_input is not None:
            invalid: dict[str, list[str]] = {}
            for axis, value in enumerate(spec_input.size):
                if isinstance(value, int) and axes[axis].feasible and not axes[axis].contains(value):
                    text = f"{value} is not valid: {nearest_text(result.validity, axis, value)}"
                    invalid.setdefault(text, []).append(axes[axis].symbol)
            for text, symbols in invalid.items():
                console.print(f"  [yellow]input {', '.join(symbols)} = {escape(text)}[/]")
    if result.input_overridden:
        console.print("  [dim]note: --input replaced the spec's input; declared sizes were not checked[/]")


def render_summary(console: Printer, results: list[CheckResult]) -> None:
    errors = sum(len(r.errors) for r in results)
    warnings = sum(len(r.warnings) for r in results)
    console.print(f"{_plural(len(results), 'file')}, {_plural(errors, 'error')}, {_plural(warnings, 'warning')}")
