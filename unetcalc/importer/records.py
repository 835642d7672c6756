"""What a trace records, as plain data (no torch): the writer and the plans reader share it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Step:
    """One layer of the traced network: a spec op with its parameters and the tensors it reads."""

    op: str
    params: dict[str, Any]
    inputs: list[int]  # step indices of the tensors read, primary first; -1 is the network input
    module: str  # the module path that owns it ("" is the model itself)
    leaf: bool  # a whole module (named by its path) rather than an op inside one
    shape: tuple[int, ...]  # (N, C, *spatial) of the output
    # Size-dependent facts resolved once two traces are compared (resize/pad/crop sizes).
    sizes: dict[str, tuple[int, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Unsupported:
    """Something the spec language cannot say: where it is and what it is."""

    module: str
    what: str
    source: str  # "path/to/file.py:123", or "" when unknown


@dataclass(slots=True)
class Trace:
    input_shape: tuple[int, ...]
    steps: list[Step]
    outputs: list[int]  # step indices the model returns, in order (-1: the input itself)
    unsupported: list[Unsupported]
    stacked: bool = False  # the model returns them as one tensor, torch.stack(outputs, dim=1)

    def shape_of(self, index: int) -> tuple[int, ...]:
        return self.input_shape if index < 0 else self.steps[index].shape


class TraceError(Exception):
    """The model raised while running (at this input size): the caller decides what that means."""

    def __init__(self, message: str, exception: BaseException) -> None:
        super().__init__(message)
        self.exception = exception
