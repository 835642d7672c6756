"""Levels, blocks and the U: what the diagram shows, found from the graph.

A layer's level is its resolution relative to the input, read off the symbolic
inference (the input symbol's coefficient in its output size), so any layer
names give the same picture. A block is a run of layers at one level on one
side of the U; the resampling layer that starts a block labels the arrow into it.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass
from fractions import Fraction

from unetcalc.check import CheckResult
from unetcalc.ops.registry import JOIN_OPS, SHAPE_KEEPING_OPS
from unetcalc.shapes.affine import fraction_key
from unetcalc.shapes.infer import LayerShapes
from unetcalc.shapes.poly import ratio
from unetcalc.spec.model import Layer

ENCODER, BOTTOM, DECODER, FLAT = "encoder", "bottom", "decoder", "flat"


@dataclass(frozen=True, slots=True)
class Block:
    id: str  # DOT node id: the name of the block's last layer
    side: str
    level: int
    entries: tuple[LayerShapes, ...]
    transition: LayerShapes | None  # the resampling layer that starts the block, if any
    title: str = ""  # what the box is called: its first named layer, else its role (enc2, bottleneck, dec1)

    @property
    def body(self) -> tuple[LayerShapes, ...]:
        """The layers listed in the box (the transition is drawn as the incoming arrow)."""
        return self.entries[1:] if self.transition is not None else self.entries


@dataclass(frozen=True, slots=True)
class Edge:
    source: str  # block id or "input"
    target: str
    kind: str  # data | skip | size (crop `to`)
    entry: LayerShapes  # the layer at the head of the edge
    tensor: str = ""  # the name of the tensor read (skip and size edges)


@dataclass(frozen=True, slots=True)
class Diagram:
    kind: str  # "u" or "flat"
    blocks: tuple[Block, ...]
    edges: tuple[Edge, ...]
    depth: int
    by_id: dict[str, Block]


def _scale(entry: LayerShapes) -> Fraction | None:
    if entry.out is None:
        return None
    symbolic = [s for s in entry.out.size if s.symbol]
    # One exact division of integer products (no Fraction gcd per factor: a deep network's are 2^-k).
    value = ratio(math.prod(s.num for s in symbolic), math.prod(s.den for s in symbolic))
    return Fraction(value) if isinstance(value, int) else value


def levels_of(symbolic: list[LayerShapes]) -> list[int]:
    """0 for the input's resolution, +1 for each coarser resolution that occurs."""
    scales = [_scale(e) for e in symbolic]
    # Keyed by fraction_key: Python hashes 1/2^k alike every 61 levels, and a deep network's dict of
    # resolutions would be a few long collision chains.
    distinct = {fraction_key(s): s for s in scales if s is not None and 0 < s < 1}
    finer = sorted(distinct.values(), reverse=True)
    rank = {fraction_key(Fraction(1)): 0} | {fraction_key(s): i + 1 for i, s in enumerate(finer)}
    levels, last = [], 0
    for s in scales:
        last = rank.get(fraction_key(s), last) if s is not None and s <= 1 else last
        levels.append(last)
    return levels


def _deep_span(levels: list[int]) -> tuple[int, int]:
    """Indices of the first and the last layer at the deepest level (the bottleneck)."""
    if not levels:
        return 0, 0
    deepest = max(levels)
    return levels.index(deepest), len(levels) - 1 - levels[::-1].index(deepest)


def main_and_skips(layer: Layer, position: dict[str, int]) -> tuple[str, tuple[str, ...]]:
    """The tensor a join continues (the one produced last: the upsampled path) and the skips it joins.

    From the graph, not from operand order: `{op: concat, from: skip, with: up}` (torch.cat((skip, up)),
    as MONAI, wolny and milesial write it) is the same join as `{from: up, with: skip}`.
    """
    if layer.op not in JOIN_OPS:
        # A `to:` names the tensor whose size a pad, resize or crop takes, not data: no copy arrow from it.
        to = layer.params.get("to")
        return layer.source, tuple(ref for ref in layer.refs if ref != to)
    main = max(layer.inputs, key=lambda tensor: position.get(tensor, -1))
    return main, tuple(tensor for tensor in layer.inputs if tensor != main)


