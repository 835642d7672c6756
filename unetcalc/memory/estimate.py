"""The memory a training step and an inference pass need: the library API behind `unetcalc memory`."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from unetcalc.check import CheckResult
from unetcalc.memory.amount import Basis, Vec
from unetcalc.memory.ops import FLOAT, HALF, op_memory
from unetcalc.memory.simulate import Amount, Node, Replay
from unetcalc.shapes.affine import Affine
from unetcalc.shapes.poly import Poly, numel
from unetcalc.shapes.shape import Shape

PRECISIONS = {"fp32": FLOAT, "bf16": HALF, "fp16": HALF}
# Per optimizer: float32 copies of the parameters it keeps as state, and the temporaries of its step
# (foreach Adam/AdamW: sqrt(exp_avg_sq) is one more copy; SGD updates in place).
OPTIMIZERS = {"adam": (2, 1), "adamw": (2, 1), "sgd": (0, 0), "sgd-momentum": (1, 0)}
REFERENCE_SIZE = 1024  # symbolic inputs: peaks are compared where every symbol is this large
Bytes = int | Poly  # a number, or a polynomial in the input symbols


@dataclass(frozen=True, slots=True)
class LayerMemory:
    name: str
    op: str
    saved: Bytes  # what its autograd node keeps (a tensor two nodes keep counts for the first)
    kept: str  # "input", "output", "input + indices", "input + half weights", …


@dataclass(frozen=True, slots=True)
class TrainingMemory:
    peak: Bytes  # as torch.cuda.max_memory_allocated() reports for a steady training step
    peak_at: str  # the layer (or step) where the peak occurs
    weights: Bytes  # parameters and buffers, float32
    gradients: Bytes  # of the parameters, float32
    optimizer: Bytes  # optimizer state
    saved: Bytes  # tensors kept for backward after the forward (with the outputs)
    at_peak: dict[str, Bytes]  # what is live at the peak, by kind
    per_layer: list[LayerMemory]


@dataclass(frozen=True, slots=True)
class InferenceMemory:
    peak: Bytes  # weights and input included
    activations: Bytes  # the peak minus weights and input (what the forward adds)
    peak_at: str


@dataclass(frozen=True, slots=True)
class MemoryEstimate:
    batch: int
    precision: str
    optimizer: str
    training: TrainingMemory
    inference: InferenceMemory
    symbolic: bool  # figures are polynomials in the input symbols; peaks chosen for large inputs

    @property
    def training_peak(self) -> int:
        """The training step's peak in bytes, for an estimate at a concrete size (as `fit` makes)."""
        peak = self.training.peak
        assert isinstance(peak, int), "a symbolic estimate has no single peak in bytes"
        return peak


STACKED = "<stack of the outputs>"  # the tensor `outputs: {stack: [...]}` returns (no layer is named so)


def network_nodes(
    result: CheckResult, compute: int, training: bool, counts: list[tuple[tuple[Amount, ...], Amount]]
) -> list[Node]:
    """The checked network as memory nodes (the spec must have checked without errors).

    ``counts``: each layer's input and output element counts (:func:`element_counts`).
    """
    assert result.inference is not None
    rank = result.inference.input.rank
    nodes = []
    for entry, (ins, out) in zip(result.inference.layers, counts, strict=True):
        layer = entry.layer
        params = entry.params or 0
        # cuDNN's scratch, bounded from above by the input and output (its algorithm is chosen at run time).
        # 3D float32 convs need it in backward only: the wolny 3D U-Net's backward is 15 % above the model
        # without it, unet3d's forward 50 % below the model with it.
        transposes = layer.op in ("conv", "upconv")
        nodes.append(
            Node(
                id=layer.id,
                name=layer.name,
                op=layer.op,
                inputs=layer.inputs,
                in_numel=ins,
                out_numel=out,
                params=params,
                buffers=_buffer_bytes(layer.op, layer.params, entry.out.channels if entry.out else 0),
                memory=op_memory(layer.op, _memory_mode(layer.op, layer.params), compute, training),
                crop=layer.params.get("crop") == "center",
                workspace=(ins[0] + out) * compute if transposes else 0,
                workspace_fixed=params * compute if transposes else 0,
                tensors=_parameter_tensors(layer.op, layer.params, params, entry.out.channels if entry.out else 0),
                forward_workspace=not (rank == 3 and compute == FLOAT),
                runs=layer.runs,
            )
        )
    if result.spec.outputs_stacked:  # torch.stack(outputs, dim=1): a copy of them all, nothing kept
        ids = tuple(result.graph.output_ids) if result.graph else ()
        sizes = {node.id: node.out_numel for node in nodes}
        in_numel = tuple(sizes[i] for i in ids)
        stacked = sum(in_numel[1:], in_numel[0]) if in_numel else 0
        concat = op_memory("concat", "None", compute, training)
        nodes.append(Node(STACKED, "stack", "concat", ids, in_numel, stacked, 0, 0, concat))
    return nodes


