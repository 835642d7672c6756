"""Plan → a live torch.nn.Module that runs the spec's DAG."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from unetcalc.check import CheckResult, check_file
from unetcalc.findings.diagnostic import Diagnostic
from unetcalc.ops.base import ModuleCall
from unetcalc.torch import modules
from unetcalc.torch.plan import Plan, make_plan


class SpecHasErrors(ValueError):
    """The spec has error findings; it is not built."""

    def __init__(self, result: CheckResult) -> None:
        self.result = result
        self.diagnostics: list[Diagnostic] = result.errors
        first = self.diagnostics[0]
        super().__init__(
            f"{result.path} has {len(self.diagnostics)} error(s); first: {first.file}:{first.line} "
            f"{first.code} {first.message}"
        )


def instantiate(call: ModuleCall) -> nn.Module:
    owner, _, name = call.ctor.rpartition(".")
    factory = getattr(nn if owner == "nn" else modules, name)
    module: nn.Module = factory(*call.args, **dict(call.kwargs))
    return module


def _place(root: nn.Module, path: tuple[str, ...], module: nn.Module) -> None:
    """Register ``module`` at ``path``, creating plain container modules on the way (block instances)."""
    parent = root
    for part in path[:-1]:
        child = parent._modules.get(part)
        if child is None:
            child = nn.Module()
            parent.add_module(part, child)
        parent = child
    parent.add_module(path[-1], module)


class SpecModule(nn.Module):
    """The network of a spec: one submodule per layer (``model.enc1a``), forward follows from/with/to.

    Its state_dict keys (``enc1a.weight``) are those of the class ``build --code`` writes, so a
    state_dict saved from one loads into the other.
    """

    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.spec_name = plan.name
        by_key: dict[str, nn.Module] = {}
        for step in plan.steps:
            module = instantiate(step.call)
            _place(self, step.path or (step.key,), module)
            by_key[step.key] = module
        # The forward pass finds modules by key; a plain dict, so nothing is registered twice.
        object.__setattr__(self, "by_key", by_key)
        self.routes = [(step.key, step.sources) for step in plan.running]
        self.returned = plan.returned
        self.stacked = plan.stacked
        # Free each tensor after its last reader: lower peak memory in inference. Outputs stay.
        last_use: dict[str, int] = {}
        for index, (_, sources) in enumerate(self.routes):
            for source in sources:
                last_use[source] = index
        self.release = [
            [s for s in set(sources) if last_use[s] == i and s not in self.returned]
            for i, (_, sources) in enumerate(self.routes)
        ]

    def _by_key(self) -> dict[str, nn.Module]:
        table: dict[str, nn.Module] = self.__dict__["by_key"]
        return table

    def trace(self, x: torch.Tensor):  # type: ignore[no-untyped-def]
        """Run the network, yielding (layer key, output) for every layer in order."""
        tensors = {"input": x}
        for (key, sources), release in zip(self.routes, self.release, strict=True):
            out = self._by_key()[key](*(tensors[s] for s in sources))
            for s in release:
                del tensors[s]
            tensors[key] = out
            yield key, out

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        """The output; a tuple in `outputs:` order when the spec lists several (deep supervision), or one
        tensor, them stacked along axis 1 (`outputs: {stack: [...]}`)."""
        kept: dict[str, torch.Tensor] = {}
        out = x
        for key, layer_out in self.trace(x):
            out = layer_out
            if key in self.returned:
                kept[key] = layer_out
        if self.stacked:
            return torch.stack([kept[key] for key in self.returned], dim=1)
        if len(self.returned) > 1:
            return tuple(kept[key] for key in self.returned)
        return kept.get(self.returned[0], out)


def build_from_result(result: CheckResult) -> SpecModule:
    if not result.ok:
        raise SpecHasErrors(result)
    return SpecModule(make_plan(result))


def build_module(spec_or_path: str | Path | CheckResult) -> SpecModule:
    """Build the spec's torch.nn.Module; raises SpecHasErrors (with the findings) if the spec has errors."""
    result = spec_or_path if isinstance(spec_or_path, CheckResult) else check_file(spec_or_path)
    return build_from_result(result)
