"""Traces of one model at two input sizes → the spec rows that are exactly that model.

Sizes that follow another tensor (``F.interpolate(x, size=skip.shape[2:])``, milesial's ``F.pad`` to
the skip, a crop to the skip's size) are told apart from constants by comparing the two traces:
what matches another tensor at both sizes is written ``to:`` that tensor. Plain data in, YAML text
out; no torch needed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from unetcalc.importer.records import Step, Trace, Unsupported
from unetcalc.ops.registry import OPS
from unetcalc.spec.emit import flow


@dataclass(slots=True)
class Layer:
    """A spec row: op, its name, what it reads, and its non-default parameters."""

    op: str
    name: str
    source: str  # the tensor it reads ("input" for the network input)
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Network:
    layers: list[Layer]
    outputs: list[str]
    unsupported: list[Unsupported]
    stacked: bool = False  # `outputs: {stack: [...]}`: returned as torch.stack(outputs, dim=1)


def _signature(step: Step) -> tuple[Any, ...]:
    """What must be equal at two input sizes; the sizes themselves may differ."""
    return (step.op, step.module, step.leaf, tuple(step.inputs), repr(sorted(step.params.items())), tuple(step.sizes))


def _spatial(trace: Trace, index: int) -> tuple[int, ...]:
    return trace.shape_of(index)[2:]


def compare(first: Trace, second: Trace) -> list[Unsupported]:
    """What differs between the traces at two sizes: data-dependent control flow, one finding."""
    for index, (a, b) in enumerate(zip(first.steps, second.steps, strict=False)):
        if _signature(a) != _signature(b):
            where = a.module or b.module
            return [
                Unsupported(
                    where,
                    f"runs different operations at input sizes {_size_text(first)} and {_size_text(second)} "
                    f"(row {index + 1}: {a.op} here, {b.op} there): control flow that depends on the input size",
                    "",
                )
            ]
    if len(first.steps) != len(second.steps) or (first.outputs, first.stacked) != (second.outputs, second.stacked):
        return [
            Unsupported(
                "",
                f"runs {len(first.steps)} layers at {_size_text(first)} and {len(second.steps)} at "
                f"{_size_text(second)}: control flow that depends on the input size",
                "",
            )
        ]
    return []


def _size_text(trace: Trace) -> str:
    return "x".join(str(s) for s in trace.input_shape[2:])


def layer_names(trace: Trace, modules: set[str]) -> list[str]:
    """Leaf modules keep their module path; ops inside a module are `<module>.<op>`, numbered on repeats.

    An op's name never equals a module path of the model (its built module would take that place)."""
    names: list[str] = []
    used: set[str] = set()
    for step in trace.steps:
        if step.leaf:
            base = step.module
            # A parameter-free module called twice (one `self.relu` for two activations) numbers its
            # second call (`relu_2`); one with weights called twice was refused by the tracer.
            fresh = base not in used
        else:
            op_name = step.op if step.op != "concat" else "cat"
            base = f"{step.module}.{op_name}" if step.module else op_name
            fresh = base not in used and base not in modules
        name, n = base, 2
        if not fresh:
            name = f"{base}_{n}"
            while name in used or name in modules:
                n += 1
                name = f"{base}_{n}"
        used.add(name)
        names.append(name)
    return names


def _to_candidates(
    index: int, trace_a: Trace, trace_b: Trace, want_a: tuple[int, ...], want_b: tuple[int, ...]
) -> list[int]:
    found = []
    for j in [-1, *range(index)]:
        if _spatial(trace_a, j) == want_a and _spatial(trace_b, j) == want_b:
            found.append(j)
    return found


def _partner(index: int, trace: Trace) -> int | None:
    """The other operand of the first join that reads step ``index`` (the skip it is fitted to)."""
    for step in trace.steps[index + 1 :]:
        if step.op in ("concat", "add", "multiply") and index in step.inputs:
            others = [j for j in step.inputs if j != index]
            return others[0] if others else None
    return None


