"""Valid input sizes in closed form, from a pass with one symbol per axis."""

from __future__ import annotations

from dataclasses import dataclass

from unetcalc.shapes.affine import Affine
from unetcalc.shapes.infer import Inference, axis_names, infer, input_shape
from unetcalc.shapes.solver import SymbolClass
from unetcalc.spec.graph import Graph


@dataclass(frozen=True, slots=True)
class AxisValidity:
    axis: int
    symbol: str
    modulus: int
    residue: int
    min: int | None  # None: no input size works on this axis
    max: int | None
    output: Affine | None  # the output size as an expression of the symbol

    @property
    def feasible(self) -> bool:
        return self.min is not None

    def cls(self) -> SymbolClass:
        return SymbolClass(self.modulus, self.residue, self.min or 1, self.max, self.feasible)

    def contains(self, x: int) -> bool:
        return self.cls().contains(x)

    def nearest(self, x: int) -> tuple[int | None, int | None]:
        return self.cls().nearest(x)

    def values(self, low: int, high: int) -> list[int]:
        if self.min is None:
            return []
        start = max(low, self.min)
        start += (self.residue - start) % self.modulus
        stop = high if self.max is None else min(high, self.max)
        return list(range(start, stop + 1, self.modulus))

    def output_at(self, x: int) -> int | None:
        return None if self.output is None else int(self.output.at(x))


@dataclass(slots=True)
class Validity:
    axes: list[AxisValidity]
    inference: Inference


def solve_validity(
    graph: Graph, channels: int, rank: int, path: str, size: tuple[int | str, ...] | None = None
) -> Validity:
    """Infer with a fresh symbol on every axis and read off the valid inputs.

    The symbols are the spec's own where its input is symbolic (`size: [X, Y, Z]`), else D/H/W.
    """
    symbols = axis_names(size if size is not None else (0,) * rank)
    inference = infer(graph, input_shape(channels, symbols), path)
    axes = []
    output = inference.output
    for axis, symbol in enumerate(symbols):
        cls = inference.solver.symbol(symbol)
        smallest = cls.smallest() if cls.feasible else None
        out = output.size[axis] if output is not None and smallest is not None else None
        axes.append(AxisValidity(axis, symbol, cls.modulus, cls.residue, smallest, cls.upper, out))
    return Validity(axes, inference)
