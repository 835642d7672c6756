"""Ops with weights over a window: conv, its transposed form (upconv), and linear (a 1×1 conv over channels)."""

from __future__ import annotations

import math

from unetcalc.ops.base import Memory, ModuleCall, OpDef, Params, axes_text, one_or_all, param, window_text
from unetcalc.shapes.rules import CHANNEL_MISMATCH
from unetcalc.shapes.shape import Shape
from unetcalc.shapes.step import Step, check_kernel, report_resampling, strided
from unetcalc.spec.model import Layer
from unetcalc.spec.params import per_axis_alike, per_axis_of

# A conv keeps its input and weight for backward; under autocast both are half-precision copies.
WEIGHTED = Memory(saves_input=True, autocast="compute")


def conv_shape(step: Step) -> Shape | None:
    p = step.layer.params
    kernels, strides, dilations = step.per_axis("kernel"), step.per_axis("stride"), step.per_axis("dilation")
    _check_groups(step, step.x.channels, p["filters"], p["groups"])
    if p["padding"] == "same":
        return step.out(p["filters"], list(step.x.size))
    pads = (0,) * step.x.rank if p["padding"] == "valid" else step.per_axis("padding")
    windows = [d * (k - 1) + 1 for k, d in zip(kernels, dilations, strict=True)]
    padded = [n + 2 * q for n, q in zip(step.x.size, pads, strict=True)]
    if not check_kernel(step, padded, windows):
        return None
    bad: list[int] = []
    infeasible: list[int] = []
    size = [
        strided(step, a, n, s, 2 * q - w, pad=q, dilation=d, bad=bad, infeasible=infeasible)
        for a, (n, s, q, w, d) in enumerate(zip(step.x.size, strides, pads, windows, dilations, strict=True))
    ]
    report_resampling(step, step.x.size, strides, bad, infeasible, "stride " + "×".join(map(str, strides)))
    return step.out(p["filters"], size)


def upconv_shape(step: Step) -> Shape | None:
    p = step.layer.params
    kernels = step.per_axis("kernel")
    strides = step.per_axis("stride")
    pads, out_pads, dilations = step.per_axis("padding"), step.per_axis("output_padding"), step.per_axis("dilation")
    _check_groups(step, step.x.channels, p["filters"], p["groups"])
    size = [
        (n - 1) * s - 2 * q + d * (k - 1) + o + 1
        for n, k, s, q, o, d in zip(step.x.size, kernels, strides, pads, out_pads, dilations, strict=True)
    ]
    return step.out(p["filters"], size)


def linear_shape(step: Step) -> Shape | None:
    return step.out(step.layer.params["features"], list(step.x.size))


def _check_groups(step: Step, cin: int, filters: int, groups: int) -> None:
    if cin % groups or filters % groups:
        step.emit(
            CHANNEL_MISMATCH,
            CHANNEL_MISMATCH.says("conv-groups", layer=step.layer.name, groups=groups, cin=cin, filters=filters),
            hint="choose groups that divide both",
            key="groups",
        )


def _window_weights(p: Params, in_channels: int) -> int:
    filters: int = p["filters"]
    groups: int = p["groups"]
    weights = in_channels * filters // groups * math.prod(per_axis_of(p["kernel"]))
    return weights + (filters if p["bias"] else 0)


def _no_strided_same(p: Params, _rank: int | None) -> tuple[str, str, str] | None:
    if p["padding"] == "same" and any(s > 1 for s in per_axis_of(p["stride"])):
        return (
            "`padding: same` is not supported for strided convolutions (PyTorch refuses it)",
            "padding",
            "give the padding as a number, e.g. `padding: 1` for a 3×3 kernel with stride 2",
        )
    return None


def _output_padding_fits(p: Params, _rank: int | None) -> tuple[str, str, str] | None:
    for s, d, o in zip(*per_axis_alike(p["stride"], p["dilation"], p["output_padding"]), strict=True):
        if o >= max(s, d):
            return f"output_padding {o} must be smaller than stride or dilation ({max(s, d)})", "output_padding", ""
    return None


