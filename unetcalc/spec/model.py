"""The parsed spec: plain data, no formatting, no inference."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unetcalc.findings.diagnostic import Diagnostic


@dataclass(frozen=True, slots=True)
class DeclaredShape:
    """A shape written by the author; ``None`` entries mean ``?`` (anything)."""

    channels: int | None
    size: tuple[int | None, ...] | None
    text: str


@dataclass(slots=True)
class InputSpec:
    channels: int
    size: tuple[int | str, ...]  # a str entry is a symbol
    # `multiple_of` per axis: sizes the model itself refuses unless divisible (smp checks `H % 32` in
    # Python before running); () when the spec states none.
    multiple_of: tuple[int, ...] = ()
    multiple_of_pos: tuple[int, int] = (0, 0)  # line and column of `multiple_of`, for findings

    @property
    def rank(self) -> int:
        return len(self.size)


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a layer expanded from a block comes from: the block instance and the row of its use."""

    instance: str  # "layer3.2"
    block: str  # "basic_block"
    use: tuple[int, int]  # line and column of the `- {block: …}` row (the outermost one for nested blocks)


@dataclass(slots=True)
class Layer:
    index: int
    op: str  # canonical op name, or the unknown name when ``valid`` is False
    name: str
    line: int
    column: int
    params: dict[str, Any] = field(default_factory=dict)
    source: str = "input"  # the tensor this layer reads (``from``)
    refs: tuple[str, ...] = ()  # ``with`` tensors, or the ``to`` tensor of a crop
    declared_in: DeclaredShape | None = None
    declared_out: DeclaredShape | None = None
    key_lines: dict[str, tuple[int, int]] = field(default_factory=dict)
    explicit_name: bool = False
    valid: bool = True  # False when the op or a parameter could not be read
    id: str = ""  # unique key: the name, or name@line for a duplicate (reported as UC006)
    defaulted: set[str] = field(default_factory=set)  # parameters that came from `defaults`
    origin: Origin | None = None  # set for layers that a block use expanded into
    runs: bool = True  # `run: false`: built and counted, never run (a head kept for training only)

    def __post_init__(self) -> None:
        self.id = self.id or self.name

    def where(self, key: str | None = None) -> tuple[int, int]:
        """Line and column of ``key`` in this layer, or of the layer itself."""
        if key is not None and key in self.key_lines:
            return self.key_lines[key]
        return self.line, self.column

    @property
    def inputs(self) -> tuple[str, ...]:
        """Every tensor this layer reads, primary first."""
        return (self.source, *self.refs)


@dataclass(slots=True)
class Spec:
    path: str
    name: str
    input: InputSpec | None
    layers: list[Layer]
    diagnostics: list[Diagnostic]
    text: str = ""  # the source, for inline suppressions
    expanded: dict[str, Any] | None = None  # a v2 spec's document after blocks and templates expanded
    # `outputs:` (spec v2, deep supervision): the tensors the network returns, in order, with their
    # positions in the file; empty: the last layer is the one output.
    outputs: tuple[tuple[str, tuple[int, int]], ...] = ()
    # `outputs: {stack: [...]}`: the network returns them as one tensor, torch.stack(outputs, dim=1), as
    # MONAI's DynUNet does in training with deep supervision (the heads resized to the output's size).
    outputs_stacked: bool = False
    # A markdown table's Filters column on rows that are not convs: (layer, channels, cell) to compare
    # with the channels the layer outputs.
    expected_channels: tuple[tuple[str, int, tuple[int, int]], ...] = ()
    # How a note's table was read where its columns left a choice (said once, beside "read 1 layer table").
    readings: tuple[str, ...] = ()

    @property
    def stem(self) -> str:
        return Path(self.path).stem
