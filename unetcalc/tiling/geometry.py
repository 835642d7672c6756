"""Which input positions each output position of a layer reads, one axis at a time.

Every op of a spec is separable per spatial axis: output position ``o`` of a layer reads a few positions
of each of its inputs (its *taps*). Two views of them:

- **virtual** taps ignore the tensor's ends: a conv's padding is a position −1, a pad layer's border is a
  position outside its input. They repeat with a period (``taps(o + P) = taps(o) + P·rate``), which is what
  the receptive field per output phase is computed from, whatever the input size;
- **real** taps are the positions PyTorch reads at one concrete size, with nonzero weight: padding dropped,
  replicate/reflect/circular borders mapped back inside, resampling clamped as its kernels clamp and a
  linear weight of exactly 0 left out. The gradient of an output position is nonzero exactly there.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from fractions import Fraction

from unetcalc.ops.registry import find
from unetcalc.shapes.affine import Affine
from unetcalc.shapes.infer import LayerShapes

# Ops whose output at one position depends on statistics over every position of its input.
LINEAR_MODES = frozenset({"linear", "bilinear", "trilinear"})


class NotShiftInvariant(ValueError):
    """The layer's taps depend on the input size (a fixed-size resize, align_corners, a crop whose offset
    grows with the input): no receptive field holds for every size."""


def _f32(value: float) -> float:
    """``value`` rounded to single precision, as PyTorch's nearest-neighbour index arithmetic rounds."""
    result: float = struct.unpack("f", struct.pack("f", value))[0]
    return result


def _axis_value(value: object, axis: int) -> object:
    if isinstance(value, tuple):
        return value[axis] if len(value) > 1 else value[0]
    return value


def _axis_int(value: object, axis: int) -> int:
    """A validated per-axis integer parameter (`3` or `(1, 3, 3)`) on ``axis``."""
    number = _axis_value(value, axis)
    assert isinstance(number, int), number
    return number


def _number(size: Affine) -> int | None:
    return size.value if size.is_number and size.den == 1 else None


