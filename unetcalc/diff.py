"""What changed between two versions of a spec: layers, shapes, parameters, output, valid inputs, findings.

Values only: report/diff_report.py turns them into text, markdown or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from unetcalc.check import CheckResult
from unetcalc.findings.diagnostic import Diagnostic
from unetcalc.shapes.infer import LayerShapes
from unetcalc.shapes.shape import format_shape
from unetcalc.shapes.validity import AxisValidity


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One property of a layer before and after: ``op``, a parameter, ``reads``, ``declared in``/``out``."""

    field: str
    old: object
    new: object


@dataclass(frozen=True, slots=True)
class LayerChange:
    kind: str  # added | removed | renamed | changed
    old: str | None
    new: str | None
    op: str
    details: tuple[FieldChange, ...] = ()
    old_line: int | None = None
    new_line: int | None = None


@dataclass(frozen=True, slots=True)
class ShapeChange:
    layer: str
    old: str
    new: str


@dataclass(slots=True)
class SpecDiff:
    old: CheckResult
    new: CheckResult
    layers: list[LayerChange] = field(default_factory=list)
    shapes: list[ShapeChange] = field(default_factory=list)

    @property
    def old_params(self) -> int | None:
        return self.old.inference.params if self.old.inference else None

    @property
    def new_params(self) -> int | None:
        return self.new.inference.params if self.new.inference else None

    @property
    def input(self) -> tuple[str, str]:
        """The input each version was checked at (``572x572x1``): the first thing that explains the rest."""
        return (_input(self.old), _input(self.new))

    @property
    def output(self) -> tuple[str, str]:
        return (_shape(self.old), _shape(self.new))

    @property
    def findings_added(self) -> list[Diagnostic]:
        """Findings of the new version that the old one did not have (compared by code, layer, message)."""
        before = {_finding_key(d) for d in self.old.diagnostics}
        return [d for d in self.new.diagnostics if _finding_key(d) not in before]

    @property
    def findings_removed(self) -> list[Diagnostic]:
        after = {_finding_key(d) for d in self.new.diagnostics}
        return [d for d in self.old.diagnostics if _finding_key(d) not in after]

    @property
    def valid_input(self) -> list[tuple[AxisValidity, AxisValidity]]:
        """(old, new) for the axes whose valid inputs changed."""
        old = self.old.validity.axes if self.old.validity else []
        new = self.new.validity.axes if self.new.validity else []
        return [(a, b) for a, b in zip(old, new, strict=False) if _axis_key(a) != _axis_key(b)]

    @property
    def findings(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """((old errors, old warnings), (new errors, new warnings))."""
        return ((len(self.old.errors), len(self.old.warnings)), (len(self.new.errors), len(self.new.warnings)))

    @property
    def unchanged(self) -> bool:
        return (
            not self.layers
            and not self.shapes
            and self.output[0] == self.output[1]
            and self.input[0] == self.input[1]
            and not self.valid_input
            and self.findings[0] == self.findings[1]
        )


def _shape(result: CheckResult) -> str:
    return format_shape(result.inference.output) if result.inference else "?"


def _input(result: CheckResult) -> str:
    return format_shape(result.inference.input) if result.inference else "?"


def _finding_key(d: Diagnostic) -> tuple[str, str | None, str]:
    return (d.code, d.layer, d.message)


def _axis_key(axis: AxisValidity) -> tuple[Any, ...]:
    return tuple((c.modulus, c.residue, c.min, c.max, str(c.output)) for c in axis.classes)


def _layer_details(
    a: LayerShapes, b: LayerShapes, names_a: dict[str, str], names_b: dict[str, str]
) -> list[FieldChange]:
    la, lb = a.layer, b.layer
    details = []
    if la.op != lb.op:
        details.append(FieldChange("op", la.op, lb.op))
    for key in sorted(set(la.params) | set(lb.params)):
        va, vb = la.params.get(key), lb.params.get(key)
        if va != vb and key not in ("with", "to"):
            details.append(FieldChange(key, va, vb))
    ins_a = [names_a.get(i, i) for i in la.inputs]
    ins_b = [names_b.get(i, i) for i in lb.inputs]
    if ins_a != ins_b:
        details.append(FieldChange("reads", tuple(ins_a), tuple(ins_b)))
    for key, da, db in (("in", la.declared_in, lb.declared_in), ("out", la.declared_out, lb.declared_out)):
        ta, tb = (da.text if da else None), (db.text if db else None)
        if ta != tb:
            details.append(FieldChange(f"declared {key}", ta, tb))
    return details


def align(old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib-style opcodes matching layers by name, in O(n log n) (SequenceMatcher is quadratic).

    Names found once in each list are anchors; the longest run of anchors in the same order in both
    (patience diff) is kept as `equal`, and what lies between two anchors is a `replace` (paired by
    position there: a layer with the same op is a rename).
    """
    where_new: dict[str, int] = {}
    counts: dict[str, int] = {}
    for name in old:
        counts[name] = counts.get(name, 0) + 1
    for j, name in enumerate(new):
        counts[name] = counts.get(name, 0) + (1 << 20)  # new's count in the high bits
        where_new[name] = j
    candidates = [(i, where_new[name]) for i, name in enumerate(old) if counts[name] == 1 + (1 << 20)]
    anchors = _longest_increasing(candidates)
    opcodes: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    for ai, aj in [*anchors, (len(old), len(new))]:
        if ai > i or aj > j:
            tag = "replace" if ai > i and aj > j else ("delete" if ai > i else "insert")
            opcodes.append((tag, i, ai, j, aj))
        if ai < len(old):
            if opcodes and opcodes[-1][0] == "equal" and opcodes[-1][2] == ai and opcodes[-1][4] == aj:
                tag, i1, _, j1, _ = opcodes.pop()
                opcodes.append(("equal", i1, ai + 1, j1, aj + 1))
            else:
                opcodes.append(("equal", ai, ai + 1, aj, aj + 1))
        i, j = ai + 1, aj + 1
    return opcodes


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of ``pairs`` (ordered by their first item) whose second items increase."""
    tails: list[int] = []  # tails[k]: index into pairs of the smallest end of an increasing run of length k+1
    previous: list[int] = [-1] * len(pairs)
    for index, (_, value) in enumerate(pairs):
        k = _bisect_tails(pairs, tails, value)
        if k:
            previous[index] = tails[k - 1]
        if k == len(tails):
            tails.append(index)
        else:
            tails[k] = index
    run: list[tuple[int, int]] = []
    at = tails[-1] if tails else -1
    while at != -1:
        run.append(pairs[at])
        at = previous[at]
    return run[::-1]


def _bisect_tails(pairs: list[tuple[int, int]], tails: list[int], value: int) -> int:
    low, high = 0, len(tails)
    while low < high:
        middle = (low + high) // 2
        if pairs[tails[middle]][1] < value:
            low = middle + 1
        else:
            high = middle
    return low


def diff_results(old: CheckResult, new: CheckResult) -> SpecDiff:
    result = SpecDiff(old, new)
    a = old.inference.layers if old.inference else []
    b = new.inference.layers if new.inference else []
    pairs: list[tuple[LayerShapes, LayerShapes]] = []
    for tag, i1, i2, j1, j2 in align([e.layer.name for e in a], [e.layer.name for e in b]):
        if tag == "equal":
            pairs += list(zip(a[i1:i2], b[j1:j2], strict=True))
            continue
        paired = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for x, y in zip(a[i1 : i1 + paired], b[j1 : j1 + paired], strict=True):
            if x.layer.op == y.layer.op:  # same op at the same place under a new name: a rename
                pairs.append((x, y))
            else:
                result.layers.append(LayerChange("removed", x.layer.name, None, x.layer.op, (), x.layer.line))
                result.layers.append(LayerChange("added", None, y.layer.name, y.layer.op, (), None, y.layer.line))
        for x in a[i1 + paired : i2]:
            result.layers.append(LayerChange("removed", x.layer.name, None, x.layer.op, (), x.layer.line))
        for y in b[j1 + paired : j2]:
            result.layers.append(LayerChange("added", None, y.layer.name, y.layer.op, (), None, y.layer.line))
    # References are compared through the renames, so a rename is reported once, not at every reader.
    renamed = {x.layer.id: y.layer.name for x, y in pairs} | {"input": "input"}
    names_b = {e.layer.id: e.layer.name for e in b} | {"input": "input"}
    for x, y in pairs:
        details = _layer_details(x, y, renamed, names_b)
        if x.layer.name != y.layer.name:
            result.layers.append(
                LayerChange(
                    "renamed", x.layer.name, y.layer.name, y.layer.op, tuple(details), x.layer.line, y.layer.line
                )
            )
        elif details:
            result.layers.append(
                LayerChange(
                    "changed", x.layer.name, y.layer.name, y.layer.op, tuple(details), x.layer.line, y.layer.line
                )
            )
        sa, sb = format_shape(x.out), format_shape(y.out)
        if sa != sb:
            result.shapes.append(ShapeChange(y.layer.name, sa, sb))
    order = {e.layer.name: i for i, e in enumerate(b)}
    result.layers.sort(key=lambda c: (order.get(c.new or "", len(order)), c.old_line or 0))
    return result
