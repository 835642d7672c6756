"""`unetcalc tile`: plan inference on an image or volume larger than one pass can take.

Three runtimes, one geometry:

- **overlap-tile** (the 2015 U-Net paper's recipe, ours): tiles of a valid input size whose starts stay on
  the network's pooling grid. A valid-padded network's tiles cover the mirror-padded image and their
  outputs abut; a same-padded network's tiles keep only the outputs whose input window lies inside the
  tile (the exact receptive field says which). Either way the stitched output is identical to one pass.
- **monai**: ``sliding_window_inference``'s windows (step ``int(roi·(1 − overlap))``, last window clamped to
  the edge) and its output and count-map buffers;
- **nnunet**: nnU-Net's predictor (evenly spread tiles at ``tile_step_size``, Gaussian weights, fp16 logits,
  mirroring passes).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from unetcalc.check import CheckResult, check_spec
from unetcalc.findings.diagnostic import Diagnostic
from unetcalc.memory.estimate import PRECISIONS, estimate_memory
from unetcalc.shapes.cost import compute_costs
from unetcalc.shapes.validity import AxisValidity
from unetcalc.tiling.receptive import AxisField, ReceptiveField, Windows, receptive_field
from unetcalc.tiling.rules import TILE_DEPENDENT_STATISTICS

RUNTIMES = ("overlap-tile", "monai", "nnunet")
FLOAT32 = 4
HALF = 2
MAX_TILE_STEPS = 1 << 16  # candidate tile sizes tried per axis: far past any GPU


class TileError(ValueError):
    """The plan cannot be made (no valid tile, a network whose windows depend on the size, …)."""


@dataclass(frozen=True, slots=True)
class AxisPlan:
    name: str
    image: int  # the image's size on this axis
    tile: int  # input tile (MONAI's roi_size, nnU-Net's patch size)
    output: int  # the output one tile gives
    step: int  # between tile starts (the first one; nnU-Net spreads its steps evenly)
    align: int  # the pooling grid: starts on multiples of this give the whole pass's values
    starts: tuple[int, ...]  # tile starts, in padded-image coordinates
    keep: tuple[tuple[int, int], ...]  # per tile: the output rows [from, to) it contributes
    writes: tuple[int, ...]  # per tile: where its output row 0 lands in the padded output
    pad: tuple[int, int]  # rows added before and after the image
    exact: tuple[int, int]  # rows [from, to) of an interior tile's output that equal the whole pass's
    network_input: int = 0  # what the network is run on: the tile, or MONAI's/nnU-Net's window padded by the cut

    @property
    def padded(self) -> int:
        return self.image + self.pad[0] + self.pad[1]

    @property
    def aligned(self) -> bool:
        return all(start % self.align == 0 for start in self.starts)

    @property
    def windows(self) -> int:
        return len(self.starts)


@dataclass(frozen=True, slots=True)
class TileMemory:
    tile_peak: int  # the network's inference peak at one tile (weights, the window batch, activations)
    buffers: dict[str, int]  # the runtime's buffers on the GPU, by name
    host: dict[str, int]  # what stays in host memory
    limit: int | None

    @property
    def total(self) -> int:
        return self.tile_peak + sum(self.buffers.values())

    @property
    def margin(self) -> int | None:
        return None if self.limit is None else self.limit - self.total


@dataclass(slots=True)
class TilePlan:
    runtime: str
    image: tuple[int, ...]
    axes: list[AxisPlan]
    batch: int
    precision: str
    valid_padded: bool  # the network's output is smaller than its input (overlap-tile with mirroring)
    passes_per_tile: int  # nnU-Net's mirroring
    exact: bool
    why_not_exact: list[str]
    memory: TileMemory
    macs_per_tile: int
    whole_macs: int | None  # one pass over the padded image, when that is a valid input
    parameters: dict[str, object]  # ready-to-paste runtime arguments
    larger_batch: int | None = None  # with --memory: the largest window batch that also fits this tile
    findings: list[Diagnostic] = field(default_factory=list)

    @property
    def tiles(self) -> int:
        return math.prod(len(axis.starts) for axis in self.axes)

    @property
    def passes(self) -> int:
        return self.tiles * self.passes_per_tile

    @property
    def total_macs(self) -> int:
        return self.macs_per_tile * self.passes

    @property
    def processed(self) -> int:
        """Input positions the tiles read, all passes counted."""
        return self.passes * math.prod(axis.tile for axis in self.axes)


@dataclass(frozen=True, slots=True)
class TileRequest:
    image: tuple[int, ...]
    runtime: str = "overlap-tile"
    tile: tuple[int, ...] | None = None
    memory: int | None = None  # bytes
    precision: str = "fp32"
    batch: int | None = None
    overlap: float | None = None  # MONAI
    step_size: float = 0.5  # nnU-Net's tile_step_size
    mirroring: bool = True  # nnU-Net's test-time mirroring
    exact: bool = True  # overlap-tile: keep every tile on the pooling grid (else: the longest steps)


@dataclass(frozen=True, slots=True)
class _Axis:
    """What the planner needs of one axis."""

    field: AxisField
    windows: Windows
    validity: AxisValidity
    cut: int  # input rows a tile loses (valid convs): tile − output

    def output(self, tile: int) -> int:
        return tile - self.cut

    def cap(self, image: int) -> int:
        """The smallest valid tile that covers the image in one piece."""
        if self.validity.contains(image + self.cut):
            return image + self.cut
        _, high = self.validity.nearest(image + self.cut)
        if high is None:
            raise TileError(f"no valid tile covers {image} on axis {self.field.name}")
        return high


def plan_tiles(result: CheckResult, request: TileRequest) -> TilePlan:
    if request.runtime not in RUNTIMES:
        raise TileError(f"--runtime {request.runtime}: choose one of {', '.join(RUNTIMES)}")
    if not result.ok or result.inference is None or result.validity is None:
        raise TileError("the spec does not check: run `unetcalc check` on it first")
    rf = receptive_field(result)
    axes = _axes(result, rf)
    if len(request.image) != len(axes):
        raise TileError(
            f"--image has {len(request.image)} sizes but the network is {len(axes)}D: "
            f"write {'x'.join(['512'] * len(axes))}"
        )
    precision = "fp16" if request.runtime == "nnunet" else request.precision
    batch = 1 if request.runtime == "nnunet" else request.batch or 1

    def make(tile: tuple[int, ...], window_batch: int) -> TilePlan:
        return _plan(result, request, axes, rf, tile, window_batch, precision)

    tile = _tile(result, request, axes, lambda t: make(t, batch))
    plan = make(tile, batch)
    if request.memory is not None and request.batch is None and request.runtime != "nnunet":
        plan.larger_batch = _largest_batch(lambda b: make(tile, b), plan.tiles, request.memory)
    return plan


def _axes(result: CheckResult, rf: ReceptiveField) -> list[_Axis]:
    assert result.validity is not None
    axes = []
    for field_, validity in zip(rf.axes, result.validity.axes, strict=True):
        if field_.windows is None:
            raise TileError(f"axis {field_.name}: {field_.reason}; no tiling is exact for such a network")
        if field_.windows.jump != 1:
            raise TileError(
                f"axis {field_.name}: the output has 1/{field_.windows.jump} of the input's resolution; "
                "tiling plans are for networks whose output matches the input's grid"
            )
        aligned = validity.aligned
        if aligned is None or aligned.output is None:
            raise TileError(f"axis {field_.name}: no input size is valid")
        tile = aligned.min
        output = validity.output_at(tile)
        assert output is not None
        axes.append(_Axis(field_, field_.windows, validity, tile - output))
    return axes


def _tile(
    result: CheckResult, request: TileRequest, axes: list[_Axis], plan_at: Callable[[tuple[int, ...]], TilePlan]
) -> tuple[int, ...]:
    """The tile (the network's input): given, the largest that fits --memory, or the spec's own input."""
    caps = [_workable(request, axis, image, axis.cap(image)) for axis, image in zip(axes, request.image, strict=True)]
    if request.tile is not None:
        if len(request.tile) != len(axes):
            raise TileError(f"--tile has {len(request.tile)} sizes but the network is {len(axes)}D")
        for axis, size in zip(axes, request.tile, strict=True):
            if not axis.validity.contains(size):
                low, high = axis.validity.nearest(size)
                raise TileError(
                    f"--tile {size} is not a valid input on axis {axis.field.name} (nearest valid: "
                    f"{', '.join(str(v) for v in (low, high) if v is not None)}): see `unetcalc sizes`"
                )
        return tuple(request.tile)
    if request.memory is None:
        assert result.input is not None
        own = result.input.size
        if all(isinstance(s, int) for s in own) and all(
            axis.validity.contains(int(s)) for axis, s in zip(axes, own, strict=True)
        ):
            return tuple(min(int(s), cap) for s, cap in zip(own, caps, strict=True))
        raise TileError("give --tile (a valid input size) or --memory (the largest tile that fits is chosen)")
    limit = request.memory

    def tile_at(k: int) -> tuple[int, ...]:
        sizes = []
        for axis, cap in zip(axes, caps, strict=True):
            aligned = axis.validity.aligned
            assert aligned is not None
            sizes.append(min(aligned.min + k * aligned.modulus, cap))
        return tuple(sizes)

    top = 0
    for axis, cap in zip(axes, caps, strict=True):
        aligned = axis.validity.aligned
        assert aligned is not None
        top = max(top, min((cap - aligned.min) // aligned.modulus + 1, MAX_TILE_STEPS))
    # Tiles too small for their own halo have no plan; the search starts at the first that has one.
    low = _first(lambda k: _has_geometry(request, axes, tile_at(k)), 0, top)
    if low is None:
        raise TileError("no valid tile is large enough for the network's halo: see `unetcalc rf`")
    smallest = plan_at(tile_at(low))
    if smallest.memory.total > limit:
        raise TileError(
            f"even the smallest tile {'x'.join(map(str, tile_at(low)))} needs {smallest.memory.total:,} bytes, "
            f"more than --memory {limit:,}"
        )
    return _snug(request, axes, tile_at(_last(lambda k: plan_at(tile_at(k)).memory.total <= limit, low, top)))


def _snug(request: TileRequest, axes: list[_Axis], tile: tuple[int, ...]) -> tuple[int, ...]:
    """Each axis's tile shrunk to the smallest valid size that needs no more tiles on that axis: the same
    passes over less padding (a 300-slice volume needs two tiles of 240, not of 316)."""
    sizes = list(tile)
    counts = [p.windows for p in _axis_plans(request, axes, tile)]
    for a, axis in enumerate(axes):
        aligned = axis.validity.aligned
        assert aligned is not None
        while sizes[a] - aligned.modulus >= aligned.min:
            smaller = (*sizes[:a], sizes[a] - aligned.modulus, *sizes[a + 1 :])
            try:
                plans = _axis_plans(request, axes, smaller)
            except TileError:
                break
            if plans[a].windows > counts[a]:
                break
            sizes[a] -= aligned.modulus
    return tuple(sizes)


def _has_geometry(request: TileRequest, axes: list[_Axis], tile: tuple[int, ...]) -> bool:
    try:
        _axis_plans(request, axes, tile)
    except TileError:
        return False
    return True


def _largest_batch(plan_at: Callable[[int], TilePlan], tiles: int, limit: int) -> int:
    return _last(lambda batch: plan_at(batch).memory.total <= limit, 1, max(1, tiles))


def _axis_plans(request: TileRequest, axes: list[_Axis], tile: tuple[int, ...]) -> list[AxisPlan]:
    overlap = request.overlap
    if request.runtime == "monai" and overlap is None:
        overlap = _exact_overlap(axes, tile)
    return [
        _axis_plan(request, axis, image, size, overlap)
        for axis, image, size in zip(axes, request.image, tile, strict=True)
    ]


def _axis_plan(request: TileRequest, axis: _Axis, image: int, size: int, overlap: float | None = None) -> AxisPlan:
    if request.runtime == "overlap-tile":
        return _overlap_tile(axis, image, size, request.exact)
    if request.runtime == "monai":
        return _monai(axis, image, size, overlap if overlap is not None else _exact_overlap([axis], (size,)))
    return _nnunet(axis, image, size, request.step_size)


def _workable(request: TileRequest, axis: _Axis, image: int, size: int) -> int:
    """``size``, or the next valid tile up that has a plan (a tile too small for its own halo has none)."""
    aligned = axis.validity.aligned
    assert aligned is not None

    def works(k: int) -> bool:
        try:
            _axis_plan(request, axis, image, size + k * aligned.modulus)
        except TileError:
            return False
        return True

    k = _first(works, 0, MAX_TILE_STEPS)
    return size + (k if k is not None else MAX_TILE_STEPS) * aligned.modulus


def _plan(
    result: CheckResult,
    request: TileRequest,
    axes: list[_Axis],
    rf: ReceptiveField,
    tile: tuple[int, ...],
    batch: int,
    precision: str,
) -> TilePlan:
    plans = _axis_plans(request, axes, tile)
    valid_padded = any(axis.cut > 0 for axis in axes)
    why_not: list[str] = []
    parameters: dict[str, object] = {}
    windows = [p.tile for p in plans]
    if request.runtime == "overlap-tile":
        parameters = {"tile": list(tile), "step": [p.step for p in plans], "pad": [list(p.pad) for p in plans]}
        off = next((p for p in plans if not p.aligned), None)
        if off is not None:
            why_not.append(
                f"tiles on axis {off.name} start off the {off.align}-row pooling grid (--no-exact): near their "
                "edges the pools group rows differently from one pass"
            )
    else:
        if request.runtime == "monai":
            overlap = request.overlap if request.overlap is not None else _exact_overlap(axes, tile)
            parameters = {"roi_size": windows, "overlap": overlap, "sw_batch_size": batch, "mode": "constant"}
            why_not.append("MONAI averages overlapping windows, and a window's edge rows see its border padding")
        else:
            parameters = {
                "patch_size": windows,
                "tile_step_size": request.step_size,
                "use_mirroring": request.mirroring,
            }
            why_not.append("nnU-Net blends tiles with Gaussian weights, and a tile's edge rows see its border padding")
        if valid_padded:
            # The runtime wants an output as large as its window: pad each window by what the convs cut.
            parameters["pad_window"] = [[math.floor(a.field.anchor), a.cut - math.floor(a.field.anchor)] for a in axes]
        off = next((p for p in plans if not p.aligned), None)
        if off is not None:
            why_not.append(f"windows on axis {off.name} start off the {off.align}-row pooling grid")
    findings = _statistics_findings(result, rf)
    if findings:
        why_not.append("instance/group norm statistics differ per tile: " + ", ".join(rf.statistics[:4]))
    passes = 2 ** len(axes) if request.runtime == "nnunet" and request.mirroring else 1
    at_tile = check_spec(result.spec, tile)
    if not at_tile.ok or at_tile.inference is None:
        raise TileError(f"the spec does not check at the tile {'x'.join(map(str, tile))}")
    peak = estimate_memory(at_tile, batch, precision, "sgd").inference.peak
    assert isinstance(peak, int)
    memory = _memory(result, request.runtime, plans, batch, peak, precision, request.memory)
    macs = compute_costs(at_tile.inference).macs
    padded = tuple(p.padded for p in plans)
    whole_macs = None
    if request.runtime == "overlap-tile" and all(a.validity.contains(n) for a, n in zip(axes, padded, strict=True)):
        whole = check_spec(result.spec, padded)
        whole_macs = compute_costs(whole.inference).macs.value if whole.ok and whole.inference else None
    return TilePlan(
        runtime=request.runtime,
        image=request.image,
        axes=plans,
        batch=batch,
        precision=precision,
        valid_padded=valid_padded,
        passes_per_tile=passes,
        exact=not why_not,
        why_not_exact=why_not,
        memory=memory,
        macs_per_tile=macs.value,
        whole_macs=whole_macs,
        parameters=parameters,
        findings=findings,
    )


def _statistics_findings(result: CheckResult, rf: ReceptiveField) -> list[Diagnostic]:
    findings = []
    layers = {layer.name: layer for layer in result.spec.layers}
    for name in rf.statistics:
        layer = layers.get(name)
        line, column = layer.where() if layer else (0, 0)
        findings.append(
            TILE_DEPENDENT_STATISTICS.finding(
                TILE_DEPENDENT_STATISTICS.says("per-tile", layer=name),
                hint="blend overlapping tiles, run whole images where memory allows, or use batch norm",
                file=result.path,
                line=line,
                column=column,
                layer=name,
            )
        )
    return findings


def _overlap_tile(axis: _Axis, image: int, tile: int, exact: bool = True) -> AxisPlan:
    output, align = axis.output(tile), axis.windows.shift
    grid = align if exact else 1
    if axis.cut > 0:  # valid convolutions: every output row is exact; tiles' outputs abut
        step = output // grid * grid
        if step == 0 and output < image:  # one tile needs no step
            raise TileError(
                f"axis {axis.field.name}: tile {tile} gives {output} output rows, fewer than the {align}-row grid "
                "its steps must keep: choose a larger tile"
            )
        step = step or output
        count = 1 if output >= image else math.ceil((image - output) / step) + 1
        starts = tuple(k * step for k in range(count))
        padded = (count - 1) * step + tile
        before = math.floor(axis.field.anchor)
        abutting = tuple((0, step if k < count - 1 else output) for k in range(count))
        return AxisPlan(
            axis.field.name, image, tile, output, step, align, starts, abutting, starts,
            (before, padded - image - before), (0, output), tile,
        )  # fmt: skip
    first, last = _exact_rows(axis.windows, tile)
    step = (last - first) // grid * grid
    whole = max(image if axis.validity.contains(image) else axis.cap(image), tile)
    if step <= 0 and tile < whole:  # one tile needs no step
        raise TileError(
            f"axis {axis.field.name}: in a tile of {tile} no {align} consecutive output rows are free of the "
            "padding at its edges: choose a larger tile"
        )
    step = step if step > 0 else tile
    count = 1 if tile >= whole else math.ceil((whole - tile) / step) + 1
    starts = tuple(min(k * step, whole - tile) for k in range(count))
    keep: list[tuple[int, int]] = []
    written = 0
    for k, start in enumerate(starts):
        keep.append((written - start, tile if k == count - 1 else last))
        written = start + keep[-1][1]
    return AxisPlan(
        axis.field.name, image, tile, tile, step, align, starts, tuple(keep), starts, (0, whole - image),
        (first, last), tile,
    )  # fmt: skip


def _exact_rows(windows: Windows, rows: int, before: int = 0) -> tuple[int, int]:
    """Output rows [first, last) of a window of ``rows`` (run with ``before`` rows of border padding in front)
    whose whole input window lies inside it: those equal the whole image's pass. Windows only move right
    as the row does, so the rows that see padding are a run at each end, found by bisection."""
    if any(low is None for low in windows.lo):  # a row that reads nothing (a transposed conv with k < s)
        inside = [o for o in range(min(rows, MAX_TILE_STEPS)) if _inside(windows, o, before, rows)]
        return (inside[0], inside[-1] + 1) if inside else (0, 0)
    first = _first(lambda o: _start(windows, o) >= before, 0, rows - 1)
    past = _first(lambda o: _end(windows, o) > before + rows - 1, 0, rows - 1)
    last = rows if past is None else past
    return (first, last) if first is not None and first < last else (0, 0)


def _inside(windows: Windows, o: int, before: int, rows: int) -> bool:
    window = windows.at(o)
    return window is not None and window[0] >= before and window[1] <= before + rows - 1


def _start(windows: Windows, o: int) -> int:
    window = windows.at(o)
    assert window is not None
    return window[0]


def _end(windows: Windows, o: int) -> int:
    window = windows.at(o)
    assert window is not None
    return window[1]


def _last(holds: Callable[[int], bool], low: int, high: int) -> int:
    """The largest value in [low, high] where ``holds`` (true, then false, along the range); ``low`` if none."""
    while low < high:
        middle = (low + high + 1) // 2
        if holds(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _first(holds: Callable[[int], bool], low: int, high: int) -> int | None:
    """The smallest value in [low, high] where ``holds`` (false, then true, along the range), or None."""
    if low > high or not holds(high):
        return None
    while low < high:
        middle = (low + high) // 2
        if holds(middle):
            high = middle
        else:
            low = middle + 1
    return low


def _window(axis: _Axis, tile: int) -> tuple[int, int, int]:
    """MONAI's/nnU-Net's window for a network input ``tile``: the window itself, and the exact rows in it."""
    rows = tile - axis.cut
    first, last = _exact_rows(axis.windows, rows, math.floor(axis.field.anchor))
    return rows, first, last


def _exact_overlap(axes: list[_Axis], tile: tuple[int, ...]) -> float:
    """The smallest MONAI overlap whose step keeps windows on the grid and every row in some exact region."""
    overlaps = []
    for axis, size in zip(axes, tile, strict=True):
        rows, first, last = _window(axis, size)
        align = axis.windows.shift
        step = max((last - first) // align * align, align)
        overlaps.append(_overlap_for(rows, min(step, rows)))
    return max(overlaps)


def _overlap_for(roi: int, step: int) -> float:
    """A short decimal overlap for which MONAI's int(roi·(1 − overlap)) is ``step``."""
    for digits in (2, 3, 4, 6):
        for candidate in sorted({round((roi - step - f) / roi, digits) for f in (0.0, 0.25, 0.5, 0.75)}):
            if 0 <= candidate < 1 and int(roi * (1 - candidate)) == step:
                return candidate
    return (roi - step - 0.5) / roi


def _monai(axis: _Axis, image: int, tile: int, overlap: float) -> AxisPlan:
    """monai.inferers.sliding_window_inference's windows (its _get_scan_interval and dense_patch_slices)."""
    roi, first, last = _window(axis, tile)
    if not 0 <= overlap < 1:
        raise TileError(f"--overlap {overlap}: MONAI needs 0 <= overlap < 1")
    size = max(image, roi)
    interval = roi if roi == size else max(int(roi * (1 - overlap)), 1)
    count = math.ceil(size / interval)
    scans = next((d for d in range(count) if d * interval + roi >= size), None)
    count = scans + 1 if scans is not None else 1
    starts = tuple(d * interval - max(d * interval + roi - size, 0) for d in range(count))
    before = (size - image) // 2
    return AxisPlan(
        axis.field.name, image, roi, roi, interval, axis.windows.shift, starts, tuple((0, roi) for _ in starts),
        starts, (before, size - image - before), (first, last), tile,
    )  # fmt: skip


def _nnunet(axis: _Axis, image: int, tile: int, step_size: float) -> AxisPlan:
    """nnU-Net's compute_steps_for_sliding_window (after pad_nd_image pads the image to the patch)."""
    if not 0 < step_size <= 1:
        raise TileError(f"--step-size {step_size}: nnU-Net needs 0 < tile_step_size <= 1")
    patch, first, last = _window(axis, tile)
    size = max(image, patch)
    count = math.ceil((size - patch) / (patch * step_size)) + 1
    spacing = (size - patch) / (count - 1) if count > 1 else 0.0
    starts = tuple(round(spacing * k) for k in range(count))  # numpy's round: half to even, as Python's
    before = (size - image) // 2
    return AxisPlan(
        axis.field.name, image, patch, patch, starts[1] - starts[0] if count > 1 else patch, axis.windows.shift,
        starts, tuple((0, patch) for _ in starts), starts, (before, size - image - before), (first, last), tile,
    )  # fmt: skip


def _memory(
    result: CheckResult,
    runtime: str,
    plans: list[AxisPlan],
    batch: int,
    tile_peak: int,
    precision: str,
    limit: int | None,
) -> TileMemory:
    """The runtime's own buffers beside the network's peak (what its source allocates, in its dtypes)."""
    inference = result.inference
    assert inference is not None and inference.output is not None
    channels_in, channels_out = inference.input.channels, inference.output.channels
    image = math.prod(p.padded for p in plans)
    window = math.prod(p.tile for p in plans)
    buffers: dict[str, int] = {}
    host: dict[str, int] = {}
    if any(p.tile != p.network_input for p in plans) and runtime != "overlap-tile":
        buffers["windows before padding"] = batch * channels_in * window * FLOAT32
    if runtime == "overlap-tile":
        output = math.prod(p.image for p in plans)
        host = {"image (padded)": channels_in * image * FLOAT32, "stitched output": channels_out * output * FLOAT32}
    elif runtime == "monai":
        # compute_dtype is the input's (float32 under autocast too): output and count map at the image's size.
        buffers |= {
            "input image": channels_in * image * FLOAT32,
            "output buffer": channels_out * image * FLOAT32,
            "count map": image * FLOAT32,
            "importance map": window * FLOAT32,
        }
    else:
        buffers |= {
            "input image": channels_in * image * FLOAT32,
            "predicted logits (fp16)": channels_out * image * HALF,
            "n_predictions (fp16)": image * HALF,
            "gaussian (fp16)": window * HALF,
            "mirrored prediction sum": channels_out * window * PRECISIONS[precision],
        }
    return TileMemory(tile_peak, buffers, host, limit)