def _pick(index: int, candidates: list[int], trace: Trace) -> int:
    partner = _partner(index, trace)
    if partner is not None and partner in candidates:
        return partner
    return candidates[-1]


def network(first: Trace, second: Trace, taken: set[str]) -> Network:
    """The spec rows of a model traced at two input sizes (same structure, checked by compare())."""
    unsupported = list(first.unsupported) or compare(first, second)
    if unsupported:  # nothing is written: the findings say why
        return Network([], [], unsupported)
    names = layer_names(first, taken)

    def name_of(index: int) -> str:
        return "input" if index == -1 else names[index]

    layers: list[Layer] = []
    for index, (a, b) in enumerate(zip(first.steps, second.steps, strict=True)):
        params = {k: v for k, v in a.params.items() if k != "kind"}
        refs: dict[str, Any] = {}
        if a.op in ("concat", "add", "multiply"):
            others = [name_of(j) for j in a.inputs[1:]]
            refs["with"] = others[0] if len(others) == 1 else others
        elif a.op in ("resize", "pad", "crop") and not a.leaf:
            found = _size_params(index, a, b, first, second)
            if isinstance(found, str):
                unsupported.append(Unsupported(a.module, found, ""))
                continue
            for key, value in found.items():
                if key == "to":
                    refs["to"] = name_of(value)
                else:
                    params[key] = value
        layer = Layer(a.op, names[index], name_of(a.inputs[0]), {**params, **refs})
        layers.append(layer)
    outputs = [name_of(i) for i in first.outputs]
    return Network(layers, outputs, unsupported, first.stacked)


