"""UC2xx: design rules, one function each (yamllint style): the function's docstring is its manual.

A design rule reads the checked graph and yields findings. Its docstring's first line is the rule's
summary; the sections "What it does", "Why it matters", "Example" and "Fix" are the rest of the
manual that `unetcalc explain`, `rules` and SARIF show.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable, Iterator
from fractions import Fraction

from unetcalc.findings.diagnostic import Diagnostic, Severity
from unetcalc.findings.rules import Rule
from unetcalc.ops.registry import UPSAMPLING_OPS
from unetcalc.shapes.affine import fraction_key
from unetcalc.shapes.shape import Shape
from unetcalc.shapes.validity import Validity
from unetcalc.spec.graph import Graph

DesignCheck = Callable[[Graph, Validity | None, str], Iterator[Diagnostic]]
_SECTIONS = ("What it does", "Why it matters", "Example", "Fix")


def _manual(doc: str) -> dict[str, str]:
    """The docstring's summary line and sections, as Rule fields."""
    text = inspect.cleandoc(doc)
    summary, _, rest = text.partition("\n")
    parts = re.split(rf"^({'|'.join(_SECTIONS)})\n", rest, flags=re.MULTILINE)
    sections = {title: body.strip() for title, body in zip(parts[1::2], parts[2::2], strict=True)}
    for title in ("What it does", "Why it matters", "Fix"):  # prose: lines of a paragraph joined
        sections[title] = " ".join(line.strip() for line in sections[title].splitlines())
    return {
        "summary": summary.strip(),
        "what": sections["What it does"],
        "why": sections["Why it matters"],
        "example": sections["Example"],
        "fix": sections["Fix"],
    }


CHECKS: list[tuple[Rule, DesignCheck]] = []


def design_rule(code: str, name: str, severity: Severity) -> Callable[[DesignCheck], DesignCheck]:
    """Register a design rule whose manual is the decorated function's docstring."""

    def register(check: DesignCheck) -> DesignCheck:
        rule = Rule(code=code, name=name, severity=severity, **_manual(check.__doc__ or ""))
        CHECKS.append((rule, check))
        return check

    return register


def _rule(code: str) -> Rule:
    return next(rule for rule, _ in CHECKS if rule.code == code)


@design_rule("UC201", "fully-connected-layer", Severity.WARNING)
def fully_connected_layer(graph: Graph, validity: Validity | None, path: str) -> Iterator[Diagnostic]:
    """The network has a fully connected layer.

    What it does
    Reports `linear` layers.

    Why it matters
    A fully convolutional network has none; a linear layer fixes the input size.

    Example
    - {op: linear, features: 10}

    Fix
    Use a 1×1 conv (`{op: conv, kernel: 1, filters: 10}`).
    """
    for layer in graph.layers:
        if layer.op == "linear":
            yield _rule("UC201").finding(
                f"{layer.name} is a fully connected layer: the network is not fully convolutional",
                hint=f"use `{{op: conv, kernel: 1, filters: {layer.params.get('features')}}}` instead",
                file=path,
                line=layer.line,
                column=layer.column,
                layer=layer.name,
            )


@design_rule("UC202", "unused-tensor", Severity.WARNING)
def unused_tensor(graph: Graph, validity: Validity | None, path: str) -> Iterator[Diagnostic]:
    """A layer's output is never used.

    What it does
    Reports layers (other than the last and those `outputs` lists) that no later layer reads.

    Why it matters
    A dead branch costs parameters and compute and usually means a wrong `from`/`with`.

    Example
    - {op: conv, filters: 21, name: score4}   # no `add` uses score4

    Fix
    Use it (`with: score4`) or remove it.
    """
    for layer in graph.layers:
        if (
            layer is not graph.output
            and layer.id not in graph.outputs
            and layer.valid
            and layer.runs  # `run: false`: kept on purpose, never read
            and layer.id not in graph.readers
        ):
            yield _rule("UC202").finding(
                f"the output of {layer.name} is never used",
                hint="read it with `from`/`with`, or remove the layer",
                file=path,
                line=layer.line,
                column=layer.column,
                layer=layer.name,
            )


