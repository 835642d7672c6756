"""Cost lines shared by `check`, `build` and JSON: MACs, memory, parameters."""

from __future__ import annotations

import math
from typing import Any

from unetcalc.shapes.cost import BYTES, Costs
from unetcalc.shapes.poly import Poly


def human_bytes(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    exponent = min(int(math.log(count, 1024)), 4)
    return f"{count / 1024**exponent:.1f} {['B', 'KiB', 'MiB', 'GiB', 'TiB'][exponent]}"


def human_count(count: int) -> str:
    for unit, size in (("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if count >= size:
            return f"{count / size:.2f} {unit}"
    return str(count)


def _count(value: Poly) -> str:
    return human_count(value.value) if value.is_number else value.format(exact=False)


def _bytes(value: Poly) -> str:
    return human_bytes(value.value) if value.is_number else f"{value.format(exact=False)} B"


def costs_line(costs: Costs) -> str:
    act32, act16 = costs.activation_bytes("float32"), costs.activation_bytes("bfloat16")
    return (
        f"MACs {_count(costs.macs)}   activations {_bytes(act32)} fp32 / {_bytes(act16)} bf16 (one sample)   "
        f"weights {human_bytes(costs.param_bytes('float32'))} fp32"
    )


def poly_json(value: Poly | None) -> int | str | None:
    if value is None:
        return None
    return value.value if value.is_number else value.format(exact=True, grouping=False)


def memory_json(costs: Costs) -> dict[str, Any]:
    return {
        "activations": {dtype: poly_json(costs.activation_bytes(dtype)) for dtype in BYTES},
        "params": {dtype: costs.param_bytes(dtype) for dtype in BYTES},
        "unit": "bytes",
        "batch": 1,
    }
