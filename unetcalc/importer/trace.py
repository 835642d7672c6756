"""Run a PyTorch module once and record what it computes, as spec rows with raw parameters.

Known leaf modules (``nn.Conv2d``, ``nn.BatchNorm3d``, ``nn.ReLU`` …) are recorded whole, from their
attributes, under their module path (``encoder.layer1.0.conv1``), so the spec's names are the
state_dict's prefixes. Everything computed outside them (``torch.cat``, ``+``, ``F.interpolate``,
``F.pad``, slicing, functional activations) is recorded at PyTorch's dispatch level together with the
innermost module that ran it. Anything the spec language cannot say becomes an :class:`Unsupported`
record naming the module, the op and the source line — never an approximation.

The module runs on whatever device its tensors are on (the meta device, normally: nothing is
allocated). This module imports torch; only ``unetcalc import`` loads it.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode

from unetcalc.importer.fastmeta import fast_meta
from unetcalc.importer.records import Step, Trace, TraceError, Unsupported
from unetcalc.ops.registry import DEFINITIONS, SHAPE_KEEPING_OPS

aten = torch.ops.aten


def _axes(value: Any, rank: int) -> list[int]:
    if isinstance(value, (tuple, list)):
        return [int(v) for v in value]
    return [int(value)] * rank


def _one_or_list(values: list[int] | tuple[int, ...]) -> int | list[int]:
    return values[0] if len(set(values)) == 1 else list(values)


def _scale(value: Any, rank: int) -> float | list[float]:
    values = [float(v) for v in (value if isinstance(value, (tuple, list)) else [value] * rank)]
    return values[0] if len(set(values)) == 1 else values


def pool_params(
    rank: int,
    kernel: Any,
    stride: Any,
    padding: Any,
    ceil_mode: Any,
    *,
    dilation: Any = None,
    count_include_pad: Any = None,
) -> dict[str, Any]:
    """A pool's spec parameters, from nn.MaxPool2d's attributes or aten.max_pool2d's arguments alike
    (a missing or empty stride is the kernel, as in PyTorch)."""
    params: dict[str, Any] = {
        "kernel": _one_or_list(_axes(kernel, rank)),
        "stride": _one_or_list(_axes(stride if stride not in (None, [], ()) else kernel, rank)),
        "padding": _one_or_list(_axes(padding, rank)),
        "ceil_mode": bool(ceil_mode),
    }
    if dilation is not None:
        params["dilation"] = _one_or_list(_axes(dilation, rank))
    if count_include_pad is not None:
        params["count_include_pad"] = bool(count_include_pad)
    return params


# Modules that are an op with no parameter but `inplace`: each op's definition names its classes.
ACTIVATION_MODULES: dict[type[nn.Module], str] = {
    getattr(nn, name): op.name for op in DEFINITIONS.values() for name in op.torch_classes
}
DROPOUT_MODULES = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.Dropout3d, nn.AlphaDropout)


def leaf_layer(module: nn.Module, rank: int) -> tuple[str, dict[str, Any]] | str | None:
    """The spec op and parameters of a known leaf module; a reason string when it cannot be said;
    None when it is not a module the importer knows whole (its insides are traced instead)."""
    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
        if module.padding_mode != "zeros":
            return f"{type(module).__name__} with padding_mode={module.padding_mode!r}"
        padding: Any = module.padding if isinstance(module.padding, str) else _one_or_list(module.padding)
        if padding == 0:  # the spec's word for no padding (a block parameter compares equal to it)
            padding = "valid"
        return "conv", {
            "filters": module.out_channels,
            "kernel": _one_or_list(module.kernel_size),
            "stride": _one_or_list(module.stride),
            "padding": padding,
            "dilation": _one_or_list(module.dilation),
            "groups": module.groups,
            "bias": module.bias is not None,
        }
    if isinstance(module, (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)):
        return "upconv", {
            "filters": module.out_channels,
            "kernel": _one_or_list(module.kernel_size),
            "stride": _one_or_list(module.stride),
            "padding": _one_or_list(module.padding),  # type: ignore[arg-type]
            "output_padding": _one_or_list(module.output_padding),
            "dilation": _one_or_list(module.dilation),
            "groups": module.groups,
            "bias": module.bias is not None,
        }
    if isinstance(module, (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)):
        if module.return_indices:
            return f"{type(module).__name__} with return_indices=True"
        return "maxpool", pool_params(
            rank, module.kernel_size, module.stride, module.padding, module.ceil_mode, dilation=module.dilation
        )
    if isinstance(module, (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)):
        if getattr(module, "divisor_override", None) is not None:
            return f"{type(module).__name__} with divisor_override"
        return "avgpool", pool_params(
            rank,
            module.kernel_size,
            module.stride,
            module.padding,
            module.ceil_mode,
            count_include_pad=module.count_include_pad,
        )
    if isinstance(module, (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)):
        if not module.track_running_stats or module.momentum is None:
            return f"{type(module).__name__} without running statistics (track_running_stats=False or momentum=None)"
        return "batchnorm", {"eps": module.eps, "momentum": module.momentum, "affine": module.affine}
    if isinstance(module, (nn.InstanceNorm1d, nn.InstanceNorm2d, nn.InstanceNorm3d)):
        return "instancenorm", {
            "eps": module.eps,
            "affine": module.affine,
            "track_running_stats": module.track_running_stats,
        }
    if isinstance(module, nn.GroupNorm):
        return "groupnorm", {"groups": module.num_groups, "eps": module.eps, "affine": module.affine}
    if isinstance(module, DROPOUT_MODULES):
        if not isinstance(module, nn.Dropout):
            return "dropout", {"p": float(module.p), "kind": type(module).__name__}
        return "dropout", {"p": float(module.p)}
    if isinstance(module, nn.LeakyReLU):
        return "leakyrelu", {"negative_slope": float(module.negative_slope), "inplace": module.inplace}
    if isinstance(module, nn.ELU):
        return "elu", {"alpha": float(module.alpha), "inplace": module.inplace}
    if isinstance(module, nn.PReLU):
        return "prelu", {"num_parameters": 1 if module.num_parameters == 1 else "channels"}
    if isinstance(module, nn.Softmax):
        if module.dim not in (1, -rank - 1):
            return f"Softmax over dim={module.dim} (the spec's softmax is over channels)"
        return "softmax", {}
    if isinstance(module, nn.GELU) and module.approximate != "none":
        return f"GELU(approximate={module.approximate!r})"
    if isinstance(module, nn.Upsample):
        mode = module.mode
        params: dict[str, Any] = {"mode": mode}
        if module.align_corners is not None and mode != "nearest":
            params["align_corners"] = bool(module.align_corners)
        if module.size is not None:
            return "resize", {**params, "size": _axes(module.size, rank)}
        assert module.scale_factor is not None
        return "upsample", {**params, "scale": _scale(module.scale_factor, rank)}
    for kind, op in ACTIVATION_MODULES.items():
        if type(module) is kind:
            inplace = getattr(module, "inplace", None)
            return op, ({"inplace": True} if inplace else {})
    return None


def skip_shape_keeping(model: nn.Module, rank: int) -> None:
    """Make the known leaves that keep the shape (norms, activations, dropout) return at once.

    They are recorded from their attributes; on the meta device PyTorch runs several of them through
    Python decompositions (6–7 ms a call: most of a MONAI UNet's import). For a copy used only to trace.
    An in-place one returns its input itself, so what reads that tensor later reads the layer's output.
    """
    for module in model.modules():
        found = leaf_layer(module, rank)
        if isinstance(found, tuple) and found[0] in SHAPE_KEEPING_OPS:
            module.forward = _itself if found[1].get("inplace") else _same_shape


def _same_shape(x: torch.Tensor) -> torch.Tensor:
    return x.new_empty(x.shape)


def _itself(x: torch.Tensor) -> torch.Tensor:
    return x


# Ops that change nothing the spec can see: the output is the input.
PASS_THROUGH = {
    aten.detach.default,
    aten.alias.default,
    aten.clone.default,
    aten.contiguous.default,
    aten.lift_fresh.default,
    aten.dropout.default,  # F.dropout in eval is the identity (train mode never reaches the trace)
}
# Same shape in, same shape out: pass-through only when the shape did not change.
PASS_IF_SAME_SHAPE = {
    aten.view.default,
    aten._unsafe_view.default,
    aten.reshape.default,
    aten.expand.default,
    aten._to_copy.default,
}
ACTIVATION_OPS = {
    aten.relu.default: "relu",
    aten.relu_.default: "relu",
    aten.sigmoid.default: "sigmoid",
    aten.sigmoid_.default: "sigmoid",
    aten.tanh.default: "tanh",
    aten.tanh_.default: "tanh",
    aten.silu.default: "silu",
    aten.silu_.default: "silu",
}
UPSAMPLE_OPS = {
    "upsample_nearest1d": "nearest",
    "upsample_nearest2d": "nearest",
    "upsample_nearest3d": "nearest",
    "upsample_linear1d": "linear",
    "upsample_bilinear2d": "bilinear",
    "upsample_trilinear3d": "trilinear",
    "upsample_bicubic2d": "bicubic",
}
PAD_MODES = {"reflection": "reflect", "replication": "replicate"}


def user_source_line() -> str:
    """The innermost frame of the user's (or the library's) code, not torch's or unetcalc's."""
    # Tensor libraries the model calls through (einops' rearrange) are not where the model says it.
    skipped = [Path(__file__).resolve().parent.parent, Path(torch.__file__).resolve().parent]
    skipped += [Path(m.__file__).resolve().parent for m in (sys.modules.get("einops"),) if m and m.__file__]
    prefixes = tuple(str(p) for p in skipped)
    for frame in reversed(traceback.extract_stack()):
        filename = str(Path(frame.filename).resolve()) if frame.filename and not frame.filename.startswith("<") else ""
        if filename and not filename.startswith(prefixes):
            return f"{frame.filename}:{frame.lineno}"
    return ""


TRANSPOSED = (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d)


def _chosen_output_padding(module: nn.Module, x: torch.Tensor, output: torch.Tensor) -> int | list[int]:
    """The output padding a ConvTranspose call really used: its attribute, or what ``output_size`` chose
    (wolny's ``up(x, output_size)``, positional or keyword) — the two traces then show whether it depends
    on the input size."""
    rank = x.dim() - 2
    chosen = []
    for axis in range(rank):
        n, out = x.shape[2 + axis], output.shape[2 + axis]
        attributes = (module.kernel_size, module.stride, module.padding, module.dilation)
        k, s, p, d = (_axes(v, rank)[axis] for v in attributes)
        chosen.append(out - ((n - 1) * s - 2 * p + d * (k - 1) + 1))
    return _one_or_list(chosen)


class _Recorder(TorchDispatchMode):  # type: ignore[no-untyped-call]
    @classmethod
    def _should_skip_dynamo(cls) -> bool:
        # Nothing is compiled while recording: without this, PyTorch wraps __torch_dispatch__ in
        # torch._disable_dynamo, which imports torch._dynamo (1.8 s here) and slows every op.
        return False

    def __init__(self, tracer: _Tracer) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.tracer = tracer

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # type: ignore[no-untyped-def]
        kwargs = kwargs or {}
        out = fast_meta(func, args, kwargs)
        if out is None:
            out = func(*args, **kwargs)
        if self.tracer.inside_leaf == 0:
            self.tracer.op(func, args, kwargs, out)
        return out


class _Tracer:
    def __init__(self, model: nn.Module, rank: int) -> None:
        self.model = model
        self.rank = rank
        self.paths = {id(m): name for name, m in model.named_modules()}
        self.param_owner = {id(p): name for name, p in model.named_parameters()}
        self.steps: list[Step] = []
        self.unsupported: list[Unsupported] = []
        self.node_of: dict[int, int] = {}  # id(tensor) → step index
        self.keep: list[torch.Tensor] = []  # tensors stay alive so their ids stay unique
        self.stack: list[str] = []
        self.inside_leaf = 0
        self.calls: dict[int, int] = {}  # id(module) → times called
        self.stacks: dict[int, list[int]] = {}  # id(torch.stack output) → the steps it stacks
        self.stacked_outputs: dict[int, list[int]] = {}  # id(torch.stack(…, dim=1)) → the steps it stacks

    # -- module calls --------------------------------------------------------------------------
    def pre_hook(self, module: nn.Module, args: tuple[Any, ...]) -> None:
        path = self.paths.get(id(module), "?")
        self.stack.append(path)
        if (self.inside_leaf == 0 and leaf_layer(module, self.rank) is not None) or self.inside_leaf:
            self.inside_leaf += 1

    def post_hook(self, module: nn.Module, args: tuple[Any, ...], output: Any) -> None:
        path = self.stack.pop()
        if not self.inside_leaf:
            return
        self.inside_leaf -= 1
        if self.inside_leaf:
            return
        found = leaf_layer(module, self.rank)
        assert found is not None
        tensors = [a for a in args if isinstance(a, torch.Tensor)]
        # A ConvTranspose may be given the output size as a second argument.
        sized = isinstance(module, TRANSPOSED) and len(args) == 2 and isinstance(args[1], (list, tuple))
        if len(tensors) != 1 or (len(args) != 1 and not sized) or not isinstance(output, torch.Tensor):
            self.fail(path, f"{type(module).__name__} called with {len(args)} arguments", outputs=output)
            return
        if isinstance(found, str):
            self.fail(path, found, outputs=output)
            return
        op, params = found
        if isinstance(module, TRANSPOSED):
            params = {**params, "output_padding": _chosen_output_padding(module, tensors[0], output)}
        owns_state = any(True for _ in module.parameters(recurse=False)) or any(
            b is not None for b in module.buffers(recurse=False)
        )
        count = self.calls.get(id(module), 0) + 1
        self.calls[id(module)] = count
        if count > 1 and owns_state:
            self.fail(path, f"{type(module).__name__} is called {count} times (shared weights)", outputs=output)
            return
        if output.dim() != self.rank + 2 or output.shape[0] != tensors[0].shape[0]:
            self.fail(path, f"{type(module).__name__} gives a {output.dim()}-dimensional tensor", outputs=output)
            return
        self.add(Step(op, params, [self.source(tensors[0], path)], path, True, tuple(output.shape)), output)

    # -- recording -----------------------------------------------------------------------------
    def source(self, tensor: torch.Tensor, where: str) -> int:
        index = self.node_of.get(id(tensor))
        if index == -3:
            self.fail(where, "reads a torch.stack whole (only `.sum(0)` of one has a spec equivalent)")
            return -2
        if index == -4:
            self.fail(where, "reads a torch.stack along dim 1 (only returning one has a spec equivalent)")
            return -2
        if index is None:
            self.fail(where, "reads a tensor made inside the model (a constant or a parameter used as data)")
            return -2
        return index

    def alias(self, out: torch.Tensor, index: int) -> None:
        """``out`` is step ``index``'s tensor again (a view, a copy, a one-tensor join)."""
        self.node_of[id(out)] = index
        self.keep.append(out)

    def join(self, op: str, sources: list[int], where: str, out: torch.Tensor) -> None:
        """A concat or add of several tensors; of one, that tensor itself."""
        if len(sources) == 1:
            self.alias(out, sources[0])
        else:
            self.add(Step(op, {}, sources, where, False, tuple(out.shape)), out)

    def add(self, step: Step, output: torch.Tensor) -> None:
        self.steps.append(step)
        self.node_of[id(output)] = len(self.steps) - 1
        self.keep.append(output)

    def fail(self, module: str, what: str, outputs: Any = None) -> None:
        self.unsupported.append(Unsupported(module, what, user_source_line()))
        # What it produced stands for an unknown tensor from now on; later reads of it are not charged again.
        for tensor in outputs if isinstance(outputs, (tuple, list)) else [outputs]:
            if isinstance(tensor, torch.Tensor):
                self.node_of[id(tensor)] = -2
                self.keep.append(tensor)

    def here(self) -> str:
        return self.stack[-1] if self.stack else ""

    def op(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any) -> None:
        where = self.here()
        tensors = [t for a in args for t in (a if isinstance(a, (list, tuple)) else [a]) if isinstance(t, torch.Tensor)]
        known = [t for t in tensors if id(t) in self.node_of]
        if not known:  # a computation on constants or parameters alone (shape arithmetic, init): no layer
            if isinstance(out, torch.Tensor) and any(id(t) in self.param_owner for t in tensors):
                self.keep.append(out)
            return
        if any(self.node_of[id(t)] == -2 for t in known):  # downstream of something already reported
            self._poison(out)
            return
        stacked = [t for t in known if id(t) in self.stacks]
        if stacked:  # `torch.stack(xs).sum(0)` is a sum of xs (smp's FPN); anything else on a stack is not
            self.on_stacked(func, args, kwargs, out, self.stacks[id(stacked[0])], where)
            return
        name = func.__name__ if hasattr(func, "__name__") else str(func)
        packet = getattr(func, "overloadpacket", None)
        base = packet.__name__ if packet is not None else name
        if func in PASS_THROUGH or (
            func in PASS_IF_SAME_SHAPE and isinstance(out, torch.Tensor) and out.shape == args[0].shape
        ):
            self.alias(out, self.node_of[id(args[0])])
            return
        first = args[0] if args and isinstance(args[0], (torch.Tensor, list, tuple)) else None
        handler = self.handlers().get(base)
        if handler is None or first is None:
            self.fail(where, f"`{_op_text(func)}` has no spec equivalent", outputs=out)
            return
        handler(func, args, kwargs, out, where)

    def _poison(self, out: Any) -> None:
        for tensor in out if isinstance(out, (tuple, list)) else [out]:
            if isinstance(tensor, torch.Tensor):
                self.node_of[id(tensor)] = -2
                self.keep.append(tensor)

    def handlers(self) -> dict[str, Callable[..., None]]:
        table: dict[str, Callable[..., None]] = {
            "cat": self.on_cat,
            "repeat": self.on_repeat,
            "stack": self.on_stack,
            "add": self.on_join,
            "add_": self.on_join,
            "mul": self.on_join,
            "mul_": self.on_join,
            "constant_pad_nd": self.on_pad,
            "slice": self.on_slice,
            "convolution": self.on_convolution,
            "leaky_relu": self.on_leaky_relu,
            "leaky_relu_": self.on_leaky_relu,
            "gelu": self.on_gelu,
            "_softmax": self.on_softmax,
            "max_pool2d_with_indices": self.on_pool,
            "max_pool3d_with_indices": self.on_pool,
            "max_pool1d": self.on_pool,
            "max_pool2d": self.on_pool,
            "avg_pool1d": self.on_pool,
            "avg_pool2d": self.on_pool,
            "avg_pool3d": self.on_pool,
        }
        for op_name in ("relu", "relu_", "sigmoid", "sigmoid_", "tanh", "tanh_", "silu", "silu_"):
            table[op_name] = self.on_activation
        for op_name in UPSAMPLE_OPS:
            table[op_name] = self.on_upsample
        for prefix in ("reflection", "replication"):
            for dims in (1, 2, 3):
                table[f"{prefix}_pad{dims}d"] = self.on_pad
        return table

    def spatial_ok(self, out: Any, where: str, what: str) -> bool:
        if not isinstance(out, torch.Tensor) or out.dim() != self.rank + 2:
            self.fail(where, f"`{what}` does not give an N×C×spatial tensor", outputs=out)
            return False
        return True

    def on_activation(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any, where: str) -> None:
        op = ACTIVATION_OPS.get(func)
        if op is None:
            self.fail(where, f"`{_op_text(func)}` has no spec equivalent", outputs=out)
            return
        params = {"inplace": True} if func.overloadpacket.__name__.endswith("_") else {}
        self.add(Step(op, params, [self.source(args[0], where)], where, False, tuple(out.shape)), out)

    def on_leaky_relu(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any, where: str) -> None:
        slope = float(args[1]) if len(args) > 1 else float(kwargs.get("negative_slope", 0.01))
        params: dict[str, Any] = {"negative_slope": slope}
        if func.overloadpacket.__name__.endswith("_"):
            params["inplace"] = True
        self.add(Step("leakyrelu", params, [self.source(args[0], where)], where, False, tuple(out.shape)), out)

    def on_gelu(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any, where: str) -> None:
        if kwargs.get("approximate", "none") != "none":
            self.fail(where, "gelu with approximate='tanh'", outputs=out)
            return
        self.add(Step("gelu", {}, [self.source(args[0], where)], where, False, tuple(out.shape)), out)

    def on_softmax(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any, where: str) -> None:
        if args[1] not in (1, -self.rank - 1):
            self.fail(where, f"softmax over dim {args[1]} (the spec's softmax is over channels)", outputs=out)
            return
        self.add(Step("softmax", {}, [self.source(args[0], where)], where, False, tuple(out.shape)), out)

    def on_cat(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any, where: str) -> None:
        tensors = list(args[0])
        dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
        if dim not in (1, -self.rank - 1) or not self.spatial_ok(out, where, "torch.cat"):
            if isinstance(out, torch.Tensor) and out.dim() == self.rank + 2:
                self.fail(where, f"torch.cat along dim {dim} (the spec concatenates channels)", outputs=out)
            return
        self.join("concat", [self.source(t, where) for t in tensors], where, out)

    def on_stack(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any, where: str) -> None:
        tensors = list(args[0])
        dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
        if dim not in (0, 1) or any(t.shape != tensors[0].shape for t in tensors):
            self.fail(where, f"torch.stack along dim {dim}", outputs=out)
            return
        sources = [self.source(t, where) for t in tensors]
        if dim == 1:  # DynUNet's deep supervision in training: returned as it is (`outputs: {stack: …}`)
            self.stacked_outputs[id(out)] = sources
            self.alias(out, -4)
            return
        self.stacks[id(out)] = sources
        self.alias(out, -3)  # not a layer: only a sum over the stack makes one

    def on_stacked(
        self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any, sources: list[int], where: str
    ) -> None:
        base = func.overloadpacket.__name__
        dims = args[1] if len(args) > 1 else kwargs.get("dim")
        keepdim = args[2] if len(args) > 2 else kwargs.get("keepdim", False)
        if base != "sum" or list(dims or []) != [0] or keepdim or not isinstance(out, torch.Tensor):
            self.fail(where, f"`{_op_text(func)}` on a torch.stack (only `.sum(0)` of one has a spec equivalent)", out)
            return
        self.join("add", sources, where, out)

    def on_repeat(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any, where: str) -> None:
        """``x.repeat(1, k, 1, 1)`` (VNet's input transition): k copies of x concatenated along channels."""
        repeats = [int(r) for r in args[1]]
        if len(repeats) != self.rank + 2 or any(r != 1 for i, r in enumerate(repeats) if i != 1):
            self.fail(where, f"`aten.repeat` by {repeats} (only channels can be repeated)", outputs=out)
            return
        self.join("concat", [self.source(args[0], where)] * repeats[1], where, out)

    def on_join(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any, where: str) -> None:
        base = func.overloadpacket.__name__
        op = "add" if base.startswith("add") else "multiply"
        if len(args) < 2 or not isinstance(args[1], torch.Tensor) or id(args[1]) not in self.node_of:
            other = args[1] if len(args) > 1 else "?"
            what = "a constant" if not isinstance(other, torch.Tensor) else "a tensor made inside the model"
            self.fail(where, f"`{_op_text(func)}` with {what} (`x {'+' if op == 'add' else '*'} c`)", outputs=out)
            return
        if kwargs.get("alpha", 1) != 1:
            self.fail(where, f"`{_op_text(func)}` with alpha={kwargs['alpha']}", outputs=out)
            return
        a, b = args[0], args[1]
        if not self.spatial_ok(out, where, _op_text(func)):
            return
        if op == "add" and a.shape != b.shape:
            self.fail(where, f"`{_op_text(func)}` broadcasts {tuple(a.shape)} with {tuple(b.shape)}", outputs=out)
            return
        if op == "multiply" and (
            a.shape[2:] != b.shape[2:] or (min(a.shape[1], b.shape[1]) != 1 and a.shape != b.shape)
        ):
            self.fail(where, f"`{_op_text(func)}` broadcasts {tuple(a.shape)} with {tuple(b.shape)}", outputs=out)
            return
        # The spec multiplies by a 1-channel map written as `with`; a 1-channel first operand is swapped.
        first, second = (b, a) if op == "multiply" and a.shape[1] == 1 and b.shape[1] != 1 else (a, b)
        step = Step(op, {}, [self.source(first, where), self.source(second, where)], where, False, tuple(out.shape))
        if base.endswith("_"):  # in-place: the same tensor object now holds the new value
            step.params["inplace"] = True
        self.add(step, out)

    def on_pad(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any, where: str) -> None:
        base = func.overloadpacket.__name__
        amounts = [int(v) for v in args[1]]
        if any(a < 0 for a in amounts):
            self.fail(where, "F.pad with negative amounts (a crop)", outputs=out)
            return
        if not self.spatial_ok(out, where, "F.pad") or len(amounts) != 2 * self.rank:
            if isinstance(out, torch.Tensor) and out.dim() == self.rank + 2:
                self.fail(where, "F.pad that does not pad every spatial axis", outputs=out)
            return
        # F.pad lists the last axis first: [w_before, w_after, h_before, h_after, ...].
        sides = [(amounts[2 * i], amounts[2 * i + 1]) for i in range(self.rank)][::-1]
        params: dict[str, Any] = {}
        if base == "constant_pad_nd":
            value = float(args[2]) if len(args) > 2 else 0.0
            if value:
                params["value"] = value
        else:
            params["mode"] = PAD_MODES[base.split("_")[0]]
        step = Step("pad", params, [self.source(args[0], where)], where, False, tuple(out.shape))
        step.sizes["pad"] = tuple(v for side in sides for v in side)
        self.add(step, out)

    def on_slice(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any, where: str) -> None:
        x = args[0]
        dim = int(args[1]) if len(args) > 1 else 0
        dim = dim + x.dim() if dim < 0 else dim
        start = args[2] if len(args) > 2 else None
        end = args[3] if len(args) > 3 else None
        step_size = args[4] if len(args) > 4 else 1
        length = x.shape[dim]
        start = 0 if start is None else (start + length if start < 0 else min(start, length))
        end = length if end is None else (end + length if end < 0 else min(end, length))
        if out.shape == x.shape:  # a full slice
            self.alias(out, self.node_of[id(x)])
            return
        if dim < 2 or step_size != 1:
            self.fail(where, f"slicing along dim {dim}" + (f" with step {step_size}" if step_size != 1 else ""), out)
            return
        index = self.node_of[id(x)]
        previous = self.steps[index] if index >= 0 else None
        offsets = [0] * self.rank
        source = index
        # `x[:, :, a:b, c:d]` is one slice per axis: the second extends the crop the first made.
        if previous is not None and previous.op == "crop" and not previous.leaf and previous.module == where:
            offsets = list(previous.sizes["offset"])
            source = previous.inputs[0]
            if self.steps[-1] is previous:
                self.steps.pop()
        offsets[dim - 2] += start
        step = Step("crop", {}, [source], where, False, tuple(out.shape))
        step.sizes["offset"] = tuple(offsets)
        self.add(step, out)

    def on_convolution(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any, where: str) -> None:
        self.fail(where, "a functional convolution (F.conv*d) outside a Conv module", outputs=out)

    def on_pool(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any, where: str) -> None:
        base = func.overloadpacket.__name__
        output = out[0] if isinstance(out, tuple) else out
        is_max = base.startswith("max")
        names = ["kernel", "stride", "padding"] + (
            ["dilation", "ceil_mode"] if is_max else ["ceil_mode", "count_include_pad"]
        )
        values = dict(zip(names, args[1:], strict=False))
        if not is_max and len(args) > 6 and args[6] is not None:
            self.fail(where, "avg_pool with divisor_override", outputs=out)
            return
        op = "maxpool" if is_max else "avgpool"
        params = pool_params(
            self.rank,
            values["kernel"],
            values.get("stride"),
            values.get("padding", 0),
            values.get("ceil_mode", False),
            dilation=values.get("dilation", 1) if is_max else None,
            count_include_pad=None if is_max else values.get("count_include_pad", True),
        )
        self.add(Step(op, params, [self.source(args[0], where)], where, False, tuple(output.shape)), output)
        if isinstance(out, tuple):
            self._poison(out[1])

    def on_upsample(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], out: Any, where: str) -> None:
        base = func.overloadpacket.__name__
        mode = UPSAMPLE_OPS[base]
        params: dict[str, Any] = {"mode": mode}
        if mode != "nearest":
            align = args[2] if len(args) > 2 else kwargs.get("align_corners", False)
            params["align_corners"] = bool(align)
        step = Step("resize", params, [self.source(args[0], where)], where, False, tuple(out.shape))
        scales = _upsample_scales(func, args, kwargs, self.rank)
        if scales is not None:
            step.sizes["scale_given"] = tuple(int(s * 1_000_000) for s in scales)
        self.add(step, out)


