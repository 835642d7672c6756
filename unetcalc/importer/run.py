"""`unetcalc import`: the user's model → a spec that is exactly that model, proven by running both.

1. Trace the model on the meta device at two input sizes (trace.py), turn the traces into rows
   (writer.py) and check the spec like any other.
2. Probe: run the model at sizes the spec calls valid; a model that refuses some of them in Python
   (smp's ``H % 32``) gets that requirement written into the spec (``input.multiple_of``).
3. Prove (prove.py): build the spec and compare it with the model.

Findings are Diagnostics (UC301–UC303) on the source; a spec is only returned when it is exact.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

from unetcalc.check import CheckResult, check_text
from unetcalc.findings.diagnostic import Diagnostic
from unetcalc.findings.rules import Rule, Said
from unetcalc.importer.nnunet import PlansNetwork
from unetcalc.importer.proof import Proof
from unetcalc.importer.records import Trace, TraceError, Unsupported
from unetcalc.importer.rules import IMPORT_MISMATCH, MODEL_REFUSES_INPUT, NOT_EXPRESSIBLE
from unetcalc.importer.sources import Loaded
from unetcalc.importer.writer import Network, compare, flat_body, network, spec_text
from unetcalc.spec.model import Spec
from unetcalc.spec.parse import parse_text

# Sizes tried first per dimensionality when --input gives none: common patch sizes, aligned to 32.
DEFAULT_SIZES = {1: (256, 512, 572, 128, 64), 2: (256, 512, 224, 572, 128, 64), 3: (64, 96, 128, 32, 160)}
SECOND_SIZE_STEPS = (64, 32, 128, 16, 256)  # the second trace: the first size plus one of these
PROBE_LIMIT = 160  # valid sizes per axis run through the model at most, to find what it refuses


@dataclass(slots=True)
class ImportResult:
    source: str
    text: str | None = None  # the spec, when one was written
    result: CheckResult | None = None
    findings: list[Diagnostic] = field(default_factory=list)
    proof: Proof | None = None
    multiple_of: int | list[int] | None = None
    probed: int = 0  # sizes run through the model to find its input requirement
    traced_sizes: list[tuple[int, ...]] = field(default_factory=list)
    without_torch: bool = False  # written from a plan alone: not traced, not proven
    # First-axis sizes the spec calls invalid (a pooling floors them) where the model runs all the same,
    # padding or resizing to its skips: said, not hidden.
    runs_where_invalid: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.text is not None and not self.findings and (self.proof is None or self.proof.ok)


def first_conv(model: Any) -> tuple[int, int] | None:
    """(dimensionality, input channels) of the first convolution the model holds."""
    from torch import nn

    for module in model.modules():
        if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Conv3d)):
            return len(module.kernel_size), module.in_channels
    return None


def _meta_copy(model: Any, train: bool) -> Any:
    """A copy on the meta device (the user's model keeps its weights for the proof)."""
    import torch

    from unetcalc.importer.sources import SourceError

    try:
        meta = copy.deepcopy(model).to(torch.device("meta"))
    except Exception as exc:  # a module that cannot be copied or moved: the user's code, their message
        raise SourceError(f"the model cannot be copied to the meta device: {type(exc).__name__}: {exc}") from exc
    return meta.train(train)


def _finding(rule: Rule, message: Said, source: str, hint: str = "", layer: str | None = None) -> Diagnostic:
    return rule.finding(message, hint=hint, file=source, layer=layer)


MAX_UNSUPPORTED_SHOWN = 3  # the first is the root cause; a transformer has hundreds more


def _unsupported_findings(items: list[Unsupported], source: str) -> list[Diagnostic]:
    findings: list[Diagnostic] = []
    seen: set[tuple[str, str]] = set()
    distinct = list(dict.fromkeys((item.module, item.what) for item in items))
    for item in items:
        if len(findings) == MAX_UNSUPPORTED_SHOWN and len(distinct) > MAX_UNSUPPORTED_SHOWN:
            more = len(distinct) - MAX_UNSUPPORTED_SHOWN
            findings.append(_finding(NOT_EXPRESSIBLE, NOT_EXPRESSIBLE.says("more", more=more), source))
            break
        if (item.module, item.what) in seen:
            continue
        seen.add((item.module, item.what))
        where = f"module `{item.module}`" if item.module else "the model's forward"
        at = f" ({item.source})" if item.source else ""
        findings.append(
            _finding(
                NOT_EXPRESSIBLE,
                NOT_EXPRESSIBLE.says("operation", where=where, operation=item.what, at=at),
                source,
                NOT_EXPRESSIBLE.fix,
                item.module or None,
            )
        )
    return findings


def _try(meta: Any, channels: int, size: tuple[int, ...]) -> Trace | TraceError:
    from unetcalc.importer.trace import run_model

    try:
        return run_model(meta, channels, size)
    except TraceError as exc:
        return exc


def _two_traces(meta: Any, channels: int, rank: int, sizes: list[tuple[int, ...]]) -> tuple[Trace, Trace] | TraceError:
    """Two traces of the same structure: at a size that runs, and at one that is odd on every level
    (``+63``: where the model quietly pads or resizes to a skip, its amounts change), else ``+64``.

    A model that adds operations only at odd sizes (MONAI's UpCat pads by one there) is traced at two
    odd sizes: its spec then pads `to:` the skip, which is nothing at even sizes, as in the model."""
    last_error: TraceError | None = None
    for size in sizes:
        first = _try(meta, channels, size)
        if isinstance(first, TraceError):
            last_error = first
            continue
        odd = _try(meta, channels, tuple(s + 63 for s in size))
        if isinstance(odd, Trace):
            if not compare(first, odd):
                return first, odd
            if len(odd.steps) > len(first.steps):
                odder = _try(meta, channels, tuple(s + 127 for s in size))
                if isinstance(odder, Trace) and not compare(odd, odder):
                    return odd, odder
        for step in SECOND_SIZE_STEPS:
            second = _try(meta, channels, tuple(s + step for s in size))
            if isinstance(second, Trace):
                return first, second
            last_error = second
        break
    assert last_error is not None
    return last_error


def import_model(
    loaded: Loaded,
    source: str,
    *,
    channels: int | None = None,
    dims: int | None = None,
    size: tuple[int, ...] | None = None,
    prove: bool = True,
    spec_path: str | None = None,
    train: bool = False,
) -> ImportResult:
    """Import ``loaded.model``: the spec text, its check (findings name ``spec_path``, default NAME.yaml),
    and the proof that it is the model. ``train``: the forward it runs in training mode (what DynUNet
    returns with deep supervision), else in eval mode."""
    outcome = ImportResult(source)
    model = loaded.model.train(train)
    found = first_conv(model)
    rank = len(size) if size is not None else dims or (found[0] if found else None)
    in_channels = channels or (found[1] if found else None)
    if rank is None or in_channels is None:
        raise ValueError("the model holds no convolution: pass --input (e.g. 1x256x256) or --dims and --channels")
    given = size or loaded.input_size
    candidates = [given] if given is not None else [(s,) * rank for s in DEFAULT_SIZES.get(rank, (64,))]
    meta = _meta_copy(model, train)
    from unetcalc.importer.trace import skip_shape_keeping  # torch: imported here, not for a plan read without it

    skip_shape_keeping(meta, rank)
    traces = _two_traces(meta, in_channels, rank, [tuple(c) for c in candidates])
    if isinstance(traces, TraceError):
        tried = ", ".join("x".join(map(str, c)) for c in candidates)
        outcome.findings.append(
            _finding(
                MODEL_REFUSES_INPUT,
                MODEL_REFUSES_INPUT.says("every-size", tried=tried, channels=in_channels, errors=traces),
                source,
                MODEL_REFUSES_INPUT.fix,
            )
        )
        return outcome
    first, second = traces
    outcome.traced_sizes = [first.input_shape[2:], second.input_shape[2:]]
    taken = {name for name, _ in model.named_modules()}
    net = network(first, second, taken)
    if net.unsupported:
        outcome.findings = _unsupported_findings(net.unsupported, source)
        return outcome
    symbols = ["D", "H", "W"][3 - rank :] if rank <= 3 else [f"X{i}" for i in range(rank)]
    spec_size: list[int | str] = list(given) if given is not None else list(symbols)
    header = [f"imported by unetcalc from {loaded.description}", *loaded.notes]
    header.append(
        f"traced at {' and '.join('x'.join(map(str, s)) for s in outcome.traced_sizes)} on the meta device"
        + (", in training mode" if train else "")
    )
    path = spec_path or f"{loaded.name}.yaml"
    classes = {name: type(module).__name__ for name, module in model.named_modules() if name}
    body = blocks_body(net, classes, in_channels, spec_size)
    text = spec_text(loaded.name, in_channels, spec_size, net, header, body=body)
    result = check_text(text, path)
    if result.validity is not None and result.layers_ok():
        requirement = _probe_requirement(meta, in_channels, result, first.input_shape[2:], outcome)
        if isinstance(requirement, str):
            outcome.findings.append(
                _finding(IMPORT_MISMATCH, IMPORT_MISMATCH.says("differs", difference=requirement), source)
            )
            return outcome
        if requirement is not None:
            outcome.multiple_of = requirement
            text = spec_text(loaded.name, in_channels, spec_size, net, header, requirement, body)
            result = check_text(text, path)
    outcome.text, outcome.result = text, result
    if result.validity is not None and result.layers_ok():
        outcome.runs_where_invalid = _runs_where_invalid(meta, in_channels, result, first.input_shape[2:])
    if prove and result.ok:
        from unetcalc.importer.prove import prove_spec

        outcome.proof = prove_spec(model, meta, result, net, in_channels, train)
        for problem in outcome.proof.problems:
            outcome.findings.append(
                _finding(
                    IMPORT_MISMATCH, IMPORT_MISMATCH.says("differs", difference=problem), source, IMPORT_MISMATCH.fix
                )
            )
    return outcome


def blocks_body(net: Network, classes: dict[str, str], channels: int, size: list[int | str]) -> list[str] | None:
    """The spec's body with repeated modules (``classes``: module path → class name) as blocks, when it
    expands to exactly the flat rows and is shorter; None keeps the flat rows."""
    from unetcalc.importer.blocks import factor, factored_body

    factored = factor(net.layers, classes)
    if not factored.blocks:
        return None
    body = factored_body(factored)
    if len(body) >= len(flat_body(net)):
        return None
    # Parsed only (the layers, not their analysis): the two must expand to the same rows.
    flat = parse_text(spec_text("flat", channels, size, net, [], body=flat_body(net)), "<flat>")
    blocked = parse_text(spec_text("blocks", channels, size, net, [], body=body), "<blocks>")
    if not blocked.layers or blocked.diagnostics or not _same_layers(flat, blocked):
        return None
    return body


def _same_layers(a: Spec, b: Spec) -> bool:
    if len(a.layers) != len(b.layers):
        return False
    return all(
        (x.name, x.op, x.inputs, x.params) == (y.name, y.op, y.inputs, y.params)
        for x, y in zip(a.layers, b.layers, strict=True)
    )


INVALID_PROBES = 4  # sizes just above the traced one that the spec calls invalid, run through the model


def _runs_where_invalid(meta: Any, channels: int, result: CheckResult, base: tuple[int, ...]) -> list[int]:
    from unetcalc.importer.trace import run_model

    assert result.validity is not None
    axis = result.validity.axes[0]
    sizes = [x for x in range(base[0] + 1, base[0] + 64) if not axis.contains(x)][:INVALID_PROBES]
    runs = []
    for x in sizes:
        try:
            run_model(meta, channels, (x, *base[1:]))
        except TraceError:
            continue
        runs.append(x)
    return runs


def _probe_requirement(
    meta: Any, channels: int, result: CheckResult, base: tuple[int, ...], outcome: ImportResult
) -> int | list[int] | str | None:
    """Run the model at valid sizes along each axis; the multiple it insists on (None: it runs at all).

    A string when its refusals follow no multiple (reported as a mismatch)."""
    from unetcalc.importer.trace import run_model

    assert result.validity is not None
    per_axis: list[int] = []
    for axis, validity in enumerate(result.validity.axes):
        if not validity.classes or validity.min is None:
            return None
        accepted: list[int] = []
        refused: list[int] = []
        x = validity.min
        # Refusals in Python come before any work (cheap); stop once three sizes ran, or four with no refusal.
        while x < validity.min + 8192 and len(accepted) + len(refused) < PROBE_LIMIT:
            if len(accepted) >= 3 and (refused or len(accepted) >= 4):
                break
            if validity.contains(x):
                size = list(base)
                size[axis] = x
                outcome.probed += 1
                try:
                    run_model(meta, channels, tuple(size))
                    accepted.append(x)
                except TraceError:
                    refused.append(x)
            x += 1
        if not refused:
            per_axis.append(1)
            continue
        if not accepted:
            return (
                f"the model refuses every one of the {len(refused)} smallest sizes the spec calls valid on axis {axis}"
            )
        common = math.gcd(*accepted)
        # The largest multiple that tells the accepted sizes from the refused ones (smp's 32, not 2).
        multiple = next((d for d in range(common, 1, -1) if common % d == 0 and all(r % d for r in refused)), None)
        if multiple is None:
            return (
                f"the model refuses {len(refused)} of {len(accepted) + len(refused)} sizes the spec calls valid on "
                f"axis {axis} ({', '.join(map(str, refused[:6]))}), following no multiple"
            )
        per_axis.append(multiple)
    if all(m == 1 for m in per_axis):
        return None
    return per_axis[0] if len(set(per_axis)) == 1 else per_axis


def import_plans_without_torch(plans: PlansNetwork, source: str, spec_path: str | None = None) -> ImportResult:
    """A plan's PlainConvUNet written without torch: checked like any spec, not traced nor proven."""
    outcome = ImportResult(source, without_torch=True)
    net = Network(plans.rows, plans.outputs, [])
    body = blocks_body(net, plans.classes, plans.channels, plans.size)
    header = [f"imported by unetcalc from {plans.description}", *plans.notes]
    text = spec_text(plans.name, plans.channels, plans.size, net, header, body=body)
    outcome.text = text
    outcome.result = check_text(text, spec_path or f"{plans.name}.yaml")
    return outcome
