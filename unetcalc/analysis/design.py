"""UC2xx: design rules, one function each (yamllint style): the function's docstring is its manual.

A design rule reads the checked graph and yields findings. Its docstring's first line is the rule's
summary; the sections "What it does", "Why it matters", "Example" and "Fix" are the rest of the
manual that `unetcalc explain`, `rules` and SARIF show.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterator

from unetcalc.findings.diagnostic import Diagnostic, Severity
from unetcalc.findings.rules import Rule
from unetcalc.shapes.validity import Validity
from unetcalc.spec.graph import Graph
from unetcalc.spec.ops import UPSAMPLING_OPS

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
    Reports layers (other than the last) that no later layer reads.

    Why it matters
    A dead branch costs parameters and compute and usually means a wrong `from`/`with`.

    Example
    - {op: conv, filters: 21, name: score4}   # no `add` uses score4

    Fix
    Use it (`with: score4`) or remove it.
    """
    for layer in graph.layers:
        if layer is not graph.output and layer.valid and layer.id not in graph.readers:
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


def design_findings(graph: Graph, validity: Validity | None, path: str) -> list[Diagnostic]:
    """Every design rule's findings, rule by rule."""
    return [d for _, check in CHECKS for d in check(graph, validity, path)]
