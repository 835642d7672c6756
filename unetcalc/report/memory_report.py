"""Text and JSON for `unetcalc memory` and `unetcalc fit`."""

from __future__ import annotations

from typing import Any

from unetcalc.check import CheckResult
from unetcalc.memory.estimate import REFERENCE_SIZE, LayerMemory, MemoryEstimate, measure_size
from unetcalc.memory.fit import Fit
from unetcalc.memory.reserved import MAX_SIMULATED_LAYERS, Reserved
from unetcalc.report.costs import bytes_json, bytes_text, human_bytes, precise_bytes
from unetcalc.report.styled import Line, Printer
from unetcalc.shapes.shape import format_shape
from unetcalc.textsafe import path_text, printable, safe_json

MEMORY_JSON_VERSION = 1
SHOWN_LAYERS = 8  # the layers that keep the most, in text; JSON lists every layer
OPTIMIZER_NAMES = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD", "sgd-momentum": "SGD with momentum"}
KIND_ORDER = (
    "weights",
    "optimizer state",
    "gradients",
    "input",
    "activations",
    "half-precision weight copies",
    "gradients of activations",
    "transient",
    "workspace",
)
CONTEXT_NOT_COUNTED = "not counted: the CUDA context (~0.3-0.6 GiB per process), outside PyTorch's allocator"
NOT_COUNTED = (
    "not counted: the CUDA context (~0.3-0.6 GiB per process) and the caching allocator's slack "
    "(memory_reserved exceeds memory_allocated); leave room for them"
)


def _heading(result: CheckResult, estimate: MemoryEstimate) -> Line:
    inference = result.inference
    assert inference is not None
    optimizer = OPTIMIZER_NAMES[estimate.optimizer]
    return (
        Line(f"{path_text(result.path)} (").styled(result.spec.name, "bold") + f")  {format_shape(inference.input)} → "
        f"{format_shape(inference.output)}   batch {estimate.batch}, {estimate.precision}"
        f"{' autocast' if estimate.precision != 'fp32' else ''}, {optimizer}"
    )


def render_memory(
    console: Printer, result: CheckResult, estimate: MemoryEstimate, reserved: Reserved | None = None
) -> None:
    training, inference = estimate.training, estimate.inference
    console.print(_heading(result, estimate))
    if estimate.symbolic:
        console.print(
            f"  sizes are polynomials in the input symbols; a peak is the largest term where every symbol is "
            f"{REFERENCE_SIZE} (use --input for exact figures at a size)"
        )
    console.print(
        Line("  ").styled("training step", "bold") + f" peak {bytes_text(training.peak)}  "
        f"(max_memory_allocated, at {training.peak_at})"
    )
    if reserved is not None:
        console.print(
            Line("  ").styled("reserved", "bold") + f" {human_bytes(reserved.peak)} in {reserved.segments:,} segments  "
            "(max_memory_reserved: the caching allocator's segments over inference and training steps; "
            "nvidia-smi shows this plus the CUDA context)"
        )
    rows = [
        ("weights", training.weights, "parameters and buffers, float32"),
        ("gradients", training.gradients, "of the parameters, float32"),
        ("optimizer state", training.optimizer, OPTIMIZER_NAMES[estimate.optimizer]),
        ("saved for backward", training.saved, "after the forward, with the output"),
    ]
    for label, value, note in rows:
        console.print(f"    {label:<20} {bytes_text(value):>14}   {note}")
    at_peak = ", ".join(
        f"{kind} {bytes_text(training.at_peak[kind])}" for kind in KIND_ORDER if kind in training.at_peak
    )
    console.print(f"    live at the peak: {at_peak}")
    console.print(
        Line("  ").styled("inference", "bold") + " (eval, no_grad) peak "
        f"{bytes_text(inference.peak)}: "
        f"{bytes_text(inference.activations)} over weights and input (at {inference.peak_at})"
    )
    keepers = _largest_keepers(training.per_layer)
    if keepers:
        console.print(f"  layers that keep the most for backward (--format json lists all {len(training.per_layer)}):")
        for layer in keepers:
            console.print(
                f"    {_row_name(layer.name):<24} {layer.op:<12} {bytes_text(layer.saved):>12}   {layer.kept}"
            )
    if reserved is None and not estimate.symbolic:
        console.print(f"  reserved: not simulated (more than {MAX_SIMULATED_LAYERS:,} layers)")
    console.print(Line("  ").styled(NOT_COUNTED if reserved is None else CONTEXT_NOT_COUNTED, "dim"))


def _row_name(name: str) -> str:
    """A layer name that starts a line: quoted when it would read as a GitHub workflow command (``::``)."""
    safe = printable(name)
    return f"`{safe}`" if safe.startswith("::") else safe


def _largest_keepers(per_layer: list[LayerMemory]) -> list[LayerMemory]:
    return sorted(per_layer, key=lambda layer: -measure_size(layer.saved))[:SHOWN_LAYERS]


