"""UC2xx: design findings — fully connected layers, dead branches, depth mismatch."""

from __future__ import annotations

from unetcalc.findings.diagnostic import Diagnostic
from unetcalc.findings.rules import finding
from unetcalc.shapes.validity import Validity
from unetcalc.spec.graph import Graph
from unetcalc.spec.ops import UPSAMPLING_OPS


def design_findings(graph: Graph, validity: Validity | None, path: str) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    last = graph.output
    for layer in graph.layers:
        if layer.op == "linear":
            found.append(
                finding(
                    "UC201",
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
                    "UC202",
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
                    "UC203",
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
