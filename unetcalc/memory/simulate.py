"""Replay a training step and an inference pass as PyTorch's allocator sees them, and keep the peak.

Tensors are allocations with owners: the forward readers still to run, the autograd nodes that saved
them, the caller (input and returned outputs). A tensor is freed when its last owner lets go, as
PyTorch's reference counting does; a gradient is freed once its producer's backward has run. Sizes
are ints, or polynomials in the input symbols (compared at a large reference size).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from unetcalc.memory.amount import Vec
from unetcalc.memory.ops import FLOAT, HALF, OpMemory

Amount = int | Vec  # bytes or element counts: a number, or a vector over the input's monomials
Measure = Callable[[Amount], float]


def plain(value: Amount) -> float:
    return float(value) if isinstance(value, int) else value.size()


@dataclass(frozen=True, slots=True)
class Node:
    """One layer, reduced to what memory needs: element counts are per sample."""

    id: str
    name: str
    op: str
    inputs: tuple[str, ...]  # tensor ids, primary first ("input": the network's input)
    in_numel: tuple[Amount, ...]
    out_numel: Amount
    params: int  # trainable parameters
    buffers: int  # bytes of running statistics
    memory: OpMemory
    crop: bool = False  # a join that center-crops its other inputs (a view; backward pads it back)
    workspace: Amount = 0  # cuDNN scratch bytes per sample (forward and backward)
    workspace_fixed: int = 0  # cuDNN scratch bytes that do not grow with the batch (a transformed filter)
    tensors: tuple[int, ...] = ()  # the parameters as PyTorch allocates them: weight, bias (elements each)
    forward_workspace: bool = True  # the forward needs the scratch too (3D float32 convs: backward only)
    runs: bool = True  # `run: false`: its weights exist, forward never calls it


@dataclass(slots=True)
class Pool:
    """Live allocations by kind, and what was live at the peak."""

    measure: Measure
    sizes: dict[str, tuple[Amount, str]] = field(default_factory=dict)
    kinds: dict[str, Amount] = field(default_factory=dict)
    total: Amount = 0
    peak: Amount = 0
    peak_at: str = ""
    peak_kinds: dict[str, Amount] = field(default_factory=dict)
    # The allocation sequence, for the caching allocator's simulation (memory/reserved.py): None, not kept.
    events: list[tuple[str, str, Amount]] | None = None

    def alloc(self, key: str, amount: Amount, kind: str = "activations") -> None:
        if key in self.sizes:
            self.free(key)
        if self.events is not None:
            self.events.append(("alloc", key, amount))
        self.sizes[key] = (amount, kind)
        self.total = self.total + amount
        self.kinds[kind] = self.kinds.get(kind, 0) + amount

    def free(self, key: str) -> None:
        entry = self.sizes.pop(key, None)
        if entry is not None and self.events is not None:
            self.events.append(("free", key, 0))
        if entry is not None:
            self.total = self.total + entry[0] * -1
            self.kinds[entry[1]] = self.kinds[entry[1]] + entry[0] * -1

    def size(self, key: str) -> Amount:
        return self.sizes[key][0] if key in self.sizes else 0

    def observe(self, where: str, transient: Amount = 0, workspace: Amount = 0) -> None:
        if self.events is not None:  # both live at this moment, then gone
            self.events += [("alloc", "\0transient", transient), ("alloc", "\0workspace", workspace)]
            self.events += [("free", "\0transient", 0), ("free", "\0workspace", 0)]
        now = self.total + transient + workspace
        if self.measure(now) > self.measure(self.peak):
            self.peak, self.peak_at = now, where
            self.peak_kinds = {**self.kinds, "transient": transient, "workspace": workspace}


@dataclass(slots=True)
class LayerSaved:
    name: str
    op: str
    saved: Amount  # bytes this layer's node keeps (its share: a tensor saved twice counts once)
    kept: str  # what: "input", "output + indices", …


def element_sizes(nodes: list[Node], compute: int) -> dict[str, int]:
    """The element size of every tensor under autocast with ``compute`` (4: no autocast)."""
    sizes = {"input": FLOAT}
    for node in nodes:
        first = sizes.get(node.inputs[0], FLOAT)
        m = node.memory
        if m.computes_in_autocast:
            size = compute
        elif m.casts_to is not None:
            size = m.casts_to
        elif m.joins:
            size = max(sizes.get(t, FLOAT) for t in node.inputs if not _shape_only(node, t))
        else:
            size = first
        sizes[node.id] = size
    return sizes


def _shape_only(node: Node, tensor: str) -> bool:
    """`to:` of crop/pad/resize: only the reference's shape is read (a join reads every tensor it names)."""
    return not node.memory.joins and tensor != node.inputs[0]


