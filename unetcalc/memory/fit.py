"""`unetcalc fit`: the largest batch, or the largest valid input, whose training step fits a memory budget."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from unetcalc.check import check_spec
from unetcalc.memory.estimate import MemoryEstimate, estimate_memory
from unetcalc.memory.reserved import reserved_peak
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


CRITERIA = ("reserved", "allocated")
DEFAULT_CONTEXT = 512 * 2**20  # the CUDA context: 0.3-0.6 GiB measured (README, "Will it fit?")


@dataclass(frozen=True, slots=True)
class Budget:
    """What a training step may use: ``limit`` (--memory minus --reserve) less the CUDA ``context``, compared
    with the caching allocator's reserved peak (what can run) or, ``allocated``, max_memory_allocated."""

    limit: int
    context: int = DEFAULT_CONTEXT
    criterion: str = "reserved"

    @property
    def available(self) -> int:
        return self.limit - self.context


@dataclass(frozen=True, slots=True)
class Need:
    estimate: MemoryEstimate
    reserved: int | None  # the caching allocator's reserved peak (None: not simulated, `allocated`)

    def bytes(self, budget: Budget) -> int:
        if budget.criterion == "reserved" and self.reserved is not None:
            return self.reserved
        return self.estimate.training_peak


@dataclass(frozen=True, slots=True)
class Fit:
    batch: int
    size: tuple[int, ...]
    estimate: MemoryEstimate  # at the answer
    limit: int  # bytes available for the step: --memory less --reserve
    over: tuple[int, tuple[int, ...], int] | None  # the next batch or size up, and what it needs (does not fit)
    over_allocated: int | None = None  # the next one's allocated peak
    capped: int | None = None  # the search's own bound, when the answer is at it: more may fit
    budget: Budget | None = None
    reserved: int | None = None  # the reserved peak at the answer

    @property
    def needed(self) -> int:
        """The bytes the criterion compares: the reserved peak, or the allocated one."""
        if self.budget is not None and self.budget.criterion == "reserved" and self.reserved is not None:
            return self.reserved
        return self.estimate.training_peak

    @property
    def margin(self) -> int:
        context = self.budget.context if self.budget is not None else 0
        return self.limit - context - self.needed


def _need(spec: Spec, size: tuple[int, ...], batch: int, precision: str, optimizer: str, criterion: str) -> Need:
    result = check_spec(spec, size)
    if not result.ok or result.inference is None:
        raise FitError(f"the spec does not check at {'x'.join(map(str, size))}: run `unetcalc check` on it")
    estimate = estimate_memory(result, batch, precision, optimizer)
    simulated = reserved_peak(result, batch, precision, optimizer) if criterion == "reserved" else None
    reserved = simulated.peak if simulated is not None else None
    return Need(estimate, reserved)


def largest_batch(spec: Spec, size: tuple[int, ...], limit: int | Budget, precision: str, optimizer: str) -> Fit:
    """The largest batch whose training step fits the budget at input ``size``."""
    budget = limit if isinstance(limit, Budget) else Budget(limit, 0, "allocated")
    needs: dict[int, Need] = {}

    def fits(batch: int) -> bool:
        needs[batch] = _need(spec, size, batch, precision, optimizer, budget.criterion)
        return needs[batch].bytes(budget) <= budget.available

    best = _largest(fits, lambda b: b + 1, 1, MAX_BATCH)
    if best is None:
        need = needs[1].bytes(budget)
        raise FitError(
            f"even batch 1 needs {need:,} bytes at {'x'.join(map(str, size))}, more than the {budget.available:,} "
            "available"
        )
    over = needs.get(best + 1)
    return Fit(
        best,
        size,
        needs[best].estimate,
        budget.limit,
        None if over is None else (best + 1, size, over.bytes(budget)),
        None if over is None else over.estimate.training_peak,
        MAX_BATCH if best == MAX_BATCH else None,
        budget,
        needs[best].reserved,
    )


def largest_size(
    spec: Spec,
    axes: tuple[AxisValidity, ...],
    start: tuple[int, ...],
    grow: int | None,
    batch: int,
    limit: int | Budget,
    precision: str,
    optimizer: str,
) -> Fit:
    """The largest valid input that fits: every axis the same size (``grow`` None), or one axis grown
    from ``start`` while the others keep their sizes."""
    budget = limit if isinstance(limit, Budget) else Budget(limit, 0, "allocated")

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
    needs: dict[int, Need] = {}

    def fits(n: int) -> bool:
        needs[n] = _need(spec, size_at(n), batch, precision, optimizer, budget.criterion)
        return needs[n].bytes(budget) <= budget.available

    best = _largest(fits, lambda n: next_valid(n), first, MAX_SIZE)
    if best is None:
        need = needs[first].bytes(budget)
        raise FitError(
            f"even the smallest valid input {'x'.join(map(str, size_at(first)))} needs {need:,} bytes "
            f"at batch {batch}, more than the {budget.available:,} available"
        )
    up = next_valid(best)
    over = needs.get(up) if up is not None else None
    unbounded = any(c.max is None for axis in (axes if grow is None else (axes[grow],)) for c in axis.classes)
    return Fit(
        batch,
        size_at(best),
        needs[best].estimate,
        budget.limit,
        None if over is None or up is None else (batch, size_at(up), over.bytes(budget)),
        None if over is None else over.estimate.training_peak,
        MAX_SIZE if up is None and unbounded else None,
        budget,
        needs[best].reserved,
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
