"""Joins of a skip: concat (channels side by side), add and multiply (elementwise, broadcasting)."""

from __future__ import annotations

from collections.abc import Callable

from unetcalc.findings.diagnostic import Fix
from unetcalc.ops.base import (
    LabelFunction,
    Memory,
    ModuleCall,
    OpDef,
    Params,
    ShapeFunction,
    no_params,
    param,
    plain_label,
)
from unetcalc.shapes.affine import Affine
from unetcalc.shapes.rules import ASYMMETRIC_CROP, CHANNEL_MISMATCH, SKIP_SIZE_MISMATCH
from unetcalc.shapes.shape import Shape
from unetcalc.shapes.solver import Outcome
from unetcalc.shapes.step import Step, fmt_sizes
from unetcalc.spec.model import Layer
from unetcalc.spec.params import per_axis_of


def _compare_sizes(step: Step, other: Shape, other_name: str, crop: bool) -> bool:
    """Report a size mismatch between the input and ``other``; True when one was reported."""
    x = step.x
    if crop:
        smaller = [
            a
            for a in range(x.rank)
            if a not in step.tainted and step.solver.at_least(other.size[a] - x.size[a], 0) is Outcome.VIOLATED
        ]
        if smaller:
            step.emit(
                SKIP_SIZE_MISMATCH,
                SKIP_SIZE_MISMATCH.says(
                    "skip-smaller",
                    layer=step.layer.name,
                    sizes=fmt_sizes(x.size),
                    other=other_name,
                    other_sizes=fmt_sizes(other.size),
                    axes=step.axes_text(smaller),
                    rounding=step.rounding_note(smaller),
                ),
                hint=(step.rounding_note(smaller) and step.nearest_hint(smaller))
                or "a crop can only remove pixels: check the encoder level this skip comes from",
                key="with",
            )
            step.raises = True
            return True
        odd = [
            a
            for a in range(x.rank)
            if a not in step.tainted and (other.size[a] - x.size[a]).is_number and (other.size[a] - x.size[a]).value % 2
        ]
        if odd:
            step.emit(
                ASYMMETRIC_CROP,
                ASYMMETRIC_CROP.says(
                    "center-crop",
                    layer=step.layer.name,
                    other=other_name,
                    other_sizes=fmt_sizes(other.size),
                    sizes=fmt_sizes(x.size),
                    axes=step.axes_text(odd),
                ),
                hint="the crop sits one pixel off-center (offset floor(diff/2)); choose sizes whose difference is even",
                key="with",
            )
        return False
    # Different slopes meet at one input size: that becomes the valid set (a constraint), not a finding.
    differ = [
        a
        for a in range(x.rank)
        if a not in step.tainted and step.solver.equal(other.size[a], x.size[a]) is Outcome.VIOLATED
    ]
    if not differ:
        return False
    silent = ""
    if step.layer.op in ("add", "multiply") and all(_broadcasts(x.size[a], other.size[a]) for a in differ):
        silent = " (PyTorch broadcasts the size-1 axis silently instead of failing)"
    else:
        step.raises = True  # torch.cat and + refuse the sizes: the network stops here
    channels = ""
    if step.layer.op in ("add", "multiply") and other.channels != x.channels and 1 not in (x.channels, other.channels):
        channels = f"; the channels differ too ({x.channels} and {other.channels})"  # one cause, one finding
    hint, fix = _join_fix(step, other, other_name, differ)
    step.emit(
        SKIP_SIZE_MISMATCH,
        SKIP_SIZE_MISMATCH.says(
            "sizes-differ",
            layer=step.layer.name,
            sizes=fmt_sizes(x.size),
            other=other_name,
            other_sizes=fmt_sizes(other.size),
            axes=step.axes_text(differ),
            broadcast=silent,
            channels=channels,
            rounding=step.rounding_note(differ),
        ),
        hint=hint,
        fix=fix,
        key="with",
    )
    return True


