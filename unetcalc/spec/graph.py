"""Names → layers: resolve `from`, `with` and `to`, and who reads whom."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from unetcalc.findings.diagnostic import Diagnostic, Severity
from unetcalc.findings.rules import Rule
from unetcalc.findings.suggest import NameIndex
from unetcalc.spec.model import Layer, Spec

# -- the rules this module raises: manuals and message templates (unetcalc/catalogue.py collects them) --
UNKNOWN_REFERENCE = Rule(
    code="UC007",
    name="unknown-reference",
    severity=Severity.ERROR,
    summary="`from`, `with` or `to` names no earlier layer.",
    what="Resolves every reference to a layer defined above it, or to `input`.",
    why="Layers run in order; a reference to a missing or later layer cannot be computed.",
    fix="Use the name of an earlier layer; the message suggests the closest.",
    messages={
        "idle": "`{key}: {ref}` reads a layer that has `run: false`: forward never computes it",
        "below": "`{key}: {ref}` refers to a layer defined below (line {line})",
        "unknown": "`{key}: {ref}` names no layer",
        "output-idle": "`outputs` names `{ref}`, which has `run: false`: forward never computes it",
        "output-unknown": "`outputs` names `{ref}`, which is no layer",
    },
)


@dataclass(slots=True)
class Graph:
    layers: list[Layer]
    by_name: dict[str, Layer]
    readers: dict[str, list[str]] = field(default_factory=dict)  # tensor → layers reading it
    broken: set[str] = field(default_factory=set)  # layers with an unresolved reference
    diagnostics: list[Diagnostic] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)  # `outputs:` as layer ids; empty: the last layer

    @property
    def output(self) -> Layer | None:
        """The network's (first) output: the first layer `outputs:` names, else the last layer that runs."""
        if self.outputs:
            return next((layer for layer in self.layers if layer.id == self.outputs[0]), None)
        return next((layer for layer in reversed(self.layers) if layer.runs), None)

    @property
    def output_ids(self) -> list[str]:
        """The tensors the network returns, in order."""
        if self.outputs:
            return list(self.outputs)
        last = self.output
        return [last.id] if last is not None else []


def build_graph(spec: Spec) -> Graph:
    """Resolve every layer's default and explicit references."""
    by_name: dict[str, Layer] = {}
    for layer in spec.layers:
        by_name.setdefault(layer.name, layer)
    graph = Graph(spec.layers, by_name)
    defined: dict[str, None] = {"input": None}  # ordered set: membership is O(1)
    names = NameIndex(["input"])  # did-you-mean in constant time per broken reference
    recent: deque[str] = deque(["input"], maxlen=6)
    previous = "input"
    for layer in spec.layers:
        if "from" not in layer.key_lines:
            layer.source = previous
        for key, ref in _references(layer):
            other = by_name.get(ref)
            if ref in defined:
                graph.readers.setdefault(ref, []).append(layer.id)
                if other is None or other.runs or not layer.runs:
                    continue
                message = UNKNOWN_REFERENCE.says("idle", key=key, ref=ref)
                hint = f"remove `run: false` from `{ref}` (line {other.line}), or read another layer"
            elif other is not None:
                message = UNKNOWN_REFERENCE.says("below", key=key, ref=ref, line=other.line)
                hint = "layers run in order: a layer can only read layers above it"
            else:
                message = UNKNOWN_REFERENCE.says("unknown", key=key, ref=ref)
                hint = names.did_you_mean(ref) or f"known names: {', '.join(recent)}"
            graph.broken.add(layer.id)
            line, column = layer.where(key)
            graph.diagnostics.append(
                UNKNOWN_REFERENCE.finding(
                    message, hint=hint, file=spec.path, line=line, column=column, layer=layer.name
                )
            )
        defined[layer.id] = None
        names.add(layer.id)
        recent.append(layer.id)
        previous = layer.id
    for name, (line, column) in spec.outputs:
        idle = by_name.get(name)
        if name in defined and name != "input" and (idle is None or idle.runs):
            graph.outputs.append(name)
            continue
        if idle is not None and not idle.runs:
            message = UNKNOWN_REFERENCE.says("output-idle", ref=name)
            hint = f"remove `run: false` from `{name}`, or leave it out of `outputs`"
        else:
            message = UNKNOWN_REFERENCE.says("output-unknown", ref=name)
            hint = names.did_you_mean(name) or "list layer names, e.g. `outputs: [seg, ds1]`"
        graph.diagnostics.append(
            UNKNOWN_REFERENCE.finding(message, hint=hint, file=spec.path, line=line, column=column)
        )
    return graph


def _references(layer: Layer) -> list[tuple[str, str]]:
    refs = [("from", layer.source)]
    key = "to" if layer.op in ("crop", "pad", "resize") else "with"
    refs += [(key, ref) for ref in layer.refs]
    return refs