def returned_tensors(result: CheckResult) -> list[str]:
    """What forward returns, for the replay: the outputs, or the one tensor that stacks them."""
    assert result.graph is not None
    return [STACKED] if result.spec.outputs_stacked else result.graph.output_ids


def element_counts(result: CheckResult, basis: Basis | None) -> list[tuple[tuple[Amount, ...], Amount]]:
    """Every layer's input and output element counts, per sample."""
    assert result.inference is not None
    count = _counter(basis)
    return [(tuple(count(s) for s in entry.ins), count(entry.out)) for entry in result.inference.layers]


def _counter(basis: Basis | None) -> Callable[[Shape | None], Amount]:
    known: dict[tuple[tuple[Affine, ...], int], Amount] = {}  # layers of a level share their shapes

    def count(shape: Shape | None) -> Amount:
        if shape is None:
            return 0
        key = (shape.size, shape.channels)
        amount = known.get(key)
        if amount is None:
            if all(size.is_number for size in shape.size):  # the common case, without polynomials
                amount = math.prod(size.off if size.den == 1 else int(size.const) for size in shape.size)
                amount *= shape.channels
            else:
                assert basis is not None, "a symbolic size needs a basis"
                amount = basis.vector(numel(shape.size, shape.channels))
            if len(known) >= 4096:
                known.clear()
            known[key] = amount
        return amount

    return count


def _memory_mode(op: str, params: dict[str, object]) -> str:
    """What of a layer's parameters changes its memory: a pad's mode, in-place, dropout's p = 0."""
    if params.get("inplace"):
        return "inplace"
    if op == "dropout" and params.get("p") == 0:
        return "p0"
    return str(params.get("mode"))


def _parameter_tensors(op: str, params: dict[str, object], count: int, channels: int) -> tuple[int, ...]:
    """A layer's ``count`` parameters split as its module holds them: a weight and a bias per output channel."""
    if not count:
        return ()
    if op in ("conv", "upconv", "linear") and params.get("bias", True) and count > channels:
        return (count - channels, channels)
    if op in ("batchnorm", "groupnorm", "layernorm", "instancenorm") and count == 2 * channels:
        return (channels, channels)
    return (count,)


def network_basis(result: CheckResult) -> Basis | None:
    """The monomials a symbolic input's sizes use (None for a concrete input)."""
    assert result.inference is not None
    if all(size.is_number for size in result.inference.input.size):
        return None
    shapes = [result.inference.input] + [e.out for e in result.inference.layers if e.out is not None]
    return Basis((numel(s.size, s.channels) for s in shapes), REFERENCE_SIZE)


# cuDNN's scratch memory for a convolution (cuDNN 9, ``cudnn.benchmark`` off, as measured on an H100):
# its heuristics pick engines that work in channels-last layout, so the NCHW input and output are
# transposed into the workspace (their size again, per sample) and so is the filter (its size, whatever
# the batch; in the backward only in float32, where the weight gradient is computed in that layout).
# 3D float32 convolutions run as NCDHW implicit GEMM without the copy; 1D convolutions run as 2D ones.


