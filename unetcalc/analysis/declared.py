"""UC107/UC108: shapes written in the spec against the inferred ones.

Each wrong declaration is reported once and checking continues from the
declared shape, so one typo is one finding. A table whose rows switch from
listing inputs to listing outputs is recognised and reported once (UC108).
"""

from __future__ import annotations

from unetcalc.findings.diagnostic import Diagnostic, Fix, Severity
from unetcalc.findings.rules import Rule, Said
from unetcalc.ops.registry import definition
from unetcalc.shapes.affine import Affine
from unetcalc.shapes.shape import Shape
from unetcalc.shapes.shape import format_shape as shape_text
from unetcalc.shapes.solver import Solver
from unetcalc.shapes.step import Step
from unetcalc.spec.graph import Graph
from unetcalc.spec.model import DeclaredShape, Layer

# -- the rules this module raises: manuals and message templates (unetcalc/catalogue.py collects them) --
DECLARED_SHAPE_MISMATCH = Rule(
    code="UC107",
    name="declared-shape-mismatch",
    severity=Severity.ERROR,
    summary="A shape written in the spec is not the inferred one.",
    what=(
        "Compares every `in`/`out` declaration with the inferred shape. Each wrong declaration is reported "
        "once; checking then continues from the declared shape, so one typo does not make every later row "
        "wrong."
    ),
    why="Design tables are copied into papers and code; a wrong row misleads everyone who reads it.",
    fix="Correct the declared shape to the inferred one given in the message.",
    messages={
        "in": "{layer} declares `in: {declared}` but its input is {shape}",
        "out": "{layer} declares {what} `{declared}` but outputs {shape}",
        "filters": "{layer} lists {declared} filters but outputs {channels} channels",
        # A wrong Filters cell and the next row's input cell holding the same count: one mistaken belief.
        "filters-and-next-row": (
            "{layer} lists {declared} filters but outputs {channels} channels, and the next row, {reader}, takes "
            "the same {declared} channels as its input (line {line})"
        ),
    },
)

DECLARED_SHAPES_SHIFTED = Rule(
    code="UC108",
    name="declared-shapes-shifted",
    severity=Severity.ERROR,
    summary="From this row on the declared `in` shapes are the layers' outputs.",
    what=(
        "Recognises a table whose rows switch from listing each layer's input to listing its output (each "
        "row's shape follows from the previous row's by applying its own layer) and reports the switch once "
        "instead of every row after it."
    ),
    why="A table whose column changes meaning half-way is wrong in every row after the switch.",
    fix="Use `out:` for these rows, or shift the shapes one row down.",
    messages={
        "shifted": (
            "{layer} `in: {declared}` is what {layer} outputs if `{source}` outputs {if_shape}, but `{source}` "
            "outputs {shape} from its declared input: from here on the declared shapes are the layers' outputs, not "
            "their inputs"
        ),
    },
)


def _agrees(declared: DeclaredShape, shape: Shape, check_sizes: bool) -> bool:
    if declared.channels is not None and declared.channels != shape.channels:
        return False
    if check_sizes and declared.size is not None:
        for want, have in zip(declared.size, shape.size, strict=True):
            if want is not None and have.is_number and have.value != want:
                return False
    return True


def _merge(declared: DeclaredShape, shape: Shape) -> Shape:
    channels = shape.channels if declared.channels is None else declared.channels
    size = shape.size
    if declared.size is not None:
        size = tuple(
            have if want is None else Affine.number(want) for want, have in zip(declared.size, shape.size, strict=True)
        )
    return Shape(channels, size)


