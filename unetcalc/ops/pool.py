"""Pooling: maxpool and avgpool, windows without weights."""

from __future__ import annotations

from unetcalc.ops.base import Memory, ModuleCall, OpDef, Params, no_params, one_or_all, param, window_text
from unetcalc.shapes.rules import KERNEL_LARGER_THAN_INPUT
from unetcalc.shapes.shape import Shape
from unetcalc.shapes.solver import Outcome
from unetcalc.shapes.step import Step, check_kernel, fmt_sizes, report_resampling, strided
from unetcalc.spec.model import Layer
from unetcalc.spec.params import per_axis_alike

INDEX = 8  # bytes of one int64 pooling index


def pool_shape(step: Step) -> Shape | None:
    p = step.layer.params
    kernels = step.per_axis("kernel")
    strides = step.per_axis("stride")
    pads = step.per_axis("padding")
    dilations = step.per_axis("dilation") if step.layer.op == "maxpool" else (1,) * step.x.rank
    windows = [d * (k - 1) + 1 for k, d in zip(kernels, dilations, strict=True)]
    if (
        step.layer.op == "avgpool" and (step.context.network_rank or step.x.rank) == 3
    ):  # AvgPool3d (only) rejects inputs smaller than the kernel
        note = " (AvgPool3d does not allow that, even with padding or ceil_mode)"
        if not check_kernel(step, list(step.x.size), list(kernels), note):
            return None
    bad: list[int] = []
    infeasible: list[int] = []
    size = [
        strided(
            step, a, n, s, 2 * q - w, ceil_mode=bool(p["ceil_mode"]), pad=q, dilation=d, bad=bad, infeasible=infeasible
        )
        for a, (n, s, q, w, d) in enumerate(zip(step.x.size, strides, pads, windows, dilations, strict=True))
    ]
    # Pools may overhang the input (ceil_mode); PyTorch only requires one output position.
    if any(step.solver.at_least(out, 1) is Outcome.VIOLATED for out in size):
        padded = [n + 2 * q for n, q in zip(step.x.size, pads, strict=True)]
        step.emit(
            KERNEL_LARGER_THAN_INPUT,
            KERNEL_LARGER_THAN_INPUT.says(
                "window",
                window="×".join(map(str, windows)),
                layer=step.layer.name,
                padded="padded " if any(pads) else "",
                sizes=fmt_sizes(padded),
                note="",
            ),
            hint="use a larger input, fewer levels above this layer, or padding",
        )
        return None
    report_resampling(step, step.x.size, strides, bad, infeasible, step.layer.op)
    return step.out(step.x.channels, size)


def _padding_within_half_kernel(p: Params, _rank: int | None) -> tuple[str, str, str] | None:
    for q, k in zip(*per_axis_alike(p["padding"], p["kernel"]), strict=True):
        if q > k // 2:  # PyTorch's check uses the kernel size, not the dilated window
            return f"padding {q} is more than half the kernel ({k // 2} at most in PyTorch)", "padding", ""
    return None


def _window_kwargs(p: Params) -> list[tuple[str, object]]:
    return [
        ("kernel_size", one_or_all(p["kernel"])),
        ("stride", one_or_all(p["stride"])),
        ("padding", one_or_all(p["padding"])),
    ]


def _maxpool_module(p: Params, _in_channels: int, rank: int) -> ModuleCall:
    kwargs = [*_window_kwargs(p), ("dilation", one_or_all(p["dilation"])), ("ceil_mode", p["ceil_mode"])]
    return ModuleCall(f"nn.MaxPool{rank}d", (), tuple(kwargs))


def _avgpool_module(p: Params, _in_channels: int, rank: int) -> ModuleCall:
    kwargs = [*_window_kwargs(p), ("ceil_mode", p["ceil_mode"]), ("count_include_pad", p["count_include_pad"])]
    return ModuleCall(f"nn.AvgPool{rank}d", (), tuple(kwargs))


def _label(layer: Layer, rank: int) -> str:
    return f"{layer.op} {window_text(layer.params.get('kernel'), rank)}"


_WINDOW = {
    "kernel": param("axes_pos", 2),
    "stride": param("axes_pos", default_from="kernel"),
    "padding": param("axes_nonneg", 0),
    "ceil_mode": param("bool", False),
}

MAXPOOL = OpDef(
    name="maxpool",
    family="pool",
    summary="Max pooling (nn.MaxPoolNd); `stride` defaults to the kernel.",
    params={**_WINDOW, "dilation": param("axes_pos", 1)},
    checks=(_padding_within_half_kernel,),
    shape=pool_shape,
    param_count=no_params,
    macs="none",
    # Keeps its input and int64 indices of the output's size (CUDA computes them even without grad).
    memory=Memory(saves_input=True, extra_saved_bytes=INDEX),
    module=_maxpool_module,
    label=_label,
    keeps_shape=False,
    taps="window",
)

AVGPOOL = OpDef(
    name="avgpool",
    family="pool",
    summary="Average pooling (nn.AvgPoolNd); `stride` defaults to the kernel.",
    params={**_WINDOW, "count_include_pad": param("bool", True)},
    checks=(_padding_within_half_kernel,),
    shape=pool_shape,
    param_count=no_params,
    macs="none",
    memory=Memory(saves_input=True),
    module=_avgpool_module,
    label=_label,
    keeps_shape=False,
    taps="window",
)

DEFINITIONS = (MAXPOOL, AVGPOOL)
