"""Compute cost figures from inferred shapes, without torch.

- params: exact, as ``sum(p.numel())`` of the built module (shapes/params.py).
- MACs: torchinfo's convention for conv and transposed conv (parameters × output
  positions); linear layers count parameters × positions (they act at every
  position); other layers 0.
- activation memory: every layer's output for one sample, plus the input.
"""

from __future__ import annotations

from dataclasses import dataclass

from unetcalc.shapes.infer import Inference, LayerShapes
from unetcalc.shapes.poly import Poly, numel

BYTES = {"float32": 4, "bfloat16": 2}


def layer_macs(entry: LayerShapes) -> Poly | None:
    if entry.out is None or entry.params is None:
        return None
    if entry.layer.op in ("conv", "upconv", "linear"):
        positions = numel(entry.out.size, 1)
        return positions * entry.params
    return Poly.number(0)


@dataclass(frozen=True, slots=True)
class Costs:
    params: int
    macs: Poly
    activations: Poly  # elements, one sample
    per_layer_macs: list[Poly | None]

    def param_bytes(self, dtype: str = "float32") -> int:
        return self.params * BYTES[dtype]

    def activation_bytes(self, dtype: str = "float32") -> Poly:
        return self.activations * BYTES[dtype]


def compute_costs(inference: Inference) -> Costs:
    macs = Poly.number(0)
    activations = numel(inference.input.size, inference.input.channels)
    per_layer: list[Poly | None] = []
    for entry in inference.layers:
        layer_cost = layer_macs(entry)
        per_layer.append(layer_cost)
        if layer_cost is not None:
            macs = macs + layer_cost
        if entry.out is not None:
            activations = activations + numel(entry.out.size, entry.out.channels)
    return Costs(inference.params, macs, activations, per_layer)
