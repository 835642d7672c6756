"""One shape rule per op, matching PyTorch's formulas exactly.

A rule reads its layer's parameters and input shapes, reports findings through
the step, and returns the output shape (None when it cannot be computed).
Floors go through the solver: a concrete size is floored as PyTorch does (and
an inexact floor reported), a symbolic one gets a divisibility constraint.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import Any

from unetcalc.findings.diagnostic import Severity
from unetcalc.findings.rules import Rule
from unetcalc.shapes.affine import Affine
from unetcalc.shapes.shape import Shape, format_sizes
from unetcalc.shapes.solver import Outcome, Solver
from unetcalc.spec.model import Layer
from unetcalc.spec.ops import SHAPE_KEEPING_OPS
from unetcalc.spec.params import per_axis_of

# -- the rules this module raises (each one's manual beside it; findings/rules.py collects them) --
SIZE_COLLAPSES = Rule(
    code="UC101",
    name="size-collapses",
    severity=Severity.ERROR,
    summary="A spatial size drops to zero or below.",
    what=(
        "Follows every size through the network and reports the first layer whose output has a size ≤ 0; for "
        "a symbolic input this becomes the minimum input size."
    ),
    why="PyTorch raises `Output size is too small` at run time.",
    example="input: {size: [16, 16]}\nlayers: [{op: conv, filters: 8, kernel: 17}]",
    fix="Use a larger input, smaller kernels, padding, or fewer pooling levels.",
)

KERNEL_LARGER_THAN_INPUT = Rule(
    code="UC102",
    name="kernel-larger-than-input",
    severity=Severity.ERROR,
    summary="A kernel does not fit its (padded) input.",
    what="Compares each conv/pool window (dilated) with the padded input size.",
    why="PyTorch raises `Kernel size can't be greater than actual input size`.",
    example="a 3×3 conv applied to a 2×2 feature map",
    fix="Use a larger input or pad the feature map.",
)

ODD_SIZE_BEFORE_DOWNSAMPLING = Rule(
    code="UC103",
    name="odd-size-before-downsampling",
    severity=Severity.ERROR,
    summary="A pooling or strided layer floors a size its stride does not divide, dropping pixels.",
    what=(
        "Checks that every downsampling layer's windows read every row its stride pattern reads (a pool or an "
        "unpadded strided conv whose last window would leave rows out floors them away), and every fractional "
        "resampling is exact; reports the first such layer once per tensor. Layers that round up instead "
        "(ceil_mode pools, strided convs padded to cover every pixel) are not reported here: a later layer that "
        "cannot match their size is (UC104), naming them."
    ),
    why=(
        "PyTorch silently floors (drops the last row and column); the decoder then cannot restore the encoder's"
        " size and the skip concat fails with `Sizes of tensors must match` deep inside training, or a crop"
        " hides the shift."
    ),
    example="input: {size: [570, 570]}   # 2015 U-Net: 570 → 566 → pool1 → 283 → 279: pool2 receives 279×279",
    fix="Use one of the nearest valid input sizes named in the hint (556 or 572 here), or pad the input.",
)

SKIP_SIZE_MISMATCH = Rule(
    code="UC104",
    name="skip-size-mismatch",
    severity=Severity.ERROR,
    summary="A skip connection joins tensors of different sizes.",
    what=(
        "Compares the spatial sizes of the tensors a `concat`/`add` joins (after the center crop, if `crop: "
        "center`); a `with` tensor smaller than the input cannot be cropped."
    ),
    why="torch.cat and + require equal spatial sizes.",
    example="- {op: concat, with: enc1}   # 392×392 against 568×568",
    fix="Add `crop: center`, pad, or use `same` padding so both sides have one size.",
)

ASYMMETRIC_CROP = Rule(
    code="UC105",
    name="asymmetric-crop",
    severity=Severity.WARNING,
    summary="A center crop removes an odd number of pixels.",
    what=(
        "Reports center crops whose size difference is odd: one more pixel comes off the far side (offset "
        "floor(diff/2), as torch-style code does)."
    ),
    why="The skip's features are shifted half a pixel against the decoder's.",
    example="cropping 65×65 to 64×64",
    fix="Choose sizes whose difference is even, or accept the shift.",
)

CHANNEL_MISMATCH = Rule(
    code="UC106",
    name="channel-mismatch",
    severity=Severity.ERROR,
    summary="Channel counts do not fit together.",
    what=(
        "Checks `add` (equal channels), conv/upconv `groups` (dividing input and output channels) and "
        "`groupnorm` (groups dividing channels)."
    ),
    why="PyTorch raises at construction or in the first forward pass.",
    example="- {op: add, with: enc1}   # 64 channels + 128 channels",
    fix="Add a 1×1 conv to match channels, or change `filters`/`groups`.",
)

CROP_LARGER_THAN_INPUT = Rule(
    code="UC109",
    name="crop-larger-than-input",
    severity=Severity.ERROR,
    summary="A `crop` asks for a size larger than its input.",
    what="Compares the crop's target size (`to` or `size`) with its input size.",
    why="A crop can only remove pixels.",
    example="- {op: crop, size: [600, 600]}   # input is 572×572",
    fix="Crop to a size no larger than the input, or `pad` instead.",
)

NO_VALID_INPUT = Rule(
    code="UC110",
    name="no-valid-input",
    severity=Severity.ERROR,
    summary="No input size satisfies every layer.",
    what=(
        "Solves the divisibility and size constraints of a symbolic input and reports when they contradict each other."
    ),
    why="The network cannot run on any input.",
    example="a decoder that upsamples by 3 joined to an encoder that pools by 2",
    fix="Make the downsampling and upsampling factors agree.",
)

PADDING_LARGER_THAN_INPUT = Rule(
    code="UC112",
    name="padding-larger-than-input",
    severity=Severity.ERROR,
    summary="A reflect or circular `pad` is wider than the tensor it pads.",
    what=(
        "Checks `pad` layers with `mode: reflect` (padding must be smaller than the size) and "
        "`mode: circular` (at most the size); for a symbolic input this becomes a minimum input size."
    ),
    why="PyTorch raises `Padding size should be less than the corresponding input dimension` at run time.",
    example="a `{op: pad, padding: 4, mode: reflect}` on a 4×4 feature map",
    fix="Pad less, pad before the tensor gets that small, or use `mode: replicate` or `constant`.",
)


INPUT_NOT_MULTIPLE = Rule(
    code="UC113",
    name="input-not-multiple",
    severity=Severity.ERROR,
    summary="The input size is not a multiple the spec's `input.multiple_of` requires.",
    what=(
        "Checks a concrete input size against `input.multiple_of` (per axis, or one for all), the requirement a "
        "model enforces itself before running (smp's encoders check `H % 32`); `sizes`, `fit` and the valid line "
        "keep to it too."
    ),
    why="The model raises before it computes anything, although every layer would cope with the size.",
    example="input: {channels: 3, size: [250, 250], multiple_of: 32}",
    fix="Use the nearest multiple the hint names, or pad the image to it.",
)


NORM_NEEDS_MORE_VALUES = Rule(
    code="UC111",
    name="norm-needs-more-values",
    severity=Severity.ERROR,
    summary="A normalisation layer has a single value to normalise.",
    what=(
        "Reports instancenorm on a 1-element feature map, and groupnorm whose groups hold one value (one "
        "channel per group on a 1-element map) for a batch of one."
    ),
    why=(
        "PyTorch raises `Expected more than 1 spatial element` / `more than 1 value per channel`; the "
        "normalised value would be 0/0 anyway."
    ),
    example="- {op: instancenorm}   # after the last pool the map is 1×1",
    fix="Normalise before the last pool, use a larger input, or fewer groups.",
)

Reporter = Callable[..., None]
HintForAxes = Callable[[list[int]], str]


class PassContext:
    """What one inference pass has seen so far: hints read the graph above a layer through it."""

    def __init__(self, network_rank: int | None = None) -> None:
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

    def emit(self, rule: Rule, message: str, hint: str = "", key: str | None = None) -> None:
        self.reported = True
        self.report(rule, message, hint=hint, key=key)

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


def _strided(
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


def _report_resampling(
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
        step.emit(
            ODD_SIZE_BEFORE_DOWNSAMPLING,
            f"{step.layer.name} ({what}) receives {shown}, not divisible by {' / '.join(factors)} "
            f"on axis {step.axes_text(bad)}: PyTorch floors it"
            + (
                f", dropping the last row; `{step.context.restorers[0]}` brings the decoder back to the skip's size, "
                "so the network runs without that row"
                if step.context.restorers
                else " and the decoder cannot restore the size"
            ),
            hint=step.nearest_hint(bad),
        )
    if infeasible:
        step.tainted.update(infeasible)
        step.emit(
            NO_VALID_INPUT,
            f"no input size makes {fmt_sizes(sizes)} divisible by the stride of {step.layer.name} "
            f"on axis {step.axes_text(infeasible)} while meeting the constraints of the layers above",
            hint="make the downsampling and upsampling factors agree",
        )


def _check_kernel(step: Step, sizes: list[Affine], windows: list[int], note: str = "") -> bool:
    """UC102 when a window is larger than its (padded) input on some axis; True when every window fits."""
    too_small = [
        a for a, (n, w) in enumerate(zip(sizes, windows, strict=True)) if step.solver.at_least(n, w) is Outcome.VIOLATED
    ]
    if too_small:
        padded = "padded " if sizes != list(step.x.size) else ""
        step.emit(
            KERNEL_LARGER_THAN_INPUT,
            f"the {'×'.join(map(str, windows))} window of {step.layer.name} does not fit its {padded}input "
            f"{fmt_sizes(sizes)}{note}",
            hint="use a larger input, fewer levels above this layer, or padding",
        )
        return False
    return True


def conv(step: Step) -> Shape | None:
    p = step.layer.params
    kernels, strides, dilations = step.per_axis("kernel"), step.per_axis("stride"), step.per_axis("dilation")
    _check_groups(step, step.x.channels, p["filters"], p["groups"])
    if p["padding"] == "same":
        return step.out(p["filters"], list(step.x.size))
    pads = (0,) * step.x.rank if p["padding"] == "valid" else step.per_axis("padding")
    windows = [d * (k - 1) + 1 for k, d in zip(kernels, dilations, strict=True)]
    padded = [n + 2 * q for n, q in zip(step.x.size, pads, strict=True)]
    if not _check_kernel(step, padded, windows):
        return None
    bad: list[int] = []
    infeasible: list[int] = []
    size = [
        _strided(step, a, n, s, 2 * q - w, pad=q, dilation=d, bad=bad, infeasible=infeasible)
        for a, (n, s, q, w, d) in enumerate(zip(step.x.size, strides, pads, windows, dilations, strict=True))
    ]
    _report_resampling(step, step.x.size, strides, bad, infeasible, "stride " + "×".join(map(str, strides)))
    return step.out(p["filters"], size)


def upconv(step: Step) -> Shape | None:
    p = step.layer.params
    kernels = step.per_axis("kernel")
    strides = step.per_axis("stride")
    pads, out_pads, dilations = step.per_axis("padding"), step.per_axis("output_padding"), step.per_axis("dilation")
    _check_groups(step, step.x.channels, p["filters"], p["groups"])
    size = [
        (n - 1) * s - 2 * q + d * (k - 1) + o + 1
        for n, k, s, q, o, d in zip(step.x.size, kernels, strides, pads, out_pads, dilations, strict=True)
    ]
    return step.out(p["filters"], size)


def pool(step: Step) -> Shape | None:
    p = step.layer.params
    kernels = step.per_axis("kernel")
    strides = step.per_axis("stride")
    pads = step.per_axis("padding")
    dilations = step.per_axis("dilation") if step.layer.op == "maxpool" else (1,) * step.x.rank
    windows = [d * (k - 1) + 1 for k, d in zip(kernels, dilations, strict=True)]
    if (
        step.layer.op == "avgpool" and (step.context.network_rank or step.x.rank) == 3
    ):  # AvgPool3d (only) rejects inputs smaller than the kernel
        note = " (AvgPool3d does not allow that, even with padding or ceil_mode)"
        if not _check_kernel(step, list(step.x.size), list(kernels), note):
            return None
    bad: list[int] = []
    infeasible: list[int] = []
    size = [
        _strided(
            step, a, n, s, 2 * q - w, ceil_mode=bool(p["ceil_mode"]), pad=q, dilation=d, bad=bad, infeasible=infeasible
        )
        for a, (n, s, q, w, d) in enumerate(zip(step.x.size, strides, pads, windows, dilations, strict=True))
    ]
    # Pools may overhang the input (ceil_mode); PyTorch only requires one output position.
    if any(step.solver.at_least(out, 1) is Outcome.VIOLATED for out in size):
        padded = [n + 2 * q for n, q in zip(step.x.size, pads, strict=True)]
        step.emit(
            KERNEL_LARGER_THAN_INPUT,
            f"the {'×'.join(map(str, windows))} window of {step.layer.name} does not fit its "
            f"{'padded ' if any(pads) else ''}input {fmt_sizes(padded)}",
            hint="use a larger input, fewer levels above this layer, or padding",
        )
        return None
    _report_resampling(step, step.x.size, strides, bad, infeasible, step.layer.op)
    return step.out(step.x.channels, size)


def upsample(step: Step) -> Shape | None:
    return _scaled(step, step.per_axis("scale"), "upsample")


def resize(step: Step) -> Shape | None:
    """`F.interpolate` to a tensor's size (`to`), a fixed `size`, or by a `scale` (as `upsample`)."""
    p = step.layer.params
    if p.get("to") is not None:
        return step.out(step.x.channels, list(step.ins[1].size))
    if p.get("size") is not None:
        return step.out(step.x.channels, [Affine.number(v) for v in step.per_axis("size")])
    return _scaled(step, step.per_axis("scale"), "resize")


