"""The 2015-paper figure: one bar per feature map, computed from the spec.

Bars stand on one baseline per level (the encoder descends on the left, the decoder rises on the right);
a bar's height grows with the spatial size and its width with the channel count, both on a log scale
and clamped, so a 1024-channel 28×28 map and a 64-channel 568×568 map both read. Channel counts stand
above the bars, sizes beside them; arrows are coloured by operation and listed in a legend. The levels
come from the graph (draw/layout.py), not from names. The result is a :class:`Figure` of primitives in
points; paper_svg.py and paper_pdf.py write it.
"""

from __future__ import annotations

import bisect
import dataclasses
import math
from dataclasses import dataclass, field

from unetcalc.check import CheckResult
from unetcalc.draw.layout import build_diagram
from unetcalc.draw.pdf_font import embedded_font
from unetcalc.ops.registry import SHAPE_KEEPING_OPS
from unetcalc.shapes.infer import LayerShapes
from unetcalc.spec.model import Layer

PT_PER_CM = 72 / 2.54
FONT = 7.0  # points: the text size of a two-column paper's figures
BAR_MIN_H, BAR_MAX_H = 9.0, 58.0
BAR_MIN_W, BAR_MAX_W = 1.5, 11.0
ROW_GAP = 26.0  # between a level's baseline and the tallest bar of the next level (labels, arrows)
MIN_GAP = 7.0  # the shortest arrow between two bars
MARGIN = 10.0
UPRIGHT_BELOW = 0.8  # size labels stand on end when lying flat they would shrink the figure below this
SIZE_FONT = FONT - 1.5
CHANNEL_FONT = FONT - 0.5
COMPACT_MAX_W = 4.0  # the widest bar of a figure laid out for a narrow column
MAX_DESCRIPTIONS = 3  # per legend line: the first kinds of conv (or pool …) met
BAR_FILL, BAR_STROKE, COPY_FILL = "#9ecae1", "#2b5d87", "#ffffff"
# kind → (colour, legend order); the legend lists the kinds a figure uses, with their descriptions
ARROWS = {
    "conv": "#2c5aa0",
    "down": "#c0392b",
    "up": "#1e8449",
    "copy": "#7f7f7f",
    "head": "#16a085",
    "join": "#8e44ad",
    "gate": "#d35400",
    "other": "#555555",
}
ACTIVATION_NAMES = {
    "relu": "ReLU", "leakyrelu": "LeakyReLU", "prelu": "PReLU", "elu": "ELU", "gelu": "GELU", "silu": "SiLU",
    "sigmoid": "sigmoid", "tanh": "tanh", "softmax": "softmax", "batchnorm": "BN", "instancenorm": "IN",
    "groupnorm": "GN", "layernorm": "LN", "dropout": "dropout",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    fill: str
    role: str  # "bar" or "copy" (the skip half of a concatenation), "legend"
    level: int = 0
    name: str = ""


@dataclass(frozen=True, slots=True)
class Text:
    x: float
    y: float
    text: str
    size: float = FONT
    anchor: str = "middle"  # start | middle | end
    rotate: bool = False  # read bottom to top, as size labels beside a bar
    role: str = ""  # "channels", "size", "arrow", "legend", "title"


@dataclass(frozen=True, slots=True)
class Arrow:
    points: tuple[tuple[float, float], ...]
    kind: str
    legend: bool = False  # the sample arrow of a legend line

    @property
    def color(self) -> str:
        return ARROWS[self.kind]


@dataclass(slots=True)
class Figure:
    width: float  # points
    height: float
    rects: list[Rect] = field(default_factory=list)
    texts: list[Text] = field(default_factory=list)
    arrows: list[Arrow] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)  # (kind, description) in order of first use
    scale: float = 1.0  # < 1: the figure is shrunk, text included, to the width asked for
    label_room: list[float] = field(default_factory=list)  # per level: the room the channel labels take above it

    @property
    def text_size(self) -> float:
        """The body text size on paper, in points."""
        return FONT * self.scale


@dataclass(slots=True)
class Bar:
    entry: LayerShapes | None  # None: the network input
    level: int
    channels: int
    size_value: float  # the spatial size used for the height (geometric mean of the axes)
    size_text: str
    kind: str  # the arrow kind into it
    description: str  # "conv 3×3, ReLU"
    copy_channels: int = 0  # a concatenation's skip part, drawn white on its left
    repeat: int = 1  # identical feature maps in a row (residual blocks), drawn once: "64 ×6"
    skips: tuple[str, ...] = ()  # tensors joined into it
    crops: bool = False
    x: float = 0.0
    w: float = 0.0
    h: float = 0.0
    tensors: set[str] = field(default_factory=set)  # tensor ids this bar stands for
    source: str = "input"  # the tensor its incoming arrow comes from
    unit: bool = False  # a residual unit (its convs and its add) folded into the add's bar
    gates: dict[str, str] = field(default_factory=dict)  # a skip tensor → the attention gate it passes


