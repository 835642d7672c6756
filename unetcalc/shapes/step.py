"""One layer's shape step: what a shape function sees (``Step``), what the pass has seen (``PassContext``),
and the shape arithmetic several ops share (strided windows, resampling findings, kernels that must fit).

A shape function reads its layer's parameters and input shapes, reports findings through the step, and
returns the output shape (None when it cannot be computed). Floors go through the solver: a concrete size
is floored as PyTorch does (and an inexact floor reported), a symbolic one gets a divisibility constraint.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

from unetcalc.findings.diagnostic import Fix
from unetcalc.findings.rules import Rule, Said
from unetcalc.shapes.affine import Affine
from unetcalc.shapes.rules import KERNEL_LARGER_THAN_INPUT, NO_VALID_INPUT, ODD_SIZE_BEFORE_DOWNSAMPLING
from unetcalc.shapes.shape import Shape, format_sizes
from unetcalc.shapes.solver import Outcome, Solver
from unetcalc.spec.model import Layer


class Reporter(Protocol):
    def __call__(
        self, rule: Rule, message: Said, *, hint: str = "", key: str | None = None, fix: Fix | None = None
    ) -> None: ...


HintForAxes = Callable[[list[int]], str]


class PassContext:
    """What one inference pass has seen so far: hints read the graph above a layer through it."""

    def __init__(self, network_rank: int | None = None, keeps_shape: Callable[[str], bool] = lambda op: False) -> None:
        # Whether an op keeps its input's shape (the op definitions say; the pass that runs them passes it in).
        self.keeps_shape = keeps_shape
        # The network's rank when this pass sees it projected to one axis (validity.py): PyTorch picks
        # the module by it (AvgPool3d's kernel rule).
        self.network_rank = network_rank
        self.layers: dict[str, Layer] = {}  # tensor id → the layer that produced it
        self.shapes: dict[str, Shape | None] = {}
        self.floored: set[tuple[str, int]] = set()  # (tensor, axis) already reported as floored (UC103)
        # Layers that bring a tensor to another's size (`pad`/`resize` `to:`, milesial's F.pad): after a
        # floor, the network still runs, so a UC103 does not say the decoder cannot restore the size.
        self.restorers: list[str] = []

    def chain(self, start: str, limit: int = 64) -> Iterator[Layer]:
        """The layers up the main path from tensor ``start`` (each layer's `from`), nearest first."""
        current = self.layers.get(start)
        for _ in range(limit):
            if current is None:
                return
            yield current
            current = self.layers.get(current.source)


class Step:
    """Everything a shape rule may use for one layer."""

    def __init__(
        self,
        layer: Layer,
        ins: list[Shape],
        solver: Solver,
        report: Reporter,
        nearest_hint: HintForAxes,
        axis_names: tuple[str, ...],
        context: PassContext | None = None,
    ) -> None:
        self.context = context or PassContext()
        self.layer = layer
        self.ins = ins
        self.x = ins[0]
        self.solver = solver
        self.report = report
        self.nearest_hint = nearest_hint
        self.axis_names = axis_names
        self.reported = False
        self.raises = False  # PyTorch raises at this layer (a join of different sizes): no output, no follow-ons
        self.tainted: set[int] = set().union(*(s.tainted for s in ins))
        self.rounded: set[int] = set()  # axes this layer rounded up (no finding by itself)

    def per_axis(self, key: str) -> tuple[Any, ...]:
        value = self.layer.params.get(key)
        if not isinstance(value, tuple):
            value = (value,)
        if len(value) == 1 and self.x.rank > 1:
            value = value * self.x.rank
        return value

    def emit(self, rule: Rule, message: Said, hint: str = "", key: str | None = None, fix: Fix | None = None) -> None:
        self.reported = True
        self.report(rule, message, hint=hint, key=key, fix=fix)

    def axes_text(self, axes: list[int]) -> str:
        return ", ".join(self.axis_names[a] for a in axes)

    def out(self, channels: int, size: list[Affine]) -> Shape:
        rounded = frozenset().union(*(s.rounded for s in self.ins), ((a, self.layer.name) for a in self.rounded))
        return Shape(channels, tuple(size), frozenset(self.tainted), rounded)

    def rounding_note(self, axes: list[int]) -> str:
        """`` (after `pool1` rounded up on H)`` when a layer above rounded these axes up, else ''."""
        names = sorted({name for s in self.ins for a, name in s.rounded if a in axes})
        if not names:
            return ""
        shown = ", ".join(f"`{n}`" for n in names[:3]) + (" …" if len(names) > 3 else "")
        return f" (sizes rounded up by {shown}: PyTorch's ceil_mode/padded-stride rounding)"


def fmt_sizes(sizes: list[Affine] | tuple[Affine, ...]) -> str:
    return format_sizes(tuple(sizes))


def strided(
    step: Step,
    axis: int,
    n: Affine,
    stride: int,
    offset: int,
    *,
    ceil_mode: bool = False,
    pad: int = 0,
    dilation: int = 1,
    bad: list[int],
    infeasible: list[int],
) -> Affine:
    """PyTorch's ``floor((n + offset [+ s - 1 if ceil]) / s) + 1`` with ceil_mode's correction.

    A size the stride divides is aligned. Otherwise the layer either drops input pixels (a floor: UC103,
    the decoder cannot restore the size) or rounds up, covering every pixel (ceil_mode, padded strided
    convs): that is no finding here, the exact size flows on and a later layer that cannot match reports it.
    """
    if stride == 1:
        return n + (offset + 1)
    remainder = step.solver.residue_of(n, stride)
    if n.is_number:
        assert remainder is not None
        if _drops(remainder, stride, offset, pad, ceil_mode, dilation, n.value) and axis not in step.tainted:
            bad.append(axis)  # only the first inexact floor
        elif remainder:
            step.rounded.add(axis)
    else:
        # The residues whose windows read every row the stride pattern reads: with k3 s2 p0 the even sizes
        # drop the last row and the odd ones do not; with k3 s2 p1 or 1x1 s3 every residue is safe.
        safe = [r for r in range(stride) if not _drops(r, stride, offset, pad, ceil_mode, dilation)]
        assert n.symbol is not None
        if not safe or (remainder is not None and remainder not in safe):
            step.solver.symbol(n.symbol).feasible = False  # every size (of this class) drops a row
            infeasible.append(axis)
            remainder = remainder if remainder is not None else 0
        elif remainder is None:  # the class leaves n mod s open: take a safe residue, explore the others
            remainder = 0 if 0 in safe else safe[0]
            if len(safe) > 1:
                step.solver.rounding_symbols.add(n.symbol)
            if step.solver.divisible(n - remainder, stride) is Outcome.INFEASIBLE:
                infeasible.append(axis)
        elif remainder:
            step.rounded.add(axis)
    shift = _output_shift(remainder, stride, offset, pad, ceil_mode)
    return (n + shift) / stride + 1


def _output_shift(remainder: int, stride: int, offset: int, pad: int, ceil_mode: bool) -> int:
    """``c`` with output = (n + c)/s + 1 exactly, for n ≡ remainder (mod s); c = (output − 1)·s − n."""
    leftover = (remainder + offset) % stride
    shift = offset - leftover + (stride if ceil_mode and leftover else 0)
    if ceil_mode and shift >= pad:  # PyTorch: the last window must start inside the input or the left padding
        shift -= stride
    return shift


def _drops(
    remainder: int, stride: int, offset: int, pad: int, ceil_mode: bool, dilation: int = 1, n: int | None = None
) -> bool:
    """Whether the windows leave out a row that the stride pattern reads (a floor that loses data), for
    n ≡ remainder (mod stride); ``n`` when it is a number, else any large n of that residue.

    Rows the pattern never reads are no loss: between windows (a 1x1 conv of stride 3) or between a
    dilated window's taps. The tail is walked window by window, relative to n: the windows PyTorch
    computes, then the ones a longer input would add; a tap of those that no computed window read is lost.
    """
    shift = _output_shift(remainder, stride, offset, pad, ceil_mode)
    reach = 2 * pad - offset
    kernel = (reach - 1) // dilation + 1
    last = shift - pad  # the last computed window's first row, relative to n (n - 1 is the last row)
    tail = reach + 2 * stride  # rows further back are read alike by both: the windows repeat
    earliest = -min(n, tail) if n is not None else -tail
    back = tail // stride + 2
    if n is not None:
        back = min(back, (n + shift) // stride)  # only as many windows as PyTorch computes
    read = {last - m * stride + j * dilation for m in range(back + 1) for j in range(kernel)}
    m = 1
    while last + m * stride <= -1:
        if any(
            earliest <= t <= -1 and t not in read for t in (last + m * stride + j * dilation for j in range(kernel))
        ):
            return True
        m += 1
    return False


def report_resampling(
    step: Step, sizes: tuple[Affine, ...], strides: tuple[Any, ...], bad: list[int], infeasible: list[int], what: str
) -> None:
    if bad:
        step.tainted.update(bad)
        # One odd size is one finding: a second layer reading the same tensor (a strided projection beside a
        # pool) stays silent.
        source = step.layer.source
        bad = [a for a in bad if (source, a) not in step.context.floored]
        step.context.floored.update((source, a) for a in bad)
    if bad:
        shown = fmt_sizes(sizes)
        factors = sorted({str(strides[a]) for a in bad})
        fields = {"layer": step.layer.name, "what": what, "sizes": shown, "factors": " / ".join(factors)}
        message = (
            ODD_SIZE_BEFORE_DOWNSAMPLING.says(
                "floors-restored", **fields, axes=step.axes_text(bad), restorer=step.context.restorers[0]
            )
            if step.context.restorers
            else ODD_SIZE_BEFORE_DOWNSAMPLING.says("floors", **fields, axes=step.axes_text(bad))
        )
        step.emit(ODD_SIZE_BEFORE_DOWNSAMPLING, message, hint=step.nearest_hint(bad))
    if infeasible:
        step.tainted.update(infeasible)
        step.emit(
            NO_VALID_INPUT,
            NO_VALID_INPUT.says(
                "stride", sizes=fmt_sizes(sizes), layer=step.layer.name, axes=step.axes_text(infeasible)
            ),
            hint="make the downsampling and upsampling factors agree",
        )


def check_kernel(step: Step, sizes: list[Affine], windows: list[int], note: str = "") -> bool:
    """UC102 when a window is larger than its (padded) input on some axis; True when every window fits."""
    too_small = [
        a for a, (n, w) in enumerate(zip(sizes, windows, strict=True)) if step.solver.at_least(n, w) is Outcome.VIOLATED
    ]
    if too_small:
        padded = "padded " if sizes != list(step.x.size) else ""
        step.emit(
            KERNEL_LARGER_THAN_INPUT,
            KERNEL_LARGER_THAN_INPUT.says(
                "window",
                window="×".join(map(str, windows)),
                layer=step.layer.name,
                padded=padded,
                sizes=fmt_sizes(sizes),
                note=note,
            ),
            hint="use a larger input, fewer levels above this layer, or padding",
        )
        return False
    return True


def same_shape(step: Step) -> Shape | None:
    """The input's shape: activations, dropout, identity (and norms, after their own checks)."""
    return step.out(step.x.channels, list(step.x.size))
