"""Diagram → DOT (built with the graphviz Python package; nothing is rendered here)."""

from __future__ import annotations

import itertools
from typing import cast

import graphviz  # type: ignore[import-untyped]

from unetcalc.check import CheckResult
from unetcalc.draw.layout import BOTTOM, DECODER, ENCODER, FLAT, Block, Diagram, Edge
from unetcalc.findings.diagnostic import Diagnostic, Severity
from unetcalc.ops.registry import op_label
from unetcalc.shapes.infer import Inference, LayerShapes
from unetcalc.shapes.shape import format_shape
from unetcalc.textsafe import printable

FILL = {ENCODER: "#dbe9f6", BOTTOM: "#e4dcf1", DECODER: "#dcefdc", FLAT: "#eeeeee"}
FINDING_STYLE = {
    Severity.ERROR: {"fillcolor": "#fbd5d0", "color": "#c62828", "penwidth": "2.2"},
    Severity.WARNING: {"fillcolor": "#ffe8c7", "color": "#ef6c00", "penwidth": "2.2"},
}
SHORT = {
    "relu": "ReLU",
    "leakyrelu": "LeakyReLU",
    "elu": "ELU",
    "gelu": "GELU",
    "silu": "SiLU",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "softmax": "Softmax",
    "batchnorm": "BN",
    "instancenorm": "IN",
    "groupnorm": "GN",
    "layernorm": "LN",
    "dropout": "Dropout",
    "identity": "Identity",
}
FONT = "Helvetica"
TIMES = "×"  # shapes in the picture: 572×572×1


def _token(entry: LayerShapes, rank: int) -> str:
    layer = entry.layer
    if layer.op in SHORT:
        return SHORT[layer.op]
    if layer.op in ("concat", "add", "multiply"):
        return layer.op
    return op_label(layer, rank)


# Repeated units are short (conv + norm + act, a residual block): periods up to this are looked for,
# which keeps compress linear in the block's length (any period made it cubic on a long block).
MAX_PERIOD = 12
# A box lists at most this many steps; a longer block says how many more it holds.
MAX_STEPS = 8