def paper_figure(result: CheckResult, width_cm: float = 17.0) -> Figure:
    """The figure for a spec that checked (shapes known), ``width_cm`` wide where it fits."""
    assert result.inference is not None and result.validity is not None
    diagram = build_diagram(result, "auto", "blocks")
    level_of = {e.layer.id: b.level for b in diagram.blocks for e in b.entries}
    bars = _bars(result, level_of)
    target = width_cm * PT_PER_CM
    _size_bars(bars)
    figure = _place(bars, target)
    figure.scale = _scale_to(figure.width, target)
    if figure.scale < 1.0:  # the text would shrink: lay the figure out for the width instead
        _size_bars(bars, compact=True)
        narrow = _place(bars, target, compact=True)
        narrow.scale = _scale_to(narrow.width, target)
        if narrow.scale > figure.scale:
            return narrow
        _size_bars(bars)
        figure = _place(bars, target)
        figure.scale = _scale_to(figure.width, target)
    return figure


def _scale_to(width: float, target: float) -> float:
    """How much a figure ``width`` wide is shrunk to ``target``: 1 when it fits (to a hundredth of a point)."""
    return 1.0 if width <= target + 0.01 else target / width


def _bars(result: CheckResult, level_of: dict[str, int]) -> list[Bar]:
    inference = result.inference
    assert inference is not None
    shown = result.validity.inference if result.validity is not None else inference
    symbolic = {e.layer.id: e for e in shown.layers} if not _concrete(result) else {}
    start = inference.input
    bars = [Bar(None, 0, start.channels, _size_value(start.size), _size_text(start.size), "conv", "input")]
    bars[0].tensors.add("input")
    bar_of = {"input": 0}
    gated: dict[str, str] = {}  # a gated skip's tensor → its gate's steps
    readers = result.graph.readers if result.graph is not None else {}
    for entry in inference.layers:
        layer = entry.layer
        if entry.out is None:
            continue
        gate = _attention_gate(bars, bar_of, layer, readers, level_of.get(layer.id, 0))
        if gate is not None:
            # Drawn as Oktay et al. draw it: on the skip line, the gated skip standing for the skip's map.
            first_gate_bar, skip_bar, steps = gate
            for member in bars[first_gate_bar:]:
                bars[skip_bar].tensors |= member.tensors
            del bars[first_gate_bar:]
            bars[skip_bar].tensors.add(layer.id)
            for tensor in bars[skip_bar].tensors:
                bar_of[tensor] = skip_bar
            gated[layer.id] = steps
            continue
        text_entry = symbolic.get(layer.id, entry)
        size_text = _size_text(text_entry.out.size) if text_entry.out is not None else ""
        source_bar = bar_of.get(layer.source, len(bars) - 1)
        # A pad/crop/resize to another tensor's size that is its input's at every valid size (milesial's
        # and MONAI's pad to the skip) changes no map: drawn on its input's bar, as an activation is.
        aligns = layer.op in ("pad", "crop", "resize") and bool(layer.refs) and entry.ins[0] == entry.out
        if layer.op in SHAPE_KEEPING_OPS or aligns:
            # drawn on its input's bar: its name joins the description of the arrow into that bar
            bar = bars[source_bar]
            word = ACTIVATION_NAMES.get(layer.op, layer.op)
            if word not in bar.description.split(", ") and bar.entry is not None:
                bar.description += f", {word}"
            bar.tensors.add(layer.id)
            bar_of[layer.id] = source_bar
            continue
        kind, description = _arrow_kind(entry)
        level = level_of.get(layer.id, 0)
        upsampled = bars[-1]
        if (
            layer.op == "conv"
            and kind == "conv"
            and source_bar == len(bars) - 1
            and upsampled.entry is not None
            and upsampled.entry.layer.op in ("upsample", "resize")
            and upsampled.level == level
            and all(
                reader == layer.id
                for tensor in upsampled.tensors
                for reader in readers.get(tensor, [])
                if reader not in upsampled.tensors
            )
        ):
            # An upsampling read only by the conv after it is one step, as the 2015 paper's "up-conv"
            # (Attention U-Net's up_conv, nnU-Net-style "upsample + conv" decoders): one arrow, one map.
            bars.pop()
            kind, description, layer_source, merged = (
                "up",
                f"{upsampled.description} + {description}",
                upsampled.source,
                upsampled,
            )
        else:
            layer_source, merged = layer.source, None
        bar = Bar(entry, level, entry.out.channels, _size_value(entry.out.size), size_text, kind, description)
        if merged is not None:
            bar.tensors |= merged.tensors
            source_bar = bar_of.get(layer_source, len(bars) - 1)
        bar.source = layer_source
        if layer.op == "concat":
            skips = tuple(r for r in layer.refs)
            bar.copy_channels = sum(e.channels for e in entry.ins[1:] if e is not None)
            last = len(bars) - 1
            swapped = source_bar != last and len(skips) == 1 and bar_of.get(skips[0]) == last
            if swapped and bars[last].kind in ("up", "conv") and entry.ins[0] is not None:
                # torch.cat([skip, up]) (milesial): the up-sampled map is the bar just drawn, the skip the copy
                skips, bar.copy_channels, source_bar = (layer.source,), entry.ins[0].channels, last
            bar.skips, bar.crops = skips, layer.params.get("crop") == "center"
            bar.gates = {skip: gated[skip] for skip in skips if skip in gated}
            previous = bars[source_bar]
            if source_bar == len(bars) - 1 and previous.entry is not None and previous.level == level:
                # the up-convolved map and its copy are one bar, white and coloured, as in the paper
                bar.kind, bar.description, bar.source = previous.kind, previous.description, previous.source
                bar.tensors |= previous.tensors
                bars.pop()
        elif layer.op in ("add", "multiply"):
            bar.skips = tuple(layer.refs)
        bar.tensors.add(layer.id)
        bars.append(bar)
        for tensor in bar.tensors:
            bar_of[tensor] = len(bars) - 1
    return _collapse(_residual_units(bars))