class _Checker:
    def __init__(self, graph: Graph, path: str, check_sizes: bool) -> None:
        self.graph = graph
        self.path = path
        self.check_sizes = check_sizes
        self.diagnostics: list[Diagnostic] = []
        self.index = {layer.id: layer for layer in graph.layers}

    def apply(self, layer: Layer, ins: list[Shape]) -> Shape | None:
        """The layer's output for these inputs; None for a layer that did not parse (no shape rule can run)."""
        if not layer.valid or layer.id in self.graph.broken:
            return None
        # A throwaway solver and reporter: this pass only compares declarations.
        step = Step(layer, ins, Solver(), lambda *a, **k: None, lambda axes: "", ("",) * ins[0].rank)
        return definition(layer.op).shape(step)

    def report(self, rule: Rule, layer: Layer, key: str, message: Said, hint: str, fix: Fix | None = None) -> None:
        line, column = layer.where(key)
        self.diagnostics.append(
            rule.finding(message, hint=hint, file=self.path, line=line, column=column, layer=layer.name, fix=fix)
        )

    def shifted(self, layer: Layer, ins: list[Shape], believed: dict[str, Shape | None]) -> Shape | None:
        """The previous row's shape read as its output, when the rows look shifted."""
        previous = self.index.get(layer.source)
        if previous is None or previous.declared_in is None or previous.declared_out is not None:
            return None
        base = believed.get(previous.id)
        if base is None or layer.declared_in is None:
            return None
        previous_out = _merge(previous.declared_in, base)
        out = self.apply(layer, [previous_out, *ins[1:]])
        if out is None or not _agrees(layer.declared_in, out, self.check_sizes):
            return None
        readers = self.graph.readers.get(layer.id, [])
        following = self.index.get(readers[0]) if readers else None
        if following is None or following.declared_in is None or following.source != layer.id:
            return None
        after = self.apply(
            following,
            [_merge(layer.declared_in, out)] + [s for s in (believed.get(r) for r in following.refs) if s is not None],
        )
        if after is None or not _agrees(following.declared_in, after, self.check_sizes):
            return None
        return previous_out

    def in_hint(
        self, layer: Layer, declared: DeclaredShape, have: Shape, believed: dict[str, Shape | None]
    ) -> tuple[str, Fix | None]:
        """A declaration of channels only states what the author expects: the hint fixes the graph."""
        if declared.size is not None or declared.channels is None:
            fix = Fix("in", shape_text(have), layer.name)
            return f"{fix.phrase()}; checking continues from the declared shape", fix
        missing = declared.channels - have.channels
        if missing <= 0:
            return (
                f"the layers above give {have.channels} channels, {-missing} more than declared: check the "
                "filters above or the tensors a concat joins"
            ), None
        joined = {ref for other in self.graph.layers if other.op == "concat" for ref in other.refs}
        candidates = [
            other
            for other in self.graph.layers[: layer.index]
            if other.id not in joined
            and other.id != layer.source
            and (shape := believed.get(other.id)) is not None
            and shape.channels == missing
            and all((a - b).is_number and (a - b).const >= 0 for a, b in zip(shape.size, have.size, strict=True))
            and other.op not in ("maxpool", "avgpool")
        ]
        if candidates:
            # An encoder level's output (what a pooling layer reads) is the usual skip.
            pooled = {o.source for o in self.graph.layers if o.op in ("maxpool", "avgpool")}
            skip = next((c for c in reversed(candidates) if c.id in pooled), candidates[-1])
            return (
                f"the layers above give {have.channels} channels, {missing} fewer than declared: `{skip.name}` "
                f"has {missing} and no concat reads it; add `- {{op: concat, with: {skip.name}}}` before "
                f"{layer.name} (line {layer.line})"
            ), None
        return (
            f"the layers above give {have.channels} channels, {missing} fewer than declared: a concat of a "
            f"{missing}-channel tensor is missing above {layer.name}, or the filters above are too few"
        ), None

    def run(self, start: Shape) -> list[Diagnostic]:
        believed: dict[str, Shape | None] = {"input": start}
        outputs_mode = False
        for layer in self.graph.layers:
            ins = [believed.get(name) for name in layer.inputs]
            if not layer.valid or layer.id in self.graph.broken or any(s is None for s in ins):
                believed[layer.id] = None
                continue
            known: list[Shape] = [s for s in ins if s is not None]
            declared_in, declared_out = layer.declared_in, layer.declared_out
            in_is_output = outputs_mode and declared_in is not None and declared_out is None
            if declared_in is not None and not in_is_output and not _agrees(declared_in, known[0], self.check_sizes):
                previous_out = self.shifted(layer, known, believed)
                if previous_out is not None:
                    outputs_mode = in_is_output = True
                    self.report(
                        DECLARED_SHAPES_SHIFTED,
                        layer,
                        "in",
                        DECLARED_SHAPES_SHIFTED.says(
                            "shifted",
                            layer=layer.name,
                            declared=declared_in.text,
                            source=layer.source,
                            if_shape=shape_text(previous_out),
                            shape=shape_text(believed[layer.source]),
                        ),
                        "write these shapes as `out:`, or move each one row down; checking continues "
                        "with them read as outputs",
                    )
                    known[0] = previous_out
                else:
                    self.report(
                        DECLARED_SHAPE_MISMATCH,
                        layer,
                        "in",
                        DECLARED_SHAPE_MISMATCH.says(
                            "in", layer=layer.name, declared=declared_in.text, shape=shape_text(known[0])
                        ),
                        *self.in_hint(layer, declared_in, known[0], believed),
                    )
                    known[0] = _merge(declared_in, known[0])
            out = self.apply(layer, known)
            check_out = declared_out or (declared_in if in_is_output else None)
            if out is not None and check_out is not None and not _agrees(check_out, out, self.check_sizes):
                key = "out" if declared_out is not None else "in"
                fix = Fix(key, shape_text(out), layer.name)
                self.report(
                    DECLARED_SHAPE_MISMATCH,
                    layer,
                    key,
                    DECLARED_SHAPE_MISMATCH.says(
                        "out",
                        layer=layer.name,
                        what="output" if key == "out" else "shape",
                        declared=check_out.text,
                        shape=shape_text(out),
                    ),
                    f"{fix.phrase()}; checking continues from the declared shape",
                    fix,
                )
                out = _merge(check_out, out)
            believed[layer.id] = out
        return self.diagnostics


def check_declared(graph: Graph, start: Shape, path: str, check_sizes: bool = True) -> list[Diagnostic]:
    """Findings for declared ``in``/``out`` shapes; sizes are skipped when ``check_sizes`` is False."""
    if not any(layer.declared_in is not None or layer.declared_out is not None for layer in graph.layers):
        return []  # nothing declared: no second pass over the layers
    return _Checker(graph, path, check_sizes).run(start)
