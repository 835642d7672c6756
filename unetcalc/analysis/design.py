"""UC2xx: design rules, one function each over the checked graph, each rule a ``Rule`` with its manual."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterator
from fractions import Fraction

from unetcalc.findings.diagnostic import Diagnostic, Severity
from unetcalc.findings.rules import Rule
from unetcalc.ops.registry import UPSAMPLING_OPS
from unetcalc.shapes.affine import fraction_key
from unetcalc.shapes.shape import Shape
from unetcalc.shapes.validity import Validity
from unetcalc.spec.graph import Graph
from unetcalc.spec.params import per_axis_alike

DesignCheck = Callable[[Graph, Validity | None, str], Iterator[Diagnostic]]

# -- the rules this module raises, each with its manual (the catalogue, unetcalc/catalogue.py, lists them) --
FULLY_CONNECTED_LAYER = Rule(
    code="UC201",
    name="fully-connected-layer",
    severity=Severity.WARNING,
    summary="The network has a fully connected layer.",
    what="Reports `linear` layers.",
    why="A fully convolutional network has none; a linear layer fixes the input size.",
    fix="Use a 1×1 conv (`{op: conv, kernel: 1, filters: 10}`).",
    messages={"linear": "{layer} is a fully connected layer: the network is not fully convolutional"},
)

UNUSED_TENSOR = Rule(
    code="UC202",
    name="unused-tensor",
    severity=Severity.WARNING,
    summary="A layer's output is never used.",
    what="Reports layers (other than the last and those `outputs` lists) that no later layer reads.",
    why="A dead branch costs parameters and compute and usually means a wrong `from`/`with`.",
    fix="Use it (`with: score4`) or remove it.",
    messages={"unused": "the output of {layer} is never used"},
)

DEPTH_MISMATCH = Rule(
    code="UC203",
    name="depth-mismatch",
    severity=Severity.WARNING,
    summary="The decoder does not restore the encoder's resolution.",
    what=(
        "Compares the total downsampling of the encoder with the total upsampling of the decoder (the "
        "output's scale against the input's) when the network upsamples at all."
    ),
    why=(
        "A segmentation output at a different scale than its input needs resizing and loses detail; "
        "usually a decoder level is missing."
    ),
    fix="Add or remove a decoder level.",
    messages={
        "scale": (
            "the output has {scales} × the input's resolution: the decoder does not undo the encoder's downsampling"
        ),
    },
)

PADDING_GROWS_SIZE = Rule(
    code="UC204",
    name="padding-grows-size",
    severity=Severity.WARNING,
    summary="A conv's padding is more than its kernel needs: its output is larger than its input.",
    what=(
        "Reports a conv whose padding on an axis exceeds d·(k−1)/2 (what keeps the size), and names the "
        "`defaults` entry it came from, if any."
    ),
    why=(
        "A `defaults: conv: {padding: 1}` also pads 1×1 heads: the output grows by 2 on each axis and "
        "every size after it is off, with no error anywhere."
    ),
    fix="Give that layer its own `padding` (0 for a 1×1 kernel), or use `padding: same`.",
    messages={
        "grows": (
            "`padding: {padding}`{source} on {layer}'s {kernel} kernel makes its output {growth} larger than its "
            "input on that axis"
        ),
    },
)


MISSING_SKIP = Rule(
    code="UC205",
    name="missing-skip",
    severity=Severity.WARNING,
    summary="A decoder level has no skip connection while the other levels have one.",
    what=(
        "Finds the levels (resolutions) the decoder returns to and works at, and the encoder tensors at "
        "the same resolution. When the decoder reads encoder tensors at some levels but not at one of "
        "them, that level's skip is reported at the first decoder layer of the level, naming the encoder "
        "tensor it would take."
    ),
    why=(
        "A forgotten `concat` is not a shape error: the spec still checks and builds, but the network is "
        "not the one in the paper or the code (fewer channels, fewer parameters, and no fine detail at "
        "that level). In PyTorch code that kept the original channel counts it fails with `expected "
        "input to have 512 channels, but got 256`."
    ),
    fix=(
        "Add the concat the hint names after the level's up-sampling layer, or declare the channels the "
        "next layer expects (`in: {channels: 512}`) so that the mismatch is an error."
    ),
    messages={
        "missing": (
            "the decoder works at {level} resolution from {layer} on without a skip connection: `{skip}` "
            "({channels} channels) is not used there, while the other levels' skips are"
        ),
    },
)


def fully_connected_layer(graph: Graph, validity: Validity | None, path: str) -> Iterator[Diagnostic]:
    """UC201: the network has a fully connected layer."""
    for layer in graph.layers:
        if layer.op == "linear":
            yield FULLY_CONNECTED_LAYER.finding(
                FULLY_CONNECTED_LAYER.says("linear", layer=layer.name),
                hint=f"use `{{op: conv, kernel: 1, filters: {layer.params.get('features')}}}` instead",
                file=path,
                line=layer.line,
                column=layer.column,
                layer=layer.name,
            )


def unused_tensor(graph: Graph, validity: Validity | None, path: str) -> Iterator[Diagnostic]:
    """UC202: a layer's output is never used."""
    for layer in graph.layers:
        if (
            layer is not graph.output
            and layer.id not in graph.outputs
            and layer.valid
            and layer.runs  # `run: false`: kept on purpose, never read
            and layer.id not in graph.readers
        ):
            yield UNUSED_TENSOR.finding(
                UNUSED_TENSOR.says("unused", layer=layer.name),
                hint="read it with `from`/`with`, or remove the layer",
                file=path,
                line=layer.line,
                column=layer.column,
                layer=layer.name,
            )


