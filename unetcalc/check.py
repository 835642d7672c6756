"""The library entry point: a spec file or text in, a CheckResult out."""

from __future__ import annotations

import bisect
import dataclasses
import os
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from unetcalc import collector
from unetcalc.analysis.declared import check_declared
from unetcalc.analysis.design import design_findings
from unetcalc.analysis.hints import nearest_hint
from unetcalc.findings.config import Config
from unetcalc.findings.diagnostic import Diagnostic, Severity
from unetcalc.findings.suppress import apply_suppressions
from unetcalc.shapes.infer import Inference, axis_names, infer, input_shape
from unetcalc.shapes.rules import INPUT_NOT_MULTIPLE, SKIP_SIZE_MISMATCH
from unetcalc.shapes.shape import format_shape
from unetcalc.shapes.validity import Validity, require_multiples, solve_validity
from unetcalc.spec.graph import Graph, build_graph
from unetcalc.spec.model import InputSpec, Spec
from unetcalc.spec.parse import MAX_SPEC_BYTES, SYMBOL, parse_bytes, parse_text
from unetcalc.spec.shapetext import split_shape, whole_number


class SpecFileError(Exception):
    """The file could not be read at all (missing, a directory, no permission): exit 2."""


class InputOptionError(ValueError):
    """``--input`` could not be read or does not fit the spec: exit 2."""


class Analysis(NamedTuple):
    """What a spec that has an input and layers yields: all four together, never one without the others."""

    input: InputSpec  # the input checked (the spec's, or --input's)
    graph: Graph
    validity: Validity
    inference: Inference


@dataclass(slots=True)
class CheckResult:
    spec: Spec
    analysis: Analysis | None = None  # None: the spec has no readable input or layers
    diagnostics: list[Diagnostic] = field(default_factory=list)
    input_overridden: bool = False

    # Shortcuts into the analysis (None when there is none).
    @property
    def input(self) -> InputSpec | None:
        return self.analysis.input if self.analysis else None

    @property
    def graph(self) -> Graph | None:
        return self.analysis.graph if self.analysis else None

    def spec_outputs(self) -> list[str]:
        """The layer ids the network returns (`outputs:`, else the last layer)."""
        return self.analysis.graph.output_ids if self.analysis else []

    @property
    def validity(self) -> Validity | None:
        return self.analysis.validity if self.analysis else None

    @property
    def inference(self) -> Inference | None:
        return self.analysis.inference if self.analysis else None

    @property
    def path(self) -> str:
        return self.spec.path

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity is Severity.WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    def findings_by_layer(self) -> dict[str, list[Diagnostic]]:
        """Findings keyed by layer id (a finding names a layer; with duplicate names, the one above it)."""
        by_name: dict[str, list[tuple[int, str]]] = {}  # name → (line, id) in file order: one pass, not one per finding
        for layer in self.spec.layers:
            by_name.setdefault(layer.name, []).append((layer.line, layer.id))
        for lines in by_name.values():
            lines.sort()
        by_id: dict[str, list[Diagnostic]] = {}
        for d in self.diagnostics:
            found = by_name.get(d.layer or "")
            if not found:
                continue
            at = bisect.bisect_right(found, (d.line, "\uffff"))  # the last definition at or above the finding
            if at:
                by_id.setdefault(found[at - 1][1], []).append(d)
        return by_id

    def layers_ok(self) -> bool:
        """Every layer parsed and was inferred (no unknown op, bad parameter or broken reference)."""
        if self.inference is None or self.graph is None or self.graph.broken:
            return False
        return all(entry.layer.valid for entry in self.inference.layers)


def parse_input_option(text: str) -> tuple[int | str, ...]:
    """Read ``--input 254x254`` (symbols allowed: ``HxW``, ``H x 256``; channels may follow: ``572x572x1``)."""
    parts = split_shape(text.replace(",", "x"))
    sizes: list[int | str] = []
    for part in parts:
        number = whole_number(part)
        if number is not None and number >= 1:
            sizes.append(number)
        elif SYMBOL.match(part):
            sizes.append(part)
        else:
            raise InputOptionError(
                f"--input {text!r}: `{part}` is neither a size nor a symbol; write the spatial sizes in digits "
                "or as symbols, separated by x, optionally followed by the channels: 572x572, HxW, 572x572x1"
            )
    if not 1 <= len(sizes) <= 4:
        raise InputOptionError(f"--input {text!r} must have 1 to 3 spatial sizes (then optionally the channels)")
    return tuple(sizes)