def _join_fix(step: Step, other: Shape, other_name: str, differ: list[int]) -> tuple[str, Fix | None]:
    """The cheapest correct fix for a join whose sizes differ, read from the layers above it: the hint,
    and the edit it names where it is one key of one layer."""
    x = step.x
    gaps = [other.size[a] - x.size[a] for a in differ]
    # The main path went through a strided layer the skip did not: project the skip (a ResNet downsample).
    for layer in step.context.chain(step.layer.source):
        if layer.id == other_name:
            break
        stride = _stride_of(layer)
        if stride > 1 and layer.op in ("conv", "maxpool", "avgpool"):
            if all(_reduces_to(other.size[a], x.size[a], stride) for a in differ):
                return (
                    f"the main path went through the stride-{stride} `{layer.name}` (line {layer.line}) and "
                    f"`{other_name}` did not: add a strided 1×1 projection on the skip, `- {{op: conv, filters: "
                    f"{x.channels}, kernel: 1, stride: {stride}, from: {other_name}}}`, and join that instead"
                ), None
            break
    # A transposed conv that comes out a few pixels short: output_padding makes it up.
    for layer in step.context.chain(step.layer.source):
        if layer.op == "upconv":
            room = _stride_of(layer) - 1 - max(per_axis_of(layer.params.get("output_padding", 0)))
            if all(g.is_number and 0 < g.value <= room for g in gaps):
                short = max(g.value for g in gaps)
                needed = max(per_axis_of(layer.params.get("output_padding", 0))) + short
                fix = Fix("output_padding", str(needed), layer.name)
                return (
                    f"`{layer.name}` (line {layer.line}) comes out {short} short: give it `output_padding: {needed}`",
                    fix,
                )
            break
        if not step.context.keeps_shape(layer.op) and not (
            layer.op == "conv" and layer.params.get("padding") == "same"
        ):
            break
    # Which operand is the skip: the tensor made earlier (MONAI's torch.cat([x, sub(x)]) writes it first).
    mine, theirs = step.context.layers.get(step.layer.source), step.context.layers.get(other_name)
    with_is_skip = mine is None or theirs is None or theirs.index < mine.index
    skip_larger = all(step.solver.at_least(g if with_is_skip else -g, 0) is not Outcome.VIOLATED for g in gaps)
    decoder = step.layer.source if with_is_skip else other_name
    crop = Fix("crop", "center", step.layer.name)
    if with_is_skip and skip_larger and _valid_convs_between(step, decoder, other_name if with_is_skip else ""):
        return (
            "add `crop: center` to crop the larger skip to the decoder's size (valid convolutions shrink the "
            "decoder side, as in the 2015 U-Net)"
        ), crop
    if step.rounding_note(differ):  # strided layers rounded an odd size up: another input size fixes it
        return step.nearest_hint(differ) or "use an input size the strides divide: see `unetcalc sizes`", None
    if skip_larger:
        return (
            "the skip is larger than the decoder side: `crop: center` it, or `pad`/`resize` the decoder `to:` it",
            crop,
        )
    return "the skip is smaller than the decoder side: use `same` padding above, or `pad` the skip", None


def _valid_convs_between(step: Step, decoder: str, skip: str) -> bool:
    """Whether an unpadded convolution (a 2015 U-Net's) lies on the decoder's path since the skip."""
    for layer in step.context.chain(decoder):
        if layer.id == skip:
            return False
        padding = layer.params.get("padding")
        unpadded = padding == "valid" or (padding is not None and max(per_axis_of(padding)) == 0)
        if layer.op == "conv" and unpadded and max(per_axis_of(layer.params.get("kernel", 1))) > 1:
            return True
    return False


def _stride_of(layer: Layer) -> int:
    stride = layer.params.get("stride")
    return max(per_axis_of(stride)) if stride is not None else 1