MAX_GATE_BARS = 8  # maps an attention gate makes (Oktay's: two 1×1 convs, their sum, a 1×1 conv to one map)


def _attention_gate(
    bars: list[Bar], bar_of: dict[str, int], layer: Layer, readers: dict[str, list[str]], level: int
) -> tuple[int, int, str] | None:
    """A multiply of a skip by a one-channel map computed from that skip and the decoder's map (an
    attention gate): where its maps begin in ``bars``, the skip's bar, and its steps; None otherwise.

    The gate's maps are the bars just before the multiply, reading only each other, the skip and the
    decoder map just before them — which something after the gate reads too (the concat)."""
    if layer.op != "multiply" or len(layer.refs) != 1:
        return None
    end = len(bars)
    skip, factor = bar_of.get(layer.source), bar_of.get(layer.refs[0])
    if factor != end - 1 and skip == end - 1:
        skip, factor = factor, skip
    if skip is None or factor != end - 1 or bars[factor].channels != 1 or skip >= end - 1:
        return None
    for start in range(end - 1, max(skip + 1, end - MAX_GATE_BARS) - 1, -1):
        if bars[start].level != level:
            return None
        decoder = start - 1
        if decoder <= skip:
            return None
        region = range(start, end)
        inside = {t for i in region for t in bars[i].tensors}
        allowed = inside | bars[skip].tensors | bars[decoder].tensors
        reads = [t for i in region for t in (bars[i].source, *bars[i].skips)]
        if not all(t in allowed for t in reads) or not any(t in bars[skip].tensors for t in reads):
            continue
        own = bars[decoder].tensors
        outside = any(
            reader not in inside and reader not in own and reader != layer.id
            for tensor in own
            for reader in readers.get(tensor, [])
        )
        if outside:
            steps = [bars[i].description for i in region] + ["multiply"]
            return start, skip, "attention gate: " + " → ".join(dict.fromkeys(steps))
    return None


def _residual_units(bars: list[Bar]) -> list[Bar]:
    """A residual unit — the maps from its input to its add, with a projection beside them — becomes the
    add's bar: a bottleneck (1×1, 3×3, 1×1, add) is one map, as ResNet papers draw it, so a stage of them
    is one run for _collapse to mark ×N. The maps a unit makes at another level (the 1×1 before a strided
    3×3) stay bars of their own; gates and joins of other branches are never folded."""
    kept: list[Bar] = []
    index_of: dict[str, int] = {}  # tensor → its bar in ``kept``
    for bar in bars:
        found = _unit_start(kept, index_of, bar)
        if found is not None:
            start, shortcut = found
            members = kept[start:]
            main = [m for i, m in enumerate(members, start) if i not in shortcut]
            side = [m for i, m in enumerate(members, start) if i in shortcut]
            del kept[start:]
            for member in members:
                bar.tensors |= member.tensors
            # The main path in order, then the add; a projection is said once, after them.
            steps = [m.description for m in main if m.kind != "join"] + [bar.description]
            if side:
                steps.append("shortcut " + " + ".join(m.description for m in side))
            bar.description = " → ".join(dict.fromkeys(steps))
            first = main[0] if main else members[0]
            bar.kind, bar.source, bar.skips, bar.unit = first.kind, first.source, (), True
        kept.append(bar)
        for tensor in bar.tensors:
            index_of[tensor] = len(kept) - 1
    return kept


MAX_UNIT_BARS = 16  # maps in one residual unit, each branch: a unit is a few convs, never a whole network


def _unit_start(kept: list[Bar], index_of: dict[str, int], bar: Bar) -> tuple[int, set[int]] | None:
    """Where in ``kept`` the residual unit that ``bar`` (an add) closes begins, and which of its maps are
    the shortcut's; None when it closes none.

    The unit's input is where the add's two branches meet walking back: the skip itself (an identity
    shortcut), or what a projection reads (a 1×1 conv, or nnU-Net ResEnc's avg pool and 1×1 conv)."""
    if bar.entry is None or bar.entry.layer.op != "add" or len(bar.skips) != 1:
        return None
    skip = index_of.get(bar.skips[0])
    main = index_of.get(bar.source)
    if skip is None or main is None or skip == main:
        return None
    main_path, skip_path = _path_back(kept, index_of, main), _path_back(kept, index_of, skip)
    common = set(main_path) & set(skip_path)
    if not common:
        return None
    origin = max(common)
    members = {i for i in (*main_path, *skip_path) if i > origin}
    if len(members) != len(kept) - origin - 1 or members != set(range(origin + 1, len(kept))):
        return None  # something else sits among them (another branch): not a plain unit
    first = origin + 1
    while first < len(kept) and kept[first].level != bar.level:
        first += 1  # a map of the unit at another level (before a strided conv) keeps its bar
    folded = kept[first:]
    if not folded or any(m.level != bar.level or m.copy_channels or m.kind == "up" for m in folded):
        return None
    return first, {i for i in skip_path if i > origin and i not in main_path}


