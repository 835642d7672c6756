"""PyTorch's CUDA caching allocator, simulated: how much memory it *reserves* for a sequence of allocations.

A run dies when the allocator cannot reserve a segment, not at ``max_memory_allocated``. The rules here are
CUDACachingAllocator's defaults (no ``PYTORCH_CUDA_ALLOC_CONF``, one stream, no expandable segments):

- a request is rounded up to a multiple of 512 bytes;
- requests up to 1 MiB come from the small pool, whose segments are 2 MiB; larger ones from the large pool,
  whose segments are 20 MiB for requests under 10 MiB and the request rounded up to 2 MiB above that;
- a request takes the smallest free cached block of its pool that fits (best fit), split when the rest is
  at least 512 bytes (small pool) or more than 1 MiB (large pool); only when none fits is a segment
  reserved (cudaMalloc);
- a freed block merges with free neighbours of its segment and stays cached: segments are never returned
  during a run (no ``empty_cache``), so the reserved total only grows.
"""

from __future__ import annotations

import bisect
import itertools
from dataclasses import dataclass, field

MIN_BLOCK = 512
SMALL_SIZE = 1 << 20  # largest request of the small pool
SMALL_BUFFER = 2 << 20  # small pool segment
MIN_LARGE_ALLOC = 10 << 20  # requests below this share a LARGE_BUFFER segment
LARGE_BUFFER = 20 << 20
ROUND_LARGE = 2 << 20


def round_size(size: int) -> int:
    return MIN_BLOCK if size < MIN_BLOCK else -(-size // MIN_BLOCK) * MIN_BLOCK


def segment_size(size: int) -> int:
    if size <= SMALL_SIZE:
        return SMALL_BUFFER
    if size < MIN_LARGE_ALLOC:
        return LARGE_BUFFER
    return -(-size // ROUND_LARGE) * ROUND_LARGE


@dataclass(slots=True)
class Block:
    segment: int
    offset: int
    size: int
    small: bool
    free: bool = True
    prev: Block | None = None
    next: Block | None = None


@dataclass(slots=True)
class CachingAllocator:
    reserved: int = 0
    allocated: int = 0
    peak_reserved: int = 0
    peak_allocated: int = 0
    segments: int = 0
    _free: dict[bool, list[tuple[int, int, int]]] = field(default_factory=lambda: {True: [], False: []})
    _blocks: dict[tuple[int, int], Block] = field(default_factory=dict)  # (segment, offset) → block
    _live: dict[str, Block] = field(default_factory=dict)  # allocation key → its block
    _ids: itertools.count[int] = field(default_factory=itertools.count)

    def malloc(self, key: str, size: int) -> None:
        """Allocate ``size`` bytes under ``key`` (an existing allocation of that key is freed first)."""
        if key in self._live:
            self.release(key)
        if size <= 0:
            return
        size = round_size(size)
        small = size <= SMALL_SIZE
        pool = self._free[small]
        at = bisect.bisect_left(pool, (size, -1, -1))  # best fit: the smallest free block that is large enough
        if at < len(pool):
            _, segment, offset = pool.pop(at)
            block = self._blocks[(segment, offset)]
        else:
            segment = next(self._ids)
            reserved = segment_size(size)
            block = Block(segment, 0, reserved, small)
            self._blocks[(segment, 0)] = block
            self.reserved += reserved
            self.segments += 1
            self.peak_reserved = max(self.peak_reserved, self.reserved)
        rest = block.size - size
        if rest >= MIN_BLOCK if small else rest > SMALL_SIZE:
            remainder = Block(block.segment, block.offset + size, rest, small, True, block, block.next)
            if block.next is not None:
                block.next.prev = remainder
            block.next = remainder
            block.size = size
            self._blocks[(remainder.segment, remainder.offset)] = remainder
            bisect.insort(pool, (remainder.size, remainder.segment, remainder.offset))
        block.free = False
        self._live[key] = block
        self.allocated += block.size
        self.peak_allocated = max(self.peak_allocated, self.allocated)

    def release(self, key: str) -> None:
        """Free ``key``'s block: it merges with free neighbours and stays cached."""
        block = self._live.pop(key, None)
        if block is None:
            return
        self.allocated -= block.size
        block.free = True
        pool = self._free[block.small]
        for neighbour in (block.prev, block.next):
            if neighbour is not None and neighbour.free:
                del pool[bisect.bisect_left(pool, (neighbour.size, neighbour.segment, neighbour.offset))]
                first, second = (neighbour, block) if neighbour is block.prev else (block, neighbour)
                del self._blocks[(second.segment, second.offset)]
                first.size += second.size
                first.next = second.next
                if second.next is not None:
                    second.next.prev = first
                block = first
        bisect.insort(pool, (block.size, block.segment, block.offset))

    def temporary(self, size: int) -> None:
        """A short-lived allocation (a workspace, a temporary): allocated and freed at once."""
        self.malloc("\0temporary", size)
        self.release("\0temporary")