MAX_SCALE_DENOMINATOR = 10**6  # a scale n·scale is whole for no size below this many is never exact


def _unreliable_scale(scale: Any) -> bool:
    """A fractional scale whose product PyTorch cannot floor exactly at any size: its double is below the
    written value (0.57, 1/3 as 0.3333333333333333: floor(100 × 0.57) is 56, not 57, at some sizes and not
    others) or no small size makes the product whole (0.6666666666666666)."""
    written = Fraction(scale)
    return written.denominator != 1 and (
        Fraction(float(scale)) < written or written.denominator > MAX_SCALE_DENOMINATOR
    )


def _scaled(step: Step, scales: tuple[Any, ...], what: str) -> Shape | None:
    bad: list[int] = []
    infeasible: list[int] = []
    unreliable: list[int] = []
    size = []
    for axis, (n, scale) in enumerate(zip(step.x.size, scales, strict=True)):
        scaled = n * scale
        if _unreliable_scale(scale):
            if n.is_number:
                scaled = Affine.number(math.floor(float(n.const) * float(scale)))
            else:
                assert n.symbol is not None
                step.solver.symbol(n.symbol).feasible = False
                scaled = n * scale
            if axis not in step.tainted:
                unreliable.append(axis)
        elif Fraction(scale).denominator != 1:
            outcome = step.solver.divisible(scaled, 1)
            if outcome is Outcome.VIOLATED and axis not in step.tainted:
                bad.append(axis)
            elif outcome is Outcome.INFEASIBLE:
                infeasible.append(axis)
            if n.is_number:
                # PyTorch computes floor(float(n) * scale) in double precision: 100 × 0.29 gives 28, not 29.
                scaled = Affine.number(math.floor(float(n.const) * float(scale)))
        size.append(scaled)
    _report_resampling(
        step,
        step.x.size,
        tuple(str(s) for s in scales),
        bad,
        infeasible,
        f"{what} ×" + "×".join(str(s) for s in scales),
    )
    if unreliable:
        step.tainted.update(unreliable)
        shown = sorted({str(float(scales[a])) for a in unreliable})
        step.emit(
            NO_VALID_INPUT if any(not step.x.size[a].is_number for a in unreliable) else ODD_SIZE_BEFORE_DOWNSAMPLING,
            f"{step.layer.name} ({what} ×{' / '.join(shown)}) on axis {step.axes_text(unreliable)}: PyTorch computes "
            "floor(n × scale) in binary floating point, which does not hold this scale exactly; the product is one "
            "short of n × scale at some sizes and not at others, so no input size is exact",
            hint="use a scale that is a sum of powers of two (0.5, 0.75, 1.5), or `size:`/`to:` a tensor",
        )
    return step.out(step.x.channels, size)


