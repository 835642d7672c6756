"""Differential check of one spec at one input size: unetcalc's inference against PyTorch.

Used by the property tests and benchmarks/differential.py. Verdicts:
- ``agree``: no shape finding, PyTorch runs, every layer's shape is equal; or
  findings that PyTorch confirms: it raises in a layer our error names (or after
  a reported inexact floor, whose follow-on errors we deliberately do not repeat),
  or it silently floors where we report UC103.
- ``disagree``: anything else (a bug), with the reason.
- ``skipped``: the spec cannot be built at all (it does not parse, or channels do not fit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import islice

from unetcalc.check import CheckResult, check_text

SHAPE_ERRORS = frozenset({"UC101", "UC102", "UC103", "UC104", "UC109", "UC110", "UC111", "UC112"})
STRUCTURAL = frozenset({"UC106"})  # channel errors: no module can be built


@dataclass(frozen=True, slots=True)
class Verdict:
    kind: str  # agree | disagree | skipped
    reason: str = ""
    errors: tuple[str, ...] = ()


def lost_row(n: int, out: int, kernel: int, stride: int, pad: int, dilation: int) -> bool:
    """Whether PyTorch's ``out`` windows leave out a row of ``n`` that the stride pattern itself reads
    (a window further along would have read it): the floor lost data. Simulated window by window,
    independently of unetcalc's formula; rows between windows (k < s) are not read by any window."""
    read = {i * stride - pad + j * dilation for i in range(out) for j in range(kernel)}
    i = out
    while i * stride - pad <= n - 1:
        if any(0 <= r < n and r not in read for r in (i * stride - pad + j * dilation for j in range(kernel))):
            return True
        i += 1
    return False


def _floored_layers(result: CheckResult) -> list[str]:
    """Layers whose windows (at the shapes inferred, which PyTorch confirmed) lose a row on some axis."""
    found = []
    for entry in result.inference.layers:  # type: ignore[union-attr]
        p = entry.layer.params
        if entry.layer.op not in ("conv", "maxpool", "avgpool") or entry.out is None or not entry.ins:
            continue
        if entry.ins[0] is None or not isinstance(p.get("padding"), tuple):
            continue
        stride = p.get("stride") or p["kernel"]
        dilation = p.get("dilation") or (1,) * len(p["kernel"])
        for axis, (n, out) in enumerate(zip(entry.ins[0].size, entry.out.size, strict=True)):
            args = (n.value, out.value, p["kernel"][axis], stride[axis], p["padding"][axis], dilation[axis])
            if stride[axis] > 1 and lost_row(*args):
                found.append(entry.layer.name)
                break
    return found


def _with_channels_of(concrete: CheckResult, symbolic: CheckResult) -> CheckResult:
    """``concrete`` with each layer that it did not reach taken from ``symbolic`` (for its channels)."""
    import dataclasses

    assert concrete.analysis is not None and symbolic.inference is not None and concrete.inference is not None
    layers = [
        mine if mine.ins and mine.ins[0] is not None else theirs
        for mine, theirs in zip(concrete.inference.layers, symbolic.inference.layers, strict=True)
    ]
    inference = dataclasses.replace(concrete.inference, layers=layers)
    return dataclasses.replace(concrete, analysis=concrete.analysis._replace(inference=inference))


