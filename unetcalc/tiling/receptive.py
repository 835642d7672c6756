"""Exact receptive fields: the input window every output position depends on, per output phase.

The chain formula r += (k − 1)·j treats a network as one path of one stride. A U-Net is neither: the
skips add short paths and the pools put each output position at a phase of their grid, so the window
of output ``o`` is ``[lo(o), hi(o)]`` with ``lo`` and ``hi`` periodic up to a shift — for the 2015 U-Net
positions 0–3 read [0, 187] and 4–15 read [0, 203] of every 16. This module propagates those windows
forward through the graph, one period of each tensor at a time (``receptive_field``), and computes the
exact set of input positions one output reads at a concrete size (``dependencies``), which is where its
gradient is nonzero.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

from unetcalc.check import CheckResult
from unetcalc.ops.registry import find
from unetcalc.shapes.affine import Affine
from unetcalc.shapes.infer import LayerShapes, axis_names
from unetcalc.tiling.geometry import NotShiftInvariant, data_inputs, layer_geometry

MAX_PERIOD = 1 << 12  # positions per period; longer ones come only from odd fractional scales
# Window evaluations (positions × taps) for one spec, about a second: a 200,000-layer spec at a long period would
# otherwise take minutes. Past it the remaining layers have no window (the table's RF cells stay empty).
WORK_BUDGET = 1_000_000


@dataclass(frozen=True, slots=True)
class Windows:
    """Each position's input window on one axis: ``lo``/``hi`` over one period, then repeated ``shift`` on."""

    period: int
    shift: int  # input positions per period
    lo: tuple[int | None, ...]  # None: the position reads no input (only a bias)
    hi: tuple[int | None, ...]

    def at(self, position: int) -> tuple[int, int] | None:
        turns, phase = divmod(position, self.period)
        low, high = self.lo[phase], self.hi[phase]
        if low is None or high is None:
            return None
        return low + turns * self.shift, high + turns * self.shift

    @property
    def jump(self) -> Fraction:
        """Input positions per position of this tensor."""
        return Fraction(self.shift, self.period)

    @property
    def sizes(self) -> tuple[int, int]:
        """The smallest and largest window, over the phases (0, 0 when no position reads the input)."""
        widths = [h - lo + 1 for lo, h in zip(self.lo, self.hi, strict=True) if lo is not None and h is not None]
        return (min(widths), max(widths)) if widths else (0, 0)


INPUT_WINDOWS = Windows(1, 1, (0,), (0,))


@dataclass(frozen=True, slots=True)
class Phase:
    """Output positions ``first..last`` of one period (and every period after) read ``[lo, hi]`` + k·shift."""

    first: int
    last: int
    lo: int | None
    hi: int | None


@dataclass(frozen=True, slots=True)
class AxisField:
    axis: int
    name: str
    windows: Windows | None  # the network output's; None: not the same at every size (``reason``)
    reason: str
    anchor: Fraction  # the input position output 0 is centred on (half of what valid convs cut, scaled)

    @property
    def phases(self) -> list[Phase]:
        """The output period as runs of positions that read windows of one shape."""
        if self.windows is None:
            return []
        runs: list[Phase] = []
        for position in range(self.windows.period):
            window = self.windows.at(position)
            low, high = window if window else (None, None)
            previous = runs[-1] if runs else None
            if (
                previous is not None
                and previous.lo is not None
                and low is not None
                and previous.hi is not None
                and high is not None
                and (low - previous.lo, high - previous.hi) == (0, 0)
            ):
                runs[-1] = Phase(previous.first, position, previous.lo, previous.hi)
            else:
                runs.append(Phase(position, position, low, high))
        return runs

    @property
    def halo(self) -> tuple[int, int]:
        """Input positions needed before and after the one each output is centred on, over every phase."""
        if self.windows is None:
            return 0, 0
        before = after = 0
        for position in range(self.windows.period):
            window = self.windows.at(position)
            if window is None:
                continue
            centre = self.anchor + position * self.windows.jump
            before = max(before, math.ceil(centre - window[0]))
            after = max(after, math.ceil(window[1] - centre))
        return before, after


@dataclass(slots=True)
class ReceptiveField:
    axes: list[AxisField]
    per_layer: dict[str, list[Windows | None]] = field(default_factory=dict)  # layer id → per axis
    statistics: list[str] = field(default_factory=list)  # instance/group norm layers (tile-dependent)

    def layer_sizes(self, layer_id: str) -> list[tuple[int, int] | None]:
        return [w.sizes if w is not None else None for w in self.per_layer.get(layer_id, [])]


