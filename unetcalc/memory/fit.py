"""`unetcalc fit`: the largest batch, or the largest valid input, whose training step fits a memory budget."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from unetcalc.check import check_spec
from unetcalc.memory.estimate import MemoryEstimate, estimate_memory
from unetcalc.shapes.validity import AxisValidity
from unetcalc.spec.model import Spec

UNITS = {
    "": 1, "b": 1,
    "k": 2**10, "kib": 2**10, "kb": 10**3,
    "m": 2**20, "mib": 2**20, "mb": 10**6,
    "g": 2**30, "gib": 2**30, "gb": 10**9,
    "t": 2**40, "tib": 2**40, "tb": 10**12,
}  # fmt: skip
MAX_BATCH = 1 << 20
MAX_SIZE = 1 << 20


class FitError(ValueError):
    """The question has no answer (the spec does not check, nothing fits, no valid size)."""


def parse_bytes(text: str) -> int:
    """``24GiB``, ``24 GB`` (10⁹), ``80G`` (GiB), ``1.5TiB``, ``4096`` (bytes) → bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*", text)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in UNITS:
        raise ValueError(f"{text[:40]!r} is no amount of memory: write e.g. 24GiB, 80GB, 11G or 16000MiB")
    amount = float(match.group(1)) * UNITS[unit]
    if amount >= 2**80:  # a yobibyte: also keeps 400 digits (float infinity) from int()
        raise ValueError(f"{text[:40]!r} is more memory than any machine has: write e.g. 24GiB")
    return int(amount)


@dataclass(frozen=True, slots=True)
class Fit:
    batch: int
    size: tuple[int, ...]
    estimate: MemoryEstimate  # at the answer
    limit: int  # bytes available for the step
    over: tuple[int, tuple[int, ...], int] | None  # the next batch or size up, and its peak (does not fit)
    capped: int | None = None  # the search's own bound, when the answer is at it: more may fit

    @property
    def margin(self) -> int:
        return self.limit - self.estimate.training_peak


def _peak(spec: Spec, size: tuple[int, ...], batch: int, precision: str, optimizer: str) -> MemoryEstimate:
    result = check_spec(spec, size)
    if not result.ok or result.inference is None:
        raise FitError(f"the spec does not check at {'x'.join(map(str, size))}: run `unetcalc check` on it")
    return estimate_memory(result, batch, precision, optimizer)


def largest_batch(spec: Spec, size: tuple[int, ...], limit: int, precision: str, optimizer: str) -> Fit:
    """The largest batch whose training step peaks within ``limit`` bytes at input ``size``."""
    estimates: dict[int, MemoryEstimate] = {}

    def fits(batch: int) -> bool:
        estimates[batch] = _peak(spec, size, batch, precision, optimizer)
        return estimates[batch].training_peak <= limit

    best = _largest(fits, lambda b: b + 1, 1, MAX_BATCH)
    if best is None:
        peak = estimates[1].training_peak
        raise FitError(f"even batch 1 needs {peak:,} bytes at {'x'.join(map(str, size))}, more than {limit:,}")
    over = estimates.get(best + 1)
    return Fit(
        best,
        size,
        estimates[best],
        limit,
        None if over is None else (best + 1, size, over.training_peak),
        MAX_BATCH if best == MAX_BATCH else None,
    )


def largest_size(
    spec: Spec,
    axes: tuple[AxisValidity, ...],
    start: tuple[int, ...],
    grow: int | None,
    batch: int,
    limit: int,
    precision: str,
    optimizer: str,
) -> Fit:
    """The largest valid input that fits: every axis the same size (``grow`` None), or one axis grown
    from ``start`` while the others keep their sizes."""

    def size_at(n: int) -> tuple[int, ...]:
        return tuple(n for _ in axes) if grow is None else tuple(n if a == grow else s for a, s in enumerate(start))

    def next_valid(after: int) -> int | None:
        chosen = axes if grow is None else (axes[grow],)
        value = after
        for _ in range(10_000):  # the axes' classes meet within a few of their moduli
            candidates = [axis.nearest(value)[1] for axis in chosen]
            if any(c is None for c in candidates):
                return None
            top = max(c for c in candidates if c is not None)
            if all(axis.contains(top) for axis in chosen):
                return top if top <= MAX_SIZE else None
            value = top - 1
        return None

    first = next_valid(0)
    if first is None:
        raise FitError("no input size is valid on every axis: see `unetcalc sizes`")
    estimates: dict[int, MemoryEstimate] = {}

    def fits(n: int) -> bool:
        estimates[n] = _peak(spec, size_at(n), batch, precision, optimizer)
        return estimates[n].training_peak <= limit

    best = _largest(fits, lambda n: next_valid(n), first, MAX_SIZE)
    if best is None:
        peak = estimates[first].training_peak
        raise FitError(
            f"even the smallest valid input {'x'.join(map(str, size_at(first)))} needs {peak:,} bytes "
            f"at batch {batch}, more than {limit:,}"
        )
    up = next_valid(best)
    over = estimates.get(up) if up is not None else None
    unbounded = any(c.max is None for axis in (axes if grow is None else (axes[grow],)) for c in axis.classes)
    return Fit(
        batch,
        size_at(best),
        estimates[best],
        limit,
        None if over is None or up is None else (batch, size_at(up), over.training_peak),
        MAX_SIZE if up is None and unbounded else None,
    )


def _largest(
    fits: Callable[[int], bool], successor: Callable[[int], int | None], first: int, ceiling: int
) -> int | None:
    """The largest value that fits, in a monotone sequence: gallop up by doubling, then bisect."""
    if not fits(first):
        return None
    good, bad = first, None
    step = max(first, 1)
    while bad is None:
        probe = _snap(good + step, successor)
        if probe is None or probe > ceiling:
            bad = ceiling + 1
            break
        if fits(probe):
            good, step = probe, step * 2
        else:
            bad = probe
    while True:  # `bad` is a value of the sequence (or past the ceiling) that does not fit
        nxt = successor(good)
        if nxt is None or nxt >= bad:
            return good
        middle = _snap((good + bad) // 2, successor)
        if middle is None or middle >= bad or middle <= good:
            middle = nxt
        if fits(middle):
            good = middle
        else:
            bad = middle


def _snap(value: int, successor: Callable[[int], int | None]) -> int | None:
    """The first value of the sequence at or above ``value``."""
    return successor(value - 1)
