"""Every op unetcalc knows, by name: the one list the stages read (parser, shapes, memory, torch, draw, import).

Adding an op: define it in its family's module (or a new one imported here), add its rule case
(unetcalc/data/rules/), and name it in docs/spec-format.md. See README "Adding an op".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from unetcalc.ops import conv, geometry, join, norm, pointwise, pool, resample
from unetcalc.ops.base import OpDef
from unetcalc.spec.params import Param

if TYPE_CHECKING:
    from unetcalc.spec.model import Layer

_BY_FAMILY = {family.__name__: family.DEFINITIONS for family in (conv, pool, resample, join, geometry, norm, pointwise)}
_ORDER = (  # the order ops are listed in (the JSON Schema, hints): spec v1's, kept
    "conv", "upconv", "maxpool", "avgpool", "upsample", "concat", "add", "multiply", "crop", "pad", "resize",
    "batchnorm", "instancenorm", "groupnorm", "layernorm", "dropout", "relu", "prelu", "leakyrelu", "elu", "gelu",
    "silu", "sigmoid", "tanh", "softmax", "identity", "linear",
)  # fmt: skip


def _ordered() -> dict[str, OpDef]:
    found = {op.name: op for definitions in _BY_FAMILY.values() for op in definitions}
    ordered = {name: found.pop(name) for name in _ORDER if name in found}
    return {**ordered, **found}  # an op defined since is listed after spec v1's


DEFINITIONS: Mapping[str, OpDef] = _ordered()
# Each op's parameters, by op name (what the parser validates against).
OPS: Mapping[str, Mapping[str, Param]] = {name: op.params for name, op in DEFINITIONS.items()}
ALIASES: Mapping[str, str] = {alias: op.name for op in DEFINITIONS.values() for alias in op.aliases}


def canonical_op(name: str) -> str | None:
    name = ALIASES.get(name, name)
    return name if name in DEFINITIONS else None


def definition(op: str) -> OpDef:
    """The definition of ``op`` (a canonical name: the parser resolved aliases)."""
    return DEFINITIONS[op]


def find(op: str) -> OpDef | None:
    """The definition of ``op``, or None for a name the parser could not read (a layer marked invalid)."""
    return DEFINITIONS.get(op)


def all_op_names() -> list[str]:
    return sorted([*DEFINITIONS, *ALIASES])


def keeps_shape(op: str) -> bool:
    found = find(op)
    return found is not None and found.keeps_shape


SHAPE_KEEPING_OPS = frozenset(name for name, op in DEFINITIONS.items() if op.keeps_shape)
UPSAMPLING_OPS = frozenset(name for name, op in DEFINITIONS.items() if op.upsamples)
JOIN_OPS = frozenset(name for name, op in DEFINITIONS.items() if op.joins)


def op_label(layer: Layer, rank: int) -> str:
    """``conv 3×3``, ``maxpool 2×2``, ``concat enc4 (crop)``, ``upsample ×2`` …"""
    found = DEFINITIONS.get(layer.op)
    return found.label(layer, rank) if found is not None else layer.op