def _storages(nodes: list[Node]) -> dict[str, str]:
    """Tensor id → the allocation holding it (a crop or identity shares its input's)."""
    storage = {"input": "input"}
    for node in nodes:
        storage[node.id] = storage.get(node.inputs[0], node.inputs[0]) if node.memory.alias else node.id
    return storage


def _readers(nodes: list[Node], storage: dict[str, str]) -> dict[str, int]:
    """How many forward reads each allocation has left (a view's readers hold its base)."""
    counts: dict[str, int] = {}
    for node in nodes:
        if node.memory.alias or not node.runs:
            continue  # the view's readers count for the base instead; a layer never run reads nothing
        for tensor in node.inputs:
            counts[storage[tensor]] = counts.get(storage[tensor], 0) + 1
    return counts


def requiring_grad(nodes: list[Node], returned: set[str]) -> tuple[set[str], set[str]]:
    """Tensors that require grad, and the nodes whose backward runs (they reach a returned output)."""
    needs = set()
    for node in nodes:
        if node.params or any(t in needs for t in node.inputs if not _shape_only(node, t)):
            needs.add(node.id)
    reaches = set(returned)
    for node in reversed(nodes):
        if node.id in reaches:
            reaches.update(t for t in node.inputs if not _shape_only(node, t))
    return needs, {n.id for n in nodes if n.id in needs and n.id in reaches}