def _buffer_bytes(op: str, params: dict[str, object], channels: int) -> int:
    """Running mean and variance (float32) and the batch counter (int64) of a norm that tracks them."""
    tracks = op == "batchnorm" or (op == "instancenorm" and bool(params.get("track_running_stats")))
    return 2 * channels * FLOAT + 8 if tracks else 0


def measure_size(value: Amount | Poly) -> float:
    """A number to compare amounts by: itself, or its value where every input symbol is large."""
    if isinstance(value, int):
        return float(value)
    if isinstance(value, Vec):
        return value.size()
    symbols = {symbol for monomial in value.terms for symbol, _ in monomial}
    return float(value.at(dict.fromkeys(symbols, REFERENCE_SIZE)))


def exact(value: Amount) -> int | Poly:
    """An amount for reports: an int, or a polynomial in the input symbols."""
    if isinstance(value, int):
        return value
    poly = value.poly()
    return poly.value if poly.is_number else poly


def estimate_memory(
    result: CheckResult, batch: int = 1, precision: str = "fp32", optimizer: str = "adam"
) -> MemoryEstimate:
    """Predict the peak memory of one training step and of inference for a spec that checked cleanly."""
    assert result.inference is not None and result.graph is not None
    compute = PRECISIONS[precision]
    basis = network_basis(result)
    returned = returned_tensors(result)
    input_bytes = _counter(basis)(result.inference.input) * batch * FLOAT
    setup = _Setup(result, element_counts(result, basis), batch, compute, returned, input_bytes)
    training = _training(setup, optimizer)
    inference = _inference(setup)
    return MemoryEstimate(batch, precision, optimizer, training, inference, basis is not None)


def _weights(nodes: list[Node]) -> tuple[int, int]:
    """Weights and buffers; and the gradients (and so the optimizer's states): only of layers that run."""
    params = sum(n.params for n in nodes)
    trained = sum(n.params for n in nodes if n.runs)
    return params * FLOAT + sum(n.buffers for n in nodes), trained * FLOAT


@dataclass(frozen=True, slots=True)
class _Setup:
    """What both replays share."""

    result: CheckResult
    counts: list[tuple[tuple[Amount, ...], Amount]]
    batch: int
    compute: int
    returned: list[str]
    input_bytes: Amount


def _training(setup: _Setup, optimizer: str) -> TrainingMemory:
    nodes = network_nodes(setup.result, setup.compute, True, setup.counts)
    weights, gradients = _weights(nodes)
    states, temporaries = OPTIMIZERS[optimizer]
    replay = Replay(nodes, setup.returned, setup.batch, setup.compute, training=True, measure=measure_size)
    pool = replay.pool
    pool.alloc("weights", weights, "weights")
    pool.alloc("optimizer", gradients * states, "optimizer state")
    pool.alloc("input", setup.input_bytes, "input")
    replay.forward()
    saved = pool.kinds.get("activations", 0) + pool.kinds.get("half-precision weight copies", 0)
    replay.loss()
    replay.backward()
    pool.observe("optimizer step", gradients * temporaries)
    return TrainingMemory(
        peak=exact(pool.peak),
        peak_at=pool.peak_at,
        weights=weights,
        gradients=gradients,
        optimizer=gradients * states,
        saved=exact(saved),
        at_peak={k: exact(v) for k, v in pool.peak_kinds.items() if measure_size(v) > 0},
        per_layer=[LayerMemory(k.name, k.op, exact(k.saved), k.kept) for k in replay.per_layer],
    )


def _inference(setup: _Setup) -> InferenceMemory:
    nodes = network_nodes(setup.result, setup.compute, False, setup.counts)
    weights, _ = _weights(nodes)
    replay = Replay(nodes, setup.returned, setup.batch, setup.compute, training=False, measure=measure_size)
    replay.pool.alloc("weights", weights, "weights")
    replay.pool.alloc("input", setup.input_bytes, "input")
    base = replay.pool.total
    replay.forward()
    return InferenceMemory(exact(replay.pool.peak), exact(replay.pool.peak + base * -1), replay.pool.peak_at)
