"""Ops that move the border: crop (a window of the input) and pad (`F.pad`, fixed or up to a tensor)."""

from __future__ import annotations

from unetcalc.ops.base import ExactlyOneOf, Memory, ModuleCall, OpDef, Params, no_params, param, plain_label
from unetcalc.shapes.affine import Affine
from unetcalc.shapes.rules import ASYMMETRIC_CROP, CROP_LARGER_THAN_INPUT, PADDING_LARGER_THAN_INPUT, SKIP_SIZE_MISMATCH
from unetcalc.shapes.shape import Shape
from unetcalc.shapes.solver import Outcome
from unetcalc.shapes.step import Step, fmt_sizes
from unetcalc.spec.model import Layer


def crop_shape(step: Step) -> Shape | None:
    if step.layer.params.get("to") is not None:
        target = list(step.ins[1].size)
    else:
        target = [Affine.number(s) for s in step.layer.params["size"]]
    offsets = step.per_axis("offset") if step.layer.params.get("offset") is not None else None
    # At an offset the window must end inside the input; centered it must only be no larger.
    reach = [t + (offsets[a] if offsets else 0) for a, t in enumerate(target)]
    larger = [
        a
        for a, (n, r) in enumerate(zip(step.x.size, reach, strict=True))
        if a not in step.tainted and step.solver.at_least(n - r, 0) is Outcome.VIOLATED
    ]
    if larger:
        at = f" at offset {'×'.join(map(str, offsets))}" if offsets else ""
        step.emit(
            CROP_LARGER_THAN_INPUT,
            CROP_LARGER_THAN_INPUT.says(
                "window",
                layer=step.layer.name,
                sizes=fmt_sizes(step.x.size),
                target=fmt_sizes(target),
                at=at,
                axes=step.axes_text(larger),
                rounding=step.rounding_note(larger),
            ),
            hint="crop to a smaller size or offset, or use `pad`"
            + (" (Python slicing would silently return a smaller tensor)" if offsets else ""),
        )
        return None
    odd = [
        a
        for a, (n, t) in enumerate(zip(step.x.size, target, strict=True))
        if offsets is None and a not in step.tainted and (n - t).is_number and (n - t).value % 2
    ]
    if odd:
        step.emit(
            ASYMMETRIC_CROP,
            ASYMMETRIC_CROP.says(
                "crop",
                layer=step.layer.name,
                sizes=fmt_sizes(step.x.size),
                target=fmt_sizes(target),
                axes=step.axes_text(odd),
            ),
            hint="the crop sits one pixel off-center; choose sizes whose difference is even",
        )
    return step.out(step.x.channels, target)


def pad_shape(step: Step) -> Shape | None:
    """`F.pad` by fixed amounts per side, or up to a tensor's size (`to`: diff // 2 before, the rest after)."""
    mode = step.layer.params.get("mode")
    if step.layer.params.get("to") is not None:
        target = list(step.ins[1].size)
        smaller = [
            a
            for a, (n, t) in enumerate(zip(step.x.size, target, strict=True))
            if step.solver.at_least(t - n, 0) is Outcome.VIOLATED
        ]
        if smaller:
            step.emit(
                SKIP_SIZE_MISMATCH,
                SKIP_SIZE_MISMATCH.says(
                    "pad-to-smaller",
                    layer=step.layer.name,
                    sizes=fmt_sizes(step.x.size),
                    other=step.layer.refs[0],
                    other_sizes=fmt_sizes(target),
                    axes=step.axes_text(smaller),
                ),
                hint="pad to a tensor at least as large, or `crop` to it",
                key="to",
            )
            return None
        sides: list[tuple[int, int] | None] = [
            ((t - n).value // 2, (t - n).value - (t - n).value // 2) if (t - n).is_number else None
            for n, t in zip(step.x.size, target, strict=True)
        ]
    else:
        fixed: list[tuple[int, int]] = list(step.per_axis("padding"))
        target = [n + before + after for n, (before, after) in zip(step.x.size, fixed, strict=True)]
        sides = list(fixed)
    if mode in ("reflect", "circular"):
        margin = 1 if mode == "reflect" else 0  # reflect: padding < size; circular: padding ≤ size
        too_wide = [
            a
            for a, (n, side) in enumerate(zip(step.x.size, sides, strict=True))
            if side is not None and max(side) and step.solver.at_least(n - max(side) - margin, 0) is Outcome.VIOLATED
        ]
        if too_wide:
            limit = "smaller than" if mode == "reflect" else "at most"
            widest = max(max(side) for side in sides if side is not None)
            step.emit(
                PADDING_LARGER_THAN_INPUT,
                PADDING_LARGER_THAN_INPUT.says(
                    "too-wide",
                    layer=step.layer.name,
                    sizes=fmt_sizes(step.x.size),
                    padding=widest,
                    mode=mode,
                    axes=step.axes_text(too_wide),
                    limit=limit,
                ),
                hint="pad less, or use `mode: replicate`",
                key="padding" if step.layer.params.get("padding") else "to",
            )
            return None
    return step.out(step.x.channels, target)


def _crop_module(p: Params, _in_channels: int, _rank: int) -> ModuleCall:
    size = None if p.get("to") is not None else tuple(p["size"])
    offset = None if p.get("offset") is None else tuple(p["offset"])
    return ModuleCall("Crop", (), (("size", size), ("offset", offset)))


def _pad_module(p: Params, _in_channels: int, _rank: int) -> ModuleCall:
    sides = None if p.get("padding") is None else tuple(tuple(side) for side in p["padding"])
    return ModuleCall("Pad", (sides,), (("mode", p["mode"]), ("value", float(p["value"]))))


def _crop_label(layer: Layer, _rank: int) -> str:
    return f"crop to {layer.refs[0]}" if layer.refs else "crop"


CROP = OpDef(
    name="crop",
    family="geometry",
    summary="Crop to another tensor's size (`to`, centred) or to a `size` (centred, or at an `offset`).",
    params={"to": param("ref"), "size": param("size"), "offset": param("axes_nonneg")},
    exactly_one_of=ExactlyOneOf(("to", "size"), "`{op: crop, to: dec1}` or `{op: crop, size: [388, 388]}`"),
    shape=crop_shape,
    param_count=no_params,
    macs="none",
    memory=Memory(saves_input=False, alias=True),  # a view of its input
    module=_crop_module,
    label=_crop_label,
    keeps_shape=False,
    taps="shift",
)

PAD = OpDef(
    name="pad",
    family="geometry",
    summary="`F.pad` by `padding` per axis (or per side), or up to another tensor's size (`to`).",
    params={
        "padding": param("pad_sides"),
        "to": param("ref"),
        "mode": param("choice", "constant", choices=("constant", "zeros", "reflect", "replicate", "circular")),
        "value": param("number", 0),
    },
    exactly_one_of=ExactlyOneOf(
        ("padding", "to"), "`{op: pad, padding: 1}` or `{op: pad, to: enc1}` (as milesial's UNet pads)"
    ),
    shape=pad_shape,
    param_count=no_params,
    macs="none",
    # Reflect, replicate and circular padding read their input back in backward; constant padding does not.
    memory=Memory(saves_input=False, saves_input_in_modes=("reflect", "replicate", "circular")),
    module=_pad_module,
    label=plain_label,
    keeps_shape=False,
    taps="shift",
)

DEFINITIONS = (CROP, PAD)