def compare(text: str, size: tuple[int, ...]) -> Verdict:
    # torch only here: the property tests that import this module's helpers run without it
    from unetcalc.torch.plan import make_plan
    from unetcalc.torch.verify import torch_trace

    symbolic = check_text(text)
    if symbolic.input is None or not symbolic.layers_ok():
        return Verdict("skipped", "spec does not parse")
    if any(d.code in STRUCTURAL or d.code.startswith("UC0") for d in symbolic.errors):
        return Verdict("skipped", "broken for every input")
    concrete = check_text(text, input_size=size)
    # `sizes`, `--near` and `--verify` read the closed-form valid set: it must say what `check` says.
    claimed = symbolic.validity is not None and all(
        axis.contains(x) for axis, x in zip(symbolic.validity.axes, size, strict=True)
    )
    found = [d for d in concrete.errors if d.code in SHAPE_ERRORS]
    if claimed and found:
        return Verdict("disagree", f"`sizes` calls {size} valid but check reports {[d.code for d in found]}")
    if claimed and concrete.inference is not None and concrete.inference.output is not None:
        # `sizes`, JSON `valid_input` and the valid line give the output in closed form: it is check's.
        said = [axis.output_at(x) for axis, x in zip(symbolic.validity.axes, size, strict=True)]  # type: ignore[union-attr]
        computed = [s.value for s in concrete.inference.output.size]
        if said != computed:
            return Verdict("disagree", f"`sizes` says {size} → {said}, check computes {computed}")
    if not claimed and not found and not anisotropic_norm_case(concrete, size):
        return Verdict("disagree", f"`sizes` calls {size} invalid but check reports nothing")
    # Modules need each layer's input channels: the concrete pass's where it reached the layer (it stops at
    # a failed join, as PyTorch does), else the symbolic pass's (which may stop early in another class).
    trace = torch_trace(make_plan(_with_channels_of(concrete, symbolic)), size)
    errors = [d for d in concrete.errors if d.code in SHAPE_ERRORS]
    codes = tuple(f"{d.code}@{d.layer}" for d in errors)
    order = [entry.layer.name for entry in concrete.inference.layers]  # type: ignore[union-attr]
    # Shapes must agree wherever both sides computed one.
    for entry in concrete.inference.layers:  # type: ignore[union-attr]
        name = entry.layer.name
        if entry.out is None or name not in trace.shapes:
            continue
        ours = (entry.out.channels, *(s.value for s in entry.out.size))
        if ours != trace.shapes[name]:
            return Verdict("disagree", f"{name}: unetcalc {ours}, PyTorch {trace.shapes[name]}", codes)
    floored = _floored_layers(concrete)
    if floored and not any(d.code == "UC103" for d in errors):
        return Verdict("disagree", f"the windows of {floored[0]} leave out a row at {size}, with no UC103", codes)
    if not errors:
        if trace.error is not None:
            return Verdict("disagree", f"no finding, but PyTorch failed in {trace.failed_at}: {trace.error}", codes)
        if len(trace.shapes) != len(order):
            return Verdict("disagree", "PyTorch computed fewer layers", codes)
        return Verdict("agree", "", codes)
    # Errors PyTorch does not raise for: inexact floors, and `add` broadcasting a size-1 axis.
    # (`pad` to a smaller tensor: F.pad with a negative amount crops silently.)
    hard = [
        d for d in errors if d.code != "UC103" and "broadcasts" not in d.message and "negative amount" not in d.message
    ]
    # Errors after which PyTorch goes on silently (it may fail further down): floors, negative pads.
    floors = [d for d in errors if d.code == "UC103" or "negative amount" in d.message]
    if trace.error is not None:
        failed = trace.failed_at
        if any(d.layer == failed for d in errors):
            return Verdict("agree", f"both fail at {failed}", codes)
        if floors and order.index(failed) > order.index(floors[0].layer or ""):
            return Verdict("agree", f"PyTorch fails at {failed}, after the floor reported at {floors[0].layer}", codes)
        return Verdict("disagree", f"PyTorch failed in {failed} ({trace.error}); unetcalc reported {codes}", codes)
    if hard:
        return Verdict("disagree", f"unetcalc reported {codes} but PyTorch ran", codes)
    for finding in (d for d in floors if d.code == "UC103"):  # PyTorch ran: it must have floored where we said so
        entry = next(e for e in concrete.inference.layers if e.layer.name == finding.layer)  # type: ignore[union-attr]
        windowed = entry.layer.op in ("conv", "maxpool", "avgpool")
        if windowed and isinstance(entry.layer.params.get("padding"), tuple) and finding.layer not in floored:
            sizes = [s.value for s in entry.ins[0].size]  # type: ignore[union-attr]
            return Verdict("disagree", f"UC103 at {finding.layer} but its windows read every row of {sizes}", codes)
    return Verdict("agree", "PyTorch silently floors where unetcalc reports UC103", codes)


def anisotropic_norm_case(concrete: CheckResult, size: tuple[int, ...]) -> bool:
    """The one documented conservative case: a per-axis valid set asks every axis for ≥ 2 values at an
    instance/group norm, while PyTorch only needs two positions in all (a 1×2 map runs)."""
    if concrete.inference is None:
        return False
    # At the norm, not at the input: a square input padded on one axis reaches it as 1×3.
    return any(
        e.layer.op in ("instancenorm", "groupnorm")
        and e.ins[0] is not None
        and any(n.value == 1 for n in e.ins[0].size)
        and math.prod(n.value for n in e.ins[0].size) >= 2
        for e in concrete.inference.layers
    )


def valid_size(text: str, k: int) -> tuple[int, ...] | None:
    """The k-th smallest valid input size (every axis), or None when there is none."""
    result = check_text(text)
    if result.validity is None or not all(axis.feasible for axis in result.validity.axes):
        return None
    sizes = []
    for axis in result.validity.axes:
        values = list(islice(axis.iter_values(axis.min or 1, 10**9), k + 1))
        sizes.append(values[-1])
    return tuple(sizes)
