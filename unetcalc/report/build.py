"""Text for `unetcalc build` and `--verify`."""

from __future__ import annotations

from unetcalc.check import CheckResult
from unetcalc.report.costs import batch_one_memory, costs_line
from unetcalc.report.styled import Line, Printer
from unetcalc.shapes.cost import compute_costs
from unetcalc.shapes.shape import format_shape


def render_build_summary(console: Printer, result: CheckResult, model: object) -> None:
    inference = result.inference
    assert inference is not None
    counted = sum(p.numel() for p in model.parameters())  # type: ignore[attr-defined]
    console.print(
        Line("✓ built", "bold green") + f" {result.spec.name} ({result.path}): {len(inference.layers)} layers, "
        f"{counted:,} params, {format_shape(inference.input)} → {format_shape(inference.output)}"
    )
    console.print(f"  {costs_line(compute_costs(inference), batch_one_memory(result), len(inference.layers))}")
    if counted != inference.params:  # would be a bug in an op's param_count
        console.print(Line(f"  parameter count mismatch: inferred {inference.params:,}, built {counted:,}", "bold red"))


def render_verification(console: Printer, result: CheckResult, checks: list) -> bool:  # type: ignore[type-arg]
    ok = True
    for check in checks:
        size = "x".join(map(str, check.input_size))
        if check.ok:
            console.print(
                Line("✓ verified", "green") + f" {result.path} at {size} on the meta device: "
                f"{check.layers}/{check.layers} layers agree with PyTorch"
            )
            continue
        ok = False
        console.print(
            Line("✗ DISAGREEMENT", "bold red") + f" {result.path} at {size}: unetcalc and PyTorch differ "
            "(a bug in unetcalc — please report it with this spec)"
        )
        for d in check.disagreements:
            console.print(f"  {result.path}:{d.line} {d.layer}: unetcalc {d.inferred}, PyTorch {d.torch}")
        if check.torch_error:
            console.print(f"  PyTorch failed after {check.layers} layers: {check.torch_error}")
    return ok
