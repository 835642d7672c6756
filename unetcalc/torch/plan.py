"""Spec + inference → a build plan: one module constructor per layer, and the DAG.

The plan is plain data, shared by the in-memory builder and the code generator,
so both produce the same modules. It does not import torch.
"""

from __future__ import annotations

import dataclasses
import keyword
import math
import re
from dataclasses import dataclass

from unetcalc.check import CheckResult
from unetcalc.ops.base import ModuleCall
from unetcalc.ops.registry import definition
from unetcalc.spec.model import Layer


def call_source(call: ModuleCall) -> str:
    """Python source for ``call``, leaving out arguments equal to PyTorch's defaults."""
    kwargs = dict(call.kwargs)
    shown = [f"{k}={literal(v)}" for k, v in kwargs.items() if not _is_default(call.ctor, k, v, kwargs)]
    return f"{call.ctor}({', '.join([*(literal(a) for a in call.args), *shown])})"


def literal(value: object) -> str:
    """Python source for a parameter value; ``float('inf')`` where repr would give a bare ``inf``."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, tuple):
        items = [literal(v) for v in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    if isinstance(value, (bool, int, float, str)) or value is None:
        return repr(value)
    raise TypeError(f"no Python literal for {type(value).__name__}")


_DEFAULTS = {
    "stride": 1,
    "padding": 0,
    "dilation": 1,
    "groups": 1,
    "bias": True,
    "output_padding": 0,
    "ceil_mode": False,
    "count_include_pad": True,
    "eps": 1e-5,
    "momentum": 0.1,
    "affine": True,
}


def _is_default(ctor: str, key: str, value: object, kwargs: dict[str, object]) -> bool:
    if key in ("affine", "track_running_stats") and "InstanceNorm" in ctor:
        return value is False
    if key == "num_parameters":
        return value == 1
    if key == "stride" and "Pool" in ctor:
        return value == kwargs.get("kernel_size")
    if key == "padding" and value == "valid":
        return True
    return key in _DEFAULTS and value == _DEFAULTS[key] and type(value) is type(_DEFAULTS[key])


@dataclass(frozen=True, slots=True)
class PlanStep:
    key: str  # a Python identifier, unique: attribute, state_dict prefix and variable name
    layer: Layer
    call: ModuleCall
    sources: tuple[str, ...]  # keys of the tensors it reads ("input" for the network input)
    # Where the module sits in the model: (key,) at the top, or ("layer3", "2", "conv1") inside block
    # instances, so the state_dict reads like hand-written PyTorch (`layer3.2.conv1.weight`).
    path: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Plan:
    name: str
    rank: int
    in_channels: int
    steps: tuple[PlanStep, ...]
    outputs: tuple[str, ...] = ()  # keys of the tensors returned (`outputs:`, deep supervision); () = the last
    stacked: bool = False  # returned as torch.stack(outputs, dim=1) (`outputs: {stack: [...]}`)

    @property
    def running(self) -> tuple[PlanStep, ...]:
        """The steps forward() runs: every one but those of `run: false` layers (built, never run)."""
        return tuple(step for step in self.steps if step.layer.runs)

    @property
    def output(self) -> str:
        return self.running[-1].key

    @property
    def returned(self) -> tuple[str, ...]:
        return self.outputs or (self.output,)


# Names the generated forward() and module file use for themselves; a layer may not take them.
GENERATED_NAMES = frozenset(
    {
        "self",
        "x",
        "input",
        "torch",
        "nn",
        "F",
        "center_crop",
        "pad_to",
        "Sequence",
        "ChannelLayerNorm",
        "ChannelLinear",
        "spec_name",
        "routes",
        "release",
        "trace",
    }
)


def module_attribute_names() -> frozenset[str]:
    """Every attribute of a torch.nn.Module (``to``, ``eval``, ``training``, ``_modules`` …): not a layer key."""
    from torch import nn

    return frozenset(dir(nn.Module())) | frozenset(vars(nn.Module()))


def is_plain_identifier(name: str, reserved: frozenset[str]) -> bool:
    """An ASCII Python identifier that no keyword, import or nn.Module attribute owns.

    ASCII only: Python folds identifiers with NFKC (``ℌ`` is ``H``), so a non-ASCII name could name
    two layers' attributes at once, and ``x²`` is no identifier at all.
    """
    return (
        name.isascii()
        and name.isidentifier()
        and not name.startswith("_")  # `self.__x` is name-mangled inside a class body
        and not keyword.iskeyword(name)
        and name not in reserved
        and name not in GENERATED_NAMES
    )


def identifier(name: str, taken: set[str], reserved: frozenset[str] = frozenset()) -> str:
    """A unique plain identifier for ``name``: itself when it is one, else an ASCII form of it."""
    key = name
    if not is_plain_identifier(key, reserved):
        key = re.sub(r"[^0-9A-Za-z_]", "_", name).strip("_") or "layer"
        if not is_plain_identifier(key, reserved):
            key = f"l_{key}"
    base, n = key, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    taken.add(key)
    return key


def module_call(layer: Layer, in_channels: int, rank: int) -> ModuleCall:
    """The PyTorch module that implements ``layer`` (its op's definition says which)."""
    return definition(layer.op).module(layer.params, in_channels, rank)


def make_plan(result: CheckResult) -> Plan:
    """The plan for a spec that checked without errors."""
    assert result.inference is not None and result.input is not None
    reserved = module_attribute_names()
    entries = result.inference.layers
    # Names that are identifiers already keep themselves, whatever comes before them.
    kept = {e.layer.name for e in entries if e.layer.id == e.layer.name and is_plain_identifier(e.layer.name, reserved)}
    taken = set(kept)
    keys: dict[str, str] = {"input": "input"}
    steps = []
    for entry in entries:
        layer = entry.layer
        key = layer.name if layer.name in kept else identifier(layer.name, taken, reserved)
        keys[layer.id] = key
        in_channels = entry.ins[0].channels if entry.ins and entry.ins[0] is not None else 0
        call = module_call(layer, in_channels, result.input.rank)
        steps.append(PlanStep(key, layer, call, tuple(keys[source] for source in layer.inputs)))
    outputs = tuple(keys[name] for name in result.spec_outputs()) if result.spec.outputs else ()
    return Plan(
        result.spec.name,
        result.input.rank,
        result.input.channels,
        tuple(_module_paths(steps, reserved)),
        outputs,
        result.spec.outputs_stacked,
    )


def _module_paths(steps: list[PlanStep], reserved: frozenset[str]) -> list[PlanStep]:
    """Nest the modules of block instances (`layer3.2.conv1`); every other module sits at the top.

    A path whose segments are not plain names, or that would put a module where another one's
    container is (a layer `enc1` beside a block instance `enc1`), keeps the flat key.
    """
    owners: dict[tuple[str, ...], str] = {}  # path prefix → "module" or "container"
    placed = []
    for step in steps:
        # Dotted names nest too: an imported model's layers are named by their module paths.
        dotted = step.layer.origin is not None or "." in step.layer.name
        parts = tuple(step.layer.name.split(".")) if dotted else (step.key,)
        plain = all(p.isdigit() or is_plain_identifier(p, reserved) for p in parts) and not parts[0].isdigit()
        free = (
            plain
            and owners.get(parts) is None
            and all(owners.get(parts[:i]) in (None, "container") for i in range(1, len(parts)))
        )
        path = parts if free else (step.key,)
        if owners.get(path) is not None:  # the flat key itself is taken by a container
            path = (identifier(step.key, set(owners_keys(owners)), reserved),)
        for i in range(1, len(path)):
            owners[path[:i]] = "container"
        owners[path] = "module"
        placed.append(dataclasses.replace(step, path=path))
    return placed


def owners_keys(owners: dict[tuple[str, ...], str]) -> list[str]:
    return [p[0] for p in owners if len(p) == 1]