def receptive_field(result: CheckResult) -> ReceptiveField:
    """Every tensor's windows, per axis, from a spec that checked (symbolic or concrete input)."""
    inference, graph = result.inference, result.graph
    assert inference is not None and graph is not None
    rank = len(inference.input.size)
    names = axis_names(tuple(s.symbol or 0 for s in inference.input.size))
    field_: ReceptiveField = ReceptiveField([])
    tensors: dict[str, list[Windows | None]] = {"input": [INPUT_WINDOWS] * rank}
    reasons: list[str] = [""] * rank
    budget = [WORK_BUDGET]
    for entry in inference.layers:
        if (op := find(entry.layer.op)) is not None and op.spatial_statistics:
            field_.statistics.append(entry.layer.name)
        windows: list[Windows | None] = []
        for axis in range(rank):
            sources = [tensors.get(name, [None] * rank)[axis] for name in entry.layer.inputs[: data_inputs(entry)]]
            computed: Windows | None = None
            if entry.out is not None and all(s is not None for s in sources):
                try:
                    computed = _forward(entry, axis, [s for s in sources if s is not None], budget)
                except NotShiftInvariant as exc:
                    reasons[axis] = reasons[axis] or str(exc)
            windows.append(computed)
        tensors[entry.layer.id] = windows
        field_.per_layer[entry.layer.id] = windows
    output_id = graph.output_ids[0] if graph.output_ids else "input"
    output = inference.output
    for axis in range(rank):
        final = tensors.get(output_id, [None] * rank)[axis]
        anchor = Fraction(0)
        if final is not None and output is not None:
            # What valid convs cut from the input, half on each side (the same at every size of the class).
            cut = inference.input.size[axis] - output.size[axis] * final.jump
            anchor = cut.const / 2 if cut.is_number else Fraction(0)
        reason = reasons[axis] or ("the output is not computed" if final is None else "")
        field_.axes.append(AxisField(axis, names[axis], final, reason, anchor))
    return field_


def _forward(entry: LayerShapes, axis: int, sources: list[Windows], budget: list[int]) -> Windows:
    geometry = layer_geometry(entry, axis)
    if geometry.broadcast:
        raise NotShiftInvariant(f"`{entry.layer.name}` broadcasts a size-1 axis over the other operand")
    jumps = {geometry.rate * s.jump for s in sources}
    if len(jumps) > 1:
        raise NotShiftInvariant(f"`{entry.layer.name}` joins tensors of different resolutions")
    jump = jumps.pop()
    period = 1
    for source in sources:
        period = math.lcm(period, (source.period / geometry.rate).numerator)
    if period > MAX_PERIOD:
        raise NotShiftInvariant(f"`{entry.layer.name}`'s windows repeat only every {period} positions")
    budget[0] -= period * max(geometry.count, len(sources))
    if budget[0] < 0:
        raise NotShiftInvariant(
            f"the receptive field is not computed past `{entry.layer.name}`: the network is too deep for the "
            f"work budget ({WORK_BUDGET:,} window evaluations)"
        )
    shift = period * jump
    assert shift.denominator == 1
    lo: list[int | None] = []
    hi: list[int | None] = []
    for position in range(period):
        reads = [sources[k].at(i) for k, i in geometry.virtual_taps(position)]
        windows = [w for w in reads if w is not None]
        lo.append(min(w[0] for w in windows) if windows else None)
        hi.append(max(w[1] for w in windows) if windows else None)
    return Windows(period, int(shift), tuple(lo), tuple(hi))


Box = tuple[frozenset[int], ...]  # a product of per-axis position sets


def dependencies(result: CheckResult, position: tuple[int, ...], statistics: bool = True) -> list[Box]:
    """The input positions output ``position`` reads with nonzero weight, at the concrete input the spec was
    checked at, as a union of boxes (one per path through the network; a path whose taps fall in padding on
    any axis reads nothing). With ``statistics``, an instance/group norm reads its whole input."""
    inference, graph = result.inference, result.graph
    assert inference is not None and graph is not None
    output = graph.output_ids[0] if graph.output_ids else "input"
    needed: dict[str, set[Box]] = {output: {tuple(frozenset((p,)) for p in position)}}
    for entry in reversed(inference.layers):
        boxes = needed.pop(entry.layer.id, None)
        if not boxes:
            continue
        assert entry.out is not None, "dependencies need a spec that checked"
        sources = entry.layer.inputs[: data_inputs(entry)]
        rank = len(entry.out.size)
        known = [s for s in entry.ins[: len(sources)] if s is not None]
        sizes = [tuple(_concrete(s.size[axis]) for s in known) for axis in range(rank)]
        if statistics and (op := find(entry.layer.op)) is not None and op.spatial_statistics:
            needed.setdefault(sources[0], set()).add(tuple(frozenset(range(n[0])) for n in sizes))
            continue
        geometries = [layer_geometry(entry, axis) for axis in range(rank)]
        out_sizes = [_concrete(entry.out.size[axis]) for axis in range(rank)]
        for box in boxes:
            for k, source in enumerate(sources):
                mapped = tuple(
                    frozenset(
                        i
                        for o in box[axis]
                        for kk, i in geometries[axis].real_taps(o, sizes[axis], out_sizes[axis])
                        if kk == k
                    )
                    for axis in range(rank)
                )
                if all(mapped):
                    needed.setdefault(source, set()).add(mapped)
    return sorted(needed.get("input", set()), key=lambda box: tuple(min(s) for s in box))


def projection(boxes: list[Box], axis: int) -> set[int]:
    """The positions on ``axis`` that some box reads."""
    return set().union(*(box[axis] for box in boxes)) if boxes else set()


def _concrete(size: Affine) -> int:
    assert size.is_number, "dependencies need a concrete input size"
    return size.value