def compress(tokens: list[str]) -> list[str]:
    """['conv 3×3', 'ReLU', 'conv 3×3', 'ReLU'] → ['2× conv 3×3 + ReLU']."""
    out, i = [], 0
    while i < len(tokens):
        best_p, best_k = 1, 1
        for p in range(1, min(MAX_PERIOD, (len(tokens) - i) // 2) + 1):
            k = 1
            while tokens[i + k * p : i + (k + 1) * p] == tokens[i : i + p]:
                k += 1
            if k > 1 and p * k > best_p * best_k:
                best_p, best_k = p, k
        group = tokens[i : i + best_p]
        out.append(f"{best_k}× {' + '.join(group)}" if best_k > 1 else group[0])
        i += best_p * best_k
    return out


def dot_label(*lines: str) -> str:
    """A DOT label from lines of text that may hold anything a spec can: shown as text, never markup.

    Each line is made printable (a newline in a layer name is shown as \\n), then graphviz.escape
    turns off DOT's backslash escapes and HTML-like ``<…>`` labels.
    """
    # graphviz.escape returns a `nohtml` str subclass: keep it (a plain str of `<…>` would be an HTML label)
    return cast(str, graphviz.escape("\n".join(printable(line) for line in lines)))


def node_ids(diagram: Diagram) -> dict[str, str]:
    """DOT node ids of the diagram's boxes: generated (``b0``, ``b1``), never a layer name.

    A name such as ``enc:1`` would be read as a node port, and one such as ``node`` is a DOT keyword.
    """
    return {"input": "input", "legend": "legend"} | {b.id: f"b{i}" for i, b in enumerate(diagram.blocks)}


def _findings(block: Block, by_layer: dict[str, list[Diagnostic]]) -> list[Diagnostic]:
    return [d for e in block.entries for d in by_layer.get(e.layer.id, [])]


def _block_label(block: Block, rank: int, findings: list[Diagnostic], detail: str) -> str:
    body = block.body or block.entries
    if detail == "layers":  # two lines a box: a 200-layer network stays a readable column of boxes
        entry = block.entries[0]
        lines = [f"{entry.layer.name}: {op_label(entry.layer, rank)}", format_shape(entry.out, TIMES)]
    else:
        steps = compress([_token(e, rank) for e in body])
        if len(steps) > MAX_STEPS:
            steps = [*steps[: MAX_STEPS - 1], f"… {len(steps) - MAX_STEPS + 1} more steps"]
        shape_in = format_shape(body[0].ins[0], TIMES) if body[0].ins else "?"
        lines = [
            block.title or block.id,
            *_wrapped(steps),
            f"{shape_in} → {format_shape(block.entries[-1].out, TIMES)}",
        ]
    for d in findings:
        lines.append(f"{'✗' if d.severity is Severity.ERROR else '!'} {d.code} at {d.layer}")
    return dot_label(*lines)


STEPS_WIDTH = 40  # characters of a box's steps line: a residual stage's chain wraps instead of widening the graph


def _wrapped(steps: list[str]) -> list[str]:
    """The steps joined by arrows, broken between steps into lines of at most STEPS_WIDTH characters."""
    lines: list[str] = []
    for step in steps:
        if lines and len(lines[-1]) + 3 + len(step) <= STEPS_WIDTH:
            lines[-1] += f" → {step}"
        else:
            lines.append(step if not lines else f"→ {step}")
    return lines or [""]


def _skip_label(edge: Edge, tensors: dict[str, LayerShapes]) -> str:
    source = tensors.get(edge.tensor)
    join = edge.entry
    if source is None or source.out is None or not join.ins or join.ins[0] is None:
        return edge.tensor
    before = [str(s) for s in source.out.size]
    after = [str(s) for s in join.ins[0].size]
    if join.layer.params.get("crop") != "center" or before == after:
        return "copy"
    if len(set(before)) == 1 and len(set(after)) == 1:
        return f"crop {before[0]}→{after[0]}"
    return f"crop {'×'.join(before)}→{'×'.join(after)}"


def _returned(result: CheckResult, inference: Inference) -> str:
    if not result.spec.outputs:
        return format_shape(inference.output, TIMES)
    return ", ".join(format_shape(inference.tensors.get(name), TIMES) for name in result.spec_outputs())


def to_dot(result: CheckResult, diagram: Diagram, detail: str = "blocks") -> str:
    inference = result.inference
    assert inference is not None
    rank = inference.input.rank
    errors, warnings = len(result.errors), len(result.warnings)
    counts = [f"{n} {word}{'' if n == 1 else 's'}" for n, word in ((errors, "error"), (warnings, "warning")) if n]
    verdict = f" · {', '.join(counts)}" if counts else ""
    title = (
        f"{result.spec.name} — {format_shape(inference.input, TIMES)} → {_returned(result, inference)} · "
        f"{inference.params:,} params{verdict}"
    )
    ids = node_ids(diagram)
    graph = graphviz.Digraph(
        "unetcalc",
        graph_attr={
            "rankdir": "TB",
            "label": dot_label(title),
            "labelloc": "t",
            "fontname": FONT,
            "fontsize": "16",
            "nodesep": "0.5" if detail == "blocks" else "0.3",
            "ranksep": "0.45" if detail == "blocks" else "0.22",
            "newrank": "true",
            "pad": "0.3",
        },
        node_attr={
            "shape": "box",
            "style": "rounded,filled",
            "fontname": FONT,
            "fontsize": "11",
            "margin": "0.15,0.06",
        },
        edge_attr={"fontname": FONT, "fontsize": "10", "color": "#555555", "arrowsize": "0.7"},
    )
    by_layer = {
        layer_id: [d for d in found if d.severity in FINDING_STYLE]
        for layer_id, found in result.findings_by_layer().items()
    }
    graph.node(
        "input",
        dot_label("input", format_shape(inference.input, TIMES)),
        shape="box",
        style="rounded",
        fillcolor="white",
    )
    for block in diagram.blocks:
        findings = _findings(block, by_layer)
        style = {"fillcolor": FILL[block.side]}
        if findings:
            worst = Severity.ERROR if any(d.severity is Severity.ERROR for d in findings) else Severity.WARNING
            style = dict(FINDING_STYLE[worst])
        graph.node(ids[block.id], _block_label(block, rank, findings, detail), **style)
    tensors = {e.layer.name: e for e in inference.layers}
    for edge in diagram.edges:
        for end in (edge.source, edge.target):
            if end not in ids:  # a reference to no box (a broken spec): a dashed node named after it
                ids[end] = f"r{len(ids)}"
                graph.node(ids[end], dot_label(end), style="dashed")
        _edge(graph, diagram, edge, tensors, rank, by_layer.get(edge.entry.layer.id, []), ids)
    _outputs(graph, result, diagram, ids)
    if diagram.kind == "u":
        _align_levels(graph, diagram, detail, ids)
    _legend(graph, diagram, ids)
    return cast(str, graph.source)


def _outputs(graph: graphviz.Digraph, result: CheckResult, diagram: Diagram, ids: dict[str, str]) -> None:
    """With `outputs:` (several outputs), one node per returned tensor, joined to the box that holds it."""
    if not result.spec.outputs or result.inference is None:
        return
    holder = {e.layer.id: block.id for block in diagram.blocks for e in block.entries}
    for number, name in enumerate(result.spec_outputs()):
        node = f"out{number}"
        shape = format_shape(result.inference.tensors.get(name), TIMES)
        graph.node(
            node, dot_label(f"output {number + 1}: {name}", shape), shape="box", style="rounded", fillcolor="white"
        )
        if name in holder:
            graph.edge(ids[holder[name]], node, style="dotted")


def _edge(
    graph: graphviz.Digraph,
    diagram: Diagram,
    edge: Edge,
    tensors: dict[str, LayerShapes],
    rank: int,
    findings: list[Diagnostic],
    ids: dict[str, str],
) -> None:
    attrs: dict[str, str] = {}
    if edge.kind == "skip":
        attrs = {
            "style": "dashed",
            "color": "#1f77b4",
            "fontcolor": "#1f77b4",
            "label": dot_label(_skip_label(edge, tensors)),
            "constraint": "false" if diagram.kind == "u" else "true",
        }
    elif edge.kind == "size":
        attrs = {"style": "dotted", "label": "size of", "constraint": "false"}
    else:
        block = diagram.by_id.get(edge.target)
        if block is not None and block.transition is edge.entry:
            label = op_label(edge.entry.layer, rank)
            attrs = {"label": dot_label(label), "penwidth": "1.6"}
            if findings:  # the resampling layer itself is at fault: mark its arrow
                worst = FINDING_STYLE[findings[0].severity]["color"]
                codes = " ".join(sorted({d.code for d in findings}))
                attrs |= {"color": worst, "fontcolor": worst, "label": dot_label(f"{label}  ✗ {codes}")}
    source, target = ids[edge.source], ids[edge.target]
    target_block = diagram.by_id.get(edge.target)
    if diagram.kind == "u" and edge.kind == "data" and target_block is not None and target_block.side == DECODER:
        # Decoder arrows point up: declared downwards (dir=back) so that dot ranks the U correctly.
        graph.edge(target, source, dir="back", **attrs)
    else:
        graph.edge(source, target, **attrs)


def _align_levels(graph: graphviz.Digraph, diagram: Diagram, detail: str, ids: dict[str, str]) -> None:
    """Each decoder level on the same row as its encoder level; encoder left of decoder.

    With one box per level the whole level is a row. With one node per layer each side stays a
    column and only the skip's source and its join share a row, so the U keeps its shape.
    """
    rows: list[list[str]] = []
    if detail == "layers":
        side = {b.id: b.side for b in diagram.blocks}
        rows = [
            [e.source, e.target]
            for e in diagram.edges
            if e.kind == "skip" and side.get(e.source) == ENCODER and side.get(e.target) == DECODER
        ]
    else:
        order = {ENCODER: 0, BOTTOM: 1, DECODER: 2}
        by_level: dict[int, list[Block]] = {}  # one pass over the blocks, not one per level
        for block in diagram.blocks:
            if block.side in order:
                by_level.setdefault(block.level, []).append(block)
        for lv in range(diagram.depth + 1):
            row = [b.id for b in sorted(by_level.get(lv, []), key=lambda b: order[b.side])]
            rows.append((["input"] if lv == 0 else []) + row)
    for row in rows:
        if len(row) < 2:
            continue
        # A graph of its own, then added: `with graph.subgraph()` copies the parent's whole body each time
        # (quadratic over a deep network's thousands of rows).
        same = graphviz.Digraph()
        same.attr(rank="same")
        for node in row:
            same.node(ids[node])
        for left, right in itertools.pairwise(row):  # invisible order: left to right
            same.edge(ids[left], ids[right], style="invis")
        graph.subgraph(same)


def _legend(graph: graphviz.Digraph, diagram: Diagram, ids: dict[str, str]) -> None:
    """A note under the diagram (plain text: WebAssembly Graphviz has no HTML labels)."""
    colours = "blue: encoder · purple: bottleneck · green: decoder · " if diagram.kind == "u" else ""
    text = (
        f"{colours}red: error · orange: warning\n"
        "solid arrows: data (labelled with the resampling layer) · dashed: skip (copy / crop)\n"
        "shapes: sizes × channels"
    )
    graph.node(
        "legend",
        dot_label(*text.split("\n")),
        shape="note",
        style="filled",
        fillcolor="#fafafa",
        color="#999999",
        fontsize="9",
    )
    if diagram.kind == "u":  # the last box of the deepest level: with one box per layer, the bottom of the U
        order = {b.id: i for i, b in enumerate(diagram.blocks)}
        lowest = max(diagram.blocks, key=lambda b: (b.level, b.side == BOTTOM, order[b.id]), default=None)
    else:
        lowest = diagram.blocks[-1] if diagram.blocks else None
    if lowest is not None:  # one row below the deepest (U) or the last (flat) block
        graph.edge(ids[lowest.id], "legend", style="invis")