def _compare_sizes(step: Step, other: Shape, other_name: str, crop: bool) -> bool:
    """Report a size mismatch between the input and ``other``; True when one was reported."""
    x = step.x
    if crop:
        smaller = [
            a
            for a in range(x.rank)
            if a not in step.tainted and step.solver.at_least(other.size[a] - x.size[a], 0) is Outcome.VIOLATED
        ]
        if smaller:
            step.emit(
                SKIP_SIZE_MISMATCH,
                f"`{other_name}` ({fmt_sizes(other.size)}) is smaller than the input "
                f"({fmt_sizes(x.size)}) it should be center-cropped to{step.rounding_note(smaller)}",
                hint=(step.rounding_note(smaller) and step.nearest_hint(smaller))
                or "a crop can only remove pixels: check the encoder level this skip comes from",
                key="with",
            )
            step.raises = True
            return True
        odd = [
            a
            for a in range(x.rank)
            if a not in step.tainted and (other.size[a] - x.size[a]).is_number and (other.size[a] - x.size[a]).value % 2
        ]
        if odd:
            step.emit(
                ASYMMETRIC_CROP,
                f"center-cropping `{other_name}` from {fmt_sizes(other.size)} to {fmt_sizes(x.size)} "
                f"removes an odd number of pixels on axis {step.axes_text(odd)}",
                hint="the crop sits one pixel off-center (offset floor(diff/2)); choose sizes whose difference is even",
                key="with",
            )
        return False
    # Different slopes meet at one input size: that becomes the valid set (a constraint), not a finding.
    differ = [
        a
        for a in range(x.rank)
        if a not in step.tainted and step.solver.equal(other.size[a], x.size[a]) is Outcome.VIOLATED
    ]
    if not differ:
        return False
    silent = ""
    if step.layer.op in ("add", "multiply") and all(_broadcasts(x.size[a], other.size[a]) for a in differ):
        silent = " (PyTorch broadcasts the size-1 axis silently instead of failing)"
    else:
        step.raises = True  # torch.cat and + refuse the sizes: the network stops here
    channels = ""
    if step.layer.op in ("add", "multiply") and other.channels != x.channels and 1 not in (x.channels, other.channels):
        channels = f"; the channels differ too ({x.channels} and {other.channels})"  # one cause, one finding
    step.emit(
        SKIP_SIZE_MISMATCH,
        f"{step.layer.name} joins {fmt_sizes(x.size)} with `{other_name}` {fmt_sizes(other.size)}: "
        f"sizes differ on axis {step.axes_text(differ)}{silent}{channels}{step.rounding_note(differ)}",
        hint=_join_fix(step, other, other_name, differ),
        key="with",
    )
    return True