def _conv_module(p: Params, in_channels: int, rank: int) -> ModuleCall:
    padding = p["padding"] if p["padding"] in ("same", "valid") else one_or_all(p["padding"])
    return ModuleCall(
        f"nn.Conv{rank}d",
        (in_channels, p["filters"]),
        (
            ("kernel_size", one_or_all(p["kernel"])),
            ("stride", one_or_all(p["stride"])),
            ("padding", padding),
            ("dilation", one_or_all(p["dilation"])),
            ("groups", p["groups"]),
            ("bias", p["bias"]),
        ),
    )


def _upconv_module(p: Params, in_channels: int, rank: int) -> ModuleCall:
    return ModuleCall(
        f"nn.ConvTranspose{rank}d",
        (in_channels, p["filters"]),
        (
            ("kernel_size", one_or_all(p["kernel"])),
            ("stride", one_or_all(p["stride"])),
            ("padding", one_or_all(p["padding"])),
            ("output_padding", one_or_all(p["output_padding"])),
            ("groups", p["groups"]),
            ("bias", p["bias"]),
            ("dilation", one_or_all(p["dilation"])),
        ),
    )


def _conv_label(layer: Layer, rank: int) -> str:
    p = layer.params
    text = f"conv {window_text(p.get('kernel'), rank)}"
    if p.get("stride") not in (None, (1,) * rank, 1):
        text += f" /{axes_text(p['stride'])}"
    if p.get("dilation") not in (None, (1,) * rank, 1):  # a 3×3 of dilation 2 reads 5×5: say so
        text += f" dil {axes_text(p['dilation'])}"
    if p.get("padding") == "same":
        text += " same"
    elif p.get("padding") not in ("valid", None, (0,) * rank, 0):
        text += f" pad {axes_text(p['padding'])}"
    return text


def _kernel_label(layer: Layer, rank: int) -> str:
    return f"{layer.op} {window_text(layer.params.get('kernel'), rank)}"


CONV = OpDef(
    name="conv",
    family="conv",
    summary="Convolution (nn.ConvNd): `filters` output channels from a `kernel` window.",
    params={
        "filters": param("count", required=True),
        "kernel": param("axes_pos", 3),
        "stride": param("axes_pos", 1),
        "padding": param("conv_padding", "valid"),
        "dilation": param("axes_pos", 1),
        "groups": param("count", 1),
        "bias": param("bool", True),
    },
    checks=(_no_strided_same,),
    shape=conv_shape,
    param_count=_window_weights,
    macs="per_output",
    memory=WEIGHTED,
    module=_conv_module,
    label=_conv_label,
    keeps_shape=False,
    taps="window",
)

UPCONV = OpDef(
    name="upconv",
    family="conv",
    summary="Transposed convolution (nn.ConvTransposeNd): learned upsampling by `stride`.",
    aliases=("convtranspose",),
    params={
        "filters": param("count", required=True),
        "kernel": param("axes_pos", 2),
        "stride": param("axes_pos", default_from="kernel"),
        "padding": param("axes_nonneg", 0),
        "output_padding": param("axes_nonneg", 0),
        "dilation": param("axes_pos", 1),
        "groups": param("count", 1),
        "bias": param("bool", True),
    },
    checks=(_output_padding_fits,),
    shape=upconv_shape,
    param_count=_window_weights,
    macs="per_input",
    memory=WEIGHTED,
    module=_upconv_module,
    label=_kernel_label,
    keeps_shape=False,
    taps="transposed",
    upsamples=True,
)


def _linear_weights(p: Params, in_channels: int) -> int:
    features: int = p["features"]
    return in_channels * features + (features if p["bias"] else 0)


LINEAR = OpDef(
    name="linear",
    family="conv",
    summary="A fully connected layer over the channels at every position (a 1×1 conv).",
    params={"features": param("count", required=True), "bias": param("bool", True)},
    shape=linear_shape,
    param_count=_linear_weights,
    macs="per_output",
    memory=WEIGHTED,
    module=lambda p, in_channels, rank: ModuleCall(
        "ChannelLinear", (in_channels, p["features"]), (("bias", p["bias"]),)
    ),
    label=lambda layer, rank: "linear",
    keeps_shape=False,
    taps="pointwise",
)

DEFINITIONS = (CONV, UPCONV, LINEAR)