def _path_back(kept: list[Bar], index_of: dict[str, int], start: int) -> list[int]:
    """``start`` and the bars it is made from, back along each bar's source, at most MAX_UNIT_BARS."""
    path = [start]
    while len(path) <= MAX_UNIT_BARS:
        previous = index_of.get(kept[path[-1]].source)
        if previous is None or previous >= path[-1]:
            break
        path.append(previous)
    return path


MAX_PLAIN_RUN = 4  # maps in a plain conv run still drawn one by one (a U-Net level has 2-3, VGG's 3)


def _collapse(bars: list[Bar]) -> list[Bar]:
    """A run of maps of one size and channel count, each made from the one before, becomes one bar marked
    ×N when it holds a residual add or is longer than MAX_PLAIN_RUN: a ResNet encoder stays a few bars,
    while a U-Net level keeps a bar per conv, as in the paper."""
    runs: list[list[Bar]] = []
    joined: set[str] = set()  # the tensors of the current run, kept as it grows (a union per bar was quadratic)
    for bar in bars:
        run = runs[-1] if runs else None
        head = run[0] if run else None
        same = (
            run is not None
            and head is not None
            and head.entry is not None
            and bar.entry is not None
            and bar.level == head.level
            and bar.channels == head.channels
            and bar.size_text == head.size_text
            and not bar.copy_channels
            and bar.source in joined
            and all(skip in joined for skip in bar.skips)
        )
        if same and run is not None:
            run.append(bar)
            joined |= bar.tensors
        else:
            runs.append([bar])
            joined = set(bar.tensors)
    kept: list[Bar] = []
    for run in runs:
        if len(run) > 1 and (len(run) > MAX_PLAIN_RUN or any(b.kind == "join" or b.unit for b in run[1:])):
            head = run[0]
            head.repeat = len(run)
            for member in run[1:]:
                head.tensors |= member.tensors
            # The arrow into a ×N bar stands for the whole run: every kind of step in it, not only the first.
            # Residual units each list their steps: a run says each kind of unit once, in order.
            steps = [b.description for b in run if b.kind != "join"]
            joiner = ", then " if any(b.unit for b in run) else " → "
            head.description = joiner.join(dict.fromkeys(steps)) or head.description
            kept.append(head)
        else:
            kept.extend(run)
    return kept


def _concrete(result: CheckResult) -> bool:
    assert result.inference is not None
    return all(s.is_number for s in result.inference.input.size)


def _size_value(sizes: tuple) -> float:  # type: ignore[type-arg]
    values = [float(s.const) if s.is_number else float(s.at(512)) for s in sizes]
    values = [max(v, 1.0) for v in values]
    return math.prod(values) ** (1 / len(values)) if values else 1.0


def _size_text(sizes: tuple) -> str:  # type: ignore[type-arg]
    parts = [str(s) for s in sizes]
    return "×".join(f"({p})" if " " in p and len(parts) > 1 else p for p in parts).replace(" ", "")


def _arrow_kind(entry: LayerShapes) -> tuple[str, str]:
    layer = entry.layer
    p = layer.params
    op = layer.op

    rank = len(entry.out.size) if entry.out is not None else 2

    def k(values: object) -> str:
        """A window as `table` writes it: one size per axis (`5` in 1D, `3×3`, `3×3×3`, `1×3×3`)."""
        items = list(values) if isinstance(values, (list, tuple)) else [values] * rank
        return "×".join(str(v) for v in (items * rank if len(items) == 1 else items))

    if op == "conv":
        stride = p.get("stride") or (1,)
        if any(s > 1 for s in stride):
            return "down", f"conv {k(p['kernel'])}, stride {max(stride)}"
        if all(v == 1 for v in p.get("kernel", (3,))):
            return "head", f"conv {k(p['kernel'])}"
        return "conv", f"conv {k(p['kernel'])}"
    if op in ("maxpool", "avgpool"):
        return "down", f"{'max' if op == 'maxpool' else 'avg'} pool {k(p['kernel'])}"
    if op == "upconv":
        return "up", f"up-conv {k(p['kernel'])}"
    if op in ("upsample", "resize"):
        mode = p.get("mode") or "nearest"
        return "up", f"upsample ({mode})"
    if op == "linear":
        return "head", "linear"
    if op in ("add", "multiply"):
        return "join", "add" if op == "add" else "multiply"
    if op == "concat":
        return "copy", "concatenate"
    return "other", op