@dataclass(frozen=True, slots=True)
class Geometry:
    """One layer on one axis."""

    kind: str  # window | transposed | nearest | linear | cubic | shift | join | pointwise
    rate: Fraction  # input positions per output position
    stride: int = 1
    start: int = 0  # window: first tap of output 0; shift: input position of output 0
    step: int = 1  # dilation
    count: int = 1  # kernel size
    scale: Fraction | None = None  # resampling: input positions per output position, as written
    scale_given: bool = True  # resampling by a scale factor (PyTorch uses 1/scale), not to a size
    align_corners: bool = False
    pad_mode: str = "constant"  # shift of a pad layer: how its border reads the input
    offsets: tuple[int, ...] = (0,)  # join: where each input's position 0 sits (center crops)
    statistics: bool = False  # instance/group norm: every position also reads all others
    broadcast: bool = False  # a join whose other operand has size 1 here: every output reads its position 0

    def virtual_taps(self, o: int) -> list[tuple[int, int]]:
        """(input, position) pairs output ``o`` reads, the tensor's ends ignored."""
        if self.kind == "window":
            first = o * self.stride + self.start
            return [(0, first + j * self.step) for j in range(self.count)]
        if self.kind == "transposed":
            taps = []
            for j in range(self.count):
                shifted = o - self.start - j * self.step
                if shifted % self.stride == 0:
                    taps.append((0, shifted // self.stride))
            return taps
        if self.kind == "shift":
            return [(0, o + self.start)]
        if self.kind == "join":
            return [(k, o + offset) for k, offset in enumerate(self.offsets)]
        if self.kind == "pointwise":
            return [(0, o)]
        assert self.scale is not None
        if self.kind == "nearest":
            return [(0, math.floor(o * self.scale))]
        source = (o + Fraction(1, 2)) * self.scale - Fraction(1, 2)
        low = math.floor(source)
        if self.kind == "linear":
            return [(0, low)] if source == low else [(0, low), (0, low + 1)]
        return [(0, low)] if source == low else [(0, low + j) for j in (-1, 0, 1, 2)]

    def real_taps(self, o: int, sizes: tuple[int, ...], out_size: int) -> list[tuple[int, int]]:
        """(input, position) pairs output ``o`` reads with nonzero weight at these concrete sizes."""
        if self.kind in ("window", "transposed", "pointwise"):
            return [(k, i) for k, i in self.virtual_taps(o) if 0 <= i < sizes[k]]
        if self.kind == "join":
            return [(k, 0 if sizes[k] == 1 != out_size else i) for k, i in self.virtual_taps(o)]
        if self.kind == "shift":
            return _border(o + self.start, sizes[0], self.pad_mode)
        return self._resampled(o, sizes[0], out_size)

    def _resampled(self, o: int, n: int, out: int) -> list[tuple[int, int]]:
        """PyTorch's CPU interpolation kernels (UpSample.h), index arithmetic included."""
        if self.kind == "nearest":
            if out == n:
                return [(0, o)]
            if out == 2 * n:
                return [(0, o >> 1)]
            scale = _f32(1.0 / float(1 / self.scale)) if self.scale_given and self.scale else _f32(_f32(n) / out)
            return [(0, min(math.floor(_f32(_f32(float(o)) * _f32(scale))), n - 1))]
        if self.align_corners:
            ratio = (n - 1) / (out - 1) if out > 1 else 0.0
            source = ratio * o
        else:
            ratio = 1.0 / float(1 / self.scale) if self.scale_given and self.scale else n / out
            source = ratio * (o + 0.5) - 0.5
        if self.kind == "linear":
            source = max(source, 0.0)
            low = min(math.floor(source), n - 1)
            weight = min(max(source - low, 0.0), 1.0)
            taps = [(0, low)] if weight < 1 else []
            if weight > 0 and low < n - 1:
                taps.append((0, low + 1))
            return taps or [(0, low)]
        low = math.floor(source)
        if source == low:
            return [(0, min(max(low, 0), n - 1))]
        return sorted({(0, min(max(low + j, 0), n - 1)) for j in (-1, 0, 1, 2)})


def _border(i: int, n: int, mode: str) -> list[tuple[int, int]]:
    """Input position a pad layer's output reads at ``i`` (an input coordinate), per border mode."""
    if 0 <= i < n:
        return [(0, i)]
    if mode in ("constant", "zeros"):
        return []
    if mode == "replicate":
        return [(0, min(max(i, 0), n - 1))]
    if mode == "circular":
        return [(0, i % n)]
    period = 2 * (n - 1) if n > 1 else 1  # reflect: …, 2, 1, [0, 1, …, n−1], n−2, …
    folded = i % period
    return [(0, folded if folded < n else period - folded)]


def layer_geometry(entry: LayerShapes, axis: int) -> Geometry:
    """The geometry of one inferred layer on ``axis``; NotShiftInvariant where the sizes decide it."""
    layer, params = entry.layer, entry.layer.params
    op = layer.op

    def value(key: str) -> int:
        return _axis_int(params.get(key), axis)

    found = find(op)
    if found is None:
        raise NotShiftInvariant(f"`{layer.name}` ({op}) has no known geometry")
    taps = found.taps
    if taps == "window":
        kernel, stride = value("kernel"), value("stride")
        dilation = value("dilation") if params.get("dilation") is not None else 1  # avgpool has none
        padding = params.get("padding")
        if padding == "same":
            pad = dilation * (kernel - 1) // 2
        elif padding == "valid":
            pad = 0
        else:
            pad = _axis_int(padding, axis)
        return Geometry("window", Fraction(stride), stride=stride, start=-pad, step=dilation, count=kernel)
    if taps == "transposed":
        stride = value("stride")
        return Geometry(
            "transposed", Fraction(1, stride), stride=stride, start=-value("padding"), step=value("dilation"),
            count=value("kernel"),
        )  # fmt: skip
    if taps == "resampling":
        return _resampling(entry, axis)
    if taps == "shift":
        return _shift(entry, axis)
    if taps == "join":
        return _join(entry, axis)
    if taps == "pointwise":
        return Geometry("pointwise", Fraction(1), statistics=found.spatial_statistics)
    raise NotShiftInvariant(f"`{layer.name}` ({op}) has no known geometry")


def _sizes(entry: LayerShapes, axis: int) -> tuple[Affine, Affine]:
    assert entry.ins[0] is not None and entry.out is not None
    return entry.ins[0].size[axis], entry.out.size[axis]


def _resampling(entry: LayerShapes, axis: int) -> Geometry:
    params = entry.layer.params
    mode = str(params.get("mode"))
    kind = "nearest" if mode == "nearest" else "linear" if mode in LINEAR_MODES else "cubic"
    align = bool(params.get("align_corners")) and kind != "nearest"
    given = params.get("scale")
    n_in, n_out = _sizes(entry, axis)
    if given is not None and params.get("size") is None and params.get("to") is None:
        scale = Fraction(str(_axis_value(given, axis)))  # the written decimal, not its double
        rate, scale_given = 1 / scale, True
    else:
        ratio = _ratio(n_in, n_out)
        if ratio is None:
            raise NotShiftInvariant(
                f"`{entry.layer.name}` resizes to a size that is no fixed multiple of its input: "
                "what each output reads depends on the input size"
            )
        rate, scale_given = ratio, False
    if align and not (n_in.is_number and n_out.is_number):
        raise NotShiftInvariant(f"`{entry.layer.name}` uses align_corners: what each output reads depends on the size")
    return Geometry(kind, rate, scale=rate, scale_given=scale_given, align_corners=align)


def _ratio(n_in: Affine, n_out: Affine) -> Fraction | None:
    """``n_in / n_out`` when it is the same at every size (``n_out = r · n_in``), else None."""
    if n_in.is_number and n_out.is_number:
        return Fraction(n_in.const) / Fraction(n_out.const) if n_out.const else None
    if n_in.is_number or n_out.is_number or n_out.coef == 0:
        return None
    ratio = n_in.coef / n_out.coef
    return ratio if n_in.const == ratio * n_out.const else None


def _offset(big: Affine, small: Affine, name: str) -> int:
    """``(big − small) // 2``, the centre crop's (and pad-to's) first row, when it is one number."""
    difference = big - small
    number = _number(difference)
    if number is None:
        raise NotShiftInvariant(f"`{name}` crops or pads by an amount that grows with the input")
    return number // 2


def _shift(entry: LayerShapes, axis: int) -> Geometry:
    layer, params = entry.layer, entry.layer.params
    n_in, n_out = _sizes(entry, axis)
    if layer.op == "crop":
        if params.get("offset") is not None:
            start = _axis_int(params["offset"], axis)
        else:
            start = _offset(n_in, n_out, layer.name)
        return Geometry("shift", Fraction(1), start=start)
    mode = str(params.get("mode") or "constant")
    if params.get("to") is not None:
        before = _offset(n_out, n_in, layer.name)
    else:
        sides = _axis_value(params["padding"], axis)  # (before, after) per axis
        assert isinstance(sides, tuple) and isinstance(sides[0], int), sides
        before = sides[0]
    return Geometry("shift", Fraction(1), start=-before, pad_mode=mode)


def _join(entry: LayerShapes, axis: int) -> Geometry:
    crop = entry.layer.params.get("crop") == "center"
    assert entry.out is not None
    offsets = [0]
    broadcast = False
    for other in entry.ins[1:]:
        assert other is not None
        n_other, n_out = other.size[axis], entry.out.size[axis]
        broadcast = broadcast or (n_other == Affine.number(1) and n_out != n_other)
        offsets.append(_offset(n_other, n_out, entry.layer.name) if crop else 0)
    return Geometry("join", Fraction(1), offsets=tuple(offsets), broadcast=broadcast)


def data_inputs(entry: LayerShapes) -> int:
    """How many of a layer's inputs carry data: a resize's, pad's or crop's `to:` tensor gives a size only."""
    return len(entry.ins) if (op := find(entry.layer.op)) is not None and op.joins else 1