def memory_json(result: CheckResult, estimate: MemoryEstimate, reserved: Reserved | None = None) -> dict[str, Any]:
    inference = result.inference
    assert inference is not None
    training = estimate.training
    layer_lines = {layer.name: layer.line for layer in result.spec.layers}
    return {
        "version": MEMORY_JSON_VERSION,
        "path": result.path,
        "name": result.spec.name,
        "batch": estimate.batch,
        "precision": estimate.precision,
        "optimizer": estimate.optimizer,
        "unit": "bytes",
        "symbolic": estimate.symbolic,
        "input": {
            "channels": inference.input.channels,
            "size": [int(s.const) if s.is_number else str(s) for s in inference.input.size],
        },
        "training": {
            "peak_bytes": bytes_json(training.peak),
            "peak_at": training.peak_at,
            "weights": bytes_json(training.weights),
            "gradients": bytes_json(training.gradients),
            "optimizer": bytes_json(training.optimizer),
            "saved": bytes_json(training.saved),
            "transient": bytes_json(training.at_peak.get("transient", 0)),
            "workspace": bytes_json(training.at_peak.get("workspace", 0)),
            "at_peak": {kind: bytes_json(value) for kind, value in training.at_peak.items()},
            "per_layer": [
                {
                    "layer": layer.name,
                    "line": layer_lines.get(layer.name),
                    "op": layer.op,
                    "saved_bytes": bytes_json(layer.saved),
                    "kept": layer.kept,
                }
                for layer in training.per_layer
            ],
        },
        "reserved": None
        if reserved is None
        else {
            "peak_bytes": reserved.peak,
            "segments": reserved.segments,
            "allocated_peak_bytes": reserved.allocated_peak,
        },
        "inference": {
            "peak_bytes": bytes_json(estimate.inference.peak),
            "activations_bytes": bytes_json(estimate.inference.activations),
            "peak_at": estimate.inference.peak_at,
        },
    }


def render_memory_json(result: CheckResult, estimate: MemoryEstimate, reserved: Reserved | None = None) -> str:
    return safe_json(memory_json(result, estimate, reserved)) + "\n"


def render_fit(console: Printer, result: CheckResult, fit: Fit, question: str) -> None:
    size = "x".join(map(str, fit.size))
    budget = fit.budget
    console.print(
        Line(f"{path_text(result.path)} (").styled(result.spec.name, "bold") + f")  {fit.estimate.precision}"
        f"{' autocast' if fit.estimate.precision != 'fp32' else ''}, {OPTIMIZER_NAMES[fit.estimate.optimizer]}, "
        f"budget {human_bytes(fit.limit)}"
    )
    asked_reserved = budget is not None and budget.criterion == "reserved"
    reserved = asked_reserved and fit.reserved is not None
    measure = "reserved peak" if reserved else "allocated peak"
    console.print(
        Line("  ").styled(question, "bold green")
        + f": batch {fit.batch} at {size}  {measure} {precise_bytes(fit.needed)}, "
        f"margin {human_bytes(max(fit.margin, 0))}"
    )
    terms = [f"{measure} {precise_bytes(fit.needed)}"]
    if budget is not None and budget.context:
        terms.append(f"CUDA context {human_bytes(budget.context)}")
    console.print(f"  fits: {' + '.join(terms)} ≤ {human_bytes(fit.limit)} (--memory less --reserve)")
    console.print(
        f"  allocated peak {precise_bytes(fit.estimate.training_peak)} (max_memory_allocated)"
        + (f", reserved peak {precise_bytes(fit.reserved)} (the caching allocator's segments)" if fit.reserved else "")
        + f"; inference peak {bytes_text(fit.estimate.inference.peak)}"
    )
    if fit.capped is not None:
        console.print(
            Line("  ").styled(f"the search stops at {fit.capped:,}", "yellow") + ": a larger one may fit as well"
        )
    if fit.over is not None:
        batch, over_size, over_need = fit.over
        console.print(
            f"  the next one up, batch {batch} at {'x'.join(map(str, over_size))}, needs {precise_bytes(over_need)}"
        )
    if asked_reserved and fit.reserved is None:
        console.print(
            Line("  ").styled(
                f"the caching allocator is simulated for networks of up to {MAX_SIMULATED_LAYERS:,} layers", "yellow"
            )
            + ": "
            "this one's allocated peak is compared; keep room with --reserve"
        )
    elif not reserved:
        console.print(
            Line("  ").styled("not counted: the caching allocator's slack (reserved exceeds allocated)", "dim")
        )


def fit_json(result: CheckResult, fit: Fit) -> dict[str, Any]:
    peak = fit.estimate.training_peak
    return {
        "version": MEMORY_JSON_VERSION,
        "path": result.path,
        "name": result.spec.name,
        "precision": fit.estimate.precision,
        "optimizer": fit.estimate.optimizer,
        "unit": "bytes",
        "limit_bytes": fit.limit,
        "batch": fit.batch,
        "size": list(fit.size),
        "peak_bytes": peak,
        "reserved_peak_bytes": fit.reserved,
        "criterion": fit.budget.criterion if fit.budget else "allocated",
        "context_bytes": fit.budget.context if fit.budget else 0,
        "needed_bytes": fit.needed,
        "margin_bytes": fit.margin,
        "inference_peak_bytes": bytes_json(fit.estimate.inference.peak),
        "next": None
        if fit.over is None
        else {
            "batch": fit.over[0],
            "size": list(fit.over[1]),
            "peak_bytes": fit.over_allocated,
            "needed_bytes": fit.over[2],
        },
        "capped_at": fit.capped,
    }
