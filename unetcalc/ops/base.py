"""What an op definition holds: ``OpDef`` and the plain data it is made of.

An op is defined once (unetcalc/ops/<family>.py), as ONNX keeps an op's attributes, documentation and
shape inference in one schema; every stage reads that definition. Nothing here imports torch.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from unetcalc.spec.params import Param

if TYPE_CHECKING:
    from unetcalc.shapes.shape import Shape
    from unetcalc.shapes.step import Step
    from unetcalc.spec.model import Layer

# Keys every layer takes, whatever its op.
COMMON_KEYS = ("op", "name", "from", "in", "out", "run")

Params = Mapping[str, Any]


def param(
    kind: str,
    default: Any = None,
    *,
    required: bool = False,
    choices: tuple[str, ...] = (),
    default_from: str | None = None,
) -> Param:
    return Param(kind, default, required, choices, default_from)


@dataclass(frozen=True, slots=True)
class ModuleCall:
    """``ctor(*args, **kwargs)``; ctor is ``nn.<Name>`` or a class of unetcalc.torch.modules."""

    ctor: str
    args: tuple[object, ...] = ()
    kwargs: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True, slots=True)
class Memory:
    """What PyTorch keeps for backward and allocates, per ATen's autograd formulas and autocast's op lists."""

    saves_input: bool  # the (possibly cast) input tensor is kept for backward
    saves_output: bool = False
    extra_saved_bytes: int = 0  # bytes per output element kept besides input/output (indices, masks)
    # Under autocast: "compute" casts the input to the compute precision (convs), "float32" runs in float32.
    autocast: Literal["compute", "float32"] | None = None
    alias: bool = False  # the output is a view of (or is) the input
    shares_grad: bool = False  # backward hands the output's gradient on without a new tensor
    inplace_keeps_output: bool = False  # the in-place form (relu_) keeps its result, the input's storage
    # A pad keeps its input in these modes only (reflect/replicate/circular read it back in backward).
    saves_input_in_modes: tuple[str, ...] = ()
    identity_when_idle: bool = False  # dropout: the input itself at p = 0 and in eval (no mask, no copy)


# How the op reads its input on one axis, for the receptive field and tiling (tiling/geometry.py).
Taps = Literal["window", "transposed", "resampling", "shift", "join", "pointwise"]
# How the op's multiply-adds are counted: none, its weights at every output position, or (a transposed
# conv, the true count) at every input position.
Macs = Literal["none", "per_output", "per_input"]

ShapeFunction = Callable[["Step"], "Shape | None"]
ParamCount = Callable[[Params, int], int]  # (parameters, input channels) → weights
ModuleFunction = Callable[[Params, int, int], ModuleCall]  # (parameters, input channels, rank)
LabelFunction = Callable[["Layer", int], str]  # (layer, rank) → `conv 3×3`
# Checks between one layer's parameters that PyTorch makes when it builds or runs the module:
# (parameters, rank) → (message, the key it is about, hint) or None.
ParamCheck = Callable[[Params, "int | None"], "tuple[str, str, str] | None"]


@dataclass(frozen=True, slots=True)
class ExactlyOneOf:
    """Parameters of which a layer must give exactly one (a `to` names a tensor whose size it takes)."""

    keys: tuple[str, ...]
    example: str


@dataclass(frozen=True, slots=True, kw_only=True)
class OpDef:
    """Everything unetcalc knows about one op. A field left out is a type error, not a runtime test."""

    name: str
    family: str
    summary: str  # one line: the schema's description, hovers, the ops reference
    params: Mapping[str, Param]
    shape: ShapeFunction
    param_count: ParamCount
    macs: Macs
    memory: Memory
    module: ModuleFunction
    label: LabelFunction
    keeps_shape: bool  # output = input shape (channels and sizes): hints and drawings look through it
    taps: Taps
    aliases: tuple[str, ...] = ()
    checks: tuple[ParamCheck, ...] = ()
    exactly_one_of: ExactlyOneOf | None = None
    joins: bool = False  # reads the tensors named by `with` besides its input
    upsamples: bool = False  # an upsampling step of a decoder (design rules read it)
    spatial_statistics: bool = False  # normalises over the spatial axes (a tile changes its result)
    # PyTorch classes that are this op with no parameter but `inplace` (the importer reads them whole).
    torch_classes: tuple[str, ...] = ()
    # What design notes write for it besides its name (`BN`, `Leaky ReLU`): an operation cell of one of
    # these words is this op with its defaults (spec/note_ops.py).
    note_words: tuple[str, ...] = ()


def no_params(_params: Params, _in_channels: int) -> int:
    return 0


def plain_label(layer: Layer, _rank: int) -> str:
    return layer.op


def axes_text(value: object) -> str:
    """``3`` for (3, 3), ``3×1`` for (3, 1): a per-axis value as a label shows it."""
    if isinstance(value, tuple):
        if len(set(value)) == 1:
            value = value[0]
        else:
            return "×".join(str(v) for v in value)
    return f"{value}"


def window_text(value: object, rank: int) -> str:
    """``3×3`` for a kernel of 3 in 2D."""
    single = axes_text(value)
    return single if "×" in single else "×".join([single] * rank)


def one_or_all(value: object) -> object:
    """A per-axis tuple as PyTorch takes it: one number when all axes agree."""
    if isinstance(value, tuple) and len(set(value)) == 1:
        return value[0]
    return value