def depth_mismatch(graph: Graph, validity: Validity | None, path: str) -> Iterator[Diagnostic]:
    """UC203: the decoder does not restore the encoder's resolution."""
    upsamples = [layer for layer in graph.layers if layer.op in UPSAMPLING_OPS]
    if validity is None or not upsamples or graph.output is None:
        return
    scales = {str(axis.output.coef) for axis in validity.axes if axis.output is not None}
    if scales and scales != {"1"}:
        yield DEPTH_MISMATCH.finding(
            DEPTH_MISMATCH.says("scale", scales=" / ".join(sorted(scales))),
            hint="add or remove a decoder level so that upsampling and downsampling factors match",
            file=path,
            line=upsamples[-1].line,
            column=upsamples[-1].column,
            layer=upsamples[-1].name,
        )


def padding_grows_size(graph: Graph, validity: Validity | None, path: str) -> Iterator[Diagnostic]:
    """UC204: a conv's padding is more than its kernel needs, and names the `defaults` entry it came from."""
    for layer in graph.layers:
        p = layer.params
        if layer.op != "conv" or not layer.valid or p["padding"] in ("same", "valid"):
            continue
        axes = per_axis_alike(p["padding"], p["kernel"], p["dilation"])
        grows = [(q, k, d) for q, k, d in zip(*axes, strict=True) if 2 * q > d * (k - 1)]
        if not grows:
            continue
        q, k, d = grows[0]
        source = " (from `defaults.conv`)" if "padding" in layer.defaulted else ""
        kernel = "×".join(str(v) for v in axes[1])
        line, column = layer.where("padding")
        yield PADDING_GROWS_SIZE.finding(
            PADDING_GROWS_SIZE.says(
                "grows", padding=q, source=source, layer=layer.name, kernel=kernel, growth=2 * q - d * (k - 1)
            ),
            hint=f"give {layer.name} `padding: {d * (k - 1) // 2}` (or `padding: same`)"
            + (" to override the default" if source else ""),
            file=path,
            line=line,
            column=column,
            layer=layer.name,
        )


