"""Exact parameter counts, as ``sum(p.numel() for p in module.parameters())``."""

from __future__ import annotations

import math

from unetcalc.spec.model import Layer


def count_params(layer: Layer, in_channels: int) -> int:
    p = layer.params
    op = layer.op
    if op in ("conv", "upconv"):
        kernel = p["kernel"] if isinstance(p["kernel"], tuple) else (p["kernel"],)
        filters: int = p["filters"]
        groups: int = p["groups"]
        weights = in_channels * filters // groups * math.prod(kernel)
        return weights + (filters if p["bias"] else 0)
    if op in ("batchnorm", "instancenorm", "groupnorm", "layernorm"):
        return 2 * in_channels if p.get("affine") else 0
    if op == "prelu":
        return in_channels if p["num_parameters"] == "channels" else 1
    if op == "linear":
        features: int = p["features"]
        return in_channels * features + (features if p["bias"] else 0)
    if op in PARAMETER_FREE:
        return 0
    raise KeyError(f"no parameter count for op `{op}`")


# Ops without weights: a new op must be added here or above (tests/test_ops_complete.py checks).
PARAMETER_FREE = frozenset(
    {"maxpool", "avgpool", "upsample", "resize", "concat", "add", "multiply", "crop", "pad", "dropout", "identity"}
    | {"relu", "leakyrelu", "elu", "gelu", "silu", "sigmoid", "tanh", "softmax"}
)