def _size_params(index: int, a: Step, b: Step, first: Trace, second: Trace) -> dict[str, Any] | str:
    out_a, out_b = a.shape[2:], b.shape[2:]
    in_a, in_b = _spatial(first, a.inputs[0]), _spatial(second, b.inputs[0])
    if a.op == "resize":
        if "scale_given" in a.sizes and a.sizes["scale_given"] == b.sizes.get("scale_given"):
            scales = [v / 1_000_000 for v in a.sizes["scale_given"]]
            return {"scale": scales[0] if len(set(scales)) == 1 else scales}
        candidates = [j for j in _to_candidates(index, first, second, out_a, out_b) if j != a.inputs[0]]
        if candidates:
            return {"to": _pick(index, candidates, first)}
        if out_a == out_b:
            return {"size": list(out_a)}
        ratios = {o / i for o, i in zip(out_a + out_b, in_a + in_b, strict=True)}
        if len(ratios) == 1:
            return {"scale": ratios.pop()}
        return (
            f"F.interpolate to sizes {out_a} and {out_b} from {in_a} and {in_b}: "
            "neither a scale, a size nor a tensor's size"
        )
    if a.op == "pad":
        sides_a, sides_b = a.sizes["pad"], b.sizes["pad"]
        centered = _centered(sides_a, in_a, out_a) and _centered(sides_b, in_b, out_b)
        candidates = [j for j in _to_candidates(index, first, second, out_a, out_b) if j != a.inputs[0]]
        # Padded to the size of the skip it is joined with: `to:` that skip, whatever the amounts here.
        partner = _partner(index, first)
        if centered and partner is not None and partner in candidates:
            return {"to": partner}
        if sides_a == sides_b:
            pairs = [list(sides_a[i : i + 2]) for i in range(0, len(sides_a), 2)]
            return {"padding": _pad_text(pairs)}
        if centered and candidates:
            return {"to": candidates[-1]}
        return f"F.pad by {sides_a} and {sides_b}: neither constant nor to another tensor's size (diff//2 before)"
    # crop
    off_a, off_b = a.sizes["offset"], b.sizes["offset"]
    centered_a = all(o == (i - s) // 2 for o, i, s in zip(off_a, in_a, out_a, strict=True))
    centered_b = all(o == (i - s) // 2 for o, i, s in zip(off_b, in_b, out_b, strict=True))
    candidates = [j for j in _to_candidates(index, first, second, out_a, out_b) if j != a.inputs[0]]
    if candidates and centered_a and centered_b:
        return {"to": _pick(index, candidates, first)}
    if candidates and off_a == off_b:  # Caffe's crop: to a tensor's size, at a fixed offset
        return {"to": _pick(index, candidates, first), "offset": list(off_a)}
    if out_a == out_b and off_a == off_b:
        return {"size": list(out_a), **({} if centered_a else {"offset": list(off_a)})}
    return f"a slice to sizes {out_a} and {out_b} at offsets {off_a} and {off_b}: neither fixed nor to another tensor"


def _centered(sides: tuple[int, ...], before: tuple[int, ...], after: tuple[int, ...]) -> bool:
    return all(sides[2 * i] == (after[i] - before[i]) // 2 for i in range(len(before)))


def _pad_text(pairs: list[list[int]]) -> Any:
    values: list[Any] = [p[0] if p[0] == p[1] else p for p in pairs]
    return values[0] if all(v == values[0] for v in values) and not isinstance(values[0], list) else values


# -- YAML ------------------------------------------------------------------------------------------
def _is_default(op: str, key: str, value: Any, params: dict[str, Any]) -> bool:
    spec_params = OPS.get(op, {})
    if key == "inplace":
        return value is False
    if key not in spec_params:
        return False
    param = spec_params[key]
    if param.default_from is not None:
        return bool(value == params.get(param.default_from, OPS[op][param.default_from].default))
    if op == "conv" and key == "padding":
        return value in (0, "valid")
    if isinstance(param.default, float) or isinstance(value, float):
        return isinstance(value, (int, float)) and param.default is not None and float(value) == float(param.default)
    return bool(value == param.default and type(value) is type(param.default))


KEY_ORDER = ("op", "name", "from", "filters", "kernel", "stride", "padding", "output_padding", "dilation", "groups")


def row_text(layer: Layer, previous: str) -> str:
    row: dict[str, Any] = {"op": layer.op, "name": layer.name}
    if layer.source != previous:
        row["from"] = layer.source
    # Only what the spec language has: an in-place add (`x += y`) is an add.
    known = OPS.get(layer.op, {})
    shown = {k: v for k, v in layer.params.items() if k in known and not _is_default(layer.op, k, v, layer.params)}
    # A conv's kernel is written even at the spec's default (3): PyTorch has none, readers expect it.
    if layer.op == "conv" and "kernel" not in shown:
        shown["kernel"] = layer.params["kernel"]
    ordered = sorted(shown.items(), key=lambda kv: KEY_ORDER.index(kv[0]) if kv[0] in KEY_ORDER else len(KEY_ORDER))
    row.update(ordered)
    return "- " + flow(row)


_SAFE_COMMENT = re.compile(r"[^\x20-\x7e]")


def comment(text: str) -> str:
    """One comment line: printable ASCII only (no line separators, no control or bidi characters)."""
    return "# " + _SAFE_COMMENT.sub("?", text)


def flat_body(net: Network) -> list[str]:
    """The `layers:` list of ``net``, one flow-style row a layer."""
    lines = ["layers:"]
    previous = "input"
    for layer in net.layers:
        lines.append("  " + row_text(layer, previous))
        previous = layer.name
    return lines


def spec_text(
    name: str,
    channels: int,
    size: list[int | str],
    net: Network,
    header: list[str],
    multiple_of: int | list[int] | None = None,
    body: list[str] | None = None,
) -> str:
    """The whole spec: header comments, name, input, outputs, then ``body`` (default: the flat rows)."""
    lines = [comment(h) for h in header]
    lines.append(f"name: {flow(name)}")
    input_map: dict[str, Any] = {"channels": channels, "size": size}
    if multiple_of is not None:
        input_map["multiple_of"] = multiple_of
    lines.append(f"input: {flow(input_map)}")
    last = net.layers[-1].name if net.layers else "input"
    if net.stacked:
        lines.append(f"outputs: {flow({'stack': net.outputs})}")
    elif net.outputs and net.outputs != [last]:
        lines.append(f"outputs: {flow(net.outputs)}")
    lines += body if body is not None else flat_body(net)
    return "\n".join(lines) + "\n"