STDIN = "-"  # as a path: read the spec from standard input (shown as <stdin>)


def read_spec(path: str | Path) -> Spec:
    if str(path) == STDIN:
        data = sys.stdin.buffer.read(MAX_SPEC_BYTES + 1)
        with collector.paused():
            return parse_bytes(data, "<stdin>")
    data = read_bounded(Path(path))
    with collector.paused():
        return parse_bytes(data, str(path))


def read_bounded(path: Path) -> bytes:
    """A spec's or note's bytes, at most one past the size limit (/dev/zero never ends). A FIFO is opened
    without waiting: with nothing writing to it, it is refused instead of blocking the run for ever."""
    if not path.exists():
        raise SpecFileError(f"{path}: no such file")
    if path.is_dir():
        raise SpecFileError(f"{path}: is a directory, not a spec file")
    try:
        if stat.S_ISFIFO(path.stat().st_mode):
            return _read_fifo(path)
        with path.open("rb") as handle:
            return handle.read(MAX_SPEC_BYTES + 1)
    except OSError as exc:
        raise SpecFileError(f"{path}: cannot read it ({exc.strerror})") from None


def _read_fifo(path: Path) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # returns at once, writer or not
    try:
        try:
            first = os.read(fd, 65536)
        except BlockingIOError:  # a writer is there and has not written yet: wait for it
            first = b""
        else:
            if not first:
                raise SpecFileError(f"{path}: is a FIFO with nothing writing to it; nothing to read")
        os.set_blocking(fd, True)
        chunks, size = [first], len(first)
        while size <= MAX_SPEC_BYTES and (chunk := os.read(fd, 1 << 20)):
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)[: MAX_SPEC_BYTES + 1]
    finally:
        os.close(fd)


def check_file(
    path: str | Path,
    input_size: tuple[int | str, ...] | None = None,
    config: Config | None = None,
    documents: bool = False,
) -> CheckResult:
    """Check one spec file (a markdown note: its first layer table). Raises SpecFileError only when the
    file cannot be read, or a note has no layer table. ``documents``: keep a note's spec document."""
    if str(path).lower().endswith((".md", ".markdown")):
        results, _ = check_note(path, input_size, config, documents)
        if not results:
            raise SpecFileError(f"{path}: no layer table (a markdown table with an Operation column)")
        return results[0]
    return check_spec(read_spec(path), input_size, config)


def check_text(
    text: str, path: str = "<spec>", input_size: tuple[int | str, ...] | None = None, config: Config | None = None
) -> CheckResult:
    with collector.paused():
        spec = parse_text(text, path)
    return check_spec(spec, input_size, config)


def check_spec(
    spec: Spec, input_size: tuple[int | str, ...] | None = None, config: Config | None = None
) -> CheckResult:
    """Parse findings, graph, shapes, valid inputs, declared shapes and design, sorted by line.

    Inline `# unetcalc: ignore[...]` comments and ``config`` (select/ignore/severity) are applied last.
    """
    with collector.paused():
        result = _analyse(spec, input_size)
    layer_lines: dict[str, list[int]] = {}
    for layer in spec.layers:
        layer_lines.setdefault(layer.name, []).append(layer.line)
    result.diagnostics = apply_suppressions(spec.path, spec.text, result.diagnostics, layer_lines)
    if config is not None:
        result.diagnostics = config.apply(result.diagnostics)
    return _sorted(result)