def _size_bars(bars: list[Bar], compact: bool = False) -> None:
    """Heights from the sizes, widths from the channels (both log scales); ``compact``: thin bars, for a
    figure laid out for a narrow column."""
    sizes = [b.size_value for b in bars]
    low, high = math.log(min(sizes)), math.log(max(sizes))
    top = max(b.channels for b in bars)
    for bar in bars:
        t = 1.0 if high == low else (math.log(bar.size_value) - low) / (high - low)
        bar.h = BAR_MIN_H + (BAR_MAX_H - BAR_MIN_H) * t
        bar.w = _width(bar.channels, top, COMPACT_MAX_W if compact else BAR_MAX_W)


def _width(channels: int, top: int, widest: float = BAR_MAX_W) -> float:
    if top <= 1:
        return BAR_MIN_W
    t = math.log2(max(channels, 1)) / math.log2(max(top, 2))
    return BAR_MIN_W + (widest - BAR_MIN_W) * min(max(t, 0.0), 1.0)


def _place(bars: list[Bar], target_width: float, compact: bool = False) -> Figure:
    """x: a bar after the previous one, or right under/over it when the level changes; y: per level.

    ``compact`` (a narrow column): channel labels stand on end above the bars as the sizes do below them,
    so bars need only a label's thickness between them, not its length."""
    # x = fixed + steps·gap for every bar: place with no gap, then choose the gap that fills the width
    fixed, steps, x, k = [], [], MARGIN + FONT, 0
    for i, bar in enumerate(bars):
        if i:
            previous = bars[i - 1]
            if previous.level == bar.level:
                x, k = x + previous.w, k + 1
            else:
                x += (previous.w - bar.w) / 2
        fixed.append(x)
        steps.append(k)
    right = max(f + b.w for f, b in zip(fixed, bars, strict=True))
    fill = (target_width - 2 * MARGIN - right) / max(k, 1)  # the right edge where the width asked for ends
    shown = _size_labels(bars)
    labels = [_text_width(b.size_text, SIZE_FONT) if shown[i] else 0.0 for i, b in enumerate(bars)]
    readable = max(
        ((labels[i] + labels[i + 1] - bars[i].w - bars[i + 1].w) / 2 + 3.0 for i in range(len(bars) - 1)
         if bars[i].level == bars[i + 1].level and labels[i] and labels[i + 1]),
        default=MIN_GAP,
    )  # fmt: skip
    if compact:  # labels on end: neighbours' labels need a text line's thickness between their centres
        _fit_gap(bars, target_width, CHANNEL_FONT + 0.5 - BAR_MIN_W, fill, k)
    else:
        _fit_gap(bars, target_width, max(MIN_GAP, readable), fill, k)
    # Sizes written across would make the figure too wide to read: stand them on end under the bars,
    # as the paper does (the rows grow taller instead of the figure wider).
    upright = compact or target_width / (max(b.x + b.w for b in bars) + 2 * MARGIN) < UPRIGHT_BELOW
    if upright and not compact:
        _fit_gap(bars, target_width, MIN_GAP, fill, k)
    depth = max(b.level for b in bars)
    tallest: list[float | None] = [None] * (depth + 1)
    hanging = [0.0] * (depth + 1)
    for i, b in enumerate(bars):  # one pass: per level, the tallest bar and the longest hanging label
        known = tallest[b.level]
        tallest[b.level] = b.h if known is None else max(known, b.h)
        if upright:
            hanging[b.level] = max(hanging[b.level], labels[i])
    heights = [BAR_MIN_H if h is None else h for h in tallest]
    room = [FONT] * (depth + 1)  # above each level: its channel labels (on end in a compact figure)
    if compact:
        for b in bars:
            room[b.level] = max(room[b.level], _text_width(_channels_text(b), CHANNEL_FONT) + 2.0)
    baselines, y = [], MARGIN + room[0] + 2
    for lv in range(depth + 1):
        y += heights[lv]
        baselines.append(y)
        y += ROW_GAP + (room[lv + 1] if lv < depth else FONT) + hanging[lv]
    width = max(b.x + b.w for b in bars) + 2 * MARGIN
    figure = Figure(width=max(width, target_width), height=0, label_room=room)
    under = [hanging[lv] + 3.0 if upright else SIZE_FONT + 2.5 for lv in range(depth + 1)]
    _draw(figure, bars, baselines, upright, under)
    _drop_crossed_arrow_labels(figure)
    legend_y = baselines[-1] + under[-1] + FONT + 8.0
    figure.height = _legend(figure, legend_y)
    _keep_inside(figure)
    return figure


LABEL_COLUMN = 40.0  # points: the width of the columns segments are filed under