def _join_fix(step: Step, other: Shape, other_name: str, differ: list[int]) -> str:
    """The cheapest correct fix for a join whose sizes differ, read from the layers above it."""
    x = step.x
    gaps = [other.size[a] - x.size[a] for a in differ]
    # The main path went through a strided layer the skip did not: project the skip (a ResNet downsample).
    for layer in step.context.chain(step.layer.source):
        if layer.id == other_name:
            break
        stride = _stride_of(layer)
        if stride > 1 and layer.op in ("conv", "maxpool", "avgpool"):
            if all(_reduces_to(other.size[a], x.size[a], stride) for a in differ):
                return (
                    f"the main path went through the stride-{stride} `{layer.name}` (line {layer.line}) and "
                    f"`{other_name}` did not: add a strided 1×1 projection on the skip, `- {{op: conv, filters: "
                    f"{x.channels}, kernel: 1, stride: {stride}, from: {other_name}}}`, and join that instead"
                )
            break
    # A transposed conv that comes out a few pixels short: output_padding makes it up.
    for layer in step.context.chain(step.layer.source):
        if layer.op == "upconv":
            room = _stride_of(layer) - 1 - max(per_axis_of(layer.params.get("output_padding", 0)))
            if all(g.is_number and 0 < g.value <= room for g in gaps):
                short = max(g.value for g in gaps)
                needed = max(per_axis_of(layer.params.get("output_padding", 0))) + short
                return f"`{layer.name}` (line {layer.line}) comes out {short} short: give it `output_padding: {needed}`"
            break
        if layer.op not in SHAPE_KEEPING_OPS and not (layer.op == "conv" and layer.params.get("padding") == "same"):
            break
    # Which operand is the skip: the tensor made earlier (MONAI's torch.cat([x, sub(x)]) writes it first).
    mine, theirs = step.context.layers.get(step.layer.source), step.context.layers.get(other_name)
    with_is_skip = mine is None or theirs is None or theirs.index < mine.index
    skip_larger = all(step.solver.at_least(g if with_is_skip else -g, 0) is not Outcome.VIOLATED for g in gaps)
    decoder = step.layer.source if with_is_skip else other_name
    if with_is_skip and skip_larger and _valid_convs_between(step, decoder, other_name if with_is_skip else ""):
        return (
            "add `crop: center` to crop the larger skip to the decoder's size (valid convolutions shrink the "
            "decoder side, as in the 2015 U-Net)"
        )
    if step.rounding_note(differ):  # strided layers rounded an odd size up: another input size fixes it
        return step.nearest_hint(differ) or "use an input size the strides divide: see `unetcalc sizes`"
    if skip_larger:
        return "the skip is larger than the decoder side: `crop: center` it, or `pad`/`resize` the decoder `to:` it"
    return "the skip is smaller than the decoder side: use `same` padding above, or `pad` the skip"


