"""UC2xx: design findings — fully connected layers, dead branches, depth mismatch."""

from __future__ import annotations

from unetcalc.findings.diagnostic import Diagnostic, Severity
from unetcalc.findings.rules import Rule, finding
from unetcalc.shapes.validity import Validity
from unetcalc.spec.graph import Graph
from unetcalc.spec.ops import UPSAMPLING_OPS

# -- the rules this module raises (each one's manual beside it; findings/rules.py collects them) --
FULLY_CONNECTED_LAYER = Rule(
    code="UC201",
    name="fully-connected-layer",
    severity=Severity.WARNING,
    summary="The network has a fully connected layer.",
    what="Reports `linear` layers.",
    why="A fully convolutional network has none; a linear layer fixes the input size.",
    example="- {op: linear, features: 10}",
    fix="Use a 1×1 conv (`{op: conv, kernel: 1, filters: 10}`).",
)

UNUSED_TENSOR = Rule(
    code="UC202",
    name="unused-tensor",
    severity=Severity.WARNING,
    summary="A layer's output is never used.",
    what="Reports layers (other than the last) that no later layer reads.",
    why="A dead branch costs parameters and compute and usually means a wrong `from`/`with`.",
    example="- {op: conv, filters: 21, name: score4}   # no `add` uses score4",
    fix="Use it (`with: score4`) or remove it.",
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
        "A segmentation output at a different scale than its input needs resizing and loses detail; usually a"
        " decoder level is missing."
    ),
    example="four pooling layers but three upconvs",
    fix="Add or remove a decoder level.",
)


def design_findings(graph: Graph, validity: Validity | None, path: str) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    last = graph.output
    for layer in graph.layers:
        if layer.op == "linear":
            found.append(
                finding(
                    FULLY_CONNECTED_LAYER,
                    f"{layer.name} is a fully connected layer: the network is not fully convolutional",
                    hint=f"use `{{op: conv, kernel: 1, filters: {layer.params.get('features')}}}` instead",
                    file=path,
                    line=layer.line,
                    column=layer.column,
                    layer=layer.name,
                )
            )
        if layer is not last and layer.valid and layer.id not in graph.readers:
            found.append(
                finding(
                    UNUSED_TENSOR,
                    f"the output of {layer.name} is never used",
                    hint="read it with `from`/`with`, or remove the layer",
                    file=path,
                    line=layer.line,
                    column=layer.column,
                    layer=layer.name,
                )
            )
    upsamples = [layer for layer in graph.layers if layer.op in UPSAMPLING_OPS]
    if validity is not None and upsamples and last is not None:
        scales = {str(axis.output.coef) for axis in validity.axes if axis.output is not None}
        if scales and scales != {"1"}:
            found.append(
                finding(
                    DEPTH_MISMATCH,
                    f"the output has {' / '.join(sorted(scales))} × the input's resolution: the decoder does not "
                    "undo the encoder's downsampling",
                    hint="add or remove a decoder level so that upsampling and downsampling factors match",
                    file=path,
                    line=upsamples[-1].line,
                    column=upsamples[-1].column,
                    layer=upsamples[-1].name,
                )
            )
    return found
