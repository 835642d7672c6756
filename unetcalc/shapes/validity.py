"""Valid input sizes in closed form, from a pass with one symbol per axis.

Most networks need one residue class per axis (``H ≡ 12 (mod 16), H ≥ 188``): every floor is
required to be exact. Layers that round up (ceil_mode pools, padded strided convs) make other
residues valid too when a later layer copes (the Caffe FCN-8s runs at every size). The first pass
assumes the aligned residue; when such a layer met an open residue, each other residue of that
axis is tried in a pass of its own, and the valid set is the union of the classes that work.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass

from unetcalc.findings.diagnostic import Severity
from unetcalc.ops.registry import OPS
from unetcalc.shapes.affine import Affine
from unetcalc.shapes.infer import Inference, axis_names, infer, input_shape
from unetcalc.shapes.rules import (
    CROP_LARGER_THAN_INPUT,
    KERNEL_LARGER_THAN_INPUT,
    NO_VALID_INPUT,
    NORM_NEEDS_MORE_VALUES,
    ODD_SIZE_BEFORE_DOWNSAMPLING,
    PADDING_LARGER_THAN_INPUT,
    SIZE_COLLAPSES,
    SKIP_SIZE_MISMATCH,
)
from unetcalc.shapes.shape import Shape
from unetcalc.shapes.solver import SymbolClass
from unetcalc.spec.graph import Graph

SIZE_ERRORS = frozenset(
    r.code
    for r in (
        SIZE_COLLAPSES,
        KERNEL_LARGER_THAN_INPUT,
        ODD_SIZE_BEFORE_DOWNSAMPLING,
        SKIP_SIZE_MISMATCH,
        CROP_LARGER_THAN_INPUT,
        NO_VALID_INPUT,
        NORM_NEEDS_MORE_VALUES,
        PADDING_LARGER_THAN_INPUT,
    )
)

# Residue passes are one inference each; past this modulus the first pass's class is kept (exact for
# every aligned input, silent about rounded ones).
MAX_EXPLORED_MODULUS = 256


@dataclass(frozen=True, slots=True)
class ValidClass:
    """``X ≡ residue (mod modulus)`` with ``min ≤ X ≤ max``, and the output size there."""

    modulus: int
    residue: int
    min: int
    max: int | None
    output: Affine | None

    def symbol_class(self) -> SymbolClass:
        return SymbolClass(self.modulus, self.residue, self.min, self.max)

    def contains(self, x: int) -> bool:
        return self.min <= x and (self.max is None or x <= self.max) and (x - self.residue) % self.modulus == 0


@dataclass(frozen=True, slots=True)
class AxisValidity:
    axis: int
    symbol: str
    classes: tuple[ValidClass, ...]  # empty: no input size works on this axis
    # The first pass's class: the one every symbolic shape in the report is written for.
    aligned: ValidClass | None = None

    @property
    def feasible(self) -> bool:
        return bool(self.classes)

    @property
    def modulus(self) -> int:
        return self.classes[0].modulus if self.classes else 1

    @property
    def residue(self) -> int:
        return self.classes[0].residue if self.classes else 0

    @property
    def residues(self) -> tuple[int, ...]:
        return tuple(c.residue for c in self.classes)

    @property
    def min(self) -> int | None:
        return min(c.min for c in self.classes) if self.classes else None

    @property
    def max(self) -> int | None:
        if not self.classes or any(c.max is None for c in self.classes):
            return None
        return max(c.max for c in self.classes if c.max is not None)

    @property
    def output(self) -> Affine | None:
        """The output size as an expression of the symbol (the first class's, when classes differ)."""
        return self.classes[0].output if self.classes else None

    def class_of(self, x: int) -> ValidClass | None:
        return next((c for c in self.classes if c.contains(x)), None)

    def contains(self, x: int) -> bool:
        return self.class_of(x) is not None

    def nearest(self, x: int) -> tuple[int | None, int | None]:
        """The valid values closest to ``x``, strictly below and strictly above it."""
        belows, aboves = [], []
        for c in self.classes:
            below, above = c.symbol_class().nearest(x)
            belows += [below] if below is not None else []
            aboves += [above] if above is not None else []
        return (max(belows) if belows else None), (min(aboves) if aboves else None)

    def iter_values(self, low: int, high: int) -> Iterator[int]:
        """The valid values in ``low..high``, ascending, without building the list."""
        value = low - 1
        while True:
            _, value_or_none = self.nearest(value)
            if value_or_none is None or value_or_none > high:
                return
            value = value_or_none
            yield value

    def values(self, low: int, high: int) -> list[int]:
        return list(self.iter_values(low, high))

    def count(self, low: int, high: int) -> int:
        """How many valid values lie in ``low..high``, in arithmetic (classes are disjoint)."""
        total = 0
        for c in self.classes:
            start = max(low, c.min)
            start += (c.residue - start) % c.modulus
            stop = high if c.max is None else min(high, c.max)
            total += max(0, (stop - start) // c.modulus + 1) if stop >= start else 0
        return total

    def output_at(self, x: int) -> int | None:
        cls = self.class_of(x)
        if cls is None or cls.output is None:
            return None
        return int(cls.output.at(x))


def classes_json(axis: AxisValidity) -> list[dict[str, object]]:
    """Every residue class of an axis, for JSON: the union is the valid set."""
    return [
        {
            "modulus": c.modulus,
            "residue": c.residue,
            "min": c.min,
            "max": c.max,
            "output": None if c.output is None else str(c.output),
        }
        for c in axis.classes
    ]


@dataclass(slots=True)
class Validity:
    axes: list[AxisValidity]
    inference: Inference


def _class_multiple_of(cls: ValidClass, multiple: int) -> ValidClass | None:
    """The part of ``cls`` that is also divisible by ``multiple`` (one class: the moduli combine by lcm)."""
    combined = math.lcm(cls.modulus, multiple)
    residue = next(
        (r for r in range(cls.residue % cls.modulus, combined, cls.modulus) if r % multiple == 0),
        None,
    )
    if residue is None:
        return None
    low = cls.min + (residue - cls.min) % combined
    if cls.max is not None and low > cls.max:
        return None
    return ValidClass(combined, residue, low, cls.max, cls.output)


def require_multiples(validity: Validity, multiples: tuple[int, ...]) -> Validity:
    """The valid set of a model that also refuses sizes not divisible by ``multiples`` (`input.multiple_of`)."""
    if not multiples:
        return validity
    axes = []
    for axis, multiple in zip(validity.axes, multiples, strict=True):
        classes = tuple(c for c in (_class_multiple_of(cls, multiple) for cls in axis.classes) if c is not None)
        aligned = _class_multiple_of(axis.aligned, multiple) if axis.aligned is not None else None
        axes.append(AxisValidity(axis.axis, axis.symbol, classes, aligned))
    return Validity(axes, validity.inference)


def solve_validity(
    graph: Graph, channels: int, rank: int, path: str, size: tuple[int | str, ...] | None = None
) -> Validity:
    """Infer with a fresh symbol on every axis and read off the valid inputs.

    The symbols are the spec's own where its input is symbolic (`size: [X, Y, Z]`), else D/H/W.
    """
    symbols = axis_names(size if size is not None else (0,) * rank)
    start = input_shape(channels, symbols)
    inference = infer(graph, start, path)
    first = {symbol: _class_of(inference, axis, symbol) for axis, symbol in enumerate(symbols)}
    found: dict[str, list[ValidClass]] = {s: [c] for s, c in first.items() if c is not None}
    if _size_errors(inference):  # the aligned class fails (a skip that never matches); residues below may not
        found = {s: [] for s in found}
    explore = [
        s
        for s in symbols
        if s in inference.solver.rounding_symbols
        and first[s] is not None
        and inference.solver.symbol(s).modulus <= MAX_EXPLORED_MODULUS
    ]
    if explore:
        _explore_residues(graph, path, inference, symbols, explore, found)
    axes = [
        AxisValidity(axis, symbol, _merged(found.get(symbol, [])), first[symbol]) for axis, symbol in enumerate(symbols)
    ]
    return Validity(axes, inference)


def _class_of(inference: Inference, axis: int, symbol: str) -> ValidClass | None:
    cls = inference.solver.symbol(symbol)
    smallest = cls.smallest() if cls.feasible else None
    if smallest is None:
        return None
    out = inference.output.size[axis] if inference.output is not None else None
    return ValidClass(cls.modulus, cls.residue, smallest, cls.upper, out)


def _explore_residues(
    graph: Graph,
    path: str,
    first: Inference,
    symbols: tuple[str, ...],
    explore: list[str],
    found: dict[str, list[ValidClass]],
) -> None:
    """Add every other residue of the ``explore`` symbols (modulo the first pass's modulus) that works.

    Shape rules treat each axis on its own, so each axis is explored on the network projected to
    that axis (1D: a third of the work of a 3D pass, and no other axis to blame a finding on).
    """
    channels = first.input.channels
    for axis, symbol in enumerate(symbols):
        if symbol not in explore:
            continue
        base = first.solver.symbol(symbol)
        line = project(graph, axis, len(symbols))
        start = Shape(channels, (Affine.var(symbol),))
        for residue in range(base.modulus):
            if residue == base.residue and found[symbol]:
                continue  # the aligned class, already in
            inference = infer(
                line, start, path, classes={symbol: SymbolClass(base.modulus, residue)}, network_rank=len(symbols)
            )
            cls = None if _size_errors(inference) else _class_of(inference, 0, symbol)
            if cls is not None and cls not in found[symbol]:
                found[symbol].append(cls)


# Parameter kinds that hold one value per axis (spec/params.py).
PER_AXIS_KINDS = frozenset({"axes_pos", "axes_nonneg", "conv_padding", "axes_scale", "size", "pad_sides"})


def project(graph: Graph, axis: int, rank: int) -> Graph:
    """The network as seen by one axis: every per-axis parameter keeps that axis's value."""
    layers = []
    for layer in graph.layers:
        table = OPS.get(layer.op, {})
        params = {
            key: (value[axis],)
            if key in table and table[key].kind in PER_AXIS_KINDS and isinstance(value, tuple) and len(value) == rank
            else value
            for key, value in layer.params.items()
        }
        layers.append(dataclasses.replace(layer, params=params))
    return Graph(
        layers, {layer.name: layer for layer in layers}, graph.readers, graph.broken, outputs=list(graph.outputs)
    )


def _size_errors(inference: Inference) -> bool:
    """Whether a pass found a size error (channel errors hold for every size and do not count)."""
    return any(d.severity is Severity.ERROR and d.code in SIZE_ERRORS for d in inference.diagnostics)


def _merged(classes: list[ValidClass]) -> tuple[ValidClass, ...]:
    """The fewest classes with the same members: residues that cover a smaller modulus fold into it."""
    if len(classes) < 2:
        return tuple(classes)
    modulus = classes[0].modulus
    if any(c.modulus != modulus for c in classes):  # a residue pass refined its class: keep them apart
        return tuple(classes)
    for divisor in sorted(d for d in range(1, modulus) if modulus % d == 0):
        merged = _fold(classes, modulus, divisor)
        if merged is not None:
            return merged
    return tuple(classes)


def _fold(classes: list[ValidClass], modulus: int, divisor: int) -> tuple[ValidClass, ...] | None:
    """Classes modulo ``divisor`` when every residue mod ``modulus`` of each is present, alike and gap-free."""
    by_residue = {c.residue: c for c in classes}
    folded = []
    for rho in sorted({c.residue % divisor for c in classes}):
        members = [by_residue.get(r) for r in range(rho, modulus, divisor)]
        if any(m is None for m in members):
            return None
        present = [m for m in members if m is not None]
        first = present[0]
        if any((m.max, _output_key(m.output)) != (first.max, _output_key(first.output)) for m in present):
            return None
        low = min(m.min for m in present)
        # Gap-free: each residue's smallest member is the first value of that residue from `low`.
        if any(m.min != low + (m.residue - low) % modulus for m in present):
            return None
        folded.append(ValidClass(divisor, rho, low + (rho - low) % divisor, first.max, first.output))
    return tuple(folded)


def _output_key(output: Affine | None) -> tuple[object, ...]:
    return (None,) if output is None else (output.coef, output.const, output.symbol)