def _upsample_scales(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any], rank: int) -> list[float] | None:
    """The scale factors the call carried, if any (F.interpolate(scale_factor=…) passes them on)."""
    schema = func._schema
    names = [a.name for a in schema.arguments]
    values = dict(zip(names, args, strict=False)) | kwargs
    factors = values.get("scale_factors")
    if factors:
        return [float(f) for f in factors]
    per_axis = [values.get(n) for n in ("scales", "scales_d", "scales_h", "scales_w") if n in values]
    if per_axis and all(v is not None for v in per_axis):
        return [float(v) for v in per_axis]  # type: ignore[arg-type]
    return None


def _op_text(func: Any) -> str:
    packet = getattr(func, "overloadpacket", None)
    return f"aten.{packet.__name__}" if packet is not None else str(func)


def trace(model: nn.Module, example: torch.Tensor) -> Trace:
    """Run ``model`` on ``example`` and record its layers. Raises TraceError when the model raises."""
    rank = example.dim() - 2
    tracer = _Tracer(model, rank)
    tracer.node_of[id(example)] = -1
    handles = []
    for _, module in model.named_modules():
        handles.append(module.register_forward_pre_hook(tracer.pre_hook))
        handles.append(module.register_forward_hook(tracer.post_hook, always_call=True))
    try:
        with torch.no_grad(), _Recorder(tracer):
            result = model(example)
    except Exception as exc:  # the user's model refused this input: the caller turns it into a finding
        raise TraceError(f"{type(exc).__name__}: {exc}", exc) from exc
    finally:
        for handle in handles:
            handle.remove()
    outputs: list[int] = []
    returned = flatten_outputs(result)
    if len(returned) == 1 and id(returned[0]) in tracer.stacked_outputs:
        return Trace(
            tuple(example.shape), tracer.steps, tracer.stacked_outputs[id(returned[0])], tracer.unsupported, True
        )
    for tensor in returned:
        index = tracer.node_of.get(id(tensor))
        if index == -2:  # made by something already reported
            continue
        if index in (-3, -4):  # a stack along dim 0, or one along dim 1 beside other tensors: no spec says it
            what = "a torch.stack along dim 0" if index == -3 else "a torch.stack beside other tensors"
            tracer.unsupported.append(Unsupported("", f"returns {what}", ""))
            continue
        if index is None:
            tracer.unsupported.append(Unsupported("", "returns a tensor that does not come from its input", ""))
            continue
        outputs.append(index)
    if not outputs and not tracer.unsupported:
        tracer.unsupported.append(Unsupported("", "returns no tensor", ""))
    return Trace(tuple(example.shape), tracer.steps, outputs, tracer.unsupported)


def flatten_outputs(result: Any) -> list[Any]:
    """What a forward returned, as a list in order: tuples, lists and dicts (deep supervision) opened."""
    if isinstance(result, torch.Tensor):
        return [result]
    if isinstance(result, (tuple, list)):
        return [t for item in result for t in flatten_outputs(item)]
    if isinstance(result, dict):
        return [t for item in result.values() for t in flatten_outputs(item)]
    return [result]


def run_model(model: Any, channels: int, size: tuple[int, ...]) -> Trace:
    import torch

    example = torch.empty((1, channels, *size), device="meta")
    return trace(model, example)