def skip_branches(symbolic: list[LayerShapes], levels: list[int]) -> dict[str, str]:
    """Decoder-side layers that only carry an encoder tensor to a join → the encoder tensor they carry.

    MONAI's VNet applies dropout to the skip (`{op: dropout, from: enc3}` written among the decoder's
    rows): that layer belongs to the skip, not to the decoder path, which always comes from the bottleneck.
    """
    first_deep, last_deep = _deep_span(levels)
    position = {e.layer.id: i for i, e in enumerate(symbolic)}
    origin: dict[str, str] = {}
    for entry in symbolic[last_deep + 1 :]:
        layer = entry.layer
        if layer.op in SHAPE_KEEPING_OPS and not layer.refs:
            source = origin.get(layer.source, layer.source)
            if source == "input" or position.get(source, len(symbolic)) < first_deep:
                origin[layer.id] = source
    return origin


def _effective_positions(symbolic: list[LayerShapes], branches: dict[str, str]) -> dict[str, int]:
    """Layer positions, with a skip branch placed where the encoder tensor it carries is."""
    position = {e.layer.id: i for i, e in enumerate(symbolic)}
    return position | {branch: position.get(origin, -1) for branch, origin in branches.items()}


def looks_like_u(symbolic: list[LayerShapes], levels: list[int]) -> bool:
    """Down level by level, up level by level, and a skip joining equal levels."""
    if not levels or max(levels) == 0:
        return False
    first_deep, last_deep = _deep_span(levels)
    branches = skip_branches(symbolic, levels)
    down = levels[: first_deep + 1]
    # A head that nothing reads (an auxiliary or unused output, as nnU-Net keeps its deep-supervision
    # heads) branches off the decoder: it does not make the decoder's path go back down.
    read = {tensor for e in symbolic for tensor in e.layer.inputs}
    last = symbolic[-1].layer.id if symbolic else ""
    side_heads = {e.layer.id for e in symbolic[last_deep + 1 :] if e.layer.id not in read and e.layer.id != last}
    up = [
        lv
        for e, lv in zip(symbolic[last_deep:], levels[last_deep:], strict=True)
        if e.layer.id not in branches and e.layer.id not in side_heads
    ]
    if any(b < a for a, b in itertools.pairwise(down)):
        return False
    if len(up) < 2 or any(b > a or a - b > 1 for a, b in itertools.pairwise(up)):
        return False
    position = _effective_positions(symbolic, branches)
    return any(
        e.layer.op in JOIN_OPS
        and i > last_deep
        and position.get(ref, -1) < first_deep
        and levels[position.get(ref, 0)] == levels[i]
        for i, e in enumerate(symbolic)
        for ref in main_and_skips(e.layer, position)[1]
        if ref in position
    )


