"""PyTorch as referee: run the real module on the meta device and compare every layer.

The meta device allocates nothing and computes nothing, so even an 8192² input
with 1024 filters verifies in a few hundred MiB (the torch import itself).
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass, field
from itertools import islice

import torch

from unetcalc.check import CheckResult, check_spec
from unetcalc.shapes.shape import Shape
from unetcalc.torch.builder import SpecModule
from unetcalc.torch.plan import Plan, make_plan


@dataclass(frozen=True, slots=True)
class Disagreement:
    layer: str
    line: int
    inferred: str
    torch: str


@dataclass(slots=True)
class SizeCheck:
    input_size: tuple[int, ...]
    layers: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    torch_error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.disagreements and self.torch_error is None


def _shape_text(channels: int, size: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in (*size, channels))


def _expected(shape: Shape | None) -> str:
    if shape is None:
        return "?"
    return _shape_text(shape.channels, tuple(s.value for s in shape.size))


def verification_sizes(result: CheckResult, count: int = 3) -> list[tuple[int, ...]]:
    """The spec's concrete input, or the ``count`` smallest valid sizes of a symbolic one.

    Only sizes the valid set contains: an axis with an upper bound offers fewer (never one past it).
    """
    assert result.input is not None and result.validity is not None
    if all(isinstance(s, int) for s in result.input.size):
        return [tuple(int(s) for s in result.input.size)]
    per_axis: list[list[int]] = []
    for value, axis in zip(result.input.size, result.validity.axes, strict=True):
        if isinstance(value, int):
            per_axis.append([value])
        else:
            low = axis.min or 1
            per_axis.append(list(islice(axis.iter_values(low, sys.maxsize), count)) or [low])
    depth = min(count, max(len(values) for values in per_axis))
    return [tuple(values[min(k, len(values) - 1)] for values in per_axis) for k in range(depth)]


@dataclass(slots=True)
class TorchTrace:
    shapes: dict[str, tuple[int, ...]]  # layer name → (channels, *sizes), in order
    failed_at: str | None = None  # the layer PyTorch raised in
    error: str | None = None


def meta_model(plan: Plan) -> SpecModule:
    """The plan's module on the meta device (no memory, no compute), in eval mode: shapes, not training."""
    with torch.device("meta"), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return SpecModule(plan).eval()


def torch_trace(plan: Plan, size: tuple[int, ...], model: SpecModule | None = None) -> TorchTrace:
    """Run ``plan`` on the meta device at ``size``; record every layer's output shape.

    Pass ``model`` (from :func:`meta_model`) to trace many sizes without rebuilding it.
    """
    trace = TorchTrace({})
    names = [step.layer.name for step in plan.running]
    model = model if model is not None else meta_model(plan)
    with torch.device("meta"), torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # e.g. "padding='same' with even kernel": performance only
        x = torch.empty(1, plan.in_channels, *size)
        try:
            for index, (_, out) in enumerate(model.trace(x)):
                trace.shapes[names[index]] = (out.shape[1], *out.shape[2:])
        except (RuntimeError, ValueError) as exc:
            trace.failed_at = names[len(trace.shapes)]
            trace.error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return trace


def verify_size(result: CheckResult, size: tuple[int, ...]) -> SizeCheck:
    """Compare the inference at ``size`` with a meta-device forward pass, layer by layer."""
    assert result.input is not None
    concrete = result if tuple(result.input.size) == size else check_spec(result.spec, size)
    assert concrete.inference is not None
    trace = torch_trace(make_plan(result), size)
    report = SizeCheck(size, layers=len(trace.shapes))
    for entry in concrete.inference.layers:
        name = entry.layer.name
        if not entry.layer.runs:
            continue  # built, never run: nothing to compare
        if name not in trace.shapes:
            break
        channels, *sizes = trace.shapes[name]
        have, want = _shape_text(channels, tuple(sizes)), _expected(entry.out)
        if have != want:
            report.disagreements.append(Disagreement(name, entry.layer.line, want, have))
    if trace.error is not None:
        report.torch_error = f"{trace.failed_at}: {trace.error}"
    return report


def verify(result: CheckResult) -> list[SizeCheck]:
    return [verify_size(result, size) for size in verification_sizes(result)]