@design_rule("UC203", "depth-mismatch", Severity.WARNING)
def depth_mismatch(graph: Graph, validity: Validity | None, path: str) -> Iterator[Diagnostic]:
    """The decoder does not restore the encoder's resolution.

    What it does
    Compares the total downsampling of the encoder with the total upsampling of the decoder (the
    output's scale against the input's) when the network upsamples at all.

    Why it matters
    A segmentation output at a different scale than its input needs resizing and loses detail;
    usually a decoder level is missing.

    Example
    four pooling layers but three upconvs

    Fix
    Add or remove a decoder level.
    """
    upsamples = [layer for layer in graph.layers if layer.op in UPSAMPLING_OPS]
    if validity is None or not upsamples or graph.output is None:
        return
    scales = {str(axis.output.coef) for axis in validity.axes if axis.output is not None}
    if scales and scales != {"1"}:
        yield _rule("UC203").finding(
            f"the output has {' / '.join(sorted(scales))} × the input's resolution: the decoder does not "
            "undo the encoder's downsampling",
            hint="add or remove a decoder level so that upsampling and downsampling factors match",
            file=path,
            line=upsamples[-1].line,
            column=upsamples[-1].column,
            layer=upsamples[-1].name,
        )


@design_rule("UC205", "missing-skip", Severity.WARNING)
def missing_skip(graph: Graph, validity: Validity | None, path: str) -> Iterator[Diagnostic]:
    """A decoder level has no skip connection while the other levels have one.

    What it does
    Finds the levels (resolutions) the decoder returns to and works at, and the encoder tensors at
    the same resolution. When the decoder reads encoder tensors at some levels but not at one of
    them, that level's skip is reported at the first decoder layer of the level, naming the encoder
    tensor it would take.

    Why it matters
    A forgotten `concat` is not a shape error: the spec still checks and builds, but the network
    is not the one in the paper or the code (fewer channels, fewer parameters, and no fine detail
    at that level). In PyTorch code that kept the original channel counts it fails with `expected
    input to have 512 channels, but got 256`.

    Example
    - {op: upconv, filters: 256, name: up3}
    - {op: conv, filters: 256}   # no `{op: concat, with: enc3}` between them

    Fix
    Add the concat the hint names after the level's up-sampling layer, or declare the channels
    the next layer expects (`in: {channels: 512}`) so that the mismatch is an error.
    """
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
        yield _rule("UC205").finding(
            f"the decoder works at {_fraction_text(level)} resolution from {arrival.layer.name} on without a skip "
            f"connection: `{skip.layer.name}` ({skip.out.channels} channels) is not used there, while the other "
            "levels' skips are",
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
    key = tuple((s.num, s.den.bit_length(), s.den) for s in shape.size)
    scale = _SCALES.get(key)
    if scale is None:
        if any(not num for num, _, _ in key):
            return None
        scale = tuple(Fraction(num, den) for num, _, den in key)
        if len(_SCALES) >= 4096:
            _SCALES.clear()
        _SCALES[key] = scale  # a network has a handful of resolutions: each made once
    return scale


_SCALES: dict[tuple[tuple[int, int, int], ...], tuple[Fraction, ...]] = {}


def _fraction_text(level: tuple[Fraction, ...]) -> str:
    def one(v: Fraction) -> str:
        return f"1/{1 / v}" if v < 1 and (1 / v).denominator == 1 else str(v)

    values = set(level)
    if values == {1}:
        return "full"
    return one(level[0]) if len(values) == 1 else "×".join(one(v) for v in level)


def design_findings(graph: Graph, validity: Validity | None, path: str) -> list[Diagnostic]:
    """Every design rule's findings, rule by rule."""
    return [d for _, check in CHECKS for d in check(graph, validity, path)]