def missing_skip(graph: Graph, validity: Validity | None, path: str) -> Iterator[Diagnostic]:
    """UC205: a decoder level has no skip connection while the other levels have one."""
    if validity is None:
        return
    entries = validity.inference.layers
    maybe = [_scale(e.out) for e in entries]
    scales = [s for s in maybe if s is not None]
    if not entries or len(scales) != len(entries):
        return  # a layer without a resolution (broken, or cropped to a fixed size): levels are unclear
    products: dict[int, Fraction] = {}  # a resolution's size, per distinct tuple (layers share them)

    def size_of(scale: tuple[Fraction, ...]) -> Fraction:
        product = products.get(id(scale))
        if product is None:
            product = products[id(scale)] = math.prod(scale, start=Fraction(1))
        return product

    deepest = min(scales, key=size_of)
    first_deep = scales.index(deepest)
    last_deep = len(scales) - 1 - scales[::-1].index(deepest)
    position = {e.layer.id: i for i, e in enumerate(entries)}
    input_scale = tuple(Fraction(1) for _ in scales[0])

    def scale_of(ref: str) -> tuple[Fraction, ...] | None:
        return input_scale if ref == "input" else scales[position[ref]] if ref in position else None

    encoder = {entries[i].layer.id for i in range(first_deep)} | {"input"}
    consumed = {_level_key(scale_of(ref)) for e in entries[last_deep + 1 :] for ref in e.layer.inputs if ref in encoder}
    if not consumed:
        return  # no skip anywhere: an autoencoder or FCN-32s, not a U-Net missing one
    reported: set[object] = set()
    for i in range(last_deep + 1, len(entries)):
        level, layer = scales[i], entries[i].layer
        key = _level_key(level)
        if layer.op != "conv" or key in consumed or key in reported or level == deepest:
            continue
        skips = [j for j in range(first_deep) if scales[j] == level]
        if not skips:
            continue
        reported.add(key)
        skip = entries[skips[-1]]
        arrival = entries[next(j for j in range(last_deep + 1, len(entries)) if scales[j] == level)]
        if skip.out is None or arrival.out is None:
            continue
        crop = ", crop: center" if skip.out.size != arrival.out.size else ""
        yield MISSING_SKIP.finding(
            MISSING_SKIP.says(
                "missing",
                level=_fraction_text(level),
                layer=arrival.layer.name,
                skip=skip.layer.name,
                channels=skip.out.channels,
            ),
            hint=f"concatenate it after {arrival.layer.name} (line {arrival.layer.line}): "
            f"`- {{op: concat, with: {skip.layer.name}{crop}}}`",
            file=path,
            line=arrival.layer.line,
            column=arrival.layer.column,
            layer=arrival.layer.name,
        )


def _level_key(scale: tuple[Fraction, ...] | None) -> object:
    """A set key for a resolution: Fractions 1/2^k hash alike every 61 levels (see affine.fraction_key)."""
    return None if scale is None else tuple(fraction_key(f) for f in scale)


def _scale(shape: Shape | None) -> tuple[Fraction, ...] | None:
    """A tensor's resolution relative to the input, per axis (None when unknown or fixed)."""
    if shape is None:
        return None
    # The bit length keeps a deep network's denominators 2^k apart (Python hashes 2^k like 2^(k mod 61)).
    return _scale_of(tuple((s.num, s.den.bit_length(), s.den) for s in shape.size))


@functools.lru_cache(maxsize=4096)
def _scale_of(key: tuple[tuple[int, int, int], ...]) -> tuple[Fraction, ...] | None:
    """A network has a handful of resolutions: each is made once."""
    if any(not num for num, _, _ in key):
        return None
    return tuple(Fraction(num, den) for num, _, den in key)


def _fraction_text(level: tuple[Fraction, ...]) -> str:
    def one(v: Fraction) -> str:
        return f"1/{1 / v}" if v < 1 and (1 / v).denominator == 1 else str(v)

    values = set(level)
    if values == {1}:
        return "full"
    return one(level[0]) if len(values) == 1 else "×".join(one(v) for v in level)


CHECKS: tuple[tuple[Rule, DesignCheck], ...] = (
    (FULLY_CONNECTED_LAYER, fully_connected_layer),
    (UNUSED_TENSOR, unused_tensor),
    (DEPTH_MISMATCH, depth_mismatch),
    (PADDING_GROWS_SIZE, padding_grows_size),
    (MISSING_SKIP, missing_skip),
)


def design_findings(graph: Graph, validity: Validity | None, path: str) -> list[Diagnostic]:
    """Every design rule's findings, rule by rule."""
    return [d for _, check in CHECKS for d in check(graph, validity, path)]