def _analyse(spec: Spec, input_size: tuple[int | str, ...] | None) -> CheckResult:
    result = CheckResult(spec, diagnostics=list(spec.diagnostics))
    if spec.input is None or not spec.layers:
        return result
    spec_input = spec.input
    if input_size is not None:
        if len(input_size) == spec_input.rank + 1 and isinstance(input_size[-1], int):  # sizes, then channels
            if input_size[-1] != spec_input.channels:
                raise InputOptionError(
                    f"--input gives {input_size[-1]} channels but {spec.path} takes {spec_input.channels}; "
                    "--input sets the spatial size only"
                )
            input_size = input_size[:-1]
        if len(input_size) != spec_input.rank:
            example = "x".join(["256"] * spec_input.rank)
            raise InputOptionError(
                f"--input has {len(input_size)} sizes but {spec.path} is a {spec_input.rank}D network: "
                f"write {example} (or {example}x{spec_input.channels} with the channels)"
            )
        result.input_overridden = tuple(input_size) != spec_input.size
        spec_input = InputSpec(
            spec_input.channels, tuple(input_size), spec_input.multiple_of, spec_input.multiple_of_pos
        )
    graph = build_graph(spec)
    result.diagnostics += graph.diagnostics
    # Axes are named by the spec's symbols (`[X, Y, Z]`) whatever size --input gives, or by its own.
    named = tuple(o if isinstance(o, str) else s for o, s in zip(spec_input.size, spec.input.size, strict=True))
    validity = _validity(spec, graph, spec_input, named)
    start = input_shape(spec_input.channels, spec_input.size)
    if all(isinstance(s, str) for s in spec_input.size) and validity.inference.input == start:
        inference = validity.inference  # a symbolic input: the valid-set pass is this very pass
    else:
        inference = infer(graph, start, spec.path, nearest_hint(spec_input, validity), names=axis_names(named))
    result.analysis = Analysis(spec_input, graph, validity, inference)
    result.diagnostics += inference.diagnostics
    # Declared sizes were written for the spec's own input; with another one only channels are checked.
    declared = check_declared(graph, start, spec.path, check_sizes=not result.input_overridden)
    filters, declared = _one_belief(spec, graph, inference, _filters_column(spec, inference), declared)
    result.diagnostics += declared
    result.diagnostics += design_findings(graph, validity, spec.path)
    result.diagnostics += filters
    result.diagnostics += _multiple_of_findings(spec, spec_input, validity, named)
    result.diagnostics += _stacked_output_findings(spec, graph, inference)
    return result


def _stacked_output_findings(spec: Spec, graph: Graph, inference: Inference) -> list[Diagnostic]:
    """`outputs: {stack: [...]}`: torch.stack needs every tensor of one shape; the first that differs from
    the first output is the finding (the others name the same mistake)."""
    if not spec.outputs_stacked or len(graph.outputs) != len(spec.outputs):
        return []
    first, *others = [(name, inference.tensors.get(name), where) for name, where in spec.outputs]
    if first[1] is None:
        return []
    for name, shape, (line, column) in others:
        if shape is not None and (shape.channels, shape.size) != (first[1].channels, first[1].size):
            message = SKIP_SIZE_MISMATCH.says(
                "stack", first=first[0], first_shape=format_shape(first[1]), other=name, shape=format_shape(shape)
            )
            hint = (
                f"resize `{name}` to `{first[0]}` (`{{op: resize, to: {first[0]}}}`), as DynUNet interpolates its heads"
            )
            if shape.channels != first[1].channels:
                hint = f"give `{name}`'s head the {first[1].channels} channels of `{first[0]}`"
            return [
                SKIP_SIZE_MISMATCH.finding(message, hint=hint, file=spec.path, line=line, column=column, layer=name)
            ]
    return []


def _multiple_of_findings(
    spec: Spec, spec_input: InputSpec, validity: Validity, named: tuple[int | str, ...]
) -> list[Diagnostic]:
    """A concrete input size that `input.multiple_of` rules out: one finding for the input."""
    wrong = [
        (axis, size, multiple)
        for axis, (size, multiple) in enumerate(zip(spec_input.size, spec_input.multiple_of, strict=False))
        if isinstance(size, int) and size % multiple
    ]
    if not wrong:
        return []
    names = axis_names(named)
    listed = ", ".join(f"{names[axis]} = {size} is not a multiple of {multiple}" for axis, size, multiple in wrong)
    line, column = spec_input.multiple_of_pos
    return [
        INPUT_NOT_MULTIPLE.finding(
            INPUT_NOT_MULTIPLE.says("input", wrong=listed),
            hint=nearest_hint(spec_input, validity)([axis for axis, _, _ in wrong]),
            file=spec.path,
            line=line,
            column=column,
        )
    ]


def _filters_column(spec: Spec, inference: Inference) -> list[Diagnostic]:
    """A note's Filters column on a relu or pool row states the channels it outputs: check them."""
    from unetcalc.analysis.declared import DECLARED_SHAPE_MISMATCH

    findings = []
    ids = {(layer.name, layer.line): layer.id for layer in spec.layers}  # a duplicate name has its own id
    for name, channels, (line, column) in spec.expected_channels:
        shape = inference.tensors.get(ids.get((name, line), name))
        if shape is not None and shape.channels != channels:
            findings.append(
                DECLARED_SHAPE_MISMATCH.finding(
                    DECLARED_SHAPE_MISMATCH.says("filters", layer=name, declared=channels, channels=shape.channels),
                    hint=f"write {shape.channels} in the Filters column",
                    file=spec.path,
                    line=line,
                    column=column,
                    layer=name,
                )
            )
    return findings


