"""Spec v1's operations and their parameters: the single source of truth.

The parser validates against this table, the shape rules read the resolved
parameters, and `unetcalc schema` (later) can be generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Param:
    kind: str  # see spec/params.py for the kinds
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] = ()
    default_from: str | None = None  # no default of its own: takes this other parameter's value


def _p(
    kind: str,
    default: Any = None,
    *,
    required: bool = False,
    choices: tuple[str, ...] = (),
    default_from: str | None = None,
) -> Param:
    return Param(kind, default, required, choices, default_from)


# Keys every layer takes, whatever its op.
COMMON_KEYS = ("op", "name", "from", "in", "out", "run")

_CONV = {
    "filters": _p("count", required=True),
    "kernel": _p("axes_pos", 3),
    "stride": _p("axes_pos", 1),
    "padding": _p("conv_padding", "valid"),
    "dilation": _p("axes_pos", 1),
    "groups": _p("count", 1),
    "bias": _p("bool", True),
}
_UPCONV = {
    "filters": _p("count", required=True),
    "kernel": _p("axes_pos", 2),
    "stride": _p("axes_pos", default_from="kernel"),
    "padding": _p("axes_nonneg", 0),
    "output_padding": _p("axes_nonneg", 0),
    "dilation": _p("axes_pos", 1),
    "groups": _p("count", 1),
    "bias": _p("bool", True),
}
_POOL = {
    "kernel": _p("axes_pos", 2),
    "stride": _p("axes_pos", default_from="kernel"),
    "padding": _p("axes_nonneg", 0),
    "ceil_mode": _p("bool", False),
}
_SKIP = {
    "with": _p("refs", required=True),
    "crop": _p("choice", "none", choices=("none", "center")),
}

OPS: dict[str, dict[str, Param]] = {
    "conv": _CONV,
    "upconv": _UPCONV,
    "maxpool": {**_POOL, "dilation": _p("axes_pos", 1)},
    "avgpool": {**_POOL, "count_include_pad": _p("bool", True)},
    "upsample": {
        "scale": _p("axes_scale", 2),
        "mode": _p("choice", "nearest", choices=("nearest", "bilinear", "trilinear", "bicubic")),
        "align_corners": _p("bool", None),
    },
    "concat": dict(_SKIP),
    "add": dict(_SKIP),
    "multiply": dict(_SKIP),
    "crop": {"to": _p("ref"), "size": _p("size"), "offset": _p("axes_nonneg")},
    "pad": {
        "padding": _p("pad_sides"),
        "to": _p("ref"),
        "mode": _p("choice", "constant", choices=("constant", "zeros", "reflect", "replicate", "circular")),
        "value": _p("number", 0),
    },
    "resize": {
        "size": _p("size"),
        "scale": _p("axes_scale"),
        "to": _p("ref"),
        "mode": _p("choice", "nearest", choices=("nearest", "linear", "bilinear", "bicubic", "trilinear")),
        "align_corners": _p("bool", None),
    },
    "batchnorm": {"eps": _p("positive", 1e-5), "momentum": _p("probability", 0.1), "affine": _p("bool", True)},
    # PyTorch's InstanceNorm defaults: no affine parameters, no running statistics.
    "instancenorm": {
        "eps": _p("positive", 1e-5),
        "affine": _p("bool", False),
        "track_running_stats": _p("bool", False),
    },
    "groupnorm": {"groups": _p("count", required=True), "eps": _p("positive", 1e-5), "affine": _p("bool", True)},
    "layernorm": {"eps": _p("positive", 1e-5), "affine": _p("bool", True)},
    "dropout": {"p": _p("probability", 0.5)},
    # `inplace`: PyTorch's in-place activation (torchvision, smp and MONAI use it); same values.
    "relu": {"inplace": _p("bool", False)},
    "prelu": {"num_parameters": _p("prelu_count", 1)},
    "leakyrelu": {"negative_slope": _p("number", 0.01), "inplace": _p("bool", False)},
    "elu": {"alpha": _p("number", 1.0), "inplace": _p("bool", False)},
    "gelu": {},
    "silu": {"inplace": _p("bool", False)},
    "sigmoid": {},
    "tanh": {},
    "softmax": {},
    "identity": {},
    "linear": {"features": _p("count", required=True), "bias": _p("bool", True)},
}

ALIASES = {"convtranspose": "upconv", "interpolate": "resize", "mul": "multiply"}

UPSAMPLING_OPS = frozenset({"upconv", "upsample"})


def canonical_op(name: str) -> str | None:
    name = ALIASES.get(name, name)
    return name if name in OPS else None


def all_op_names() -> list[str]:
    return sorted([*OPS, *ALIASES])


# Ops whose output has their input's shape (channels and sizes): a hint or a drawing may look through them.
SHAPE_KEEPING_OPS = frozenset(
    (
        "batchnorm", "instancenorm", "groupnorm", "layernorm", "dropout", "relu", "prelu", "leakyrelu", "elu",
        "gelu", "silu", "sigmoid", "tanh", "softmax", "identity",
    )
)  # fmt: skip
