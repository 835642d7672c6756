"""One editor buffer, analysed: what the language server answers from, with no protocol in it.

Positions here are 0-based lines and code-point columns; server.py converts them to the client's
encoding. A buffer is a spec (YAML) or a note (markdown, every layer table in it); it is checked in
process from its text, never from disk, and nothing in it is executed.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction

from unetcalc.check import CheckResult, check_note_text, check_text
from unetcalc.findings.diagnostic import Diagnostic
from unetcalc.shapes.affine import Affine
from unetcalc.shapes.infer import LayerShapes
from unetcalc.shapes.shape import Shape, format_shape
from unetcalc.sourcelines import is_markdown, source_lines, value_length
from unetcalc.spec.model import Layer

REFERENCE_KEYS = ("from", "with", "to")
_REFERENCE = re.compile(r"(?<![\w-])(from|with|to)\s*:\s*")
_NAME = re.compile(r"[A-Za-z_][\w.\-]*")
_BLOCK_USE = re.compile(r"(?<![\w-])block\s*:\s*([A-Za-z_][\w.\-]*)")


@dataclass(frozen=True, slots=True)
class Span:
    line: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Hint:
    line: int
    column: int
    label: str


@dataclass(frozen=True, slots=True)
class Reference:
    name: str
    span: Span
    key: str  # from | with | to | block | outputs


def shape_label(shape: Shape | None) -> str:
    """``568×568×64``; symbolic sizes as ``(H−4)×(W−4)×64``."""
    return format_shape(shape, "×").replace(" - ", "−").replace(" + ", "+")


@dataclass(slots=True)
class Buffer:
    path: str
    text: str
    version: int = 0
    results: list[CheckResult] = field(default_factory=list)
    memo: dict[tuple[str, int], dict[str, str]] = field(default_factory=dict)  # answers computed on first ask
    lines: list[str] = field(init=False)
    _hints: list[tuple[int, Shape]] | None = field(default=None, init=False)
    _references: list[Reference] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.lines = source_lines(self.text, self.path)

    @classmethod
    def analyse(cls, path: str, text: str, version: int = 0) -> Buffer:
        if is_markdown(path):
            results, _ = check_note_text(text, path)
        else:
            results = [check_text(text, path)]
        return cls(path, text, version, results)

    @property
    def is_note(self) -> bool:
        return is_markdown(self.path)

    # -- findings ---------------------------------------------------------------------------------------
    def diagnostics(self) -> list[tuple[Diagnostic, Span]]:
        found = []
        for result in self.results:
            for d in result.diagnostics:
                found.append((d, self.span_of(d.line, d.column)))
        return found

    def span_of(self, line: int, column: int) -> Span:
        """The value a finding points at (a cell, a flow mapping, a scalar), as the text report underlines it."""
        index = max(line - 1, 0)
        text = self.lines[index] if index < len(self.lines) else ""
        start = min(max(column - 1, 0), len(text))
        return Span(index, start, start + value_length(text, start) if text else start)

    # -- layers -------------------------------------------------------------------------------------------
    def entries(self) -> list[tuple[CheckResult, LayerShapes]]:
        return [(r, e) for r in self.results if r.inference is not None for e in r.inference.layers]

    def row_of(self, layer: Layer) -> int:
        """The 0-based line a layer is written on: its own row, or the row of the block use it came from."""
        return (layer.origin.use[0] if layer.origin is not None else layer.line) - 1

    def inlay_hints(self, first: int = 0, last: int | None = None) -> list[Hint]:
        """Each row's output shape at its end; a block use's row shows what the use produces. Nothing from the
        first error on: a shape computed past a wrong row would be a wrong shape. Rows ``first..last`` only
        (an editor asks for the screen): labels are made for those alone."""
        if self._hints is None:
            self._hints = self._hint_rows()
        end = len(self.lines) - 1 if last is None else min(last, len(self.lines) - 1)
        return [
            Hint(row, len(self.lines[row].rstrip()), f" → {shape_label(shape)}")
            for row, shape in self._hints
            if first <= row <= end
        ]

    def _hint_rows(self) -> list[tuple[int, Shape]]:
        rows: dict[int, Shape] = {}
        for result in self.results:
            if result.inference is None:
                continue
            first_error = min((d.line for d in result.errors if d.line > 0), default=None)
            for entry in result.inference.layers:
                row = self.row_of(entry.layer)
                if first_error is not None and row + 1 >= first_error:
                    rows.pop(row, None)
                elif entry.out is not None:
                    rows[row] = entry.out  # a block use ends with its last layer's output
        return sorted(rows.items(), key=lambda item: item[0])

    def layer_at(self, line: int) -> tuple[CheckResult, LayerShapes] | None:
        """The layer written on (0-based) ``line``: for a block use, the last layer it expanded to."""
        found = None
        for result, entry in self.entries():
            if self.row_of(entry.layer) == line:
                found = (result, entry)
        return found

    def definitions(self) -> dict[str, Span]:
        """Layer names → where each is defined (its `name:` value, else its row)."""
        spans: dict[str, Span] = {}
        for result in self.results:
            for layer in result.spec.layers:
                if layer.origin is not None or layer.name in spans:
                    continue
                if "name" in layer.key_lines:
                    line, column = layer.key_lines["name"]
                    spans[layer.name] = Span(line - 1, column - 1, column - 1 + len(layer.name))
                else:
                    row = layer.line - 1
                    spans[layer.name] = Span(row, layer.column - 1, len(self.lines[row].rstrip()))
        return spans

    def block_definitions(self) -> dict[str, Span]:
        """Block names under `blocks:` → where each is defined."""
        spans: dict[str, Span] = {}
        inside, indent = False, -1
        for number, text in enumerate(self.lines):
            stripped = text.lstrip()
            depth = len(text) - len(stripped)
            if not stripped or stripped.startswith("#"):
                continue
            if depth == 0:
                inside = stripped.startswith("blocks:")
                indent = -1
                continue
            if inside:
                indent = depth if indent < 0 else indent
                match = _NAME.match(stripped)
                if depth == indent and match and stripped[match.end() :].lstrip().startswith(":"):
                    spans[match.group(0)] = Span(number, depth, depth + len(match.group(0)))
        return spans

    def references(self) -> list[Reference]:
        """Every name a `from:`, `with:` (one or a list), `to:`, `block:` or `outputs:` value gives, where it is
        written."""
        if self._references is None:
            self._references = self._find_references()
        return self._references

    def _find_references(self) -> list[Reference]:
        found: list[Reference] = []
        if self.is_note:
            return found
        for number, text in enumerate(self.lines):
            code = text.split(" #", 1)[0]
            for match in _REFERENCE.finditer(code):
                start = match.end()
                length = value_length(code, start) if start < len(code) else 0
                value = code[start : start + length]
                for name in _NAME.finditer(value):
                    found.append(Reference(name.group(0), Span(number, start + name.start(), start + name.end()),
                                           match.group(1)))  # fmt: skip
            for match in _BLOCK_USE.finditer(code):
                found.append(Reference(match.group(1), Span(number, match.start(1), match.end(1)), "block"))
        # `outputs:` names (a list, one name or `{stack: [...]}`), where the reader found each: the name as
        # written (a block use stands for its output layer).
        for result in self.results:
            for _, (line, column) in result.spec.outputs:
                text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
                written = _NAME.match(text, max(column - 1, 0))
                if written is not None:
                    span = Span(line - 1, written.start(), written.end())
                    found.append(Reference(written.group(0), span, "outputs"))
        return found

    def reference_at(self, line: int, column: int) -> Reference | None:
        return next(
            (r for r in self.references() if r.span.line == line and r.span.start <= column <= r.span.end), None
        )

    def name_at(self, line: int, column: int) -> str | None:
        """The layer or block name under the cursor: a reference, or a definition."""
        reference = self.reference_at(line, column)
        if reference is not None:
            return reference.name
        for spans in (self.definitions(), self.block_definitions()):
            for name, span in spans.items():
                if span.line == line and span.start <= column <= span.end:
                    return name
        return None

    def levels(self) -> list[tuple[int, str, list[tuple[Layer, Shape | None]]]]:
        """The network's resolution levels in order of appearance: (level, its size, its layers)."""
        groups: list[tuple[int, str, list[tuple[Layer, Shape | None]]]] = []
        for result, entry in self.entries():
            inference = result.inference
            assert inference is not None
            level = _level(inference.input, entry.out) if entry.out is not None else (groups[-1][0] if groups else 0)
            if not groups or groups[-1][0] != level:
                size = "×".join(shape_label(entry.out).split("×")[:-1]) if entry.out is not None else "?"
                groups.append((level, size, []))
            groups[-1][2].append((entry.layer, entry.out))
        return groups


def _level(start: Shape, shape: Shape) -> int:
    """How many halvings of the input's first axis this shape is (negative: larger than the input)."""
    ratio = _scale(start.size[0]) / _scale(shape.size[0]) if _scale(shape.size[0]) else Fraction(1)
    return round(math.log2(ratio)) if ratio > 0 else 0


def _scale(size: Affine) -> Fraction:
    return size.coef if not size.is_number else Fraction(size.const)
