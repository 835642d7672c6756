"""Walk the layers in order and infer every tensor's shape."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from unetcalc.findings.diagnostic import Diagnostic, Fix
from unetcalc.findings.rules import Rule, Said, in_block_use
from unetcalc.ops.registry import definition, keeps_shape
from unetcalc.shapes.affine import Affine
from unetcalc.shapes.rules import SIZE_COLLAPSES
from unetcalc.shapes.shape import Shape
from unetcalc.shapes.solver import Outcome, Solver, SymbolClass
from unetcalc.shapes.step import PassContext, Step
from unetcalc.spec.graph import Graph
from unetcalc.spec.model import Layer

AXIS_NAMES = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}


@dataclass(slots=True)
class LayerShapes:
    layer: Layer
    ins: tuple[Shape | None, ...]
    out: Shape | None
    params: int | None


@dataclass(slots=True, eq=False)  # compared and hashed by identity: costs are cached per inference
class Inference:
    input: Shape
    layers: list[LayerShapes]
    tensors: dict[str, Shape | None]
    solver: Solver
    diagnostics: list[Diagnostic] = field(default_factory=list)
    output_id: str | None = None  # the tensor `outputs:` names first; None: the last layer's

    @property
    def output(self) -> Shape | None:
        """The network's (first) output: what `outputs:` names first, else the last layer's."""
        if self.output_id is not None:
            return self.tensors.get(self.output_id)
        return self.layers[-1].out if self.layers else None

    @property
    def params(self) -> int:
        return sum(entry.params or 0 for entry in self.layers)


def axis_names(size: tuple[int | str, ...]) -> tuple[str, ...]:
    """What each input axis is called in messages: the spec's own symbol (`[X, Y, Z]`), else D/H/W."""
    default = AXIS_NAMES.get(len(size), tuple(f"axis {i}" for i in range(len(size))))
    names: list[str] = []
    for axis, value in enumerate(size):
        name = value if isinstance(value, str) and value not in names else default[axis]
        names.append(name if name not in names else f"{name}{axis}")
    return tuple(names)


def input_shape(channels: int, size: tuple[int | str, ...]) -> Shape:
    return Shape(channels, tuple(Affine.var(s) if isinstance(s, str) else Affine.number(s) for s in size))


def infer(
    graph: Graph,
    start: Shape,
    path: str,
    nearest_hint: Callable[[list[int]], str] = lambda axes: "",
    classes: dict[str, SymbolClass] | None = None,
    network_rank: int | None = None,
    names: tuple[str, ...] | None = None,
) -> Inference:
    """Infer every layer's shape from ``start``; findings go to ``result.diagnostics``.

    ``classes`` restricts the input symbols to given residue classes from the start.
    """
    solver = Solver(classes)
    for size in start.size:
        if size.symbol is not None:
            solver.symbol(size.symbol)
    tensors: dict[str, Shape | None] = {"input": start}
    result = Inference(start, [], tensors, solver, output_id=graph.output_ids[0] if graph.output_ids else None)
    names = names or axis_names(tuple(s.symbol or 0 for s in start.size))
    context = PassContext(network_rank, keeps_shape)
    context.shapes = tensors
    context.restorers = [
        layer.name for layer in graph.layers if layer.op in ("pad", "resize") and layer.params.get("to") is not None
    ]

    for layer in graph.layers:
        ins = tuple(tensors.get(name) for name in layer.inputs)
        out: Shape | None = None
        params: int | None = None
        if layer.valid and layer.id not in graph.broken and all(s is not None for s in ins):
            known = [s for s in ins if s is not None]

            def report(
                rule: Rule,
                message: Said,
                *,
                hint: str = "",
                key: str | None = None,
                fix: Fix | None = None,
                _layer: Layer = layer,
            ) -> None:
                line, column = _layer.where(key)
                if _layer.origin is not None:  # a shape error of one use points at that use
                    message = in_block_use(message, _layer.origin.instance, _layer.origin.block, line)
                    line, column = _layer.origin.use
                result.diagnostics.append(
                    rule.finding(message, hint=hint, file=path, line=line, column=column, layer=_layer.name, fix=fix)
                )

            step = Step(layer, known, solver, report, nearest_hint, names, context)
            op = definition(layer.op)
            out = op.shape(step)
            params = op.param_count(layer.params, known[0].channels)
            if out is not None:
                out = _require_positive(step, out)
        tensors[layer.id] = out
        context.layers[layer.id] = layer
        result.layers.append(LayerShapes(layer, ins, out, params))
    return result


def _require_positive(step: Step, out: Shape) -> Shape | None:
    """Every size must stay ≥ 1: a bound for a symbol, a finding for a number."""
    collapsed = [a for a, n in enumerate(out.size) if step.solver.at_least(n, 1) is Outcome.VIOLATED]
    if not collapsed:
        return out
    if not step.reported:
        sizes = "×".join(str(n) for n in out.size)
        step.emit(
            SIZE_COLLAPSES,
            SIZE_COLLAPSES.says("collapses", layer=step.layer.name, sizes=sizes, axes=step.axes_text(collapsed)),
            hint=step.nearest_hint(collapsed) or "use a larger input or fewer downsampling levels",
        )
    return None