class Replay:
    """One pass of the network through a :class:`Pool`: the forward, then (training) loss, backward, step."""

    def __init__(
        self, nodes: list[Node], returned: list[str], batch: int, compute: int, training: bool, measure: Measure = plain
    ) -> None:
        self.nodes, self.returned, self.batch, self.compute, self.training = nodes, returned, batch, compute, training
        self.pool = Pool(measure)
        self.storage = _storages(nodes)
        self.fwd_left = _readers(nodes, self.storage)
        self.sizes = element_sizes(nodes, compute)
        self.needs, self.running = requiring_grad(nodes, set(returned)) if training else (set(), set())
        self.pinned = {"input", *(self.storage[t] for t in returned)}
        self.saved_refs: dict[str, int] = {}
        self.saved_by: dict[str, list[str]] = {}
        self.per_layer: list[LayerSaved] = []
        self.out_numel = {node.id: node.out_numel for node in nodes}

    def release(self, key: str) -> None:
        if self.fwd_left.get(key, 0) <= 0 and self.saved_refs.get(key, 0) <= 0 and key not in self.pinned:
            self.pool.free(key)

    # -- forward ---------------------------------------------------------------------------------

    def forward(self) -> None:
        for node in self.nodes:
            if node.runs:
                self._forward_node(node)
        if self.compute != FLOAT:  # autocast's cache is cleared when the autocast region ends
            for key in [k for k in self.pool.sizes if k.startswith("weight-copy:")]:
                self.release(key)

    def _forward_node(self, node: Node) -> None:
        pool, m, batch = self.pool, node.memory, self.batch
        first = node.inputs[0]
        keeps: list[str] = []
        kept_what: list[str] = []
        transient: Amount = 0
        half_weights = bool(node.params) and m.computes_in_autocast and self.compute != FLOAT
        if half_weights:
            # autocast's cache keeps the half copy of every weight until the forward ends
            pool.alloc(f"weight-copy:{node.id}", node.params * HALF, "half-precision weight copies")
        source = self.storage[first]
        if m.casts_to is not None and self.sizes.get(first, FLOAT) != m.casts_to:
            source = f"cast:{node.id}"
            pool.alloc(source, node.in_numel[0] * batch * m.casts_to)
        elif node.op == "linear":  # Linear over channels reshapes a moved-axis view: a copy
            source = f"copy:{node.id}"
            pool.alloc(source, node.in_numel[0] * batch * self.sizes.get(first, FLOAT))
        if m.joins:
            for tensor, numel in zip(node.inputs, node.in_numel, strict=True):
                if self.sizes.get(tensor, FLOAT) != self.sizes[node.id]:  # type promotion: a passing cast copy
                    transient = transient + numel * batch * self.sizes[node.id]
        if not m.alias:
            pool.alloc(node.id, node.out_numel * batch * self.sizes[node.id])
        extra: str | None = None
        if m.extra_saved_bytes:
            extra = f"extra:{node.id}"
            pool.alloc(extra, node.out_numel * batch * m.extra_saved_bytes)
        workspace = node.workspace * batch + node.workspace_fixed if node.forward_workspace else 0
        pool.observe(node.name, transient, workspace)
        if node.id in self.running:
            if m.saves_input:
                keeps.append(source)
                kept_what.append("input")
                if node.op == "multiply":
                    keeps += [self.storage[t] for t in node.inputs[1:]]
            if m.saves_output:
                keeps.append(self.storage[node.id])
                kept_what.append("output")
            if extra is not None:
                keeps.append(extra)
                kept_what.append("indices" if node.op == "maxpool" else "mask")
            if half_weights:
                keeps.append(f"weight-copy:{node.id}")
                kept_what.append("half weights")
            share: Amount = 0
            for key in dict.fromkeys(keeps):
                self.saved_refs[key] = self.saved_refs.get(key, 0) + 1
                if self.saved_refs[key] == 1:  # the first to keep it: it counts for this layer
                    share = share + pool.size(key)
            self.saved_by[node.id] = list(dict.fromkeys(keeps))
            self.per_layer.append(LayerSaved(node.name, node.op, share, " + ".join(kept_what) or "nothing"))
        for tensor in node.inputs:  # let go: inputs read for the last time, temporaries nobody kept
            key = self.storage[tensor]
            if not m.alias:
                self.fwd_left[key] = self.fwd_left.get(key, 0) - 1
            self.release(key)
        for temporary in (source, extra):
            if temporary is not None and temporary != self.storage[first]:
                self.release(temporary)
        if not m.alias:
            self.release(node.id)

    # -- loss, backward, optimizer step ----------------------------------------------------------

    def loss(self) -> None:
        """``y.float().square().mean()`` per returned output: float32 copies kept for backward."""
        for tensor in self.returned:
            numel = self._numel(tensor)
            if self.sizes[tensor] != FLOAT:
                self.pool.alloc(f"loss-input:{tensor}", numel * self.batch * FLOAT)
            self.pool.observe("loss", numel * self.batch * FLOAT)

    def backward(self) -> None:
        self.grad: dict[str, tuple[str, bool]] = {}  # tensor → (its gradient's allocation, is a view)
        self.grad_refs: dict[str, int] = {}
        for tensor in self.returned:
            numel = self._numel(tensor) * self.batch
            self.pool.alloc(f"grad:{tensor}", numel * FLOAT, "gradients of activations")
            self.pool.observe("loss backward", numel * FLOAT * 2)  # pow_backward's temporaries
            self.pool.free(f"loss-input:{tensor}")
            if self.sizes[tensor] != FLOAT:  # back through .float(): a copy in the output's dtype
                self.pool.alloc(f"grad-cast:{tensor}", numel * self.sizes[tensor], "gradients of activations")
                self.pool.free(f"grad:{tensor}")
                self._deliver(tensor, f"grad-cast:{tensor}", view=False, fresh=True)
            else:
                self._deliver(tensor, f"grad:{tensor}", view=False, fresh=True)
        for node in reversed(self.nodes):
            if node.id in self.running:
                self._backward_node(node)

    def _numel(self, tensor: str) -> Amount:
        return self.out_numel[tensor]

    def _backward_node(self, node: Node) -> None:
        pool, m, batch = self.pool, node.memory, self.batch
        incoming = self.grad.pop(node.id, None)
        deliveries: list[tuple[str, str, bool, bool]] = []  # (tensor, allocation, view, fresh)
        transient: Amount = 0
        crop = node.crop
        for j, (tensor, numel) in enumerate(zip(node.inputs, node.in_numel, strict=True)):
            if _shape_only(node, tensor) or tensor not in self.needs or incoming is None:
                continue
            size = self.sizes.get(tensor, FLOAT)
            passes = m.shares_grad and size == self.sizes[node.id] and not (crop and j > 0)
            if passes:
                self.grad_refs[incoming[0]] += 1
                deliveries.append((tensor, incoming[0], node.op == "concat" or incoming[1], False))
                continue
            key = f"grad:{node.id}:{j}"
            pool.alloc(key, numel * batch * size, "gradients of activations")
            if m.casts_to is not None and m.casts_to != size:  # computed in the cast dtype, then cast back
                transient = transient + numel * batch * m.casts_to
            deliveries.append((tensor, key, False, True))
        half_grad = node.params * HALF if m.computes_in_autocast and self.compute != FLOAT else 0
        if node.params and not half_grad:
            pool.alloc(f"weight-grad:{node.id}", node.params * FLOAT, "gradients")
        workspace = node.workspace * batch + (node.workspace_fixed if not half_grad else 0)
        pool.observe(f"{node.name} (backward)", transient + half_grad, workspace)
        for key in self.saved_by.get(node.id, []):
            self.saved_refs[key] -= 1
            self.release(key)
        if incoming is not None:
            self._drop_grad(incoming[0])
        if half_grad:  # autocast: the half-precision weight gradient is cast to float32 in a node of its own
            pool.alloc(f"weight-grad:{node.id}", node.params * FLOAT, "gradients")
            pool.observe(f"{node.name} (backward)", half_grad)
        for tensor, key, view, fresh in deliveries:
            self._deliver(tensor, key, view, fresh)

    def _drop_grad(self, key: str) -> None:
        self.grad_refs[key] -= 1
        if self.grad_refs[key] <= 0:
            self.pool.free(key)
            del self.grad_refs[key]

    def _deliver(self, tensor: str, key: str, view: bool, fresh: bool) -> None:
        """Hand a gradient to ``tensor``; a second one is summed in place where PyTorch can."""
        if fresh:
            self.grad_refs[key] = self.grad_refs.get(key, 0) + 1
        old = self.grad.get(tensor)
        if old is None:
            self.grad[tensor] = (key, view)
            return
        old_key, old_view = old
        if not view and self.grad_refs[key] == 1:
            self.grad[tensor] = (key, False)
            self._drop_grad(old_key)
        elif not old_view and self.grad_refs[old_key] == 1:
            self._drop_grad(key)
        else:  # neither can take the sum in place: a new tensor
            summed = f"grad-sum:{tensor}:{key}"
            numel = self.out_numel.get(tensor, 0)
            self.pool.alloc(summed, numel * self.batch * self.sizes.get(tensor, FLOAT), "gradients of activations")
            self.grad_refs[summed] = 1
            self._drop_grad(key)
            self._drop_grad(old_key)
            self.grad[tensor] = (summed, False)
