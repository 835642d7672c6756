"""Ops that keep the shape and act on each value: activations, dropout, identity."""

from __future__ import annotations

from unetcalc.ops.base import (
    Memory,
    ModuleCall,
    ModuleFunction,
    OpDef,
    ParamCount,
    Params,
    no_params,
    param,
    plain_label,
)
from unetcalc.shapes.step import same_shape
from unetcalc.spec.params import Param

MASK = 1  # bytes of one bool dropout mask element

INPLACE = param("bool", False)  # PyTorch's in-place activation (torchvision, smp and MONAI use it)


def _inplace(p: Params) -> tuple[tuple[str, object], ...]:
    return (("inplace", True),) if p.get("inplace") else ()


def _simple(ctor: str) -> ModuleFunction:
    """``nn.<ctor>()``, in place when the layer says so."""

    def call(p: Params, _in_channels: int, _rank: int) -> ModuleCall:
        return ModuleCall(f"nn.{ctor}", (), _inplace(p))

    return call


def _activation(
    name: str,
    summary: str,
    memory: Memory,
    module: ModuleFunction,
    params: dict[str, Param] | None = None,
    torch_classes: tuple[str, ...] = (),
    note_words: tuple[str, ...] = (),
    param_count: ParamCount = no_params,
) -> OpDef:
    """A pointwise op (activation, dropout, identity): the shape of its input, no weights unless counted."""
    return OpDef(
        name=name,
        family="pointwise",
        summary=summary,
        params=params or {},
        shape=same_shape,
        param_count=param_count,
        macs="none",
        memory=memory,
        module=module,
        label=plain_label,
        keeps_shape=True,
        taps="pointwise",
        torch_classes=torch_classes,
        note_words=note_words,
    )


# ReLU, sigmoid, tanh and softmax keep their output for backward; leaky ReLU, ELU, GELU, SiLU and PReLU
# their input. relu_, leaky_relu_ and elu_ keep their result, the input's storage; silu_ keeps a copy.
KEEPS_OUTPUT = Memory(saves_input=False, saves_output=True)
KEEPS_INPUT = Memory(saves_input=True)

RELU = _activation(
    "relu",
    "ReLU (nn.ReLU).",
    Memory(saves_input=False, saves_output=True, inplace_keeps_output=True),
    _simple("ReLU"),
    {"inplace": INPLACE},
    ("ReLU",),
    ("re lu",),
)
LEAKYRELU = _activation(
    "leakyrelu",
    "Leaky ReLU (nn.LeakyReLU) with `negative_slope`.",
    Memory(saves_input=True, inplace_keeps_output=True),
    lambda p, c, rank: ModuleCall("nn.LeakyReLU", (), (("negative_slope", p["negative_slope"]), *_inplace(p))),
    {"negative_slope": param("number", 0.01), "inplace": INPLACE},
    note_words=("leaky relu", "lrelu"),
)
ELU = _activation(
    "elu",
    "ELU (nn.ELU) with `alpha`.",
    Memory(saves_input=True, inplace_keeps_output=True),
    lambda p, c, rank: ModuleCall("nn.ELU", (), (("alpha", p["alpha"]), *_inplace(p))),
    {"alpha": param("number", 1.0), "inplace": INPLACE},
)
GELU = _activation("gelu", "GELU (nn.GELU, exact).", KEEPS_INPUT, _simple("GELU"), torch_classes=("GELU",))
SILU = _activation(
    "silu", "SiLU / swish (nn.SiLU).", KEEPS_INPUT, _simple("SiLU"), {"inplace": INPLACE}, ("SiLU",), ("swish",)
)
HARDSWISH = _activation(
    "hardswish",
    "Hard swish (nn.Hardswish), MobileNetV3's cheap swish.",
    KEEPS_INPUT,
    _simple("Hardswish"),
    {"inplace": INPLACE},
    ("Hardswish",),
    ("hard swish",),
)
SIGMOID = _activation("sigmoid", "Sigmoid (nn.Sigmoid).", KEEPS_OUTPUT, _simple("Sigmoid"), torch_classes=("Sigmoid",))
TANH = _activation("tanh", "Tanh (nn.Tanh).", KEEPS_OUTPUT, _simple("Tanh"), torch_classes=("Tanh",))
SOFTMAX = _activation(
    "softmax",
    "Softmax over the channels (nn.Softmax(dim=1)).",
    Memory(saves_input=False, saves_output=True, autocast="float32"),
    lambda p, c, rank: ModuleCall("nn.Softmax", (), (("dim", 1),)),
)
IDENTITY = _activation(
    "identity",
    "The input itself (nn.Identity): a name for a tensor, or a placeholder.",
    Memory(saves_input=False, alias=True, shares_grad=True),
    _simple("Identity"),
    torch_classes=("Identity",),
)


def _prelu_weights(p: Params, in_channels: int) -> int:
    return in_channels if p["num_parameters"] == "channels" else 1


PRELU = _activation(
    "prelu",
    "PReLU (nn.PReLU): one learned slope, or one per channel (`num_parameters: channels`).",
    KEEPS_INPUT,
    lambda p, c, rank: ModuleCall("nn.PReLU", (), (("num_parameters", _prelu_weights(p, c)),)),
    {"num_parameters": param("prelu_count", 1)},
    param_count=_prelu_weights,
)
# A one-byte mask per element; at p = 0 and in eval ATen returns the input itself (no mask, no copy).
DROPOUT = _activation(
    "dropout",
    "Dropout (nn.Dropout) with probability `p`; the identity in eval.",
    Memory(saves_input=False, extra_saved_bytes=MASK, identity_when_idle=True),
    lambda p, c, rank: ModuleCall("nn.Dropout", (), (("p", p["p"]),)),
    {"p": param("probability", 0.5)},
)

DEFINITIONS = (DROPOUT, RELU, PRELU, LEAKYRELU, ELU, GELU, SILU, HARDSWISH, SIGMOID, TANH, SOFTMAX, IDENTITY)