def _reduces_to(big: Affine, small: Affine, stride: int) -> bool:
    """Whether ``small`` is ``big`` downsampled by ``stride`` (rounded either way)."""
    if big.is_number and small.is_number:
        return small.value in (big.value // stride, -(-big.value // stride))
    return big.coef == small.coef * stride


def _broadcasts(a: Affine, b: Affine) -> bool:
    return a != b and (a == Affine.number(1) or b == Affine.number(1))


def concat_shape(step: Step) -> Shape | None:
    crop = step.layer.params.get("crop") == "center"
    for other, name in zip(step.ins[1:], step.layer.refs, strict=True):
        _compare_sizes(step, other, name, crop)
    if step.raises:  # one root cause, one finding: nothing below is charged again
        return None
    return step.out(sum(s.channels for s in step.ins), list(step.x.size))


def add_shape(step: Step) -> Shape | None:
    crop = step.layer.params.get("crop") == "center"
    channels = step.x.channels
    for other, name in zip(step.ins[1:], step.layer.refs, strict=True):
        if _compare_sizes(step, other, name, crop):
            continue  # one finding: the size mismatch names the channels, and its fix projects both
        if other.channels != channels and 1 in (other.channels, channels):
            channels = max(channels, other.channels)  # PyTorch's + broadcasts a single channel
        elif other.channels != channels:
            step.emit(
                CHANNEL_MISMATCH,
                CHANNEL_MISMATCH.says(
                    "multiply" if step.layer.op == "multiply" else "add",
                    layer=step.layer.name,
                    channels=step.x.channels,
                    other=name,
                    other_channels=other.channels,
                ),
                hint="add a 1×1 conv so both sides have the same channels",
                key="with",
            )
    if step.raises:  # one root cause, one finding: nothing below is charged again
        return None
    # Without a crop, PyTorch's + broadcasts a size-1 axis against the other side's size.
    size = list(step.x.size)
    if not crop:
        for other in step.ins[1:]:
            size = [
                o if _broadcasts(n, o) and n == Affine.number(1) else n for n, o in zip(size, other.size, strict=True)
            ]
    return step.out(channels, size)


_SKIP = {
    "with": param("refs", required=True),
    "crop": param("choice", "none", choices=("none", "center")),
}


def _module(name: str) -> Callable[[Params, int, int], ModuleCall]:
    def call(p: Params, _in_channels: int, _rank: int) -> ModuleCall:
        return ModuleCall(name, (), (("crop", p["crop"] == "center"),))

    return call


def _label(layer: Layer, _rank: int) -> str:
    text = f"{layer.op} {', '.join(layer.refs)}"
    return text + (" (crop)" if layer.params.get("crop") == "center" else "")


def _join(name: str, summary: str, shape: ShapeFunction, memory: Memory, label: LabelFunction) -> OpDef:
    """A join of the input with the tensors named by `with` (no weights, no multiply-adds counted)."""
    return OpDef(
        name=name,
        family="join",
        summary=summary,
        aliases=("mul",) if name == "multiply" else (),
        params=dict(_SKIP),
        shape=shape,
        param_count=no_params,
        macs="none",
        memory=memory,
        module=_module(name.capitalize()),
        label=label,
        keeps_shape=False,
        taps="join",
        joins=True,
    )


# Concat and add hand the output's gradient on as it is; multiply keeps both factors (each one's gradient
# is the other). PyTorch's * broadcasts as + does.
PASSES_GRADIENT = Memory(saves_input=False, shares_grad=True)
CONCAT = _join(
    "concat",
    "Concatenate the input with the tensors named by `with` along the channels (torch.cat).",
    concat_shape,
    PASSES_GRADIENT,
    _label,
)
ADD = _join(
    "add",
    "Add the tensors named by `with` to the input (a residual or a skip; size-1 axes broadcast).",
    add_shape,
    PASSES_GRADIENT,
    _label,
)
MULTIPLY = _join(
    "multiply",
    "Multiply the input by the tensors named by `with` (attention gates, squeeze-and-excitation).",
    add_shape,
    Memory(saves_input=True),
    plain_label,
)

DEFINITIONS = (CONCAT, ADD, MULTIPLY)