def _valid_convs_between(step: Step, decoder: str, skip: str) -> bool:
    """Whether an unpadded convolution (a 2015 U-Net's) lies on the decoder's path since the skip."""
    for layer in step.context.chain(decoder):
        if layer.id == skip:
            return False
        padding = layer.params.get("padding")
        unpadded = padding == "valid" or (padding is not None and max(per_axis_of(padding)) == 0)
        if layer.op == "conv" and unpadded and max(per_axis_of(layer.params.get("kernel", 1))) > 1:
            return True
    return False


def _stride_of(layer: Layer) -> int:
    stride = layer.params.get("stride")
    return max(per_axis_of(stride)) if stride is not None else 1


def _reduces_to(big: Affine, small: Affine, stride: int) -> bool:
    """Whether ``small`` is ``big`` downsampled by ``stride`` (rounded either way)."""
    if big.is_number and small.is_number:
        return small.value in (big.value // stride, -(-big.value // stride))
    return big.coef == small.coef * stride


def _broadcasts(a: Affine, b: Affine) -> bool:
    return a != b and (a == Affine.number(1) or b == Affine.number(1))


def concat(step: Step) -> Shape | None:
    crop = step.layer.params.get("crop") == "center"
    for other, name in zip(step.ins[1:], step.layer.refs, strict=True):
        _compare_sizes(step, other, name, crop)
    if step.raises:  # one root cause, one finding: nothing below is charged again
        return None
    return step.out(sum(s.channels for s in step.ins), list(step.x.size))


def add(step: Step) -> Shape | None:
    crop = step.layer.params.get("crop") == "center"
    channels = step.x.channels
    for other, name in zip(step.ins[1:], step.layer.refs, strict=True):
        if _compare_sizes(step, other, name, crop):
            continue  # one finding: the size mismatch names the channels, and its fix projects both
        if other.channels != channels and 1 in (other.channels, channels):
            channels = max(channels, other.channels)  # PyTorch's + broadcasts a single channel
        elif other.channels != channels:
            verb = "multiplies" if step.layer.op == "multiply" else "adds"
            step.emit(
                CHANNEL_MISMATCH,
                f"{step.layer.name} {verb} {step.x.channels} channels by `{name}`'s {other.channels}"
                if step.layer.op == "multiply"
                else f"{step.layer.name} {verb} {step.x.channels} channels to `{name}`'s {other.channels}",
                hint="add a 1×1 conv so both sides have the same channels",
                key="with",
            )
    if step.raises:  # one root cause, one finding: nothing below is charged again
        return None
    # Without a crop, PyTorch's + broadcasts a size-1 axis against the other side's size.
    size = list(step.x.size)
    if not crop:
        for other in step.ins[1:]:
            size = [
                o if _broadcasts(n, o) and n == Affine.number(1) else n for n, o in zip(size, other.size, strict=True)
            ]
    return step.out(channels, size)


def crop(step: Step) -> Shape | None:
    if step.layer.params.get("to") is not None:
        target = list(step.ins[1].size)
    else:
        target = [Affine.number(s) for s in step.layer.params["size"]]
    offsets = step.per_axis("offset") if step.layer.params.get("offset") is not None else None
    # At an offset the window must end inside the input; centered it must only be no larger.
    reach = [t + (offsets[a] if offsets else 0) for a, t in enumerate(target)]
    larger = [
        a
        for a, (n, r) in enumerate(zip(step.x.size, reach, strict=True))
        if a not in step.tainted and step.solver.at_least(n - r, 0) is Outcome.VIOLATED
    ]
    if larger:
        at = f" at offset {'×'.join(map(str, offsets))}" if offsets else ""
        step.emit(
            CROP_LARGER_THAN_INPUT,
            f"{step.layer.name} crops {fmt_sizes(step.x.size)} to {fmt_sizes(target)}{at}: the window ends "
            f"outside the input on axis {step.axes_text(larger)}{step.rounding_note(larger)}",
            hint="crop to a smaller size or offset, or use `pad`"
            + (" (Python slicing would silently return a smaller tensor)" if offsets else ""),
        )
        return None
    odd = [
        a
        for a, (n, t) in enumerate(zip(step.x.size, target, strict=True))
        if offsets is None and a not in step.tainted and (n - t).is_number and (n - t).value % 2
    ]
    if odd:
        step.emit(
            ASYMMETRIC_CROP,
            f"{step.layer.name} removes an odd number of pixels on axis {step.axes_text(odd)}",
            hint="the crop sits one pixel off-center; choose sizes whose difference is even",
        )
    return step.out(step.x.channels, target)


def pad(step: Step) -> Shape | None:
    """`F.pad` by fixed amounts per side, or up to a tensor's size (`to`: diff // 2 before, the rest after)."""
    mode = step.layer.params.get("mode")
    if step.layer.params.get("to") is not None:
        target = list(step.ins[1].size)
        smaller = [
            a
            for a, (n, t) in enumerate(zip(step.x.size, target, strict=True))
            if step.solver.at_least(t - n, 0) is Outcome.VIOLATED
        ]
        if smaller:
            step.emit(
                SKIP_SIZE_MISMATCH,
                f"{step.layer.name} pads {fmt_sizes(step.x.size)} to `{step.layer.refs[0]}`'s smaller "
                f"{fmt_sizes(target)} on axis {step.axes_text(smaller)}: `F.pad` with a negative amount crops instead",
                hint="pad to a tensor at least as large, or `crop` to it",
                key="to",
            )
            return None
        sides: list[tuple[int, int] | None] = [
            ((t - n).value // 2, (t - n).value - (t - n).value // 2) if (t - n).is_number else None
            for n, t in zip(step.x.size, target, strict=True)
        ]
    else:
        fixed: list[tuple[int, int]] = list(step.per_axis("padding"))
        target = [n + before + after for n, (before, after) in zip(step.x.size, fixed, strict=True)]
        sides = list(fixed)
    if mode in ("reflect", "circular"):
        margin = 1 if mode == "reflect" else 0  # reflect: padding < size; circular: padding ≤ size
        too_wide = [
            a
            for a, (n, side) in enumerate(zip(step.x.size, sides, strict=True))
            if side is not None and max(side) and step.solver.at_least(n - max(side) - margin, 0) is Outcome.VIOLATED
        ]
        if too_wide:
            limit = "smaller than" if mode == "reflect" else "at most"
            widest = max(max(side) for side in sides if side is not None)
            step.emit(
                PADDING_LARGER_THAN_INPUT,
                f"{step.layer.name} pads {fmt_sizes(step.x.size)} by {widest} in `{mode}` mode on axis "
                f"{step.axes_text(too_wide)}: PyTorch needs the padding {limit} the size",
                hint="pad less, or use `mode: replicate`",
                key="padding" if step.layer.params.get("padding") else "to",
            )
            return None
    return step.out(step.x.channels, target)


def _check_norm_values(step: Step) -> None:
    """PyTorch's instance/group norm need more than one value per normalised group."""
    one_value_per_group = step.layer.op == "instancenorm" or step.x.channels // step.layer.params["groups"] == 1
    if not step.x.is_concrete:
        # PyTorch needs more than one position: a bound on a product of axes. The per-axis valid set asks
        # each symbolic axis for ≥ 2 unless a fixed axis already has them (exact for isotropic inputs,
        # conservative for a 1×2 map, which PyTorch would run).
        fixed = [n.value for n in step.x.size if n.is_number]
        if not one_value_per_group or any(v >= 2 for v in fixed):
            return
        if any(step.solver.at_least(n, 2) is Outcome.INFEASIBLE for n in step.x.size if not n.is_number):
            step.emit(
                NORM_NEEDS_MORE_VALUES,
                f"{step.layer.name} normalises a 1-element feature map at every input size the layers above allow",
                hint="normalise before the last pool, or use fewer downsampling levels",
            )
        return
    positions = math.prod(s.value for s in step.x.size)
    if step.layer.op == "instancenorm" and positions == 1:
        step.emit(
            NORM_NEEDS_MORE_VALUES,
            f"{step.layer.name} normalises a 1-element feature map: PyTorch raises "
            "`Expected more than 1 spatial element`",
            hint="use a larger input or normalise before the last pool",
        )
    if step.layer.op == "groupnorm" and step.x.channels // step.layer.params["groups"] * positions == 1:
        step.emit(
            NORM_NEEDS_MORE_VALUES,
            f"{step.layer.name} has one value per group (1 channel per group on a 1-element map): "
            "PyTorch raises `Expected more than 1 value per channel` for a batch of one",
            hint="use fewer groups or a larger input",
            key="groups",
        )


def same_shape(step: Step) -> Shape | None:
    if step.layer.op in ("instancenorm", "groupnorm"):
        _check_norm_values(step)
    if step.layer.op == "groupnorm" and step.x.channels % step.layer.params["groups"]:
        step.emit(
            CHANNEL_MISMATCH,
            f"groupnorm's {step.layer.params['groups']} groups do not divide {step.x.channels} channels",
            hint="choose a number of groups that divides the channels",
            key="groups",
        )
    return step.out(step.x.channels, list(step.x.size))


def linear(step: Step) -> Shape | None:
    return step.out(step.layer.params["features"], list(step.x.size))


def _check_groups(step: Step, cin: int, filters: int, groups: int) -> None:
    if cin % groups or filters % groups:
        step.emit(
            CHANNEL_MISMATCH,
            f"{groups} groups must divide both the {cin} input channels and the {filters} filters",
            hint="choose groups that divide both",
            key="groups",
        )


RULES: dict[str, Callable[[Step], Shape | None]] = {
    "conv": conv,
    "upconv": upconv,
    "maxpool": pool,
    "avgpool": pool,
    "upsample": upsample,
    "concat": concat,
    "add": add,
    "multiply": add,  # PyTorch's * broadcasts as + does (attention gates, squeeze-and-excitation)
    "resize": resize,
    "crop": crop,
    "pad": pad,
    "linear": linear,
    # Shape-preserving ops (norms check that they see enough values).
    **dict.fromkeys(
        ("batchnorm", "instancenorm", "groupnorm", "layernorm", "dropout", "relu", "prelu", "leakyrelu", "elu", "gelu"),
        same_shape,
    ),
    **dict.fromkeys(("silu", "sigmoid", "tanh", "softmax", "identity"), same_shape),
}


def rule_for(op: str) -> Callable[[Step], Shape | None]:
    """The shape rule of ``op``; every op of spec/ops.py has one (tests/test_ops_complete.py)."""
    return RULES[op]
