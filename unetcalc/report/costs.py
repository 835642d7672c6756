"""Cost lines shared by `check`, `build` and JSON: MACs, memory, parameters."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from unetcalc.shapes.cost import BYTES, Costs
from unetcalc.shapes.poly import Poly

if TYPE_CHECKING:
    from unetcalc.check import CheckResult
    from unetcalc.memory.estimate import MemoryEstimate


def human_bytes(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    exponent = min(int(math.log(count, 1024)), 4)
    return f"{count / 1024**exponent:.1f} {['B', 'KiB', 'MiB', 'GiB', 'TiB'][exponent]}"


def precise_bytes(count: int) -> str:
    """Two decimals in GiB: a peak just over a budget must not print as the budget itself."""
    return f"{count / 2**30:.2f} GiB" if count >= 2**30 else human_bytes(count)


def human_count(count: int) -> str:
    for unit, size in (("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if count >= size:
            return f"{count / size:.2f} {unit}"
    return str(count)


def _count(value: Poly) -> str:
    return human_count(value.value) if value.is_number else value.format(exact=False)


def bytes_text(value: int | Poly) -> str:
    """``1.2 GiB``; a polynomial with coefficients in binary units: ``4.0 KiB·H·W + 1.8 GiB``."""
    if isinstance(value, int):
        return human_bytes(max(value, 0))
    parts = []
    for monomial in sorted(value.terms, key=lambda m: (-sum(p for _, p in m), m)):
        coef = value.terms[monomial]
        body = "·".join(s if p == 1 else f"{s}^{p}" for s, p in monomial)
        magnitude = Fraction(-coef if coef < 0 else coef)
        number = human_bytes(round(magnitude)) if magnitude >= 1 else f"{float(magnitude):.2f} B"
        parts.append(("- " if coef < 0 else "+ ") + (f"{number}·{body}" if body else number))
    joined = " ".join(parts)
    return joined[2:] if joined.startswith("+ ") else "-" + joined[2:]


# The batch-1 memory summary replays the network twice (~25 µs a layer, more for a symbolic input): past
# this many layers `check` leaves it to `unetcalc memory`, so that a linter stays linear and fast.
SUMMARY_MEMORY_LAYERS = 5_000


def costs_line(costs: Costs, memory: MemoryEstimate | None = None, layers: int = 0) -> str:
    """MACs, the memory of a training step and of inference at batch 1 (when known), and the weights."""
    parts = [f"MACs {_count(costs.macs)}"]
    if memory is not None:
        parts.append(f"train step {bytes_text(memory.training.peak)} (batch 1, fp32, Adam)")
        parts.append(f"inference {bytes_text(memory.inference.peak)}")
    elif layers > SUMMARY_MEMORY_LAYERS:
        parts.append(f"memory: run `unetcalc memory` ({layers:,} layers)")
    parts.append(f"weights {human_bytes(costs.param_bytes('float32'))} fp32")
    return "   ".join(parts)


def batch_one_memory(result: CheckResult) -> MemoryEstimate | None:
    """The peak memory at batch 1 in float32 with Adam, for a spec that checked without errors (and has
    at most SUMMARY_MEMORY_LAYERS layers)."""
    if result.inference is None or not result.ok or not result.layers_ok():
        return None
    if len(result.inference.layers) > SUMMARY_MEMORY_LAYERS:
        return None
    from unetcalc.memory.estimate import estimate_memory

    return estimate_memory(result)


def poly_json(value: Poly | None) -> int | str | None:
    if value is None:
        return None
    return value.value if value.is_number else value.format(exact=True, grouping=False)


def memory_json(costs: Costs, memory: MemoryEstimate | None) -> dict[str, Any]:
    """Batch 1, float32, Adam: `unetcalc memory` has every batch, precision and optimizer."""
    return {
        "train_step_peak": None if memory is None else bytes_json(memory.training.peak),
        "inference_peak": None if memory is None else bytes_json(memory.inference.peak),
        "params": {dtype: costs.param_bytes(dtype) for dtype in BYTES},
        "unit": "bytes",
        "batch": 1,
        "precision": "fp32",
        "optimizer": "adam",
    }


def bytes_json(value: int | Poly) -> int | str | None:
    """Bytes for JSON: an int, or a polynomial as a string."""
    return value if isinstance(value, int) else poly_json(value)
