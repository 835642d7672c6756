"""The reserved peak: the memory PyTorch's caching allocator holds, for the run `measure_memory.py` makes.

The allocation sequence is the memory model's own replay (memory/simulate.py), made concrete and played
through the allocator of memory/allocator.py: the weights tensor by tensor, the input, one inference pass,
then training steps (forward, loss, backward, optimizer step, ``zero_grad(set_to_none=True)``). Segments are
never returned within a run, so the reserved peak is what the allocator holds after the steady step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from unetcalc.check import CheckResult
from unetcalc.memory.allocator import CachingAllocator
from unetcalc.memory.estimate import OPTIMIZERS, PRECISIONS, element_counts, network_nodes, returned_tensors
from unetcalc.memory.ops import FLOAT
from unetcalc.memory.simulate import Node, Replay

STEPS = 5  # as measure_memory.py runs: Adam's states exist from the first step's end
# Layers simulated: the replay is linear in them, but `fit` asks at a dozen sizes; past this many a
# spec's reserved peak is not simulated (None) and `fit` compares the allocated peak, saying so.
MAX_SIMULATED_LAYERS = 5_000


@dataclass(frozen=True, slots=True)
class Reserved:
    peak: int  # max_memory_reserved(): bytes of the segments the allocator holds
    allocated_peak: int  # max_memory_allocated() in the same simulation (block sizes, rounded to 512 bytes)
    segments: int


def reserved_peak(
    result: CheckResult, batch: int = 1, precision: str = "fp32", optimizer: str = "adam"
) -> Reserved | None:
    """Simulate the caching allocator over a concrete spec's run (the input must be concrete); None for a
    network of more than MAX_SIMULATED_LAYERS layers."""
    assert result.inference is not None and result.graph is not None
    if len(result.inference.layers) > MAX_SIMULATED_LAYERS:
        return None
    compute = PRECISIONS[precision]
    counts = element_counts(result, None)
    returned = returned_tensors(result)
    allocator = CachingAllocator()
    training = network_nodes(result, compute, True, counts)
    inference = network_nodes(result, compute, False, counts)
    for node in training:  # `.to("cuda")` moves the module tensor by tensor
        for index, size in enumerate(_parameter_tensors(node)):
            allocator.malloc(f"w:{node.id}:{index}", size * FLOAT)
        if node.buffers:
            allocator.malloc(f"buffers:{node.id}", node.buffers)
    allocator.malloc("x", _int(counts[0][0][0]) * batch * FLOAT if counts else 0)
    _play(allocator, Replay(inference, returned, batch, compute, training=False), "inference", _forward)
    states, temporaries = OPTIMIZERS[optimizer]
    for step in range(STEPS):
        before = allocator.segments
        replay = Replay(training, returned, batch, compute, training=True)
        _play(allocator, replay, f"step{step}", _training_pass)
        trained = [node for node in training if node.runs]  # parameters without a gradient are skipped
        for node in trained:  # the optimizer step: its states (the first time) and the foreach temporaries
            for index, size in enumerate(_parameter_tensors(node)):
                for state in range(states):
                    key = f"state{state}:{node.id}:{index}"
                    if step == 0:
                        allocator.malloc(key, size * FLOAT)
        for node in trained:
            for index, size in enumerate(_parameter_tensors(node)):
                for temporary in range(temporaries):
                    allocator.malloc(f"tmp{temporary}:{node.id}:{index}", size * FLOAT)
        for node in trained:
            for index in range(len(_parameter_tensors(node))):
                for temporary in range(temporaries):
                    allocator.release(f"tmp{temporary}:{node.id}:{index}")
        for key in list(allocator._live):  # zero_grad(set_to_none=True), `del y, loss`: the step's tensors go
            if key.startswith(f"step{step}:"):
                allocator.release(key)
        if step and allocator.segments == before:
            break  # steady: a step that reserved nothing new replays the same sequence into the same cache
    return Reserved(allocator.peak_reserved, allocator.peak_allocated, allocator.segments)


def _forward(replay: Replay) -> None:
    replay.forward()


def _training_pass(replay: Replay) -> None:
    replay.forward()
    replay.loss()
    replay.backward()


def _play(allocator: CachingAllocator, replay: Replay, prefix: str, run: Callable[[Replay], None]) -> None:
    """Run a replay with its allocation events recorded, and play them through the allocator."""
    replay.pool.events = []
    run(replay)
    for kind, key, amount in replay.pool.events:
        if kind == "alloc":
            allocator.malloc(f"{prefix}:{key}", _int(amount))
        else:
            allocator.release(f"{prefix}:{key}")
    if prefix == "inference":  # `del y`
        for key in list(allocator._live):
            if key.startswith("inference:"):
                allocator.release(key)


def _parameter_tensors(node: Node) -> tuple[int, ...]:
    return node.tensors or ((node.params,) if node.params else ())


def _int(value: object) -> int:
    assert isinstance(value, int), "the reserved peak needs a concrete input size"
    return value
