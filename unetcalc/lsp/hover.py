"""What hovering shows: a layer's shapes and costs, the input's valid sizes, a rule's manual."""

from __future__ import annotations

import re

from unetcalc.analysis.hints import nearest_text
from unetcalc.catalogue import rules_by_code
from unetcalc.check import CheckResult
from unetcalc.lsp.buffer import Buffer, shape_label
from unetcalc.ops.registry import op_label
from unetcalc.report.costs import human_bytes, human_count, poly_json
from unetcalc.report.labels import validity_text
from unetcalc.report.rule_docs import rule_markdown
from unetcalc.report.table import field_text
from unetcalc.shapes.cost import compute_costs
from unetcalc.shapes.infer import LayerShapes
from unetcalc.textsafe import markdown_text

_CODE = re.compile(r"UC\d{3}", re.IGNORECASE)


def hover(buffer: Buffer, line: int, column: int) -> str | None:
    text = buffer.lines[line] if line < len(buffer.lines) else ""
    for match in _CODE.finditer(text):
        if match.start() <= column <= match.end():
            rule = rules_by_code().get(match.group(0).upper())
            return rule_markdown(rule) if rule else None
    found = buffer.layer_at(line)
    if found is not None:
        return _layer(buffer, *found)
    if re.match(r"\s*(input|size)\s*:", text) and not buffer.is_note:
        return _input(buffer.results[0]) if buffer.results else None
    return None


def _layer(buffer: Buffer, result: CheckResult, entry: LayerShapes) -> str:
    layer = entry.layer
    inference = result.inference
    assert inference is not None
    rank = len(inference.input.size)
    shape_in = shape_label(entry.ins[0]) if entry.ins and entry.ins[0] is not None else "?"
    lines = [
        f"**{markdown_text(layer.name)}** — {markdown_text(op_label(layer, rank))}",
        "",
        f"`{shape_in} → {shape_label(entry.out)}`",
        "",
    ]
    if layer.origin is not None:
        instance, block = markdown_text(layer.origin.instance), markdown_text(layer.origin.block)
        lines += [f"the last layer of {instance} (block {block})", ""]
    facts = []
    if entry.params is not None:
        facts.append(f"params {entry.params:,}")
    index = inference.layers.index(entry)
    macs = poly_json(compute_costs(inference).per_layer_macs[index]) or 0
    facts.append(f"MACs {human_count(macs) if isinstance(macs, int) else macs}")
    field = _fields(buffer, result).get(layer.id)
    if field:
        facts.append(f"receptive field {field}")
    lines.append(" · ".join(facts))
    kept = _kept(buffer, result).get(layer.name)
    if kept:
        lines += ["", f"keeps for backward: {kept} (batch 1, fp32)"]
    return "\n".join(lines)


def _input(result: CheckResult) -> str | None:
    validity, spec_input = result.validity, result.spec.input
    if validity is None or spec_input is None:
        return None
    lines = ["**valid input sizes**", ""]
    for axis in validity.axes:
        lines.append(f"- {validity_text(axis)}")
        value = spec_input.size[axis.axis] if axis.axis < len(spec_input.size) else None
        if isinstance(value, int):
            verdict = "valid" if axis.contains(value) else "**not valid**"
            lines.append(f"  - {axis.symbol} = {value} is {verdict}; {nearest_text(validity, axis.axis, value)}")
    return "\n".join(lines)


def _fields(buffer: Buffer, result: CheckResult) -> dict[str, str]:
    """Each layer's receptive field, computed on the first hover over this buffer."""
    key = ("rf", id(result))
    if key not in buffer.memo:
        from unetcalc.tiling.receptive import receptive_field

        fields: dict[str, str] = {}
        if result.ok and result.inference is not None:
            fields = {lid: field_text(windows) for lid, windows in receptive_field(result).per_layer.items()}
        buffer.memo[key] = fields
    return buffer.memo[key]


def _kept(buffer: Buffer, result: CheckResult) -> dict[str, str]:
    """What each layer's autograd node keeps (the memory model at batch 1, fp32), on the first hover."""
    key = ("kept", id(result))
    if key not in buffer.memo:
        from unetcalc.memory.estimate import estimate_memory

        kept: dict[str, str] = {}
        if result.ok and result.inference is not None and result.layers_ok():
            for entry in estimate_memory(result).training.per_layer:
                size = human_bytes(entry.saved) if isinstance(entry.saved, int) else f"{entry.saved} bytes"
                if entry.saved:
                    kept[entry.name] = f"{entry.kept}, {size}"
        buffer.memo[key] = kept
    return buffer.memo[key]