def _one_belief(
    spec: Spec, graph: Graph, inference: Inference, filters: list[Diagnostic], declared: list[Diagnostic]
) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """A wrong Filters cell and the same wrong channel count in the next row's input cell are one mistaken
    belief: one finding, at the first cell, whose hint names both cells (one mistake, one finding)."""
    from unetcalc.analysis.declared import DECLARED_SHAPE_MISMATCH

    layers = {(layer.name, layer.line): layer for layer in graph.layers}
    by_id = {layer.id: layer for layer in graph.layers}
    cells = {(name, position): channels for name, channels, position in spec.expected_channels}
    merged = []
    for finding in filters:
        layer = layers.get((finding.layer or "", finding.line))
        shape = inference.tensors.get(layer.id) if layer is not None else None
        listed = cells.get((finding.layer or "", (finding.line, finding.column)))
        follow = None
        if layer is not None and shape is not None and listed is not None:
            for reader_id in graph.readers.get(layer.id, []):
                reader = by_id[reader_id]
                believed = reader.declared_in
                if reader.source == layer.id and believed is not None and believed.channels == listed:
                    line = reader.where("in")[0]
                    follow = next(
                        (d for d in declared if d.code == finding.code and d.layer == reader.name and d.line == line),
                        None,
                    )
                    if follow is not None:
                        declared = [d for d in declared if d is not follow]
                        merged.append(
                            dataclasses.replace(
                                finding,
                                message=DECLARED_SHAPE_MISMATCH.says(
                                    "filters-and-next-row",
                                    layer=layer.name,
                                    declared=listed,
                                    channels=shape.channels,
                                    reader=reader.name,
                                    line=line,
                                ),
                                hint=f"write {shape.channels} in the Filters column here and "
                                f"`{format_shape(shape)}` in {reader.name}'s input cell; shapes and parameters are "
                                f"computed from the {shape.channels} channels {layer.name} outputs, the declared "
                                "shapes below as the table has them",
                            )
                        )
                    break
        if follow is None:
            merged.append(finding)
    return merged, declared


def check_note(
    path: str | Path,
    input_size: tuple[int | str, ...] | None = None,
    config: Config | None = None,
    documents: bool = False,
) -> tuple[list[CheckResult], int]:
    """Check every layer table of a markdown note; also how many other tables it has. ``documents``:
    keep each table's spec document (``spec.expanded``), for `convert` and `expand`."""
    try:
        text = read_bounded(Path(path)).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpecFileError(f"{path}: cannot read it ({exc})") from None
    return check_note_text(text, str(path), input_size, config, documents)


def check_note_text(
    text: str,
    path: str = "<note>",
    input_size: tuple[int | str, ...] | None = None,
    config: Config | None = None,
    documents: bool = False,
) -> tuple[list[CheckResult], int]:
    """``check_note`` on a note's text (an editor's unsaved buffer)."""
    from unetcalc.spec.parse import parse_note

    specs, skipped = parse_note(text, path, documents)
    results = [check_spec(spec, input_size, config) for spec in specs]
    for result in results:  # a note's author edits cells, not `in:` keys
        result.diagnostics = [d.for_note() for d in result.diagnostics]
    return results, skipped


# The valid set depends only on the spec's text and symbols, not on a concrete `--input`: checking one
# spec at many sizes (`--verify`, a differential run, an editor) solves it once.
_VALIDITY_CACHE: dict[tuple[str, str, int, tuple[str, ...]], Validity] = {}
_VALIDITY_CACHE_SIZE = 8


def _validity(spec: Spec, graph: Graph, spec_input: InputSpec, named: tuple[int | str, ...]) -> Validity:
    symbols = tuple(s if isinstance(s, str) else "" for s in named)
    key = (spec.text, spec.path, spec_input.channels, symbols)
    cached = _VALIDITY_CACHE.get(key) if spec.text else None
    if cached is None:
        cached = solve_validity(graph, spec_input.channels, spec_input.rank, spec.path, named)
        if spec.text:
            if len(_VALIDITY_CACHE) >= _VALIDITY_CACHE_SIZE:
                _VALIDITY_CACHE.pop(next(iter(_VALIDITY_CACHE)))
            _VALIDITY_CACHE[key] = cached
    # Callers may replace axes; the cache keeps its own.
    return require_multiples(Validity(list(cached.axes), cached.inference), spec_input.multiple_of)


def _sorted(result: CheckResult) -> CheckResult:
    result.diagnostics.sort(key=lambda d: (d.line, d.column, d.code))
    return result
