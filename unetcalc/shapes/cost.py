"""Compute cost figures from inferred shapes, without torch.

- params: exact, as ``sum(p.numel())`` of the built module (each op's ``param_count``).
- MACs: the true multiply-adds of conv, transposed conv and linear layers, as ptflops
  counts them: a conv's weights × output positions, a transposed conv's weights ×
  *input* positions (each input value meets the whole kernel once), plus one add per
  output element for a bias; norms, activations, pools and resampling count 0.
  ``convention="torchinfo"`` gives torchinfo's convention instead (parameters × output
  positions for both kinds of conv: 4× the true count of a 2×2 stride-2 transposed
  conv in 2D, 8× in 3D), for comparison.
- memory: not here; unetcalc/memory replays what PyTorch allocates in a training step and in inference.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from unetcalc.ops.registry import definition
from unetcalc.shapes.infer import Inference, LayerShapes
from unetcalc.shapes.poly import Poly, numel, sum_polys

BYTES = {"float32": 4, "bfloat16": 2}


def layer_macs(entry: LayerShapes, convention: str = "true") -> Poly | None:
    if entry.out is None or entry.params is None:
        return None
    if not entry.layer.runs:  # `run: false`: parameters, no work
        return Poly.number(0)
    macs = definition(entry.layer.op).macs
    if macs == "per_input" and convention == "true" and entry.ins and entry.ins[0] is not None:
        bias = entry.out.channels if entry.layer.params.get("bias") else 0
        return numel(entry.ins[0].size, 1) * (entry.params - bias) + numel(entry.out.size, 1) * bias
    if macs != "none":
        positions = numel(entry.out.size, 1)
        return positions * entry.params
    return Poly.number(0)


@dataclass(frozen=True, slots=True)
class Costs:
    params: int
    macs: Poly
    per_layer_macs: list[Poly | None]

    def param_bytes(self, dtype: str = "float32") -> int:
        return self.params * BYTES[dtype]


# The last two kept (an Inference hashes by identity): a report asks for the costs of the result it
# renders several times, in one convention or both.
@functools.lru_cache(maxsize=2)
def compute_costs(inference: Inference, convention: str = "true") -> Costs:
    """Parameters and MACs of every layer and in total (computed once per inference and convention)."""
    per_layer = [layer_macs(entry, convention) for entry in inference.layers]
    return Costs(inference.params, sum_polys(p for p in per_layer if p is not None), per_layer)