def _drop_crossed_arrow_labels(figure: Figure) -> None:
    """A line's "copy" label that another line runs through (UNet++'s nested skips share their lanes'
    ends) is left out: the legend names the arrow, and no text is drawn over a line."""
    # Segments by the columns they pass (a label meets only those of its columns: no quadratic scan).
    columns: dict[int, list[tuple[float, float, float, float]]] = {}
    for arrow in figure.arrows:
        if arrow.legend:
            continue
        for (x0, y0), (x1, y1) in zip(arrow.points, arrow.points[1:], strict=False):
            box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
            for column in range(int(box[0] // LABEL_COLUMN), int(box[2] // LABEL_COLUMN) + 1):
                columns.setdefault(column, []).append(box)

    def crossed(text: Text) -> bool:
        width = _text_width(text.text, text.size)
        left = text.x - {"start": 0.0, "middle": width / 2, "end": width}[text.anchor]
        top, right, bottom = text.y - 0.75 * text.size, left + width, text.y + 0.25 * text.size
        for column in range(int(left // LABEL_COLUMN), int(right // LABEL_COLUMN) + 1):
            for x0, y0, x1, y1 in columns.get(column, []):
                if x0 < right and x1 > left and y0 < bottom and y1 > top:
                    return True
        return False

    figure.texts = [text for text in figure.texts if text.role != "arrow" or text.rotate or not crossed(text)]


def _keep_inside(figure: Figure) -> None:
    """Move everything down when lines over the top level (lanes stack upward) or its labels on end reach
    above the top margin, so that nothing is cut at the figure's edge."""
    tops = [y for arrow in figure.arrows for _, y in arrow.points]
    tops += [t.y - (_text_width(t.text, t.size) if t.rotate and t.anchor == "start" else t.size) for t in figure.texts]
    tops += [r.y for r in figure.rects]
    shift = MARGIN - min(tops, default=MARGIN)
    if shift <= 0:
        return
    figure.rects[:] = [dataclasses.replace(r, y=r.y + shift) for r in figure.rects]
    figure.texts[:] = [dataclasses.replace(t, y=t.y + shift) for t in figure.texts]
    figure.arrows[:] = [
        dataclasses.replace(a, points=tuple((x, y + shift) for x, y in a.points)) for a in figure.arrows
    ]
    figure.height += shift


def _fit_gap(bars: list[Bar], target_width: float, floor: float, fill: float, steps: int) -> float:
    """The gap between bars that fills ``target_width`` (never under ``floor``); bars placed with it."""
    gap = max(floor, min(fill, 48.0))
    for _ in range(8):  # the decoder may have to step right of its level's encoder: shrink the gap to fit
        right = _positions(bars, gap)
        if right + 2 * MARGIN <= target_width + 0.5 or gap <= floor:
            break
        gap = max(floor, gap * (target_width - 2 * MARGIN - (right - gap * steps)) / (gap * steps + 1e-9))
    _positions(bars, gap)
    return gap


def _positions(bars: list[Bar], gap: float) -> float:
    """Place the bars left to right (a level change stays under/over the bar before it, unless that
    would put a decoder bar among its level's encoder bars, where the copy arrows run); the right edge."""
    right_at: dict[int, float] = {}
    index = {tensor: i for i, bar in enumerate(bars) for tensor in bar.tensors}
    # The bars of each level left to right, with their place in `bars`: a skip's span is a slice, not a scan.
    by_level: dict[int, list[tuple[float, int]]] = {}
    for i, b in sorted(enumerate(bars), key=lambda item: item[1].x):
        by_level.setdefault(b.level, []).append((b.x, i))
    x = MARGIN + FONT
    for i, bar in enumerate(bars):
        if i:
            previous = bars[i - 1]
            source = bars[index.get(bar.source, i - 1)]
            if source.level != bar.level and index.get(bar.source, i) < i:
                previous = source  # under/over the map it comes from (not a side head drawn just before)
            if previous.level == bar.level:
                x = previous.x + previous.w + gap
            else:
                x = previous.x + (previous.w - bar.w) / 2
                if bar.level in right_at:  # never onto a bar of that level already placed (a ResNet projection)
                    x = max(x, right_at[bar.level] + (3 * gap if bar.level < previous.level else gap))
        bar.x = x
        right_at[bar.level] = max(right_at.get(bar.level, 0.0), x + bar.w)
    return max(right_at.values())


def _size_labels(bars: list[Bar]) -> list[bool]:
    """Which bars carry their size: the first of a level, and each whose size differs from the bar before it there."""
    last: dict[int, str] = {}
    shown = []
    for bar in bars:
        shown.append(last.get(bar.level) != bar.size_text)
        last[bar.level] = bar.size_text
    return shown


def _channels_text(bar: Bar) -> str:
    return str(bar.channels) if bar.repeat == 1 else f"{bar.channels} ×{bar.repeat}"


def _text_width(text: str, size: float) -> float:
    """The advance of ``text`` in DejaVu Sans, the font the PDF embeds and the SVG names first (wider than
    Helvetica or Arial, so a label measured with it fits whichever the renderer uses)."""
    return embedded_font().width(text, size)


def _draw(figure: Figure, bars: list[Bar], baselines: list[float], upright: bool, under: list[float]) -> None:
    """``under``: per level, how far below the baseline the size labels reach (arrows start past them)."""
    index = {tensor: i for i, bar in enumerate(bars) for tensor in bar.tensors}
    # The bars of each level left to right, with their place in `bars`: a skip's span is a slice, not a scan.
    by_level: dict[int, list[tuple[float, int]]] = {}
    for i, b in sorted(enumerate(bars), key=lambda item: item[1].x):
        by_level.setdefault(b.level, []).append((b.x, i))
    shown = _size_labels(bars)
    lanes = Lanes()
    for i, bar in enumerate(bars):
        base = baselines[bar.level]
        top = base - bar.h
        name = bar.entry.layer.name if bar.entry is not None else "input"
        copy_w = bar.w * bar.copy_channels / bar.channels if bar.copy_channels else 0.0
        if copy_w:
            figure.rects.append(Rect(bar.x, top, copy_w, bar.h, COPY_FILL, "copy", bar.level, name))
        figure.rects.append(Rect(bar.x + copy_w, top, bar.w - copy_w, bar.h, BAR_FILL, "bar", bar.level, name))
        channels = _channels_text(bar)
        if upright and figure.label_room[bar.level] > FONT:  # on end, reading bottom to top, above the bar
            figure.texts.append(
                Text(
                    bar.x + bar.w / 2 + CHANNEL_FONT * 0.35,
                    top - 2.0,
                    channels,
                    CHANNEL_FONT,
                    "start",
                    True,
                    "channels",
                )
            )
        else:
            figure.texts.append(Text(bar.x + bar.w / 2, top - 2.0, channels, CHANNEL_FONT, role="channels"))
        if shown[i] and upright:  # read bottom to top, hanging under the bar
            figure.texts.append(
                Text(bar.x + bar.w / 2 + SIZE_FONT * 0.35, base + 2.0, bar.size_text, SIZE_FONT, "end", True, "size")
            )
        elif shown[i]:
            figure.texts.append(Text(bar.x + bar.w / 2, base + SIZE_FONT + 1.0, bar.size_text, SIZE_FONT, role="size"))
        if i == 0:
            continue
        source = bars[index.get(bar.source, i - 1)]
        # A map reached from the level above gets its arrow on top: one leaving it upward goes out its side
        # when nothing stands beside it on its level up to where the arrow turns.
        entered_from_above = False
        if bar.level < source.level and source.entry is not None:
            row = by_level.get(source.level, [])
            first = bisect.bisect_right(row, (source.x + source.w, len(bars)))
            beside = first < len(row) and row[first][0] <= bar.x + bar.w
            entered_from_above = bars[index.get(source.source, 0)].level < source.level and not beside
        _connect(figure, source, bar, baselines, under, lanes, source is bars[i - 1], entered_from_above)
        figure_kinds(figure, bar.kind, bar.description)
        for skip in bar.skips:
            origin = index.get(skip)
            if origin is None or bars[origin] is source:
                continue
            kind = "copy" if bar.entry is not None and bar.entry.layer.op == "concat" else "join"
            if skip in bar.gates:
                kind = "gate"
                figure_kinds(figure, kind, bar.gates[skip])
            row = by_level.get(bar.level, [])
            low = bisect.bisect_right(row, (bars[origin].x, len(bars)))  # past every bar at the origin's x
            high = bisect.bisect_left(row, (bar.x, -1))  # before every bar at this bar's x
            between = [bars[j] for _, j in sorted(row[low:high], key=lambda item: item[1])]
            _skip(figure, bars[origin], bar, baselines, kind, bar.crops, between, lanes)


def figure_kinds(figure: Figure, kind: str, description: str) -> None:
    for i, (known, text) in enumerate(figure.legend):
        if known == kind:
            shown = text.split(" / ")
            if description not in shown and len(shown) < MAX_DESCRIPTIONS:
                figure.legend[i] = (known, f"{text} / {description}")
            return
    figure.legend.append((kind, description))


class Lanes:
    """The lines drawn over a level's bars (branches and skips), so that two never run along one another:
    a line whose span meets one already at its height takes the next lane up."""

    GAP = 3.5  # points between lanes
    MAX_PER_LEVEL = 64  # past this many on one level (a generated network), lines are not moved

    def __init__(self) -> None:
        self.taken: dict[int, list[tuple[float, float, float]]] = {}

    def place(self, level: int, x0: float, x1: float, y: float) -> float:
        """The height for a line over ``level`` from ``x0`` to ``x1`` wanting ``y``: ``y`` or a lane above."""
        low, high = min(x0, x1), max(x0, x1)
        taken = self.taken.setdefault(level, [])
        if len(taken) < self.MAX_PER_LEVEL:
            while any(abs(y - other) < self.GAP and low < b + 1.0 and a - 1.0 < high for a, b, other in taken):
                y -= self.GAP
        taken.append((low, high, y))
        return y


def _connect(
    figure: Figure,
    source: Bar,
    bar: Bar,
    baselines: list[float],
    under: list[float],
    lanes: Lanes,
    adjacent: bool,
    entered_from_above: bool = False,
) -> None:
    sb, tb = baselines[source.level], baselines[bar.level]
    if source.level == bar.level:
        y = sb - min(source.h, bar.h) / 2
        if adjacent and bar.x >= source.x + source.w:
            figure.arrows.append(Arrow(((source.x + source.w + 0.8, y), (bar.x - 0.8, y)), bar.kind))
        else:  # a branch read from further back: over the bars between
            lift = lanes.place(
                bar.level,
                source.x + source.w / 2,
                bar.x + bar.w / 2,
                sb - max(source.h, bar.h) - figure.label_room[bar.level] - 2,
            )
            # From above the source's channel label to above the bar's: through neither.
            above_source = sb - source.h - figure.label_room[source.level] - 0.5
            above_bar = tb - bar.h - figure.label_room[bar.level] - 0.5
            points = ((source.x + source.w / 2, above_source), (source.x + source.w / 2, lift),
                      (bar.x + bar.w / 2, lift), (bar.x + bar.w / 2, above_bar))  # fmt: skip
            figure.arrows.append(Arrow(points, bar.kind))
        return
    cx_source, cx_bar = source.x + source.w / 2, bar.x + bar.w / 2
    if bar.level < source.level and entered_from_above and cx_bar > source.x + source.w + 1.0:
        # Up from a bottleneck that the down arrow enters on top: out of its right side, then up.
        y = sb - source.h / 2
        end = (cx_bar, tb + under[bar.level])
        figure.arrows.append(Arrow(((source.x + source.w + 0.8, y), (cx_bar, y), end), bar.kind))
        return
    if bar.level > source.level:  # down: from under the source to the top of the bar (above its label)
        start, end = (cx_source, sb + under[source.level]), (cx_bar, tb - bar.h - figure.label_room[bar.level] - 1.0)
    else:  # up: from the top of the source (above its label) to under the bar
        start, end = (cx_source, sb - source.h - figure.label_room[source.level] - 1.0), (cx_bar, tb + under[bar.level])
    if abs(start[0] - end[0]) < 0.5:
        figure.arrows.append(Arrow((start, end), bar.kind))
    else:
        figure.arrows.append(
            Arrow((start, (start[0], (start[1] + end[1]) / 2), (end[0], (start[1] + end[1]) / 2), end), bar.kind)
        )


def _skip(
    figure: Figure,
    origin: Bar,
    bar: Bar,
    baselines: list[float],
    kind: str,
    crops: bool,
    between: list[Bar],
    lanes: Lanes,
) -> None:
    ob, tb = baselines[origin.level], baselines[bar.level]
    label = "copy and crop" if crops else "copy" if kind == "copy" else "skip"
    if kind == "copy":
        figure_kinds(figure, kind, label)
    if origin.level == bar.level and between:  # over the bars in the way, down onto the copied half
        x0, x1 = origin.x + origin.w / 2, bar.x + min(bar.w * bar.copy_channels / max(bar.channels, 1), bar.w) / 2
        room = figure.label_room[bar.level]
        over = lanes.place(bar.level, x0, x1, ob - max(b.h for b in [origin, bar, *between]) - room - 3.0)
        top = ob - bar.h - room - 0.5
        figure.arrows.append(Arrow(((x0, ob - origin.h - room - 0.5), (x0, over), (x1, over), (x1, top)), kind))
        if kind == "copy" and x1 - x0 > _text_width(label, SIZE_FONT) + 4:
            figure.texts.append(Text((x0 + x1) / 2, over - 1.8, label, SIZE_FONT, role="arrow"))
        return
    if origin.level == bar.level:
        y = ob - min(origin.h, bar.h) * 0.55
        figure.arrows.append(Arrow(((origin.x + origin.w + 0.8, y), (bar.x - 0.8, y)), kind))
        middle = (origin.x + origin.w + bar.x) / 2
        if kind == "copy" and bar.x - origin.x - origin.w > _text_width(label, SIZE_FONT) + 4:  # else: the legend
            figure.texts.append(Text(middle, y - 1.8, label, SIZE_FONT, role="arrow"))
        return
    start = (origin.x + origin.w + 0.8, ob - origin.h / 2)
    end = (bar.x - 0.8, tb - bar.h / 2)
    figure.arrows.append(Arrow((start, (end[0] - 4, start[1]), (end[0] - 4, end[1]), end), kind))


def _legend(figure: Figure, y: float) -> float:
    """One entry per arrow kind used, side by side while they fit the width; an entry longer than a line
    wraps between its steps, under its own text. Returns the figure's height."""
    x = MARGIN
    for kind, description in figure.legend:
        width = 14 + _text_width(description, FONT) + 10
        if x + width > figure.width - MARGIN and x > MARGIN:
            x, y = MARGIN, y + FONT + 5
        figure.arrows.append(Arrow(((x, y - FONT * 0.35), (x + 11, y - FONT * 0.35)), kind, legend=True))
        lines = _wrap_words(description, figure.width - MARGIN - x - 14)
        for number, line in enumerate(lines):
            figure.texts.append(Text(x + 14, y + number * (FONT + 2), line, FONT, "start", role="legend"))
        if len(lines) > 1:  # a wrapped entry takes its lines alone
            x, y = MARGIN, y + len(lines) * (FONT + 2) + 3
        else:
            x += width
    return y + MARGIN


def _wrap_words(text: str, width: float) -> list[str]:
    """``text`` in lines of at most ``width`` points, broken between words (a longer word stays whole)."""
    lines: list[str] = []
    for word in text.split(" "):
        if lines and _text_width(f"{lines[-1]} {word}", FONT) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [text]