def build_diagram(result: CheckResult, layout: str = "auto", detail: str = "blocks") -> Diagram:
    """Group layers into blocks; choose the U layout when the graph is U-shaped (or asked for and possible)."""
    assert result.validity is not None and result.inference is not None
    symbolic = result.validity.inference.layers
    entries = result.inference.layers
    levels = levels_of(symbolic)
    kind = "u" if layout in ("auto", "u") and looks_like_u(symbolic, levels) else "flat"
    first_deep, last_deep = _deep_span(levels)
    level_of = {"input": 0} | {e.layer.id: lv for e, lv in zip(entries, levels, strict=True)}
    branches = skip_branches(symbolic, levels) if kind == "u" else {}
    position = _effective_positions(entries, branches)
    routes = [main_and_skips(e.layer, position) for e in entries]
    # A transition changes resolution: it starts a block and labels the arrow into it.
    transition = [level_of.get(main, 0) != lv for (main, _), lv in zip(routes, levels, strict=True)]

    def side(i: int) -> str:
        if kind == "flat":
            return FLAT
        return ENCODER if i < first_deep else DECODER if i > last_deep else BOTTOM

    groups: list[list[int]] = []
    in_group: set[str] = set()  # the layer ids of the current group
    for i, entry in enumerate(entries):
        layer = entry.layer
        if layer.id in branches:
            continue  # drawn as part of the skip arrow it sits on
        current = groups[-1] if groups else None
        only_transition = current is not None and len(current) == 1 and transition[current[0]]
        # Residual blocks stay in their level's box: a join whose every input is already in the box, and a
        # strided projection that reaches the box's level beside its main path (ResNet's downsample).
        same_box = current is not None and side(i) == side(current[0]) and levels[i] == levels[current[-1]]

        def gate_input(ref: str, i: int = i, same_box: bool = same_box) -> bool:
            """An encoder tensor of this decoder level: what an attention gate reads beside the decoder path."""
            at = position.get(ref, len(entries))
            return side(i) == DECODER and same_box and at < first_deep and level_of.get(ref) == levels[i]

        local_join = bool(routes[i][1]) and same_box and all(r in in_group or gate_input(r) for r in routes[i][1])
        # (MONAI's residual unit writes its projection right after the unit's strided conv: both read the unit's
        # input, so the projection is beside a box of one layer there.)
        beside = (
            transition[i]
            and same_box
            and layer.op in ("conv", "maxpool", "avgpool")
            and current is not None
            and (len(current) > 1 or routes[i][0] == routes[current[0]][0])
        )
        new = (
            detail == "layers"
            or current is None
            or (transition[i] and not beside)
            or (routes[i][0] not in in_group and not beside and not gate_input(routes[i][0]))
            or (bool(routes[i][1]) and not only_transition and not local_join)
            or side(i) != side(current[0])
        )
        if new:
            groups.append([i])
            in_group = {layer.id}
        else:
            groups[-1].append(i)
            in_group.add(layer.id)

    blocks = []
    block_of = {"input": "input"}
    for group in groups:
        members = tuple(entries[i] for i in group)
        first = group[0]
        arrow = entries[first] if transition[first] and detail == "blocks" else None
        block = Block(members[-1].layer.name, side(first), levels[first], members, arrow, _title(members, arrow))
        blocks.append(block)
        for member in members:
            block_of[member.layer.id] = block.id
    for branch, origin in branches.items():
        block_of[branch] = block_of.get(origin, "input")

    edges = []
    for block in blocks:
        for member in block.entries:
            layer = member.layer
            main, skips = routes[position[layer.id]]
            if member is block.entries[0] or detail == "layers":
                edges.append(Edge(block_of.get(main, "input"), block.id, "data", member))
            for ref in skips:
                kind_ = "size" if layer.op == "crop" else "skip"
                if block_of.get(ref, ref) != block.id:  # a residual inside the box is summarised by the box
                    edges.append(Edge(block_of.get(ref, ref), block.id, kind_, member, ref))
    blocks = _role_titles(blocks)
    return Diagram(kind, tuple(blocks), tuple(edges), max(levels, default=0), {b.id: b for b in blocks})


def _title(members: tuple[LayerShapes, ...], transition: LayerShapes | None) -> str:
    """What the box holds, by the names the author gave (the transition arrow's own layer aside): the block
    uses in it — one (`layer2`), two (`layer1, layer2`), or the first and the last of more
    (`layer2–layer4`: torchvision's FCN box holding three stages) — else its first named layer, else ''."""
    body = [m for m in members if m is not transition] or list(members)
    uses: list[str] = []
    for member in body:  # a block use's name, not its rows' (`layer2`, not `layer2.conv1`)
        origin = member.layer.origin
        if origin is not None and (use := origin.instance.split(".")[0]) not in uses:
            uses.append(use)
    if uses:
        return ", ".join(uses) if len(uses) <= 2 else f"{uses[0]}–{uses[-1]}"
    first = next((m.layer for m in body if m.layer.explicit_name), None)
    return first.name if first is not None else ""


def _role_titles(blocks: list[Block]) -> list[Block]:
    """Boxes without a named layer are called after their role, never after an auto name (`relu7`)."""
    counts: dict[str, int] = {}
    titled = []
    for block in blocks:
        if block.title:
            titled.append(block)
            continue
        if block.side == BOTTOM:
            role = "bottleneck"
        elif block.side in (ENCODER, DECODER):
            role = f"{'enc' if block.side == ENCODER else 'dec'}{block.level + 1}"
        else:
            role = "block"
        counts[role] = counts.get(role, 0) + 1
        name = role if counts[role] == 1 else f"{role}.{counts[role]}"
        titled.append(dataclasses.replace(block, title=name))
    return titled
