"""Fixes a finding can be applied by, as text edits: the language server's code actions.

A fix is computed from the checked result, not parsed out of the message: a declared shape gets the
inferred one, a skip that needs a crop gets `crop: center`, a transposed conv that comes out short gets
the `output_padding` its join needs, an input size the strides do not divide gets the nearest valid one.
Every finding can also be silenced on its line with an ignore comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from unetcalc.findings.diagnostic import Diagnostic
from unetcalc.lsp.buffer import Buffer, Span
from unetcalc.shapes.shape import format_shape
from unetcalc.sourcelines import value_length
from unetcalc.spec.model import Layer


@dataclass(frozen=True, slots=True)
class Edit:
    span: Span
    text: str


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    preferred: bool = True


def fixes(buffer: Buffer, diagnostic: Diagnostic) -> list[Fix]:
    found = [fix for fix in (_declared(buffer, diagnostic), *_join(buffer, diagnostic)) if fix is not None]
    found += _input_size(buffer, diagnostic)
    found.append(ignore(buffer, diagnostic))
    return found


def ignore(buffer: Buffer, diagnostic: Diagnostic) -> Fix:
    """`# unetcalc: ignore[CODE]` at the end of the finding's line (a markdown row: an HTML comment)."""
    row = max(diagnostic.line - 1, 0)
    text = buffer.lines[row] if row < len(buffer.lines) else ""
    end = len(text.rstrip())
    comment = (
        f" <!-- unetcalc: ignore[{diagnostic.code}] -->"
        if buffer.is_note
        else f"  # unetcalc: ignore[{diagnostic.code}]"
    )
    return Fix(f"Ignore {diagnostic.code} on this line", (Edit(Span(row, end, len(text)), comment),), preferred=False)


def _layer(buffer: Buffer, name: str | None, line: int) -> Layer | None:
    """The layer a finding names: the last definition of that name at or above its line, else the first."""
    written = [layer for r in buffer.results for layer in r.spec.layers if layer.name == name and layer.origin is None]
    above = [layer for layer in written if layer.line <= line]
    return above[-1] if above else (written[0] if written else None)


def _declared(buffer: Buffer, diagnostic: Diagnostic) -> Fix | None:
    """UC107: the declared shape replaced by the inferred one, in the file's own notation."""
    if diagnostic.code != "UC107":
        return None
    for _, entry in buffer.entries():
        layer = entry.layer
        if layer.name != diagnostic.layer or layer.line != diagnostic.line:
            continue
        for key, shape in (("in", entry.ins[0] if entry.ins else None), ("out", entry.out)):
            declared = layer.declared_in if key == "in" else layer.declared_out
            position = layer.key_lines.get(key)
            if declared is None or shape is None or position != (diagnostic.line, diagnostic.column):
                continue
            span = buffer.span_of(*position)
            sep = " x " if " x " in declared.text else "x"
            text = format_shape(shape, sep)
            if declared.channels is None and declared.size is not None:  # the author wrote sizes only
                text = sep.join(text.split(sep)[:-1])
            return Fix(f"Write the inferred shape {text}", (Edit(span, text),))
    return None


def _join(buffer: Buffer, diagnostic: Diagnostic) -> list[Fix | None]:
    """UC104: the crop or output_padding the finding's fix names, set on the layer it names."""
    fix = diagnostic.fix
    if diagnostic.code != "UC104" or buffer.is_note or fix is None or fix.layer is None:
        return []
    layer = _layer(buffer, fix.layer, diagnostic.line)
    title = "Add crop: center" if fix.key == "crop" else f"Give {fix.layer} {fix.key}: {fix.value}"
    return [_set(buffer, layer, fix.key, fix.value, title)]


def _input_size(buffer: Buffer, diagnostic: Diagnostic) -> list[Fix]:
    """A size finding whose hint offers the nearest valid inputs: the input's size set to the next valid one."""
    if "nearest valid input" not in diagnostic.hint or buffer.is_note or len(buffer.results) != 1:
        return []
    result = buffer.results[0]
    spec_input, validity = result.spec.input, result.validity
    if spec_input is None or validity is None or not all(isinstance(s, int) for s in spec_input.size):
        return []
    sizes = []
    for axis, value in zip(validity.axes, spec_input.size, strict=True):
        assert isinstance(value, int)
        if axis.contains(value):
            sizes.append(value)
            continue
        _, above = axis.nearest(value)
        if above is None:
            return []
        sizes.append(above)
    span = _input_size_span(buffer)
    if span is None:
        return []
    value = "[" + ", ".join(map(str, sizes)) + "]"
    return [Fix(f"Use the nearest valid input {'x'.join(map(str, sizes))}", (Edit(span, value),))]


_SIZE_KEY = re.compile(r"(?<![\w-])size\s*:\s*")


def _input_size_span(buffer: Buffer) -> Span | None:
    """Where the value of `input:`'s `size:` is written (flow `input: {…, size: […]}` or its own line)."""
    start = next((n for n, text in enumerate(buffer.lines) if text.startswith("input:")), None)
    if start is None:
        return None
    for row in range(start, min(start + 8, len(buffer.lines))):
        text = buffer.lines[row]
        if row > start and text and not text[0].isspace():
            return None  # the next top-level key: `input:` has no size here
        match = _SIZE_KEY.search(text)
        if match:
            return Span(row, match.end(), match.end() + value_length(text, match.end()))
    return None


def _set(buffer: Buffer, layer: Layer | None, key: str, value: str, title: str) -> Fix | None:
    """Set ``key: value`` on a layer's row: replace the value it has, or add the key to its mapping."""
    if layer is None:
        return None
    if key in layer.key_lines:
        span = buffer.span_of(*layer.key_lines[key])
        return Fix(title, (Edit(span, value),))
    row = layer.line - 1
    text = buffer.lines[row]
    opening = text.find("{")
    if opening >= 0:
        closing = opening + value_length(text, opening) - 1
        if closing < len(text) and text[closing] == "}":
            before = text[:closing].rstrip()
            return Fix(title, (Edit(Span(row, len(before), closing), f", {key}: {value}"),))
        return None
    indent = " " * (layer.column - 1)
    return Fix(title, (Edit(Span(row, len(text), len(text)), f"\n{indent}{key}: {value}"),))
