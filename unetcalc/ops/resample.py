"""Resampling by interpolation: upsample (by a scale) and resize (to a size, a scale or another tensor)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from unetcalc.ops.base import ExactlyOneOf, Memory, ModuleCall, OpDef, Params, axes_text, no_params, param, plain_label
from unetcalc.shapes.affine import Affine
from unetcalc.shapes.rules import NO_VALID_INPUT, ODD_SIZE_BEFORE_DOWNSAMPLING
from unetcalc.shapes.shape import Shape
from unetcalc.shapes.solver import Outcome
from unetcalc.shapes.step import Step, report_resampling
from unetcalc.spec.model import Layer

LINEAR_MODES = {1: "linear", 2: "bilinear", 3: "trilinear"}  # PyTorch's name of linear interpolation per rank


def upsample_shape(step: Step) -> Shape | None:
    return _scaled(step, step.per_axis("scale"), "upsample")


def resize_shape(step: Step) -> Shape | None:
    """`F.interpolate` to a tensor's size (`to`), a fixed `size`, or by a `scale` (as `upsample`)."""
    p = step.layer.params
    if p.get("to") is not None:
        return step.out(step.x.channels, list(step.ins[1].size))
    if p.get("size") is not None:
        return step.out(step.x.channels, [Affine.number(v) for v in step.per_axis("size")])
    return _scaled(step, step.per_axis("scale"), "resize")


MAX_SCALE_DENOMINATOR = 10**6  # a scale n·scale is whole for no size below this many is never exact


def _unreliable_scale(scale: Any) -> bool:
    """A fractional scale whose product PyTorch cannot floor exactly at any size: its double is below the
    written value (0.57, 1/3 as 0.3333333333333333: floor(100 × 0.57) is 56, not 57, at some sizes and not
    others) or no small size makes the product whole (0.6666666666666666)."""
    written = Fraction(scale)
    return written.denominator != 1 and (
        Fraction(float(scale)) < written or written.denominator > MAX_SCALE_DENOMINATOR
    )


def _scaled(step: Step, scales: tuple[Any, ...], what: str) -> Shape | None:
    bad: list[int] = []
    infeasible: list[int] = []
    unreliable: list[int] = []
    size = []
    for axis, (n, scale) in enumerate(zip(step.x.size, scales, strict=True)):
        scaled = n * scale
        if _unreliable_scale(scale):
            if n.is_number:
                scaled = Affine.number(math.floor(float(n.const) * float(scale)))
            else:
                assert n.symbol is not None
                step.solver.symbol(n.symbol).feasible = False
                scaled = n * scale
            if axis not in step.tainted:
                unreliable.append(axis)
        elif Fraction(scale).denominator != 1:
            outcome = step.solver.divisible(scaled, 1)
            if outcome is Outcome.VIOLATED and axis not in step.tainted:
                bad.append(axis)
            elif outcome is Outcome.INFEASIBLE:
                infeasible.append(axis)
            if n.is_number:
                # PyTorch computes floor(float(n) * scale) in double precision: 100 × 0.29 gives 28, not 29.
                scaled = Affine.number(math.floor(float(n.const) * float(scale)))
        size.append(scaled)
    report_resampling(
        step,
        step.x.size,
        tuple(str(s) for s in scales),
        bad,
        infeasible,
        f"{what} ×" + "×".join(str(s) for s in scales),
    )
    if unreliable:
        step.tainted.update(unreliable)
        shown = sorted({str(float(scales[a])) for a in unreliable})
        rule = NO_VALID_INPUT if any(not step.x.size[a].is_number for a in unreliable) else ODD_SIZE_BEFORE_DOWNSAMPLING
        step.emit(
            rule,
            rule.says(
                "inexact-scale",
                layer=step.layer.name,
                what=what,
                scales=" / ".join(shown),
                axes=step.axes_text(unreliable),
            ),
            hint="use a scale that is a sum of powers of two (0.5, 0.75, 1.5), or `size:`/`to:` a tensor",
        )
    return step.out(step.x.channels, size)


def _bicubic_is_2d(p: Params, rank: int | None) -> tuple[str, str, str] | None:
    if p["mode"] == "bicubic" and rank not in (None, 2):
        return (
            f"`mode: bicubic` works on 2D inputs only; this network is {rank}D",
            "mode",
            "use `linear` (1D) or `trilinear` (3D), or `nearest`",
        )
    return None


def _factors(scale: tuple[Any, ...]) -> object:
    factors = tuple(float(s) for s in scale)
    return factors if len(set(factors)) > 1 else factors[0]


def _upsample_module(p: Params, _in_channels: int, rank: int) -> ModuleCall:
    mode = p["mode"] if p["mode"] in ("nearest", "bicubic") else LINEAR_MODES[rank]
    kwargs: list[tuple[str, object]] = [("scale_factor", _factors(p["scale"])), ("mode", mode)]
    if mode != "nearest":
        kwargs.append(("align_corners", bool(p.get("align_corners"))))
    return ModuleCall("nn.Upsample", (), tuple(kwargs))


def _resize_module(p: Params, _in_channels: int, rank: int) -> ModuleCall:
    mode = LINEAR_MODES[rank] if p["mode"] in ("linear", "bilinear", "trilinear") else p["mode"]
    return ModuleCall(
        "Resize",
        (),
        (
            ("size", None if p.get("size") is None else tuple(p["size"])),
            ("scale_factor", None if p.get("scale") is None else _factors(p["scale"])),
            ("mode", mode),
            ("align_corners", None if mode == "nearest" else bool(p.get("align_corners"))),
        ),
    )


def _upsample_label(layer: Layer, _rank: int) -> str:
    return f"upsample ×{axes_text(layer.params.get('scale'))} {layer.params.get('mode', '')}".strip()


UPSAMPLE = OpDef(
    name="upsample",
    family="resample",
    summary="Interpolation by a `scale` per axis (nn.Upsample).",
    params={
        "scale": param("axes_scale", 2),
        "mode": param("choice", "nearest", choices=("nearest", "bilinear", "trilinear", "bicubic")),
        "align_corners": param("bool", None),
    },
    checks=(_bicubic_is_2d,),
    shape=upsample_shape,
    param_count=no_params,
    macs="none",
    memory=Memory(saves_input=False),
    module=_upsample_module,
    label=_upsample_label,
    keeps_shape=False,
    taps="resampling",
    upsamples=True,
)

RESIZE = OpDef(
    name="resize",
    family="resample",
    summary="`F.interpolate` to another tensor's size (`to`), a fixed `size`, or by a `scale`.",
    aliases=("interpolate",),
    params={
        "size": param("size"),
        "scale": param("axes_scale"),
        "to": param("ref"),
        "mode": param("choice", "nearest", choices=("nearest", "linear", "bilinear", "bicubic", "trilinear")),
        "align_corners": param("bool", None),
    },
    exactly_one_of=ExactlyOneOf(
        ("size", "scale", "to"), "`{op: resize, to: enc1}`, `{op: resize, scale: 2}` or `{op: resize, size: 64}`"
    ),
    shape=resize_shape,
    param_count=no_params,
    macs="none",
    memory=Memory(saves_input=False),
    module=_resize_module,
    label=plain_label,
    keeps_shape=False,
    taps="resampling",
)

DEFINITIONS = (UPSAMPLE, RESIZE)
