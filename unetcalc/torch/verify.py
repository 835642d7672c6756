"""PyTorch as referee: run the real module on the meta device and compare every layer.

The meta device allocates nothing and computes nothing, so even an 8192² input
with 1024 filters verifies in a few hundred MiB (the torch import itself).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch

from unetcalc.check import CheckResult, check_spec
from unetcalc.shapes.shape import Shape
from unetcalc.torch.builder import SpecModule, build_from_result
from unetcalc.torch.plan import make_plan


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
    """The spec's concrete input, or the ``count`` smallest valid sizes of a symbolic one."""
    assert result.input is not None and result.validity is not None
    if all(isinstance(s, int) for s in result.input.size):
        return [tuple(int(s) for s in result.input.size)]
    sizes = []
    for k in range(count):
        sizes.append(
            tuple(
                value if isinstance(value, int) else (axis.min or 1) + k * axis.modulus
                for value, axis in zip(result.input.size, result.validity.axes, strict=True)
            )
        )
    return sizes


def verify_size(result: CheckResult, size: tuple[int, ...]) -> SizeCheck:
    """Compare the inference at ``size`` with a meta-device forward pass, layer by layer."""
    concrete = check_spec(result.spec, size) if tuple(result.input.size) != size else result  # type: ignore[union-attr]
    report = SizeCheck(size)
    assert concrete.inference is not None
    expected = {entry.layer.name: entry for entry in concrete.inference.layers}
    with torch.device("meta"):
        model: SpecModule = build_from_result(result) if concrete is result else SpecModule(make_plan(concrete))
        x = torch.empty(1, concrete.inference.input.channels, *size)
        keys = {step.key: step.layer for step in make_plan(concrete).steps}
        try:
            with torch.no_grad():
                for key, out in model.trace(x):
                    layer = keys[key]
                    report.layers += 1
                    have = _shape_text(out.shape[1], tuple(out.shape[2:]))
                    want = _expected(expected[layer.name].out)
                    if have != want:
                        report.disagreements.append(Disagreement(layer.name, layer.line, want, have))
        except (RuntimeError, ValueError) as exc:
            report.torch_error = f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
    return report


def verify(result: CheckResult) -> list[SizeCheck]:
    return [verify_size(result, size) for size in verification_sizes(result)]
