"""Prove an imported spec: build it and compare it with the model it came from.

At three valid sizes (and the traced ones) every layer's shape and every output; the parameter
count; the state_dict's keys and tensor shapes; then the model's own weights loaded into the built
module with ``strict=True`` and both run on the CPU at the smallest valid size (in float32: the same
kernels on the same numbers, so equal but for rounding — float64 took 30 s on a 3D ResEnc U-Net).
"""

from __future__ import annotations

import itertools
import sys
from typing import Any

import torch

from unetcalc.check import CheckResult, check_spec
from unetcalc.importer.proof import Proof
from unetcalc.importer.records import TraceError
from unetcalc.importer.trace import flatten_outputs, run_model
from unetcalc.importer.writer import Network, layer_names
from unetcalc.torch.builder import build_from_result

PROOF_SIZES = 3
CPU_TOLERANCE = 1e-5  # relative to the output's scale: the same modules in the same order, up to rounding


def proof_sizes(result: CheckResult, count: int = PROOF_SIZES) -> list[tuple[int, ...]]:
    """The ``count`` smallest valid sizes (each axis its own k-th smallest)."""
    assert result.validity is not None
    per_axis = []
    for axis in result.validity.axes:
        low = axis.min or 1
        per_axis.append(list(itertools.islice(axis.iter_values(low, sys.maxsize), count)) or [low])
    depth = min(count, max(len(v) for v in per_axis))
    return [tuple(v[min(k, len(v) - 1)] for v in per_axis) for k in range(depth)]


def _shape_text(shape: tuple[int, ...]) -> str:
    return "x".join(map(str, (*shape[2:], shape[1])))


def _compare_at(
    meta: Any, result: CheckResult, net: Network, channels: int, size: tuple[int, ...], modules: set[str]
) -> list[str]:
    try:
        traced = run_model(meta, channels, size)
    except TraceError as exc:
        return [f"the model raises at {'x'.join(map(str, size))}, which the spec calls valid: {exc}"]
    concrete = check_spec(result.spec, size)
    if concrete.inference is None or not concrete.ok:
        return [f"the spec has errors at {'x'.join(map(str, size))}, where the model runs"]
    # Whole modules are compared by path (stable at every size); ops between them may come and go
    # (a pad by zero is no op), so the outputs are compared too.
    problems = []
    by_name = {layer.name: layer for layer in net.layers}
    # Named as the writer names them: a parameter-free module called twice (ResNet's one `relu` for
    # three activations) is `relu`, `relu_2`, `relu_3` at every size.
    names = layer_names(traced, modules)
    leaves = [(name, step) for name, step in zip(names, traced.steps, strict=True) if step.leaf and name in by_name]
    for name, step in leaves:
        problem = _disagreement(concrete, name, step.shape, size)
        if problem:
            return [problem]
    for index, output in zip(traced.outputs, concrete.spec_outputs(), strict=False):
        problem = _disagreement(concrete, output, traced.shape_of(index), size)
        if problem:
            return [problem]
    if not leaves:
        problems.append(f"no module of the model matched a layer of the spec at {'x'.join(map(str, size))}")
    return problems


def _disagreement(concrete: CheckResult, name: str, want_shape: tuple[int, ...], size: tuple[int, ...]) -> str:
    assert concrete.inference is not None
    shape = concrete.inference.tensors.get(name)
    want = _shape_text(want_shape)
    have = "?" if shape is None else "x".join(map(str, (*(s.value for s in shape.size), shape.channels)))
    if have != want:
        return f"{name} at input {'x'.join(map(str, size))}: the spec infers {have}, the model {want}"
    return ""


def prove_spec(model: Any, meta: Any, result: CheckResult, net: Network, channels: int, train: bool = False) -> Proof:
    proof = Proof()
    modules = {name for name, _ in model.named_modules()}
    sizes = proof_sizes(result)
    proof.sizes = sizes
    for size in sizes:
        proof.problems += _compare_at(meta, result, net, channels, size, modules)
    built = build_from_result(result).eval()
    # A module registered twice (nnU-Net's decoder keeps `decoder.encoder`, the encoder itself) has two
    # state_dict keys per tensor; PyTorch's named_parameters() keeps the first, and so does the spec.
    canonical = {name for name, _ in model.named_parameters()} | {name for name, _ in model.named_buffers()}
    everything = model.state_dict()
    original = {key: value for key, value in everything.items() if key in canonical}
    proof.aliased_keys = len(everything) - len(original)
    mine = built.state_dict()
    missing = sorted(set(original) - set(mine))
    extra = sorted(set(mine) - set(original))
    if missing or extra:
        proof.problems.append(
            "state_dict keys differ: "
            + "; ".join(
                part
                for part in (
                    f"the model has {', '.join(missing[:4])}{' …' if len(missing) > 4 else ''}" if missing else "",
                    f"the spec's module has {', '.join(extra[:4])}{' …' if len(extra) > 4 else ''}" if extra else "",
                )
                if part
            )
        )
        return proof
    for key, tensor in original.items():
        if tuple(tensor.shape) != tuple(mine[key].shape):
            proof.problems.append(
                f"state_dict `{key}`: the model's is {tuple(tensor.shape)}, the spec's {tuple(mine[key].shape)}"
            )
            return proof
    proof.state_dict_tensors = len(original)
    proof.params = sum(p.numel() for p in model.parameters())
    built_params = sum(p.numel() for p in built.parameters())
    if built_params != proof.params:
        proof.problems.append(f"parameters: the model has {proof.params:,}, the spec's module {built_params:,}")
        return proof
    try:
        built.load_state_dict(original, strict=True)
    except RuntimeError as exc:
        proof.problems.append(f"the model's weights do not load into the spec's module: {str(exc).splitlines()[0]}")
        return proof
    if sizes and not any(p.is_meta for p in model.parameters()):
        proof.cpu_size = sizes[0]
        # In training mode both draw dropout from one seed, layer by layer in the same order.
        reference = model.train(train)
        candidate = built.train(train)
        generator = torch.Generator().manual_seed(0)
        x = torch.randn((1, channels, *sizes[0]), generator=generator, dtype=_dtype(model))
        with torch.no_grad(), torch.random.fork_rng():
            torch.manual_seed(0)
            want = _tensors(reference(x.clone()))
            torch.manual_seed(0)
            have = _tensors(candidate(x.clone()))
        if len(want) != len(have):
            proof.problems.append(f"the model returns {len(want)} tensors, the spec's module {len(have)}")
            return proof
        error = 0.0
        for a, b in zip(want, have, strict=True):
            if a.shape != b.shape:
                proof.problems.append(f"CPU output shapes differ: {tuple(a.shape)} and {tuple(b.shape)}")
                return proof
            scale = max(1.0, float(a.abs().max()))
            error = max(error, float((a - b).abs().max()) / scale)
        proof.cpu_max_error = error
        if not error <= CPU_TOLERANCE:
            proof.problems.append(
                f"with the model's weights, outputs on the CPU at {'x'.join(map(str, sizes[0]))} differ by {error:.3g}"
            )
    return proof


def _tensors(value: Any) -> list[torch.Tensor]:
    return [t for t in flatten_outputs(value) if isinstance(t, torch.Tensor)]


def _dtype(model: Any) -> torch.dtype:
    """The model's own floating-point type (its first parameter's), float32 when it has none."""
    first = next((p for p in model.parameters() if p.is_floating_point()), None)
    return first.dtype if first is not None else torch.float32
