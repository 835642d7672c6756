"""JSON v1 (docs/output.md): fields may be added, never renamed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from unetcalc.check import CheckResult
from unetcalc.report.costs import batch_one_memory, memory_json, poly_json
from unetcalc.report.formats import DEFAULT_OPTIONS, RenderOptions
from unetcalc.shapes.affine import Affine
from unetcalc.shapes.cost import compute_costs
from unetcalc.shapes.shape import Shape
from unetcalc.shapes.validity import classes_json
from unetcalc.textsafe import safe_json

JSON_VERSION = 1


def _size(value: Affine) -> int | str:
    return value.value if value.is_number else str(value)


def shape_json(shape: Shape | None) -> dict[str, Any] | None:
    if shape is None:
        return None
    return {"channels": shape.channels, "size": [_size(s) for s in shape.size]}


def file_json(result: CheckResult) -> dict[str, Any]:
    spec = result.spec
    inference = result.inference
    names = {layer.id: layer.name for layer in spec.layers}
    layers = []
    costs = compute_costs(inference) if inference is not None else None
    if inference is not None and costs is not None:
        for entry, macs in zip(inference.layers, costs.per_layer_macs, strict=True):
            layer = entry.layer
            layers.append(
                {
                    "name": layer.name,
                    "op": layer.op,
                    "line": layer.line,
                    "from": [names.get(ref, ref) for ref in layer.inputs],
                    "in": shape_json(entry.ins[0]) if entry.ins else None,
                    "out": shape_json(entry.out),
                    "params": entry.params,
                    "macs": poly_json(macs),
                }
            )
    valid_input = []
    if result.validity is not None:
        for axis in result.validity.axes:
            valid_input.append(
                {
                    "axis": axis.axis,
                    "modulus": axis.modulus,
                    "residue": axis.residue,
                    "min": axis.min,
                    "max": axis.max,
                    "symbol": axis.symbol,
                    "output": None if axis.output is None else str(axis.output),
                    "classes": classes_json(axis),
                }
            )
    return {
        "path": spec.path,
        "name": spec.name,
        "ok": result.ok,
        "input": shape_json(inference.input) if inference else None,
        "output": shape_json(inference.output) if inference else None,
        "outputs": [{"name": name, **(shape_json(inference.tensors.get(name)) or {})} for name in result.spec_outputs()]
        if inference
        else [],
        **({"outputs_stacked": True} if spec.outputs_stacked else {}),
        "valid_input": valid_input,
        "params": inference.params if inference else None,
        "macs": poly_json(costs.macs) if costs else None,
        "memory": memory_json(costs, batch_one_memory(result)) if costs else None,
        "layers": layers,
        "diagnostics": [d.to_json() for d in result.diagnostics],
    }


def render_json(results: Sequence[CheckResult], options: RenderOptions = DEFAULT_OPTIONS) -> str:
    return safe_json({"version": JSON_VERSION, "files": [file_json(r) for r in results]}) + "\n"
