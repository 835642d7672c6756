"""JSON Schema for spec v1, generated from the op definitions (unetcalc/ops).

The generated schema ships as unetcalc/data/spec-v1.schema.json (a test keeps
them equal; regenerate with `python -m unetcalc.spec.schema`). Editors with the
YAML language server complete keys from it.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from unetcalc.ops.base import COMMON_KEYS
from unetcalc.ops.registry import ALIASES, OPS
from unetcalc.spec.params import MAX_INT, Param
from unetcalc.spec.parse import TOP_KEYS

SCHEMA_FILE = "spec-v1.schema.json"
_POS = {"type": "integer", "minimum": 1, "maximum": MAX_INT}
_NONNEG = {"type": "integer", "minimum": 0, "maximum": MAX_INT}


def _axes(item: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [item, {"type": "array", "items": item, "minItems": 1, "maxItems": 3}]}


def _param(param: Param) -> dict[str, Any]:
    kind = param.kind
    schema: dict[str, Any]
    if kind == "count":
        schema = dict(_POS)
    elif kind == "axes_pos":
        schema = _axes(_POS)
    elif kind == "axes_nonneg":
        schema = _axes(_NONNEG)
    elif kind == "conv_padding":
        schema = {"anyOf": [{"enum": ["valid", "same"]}, *_axes(_NONNEG)["anyOf"]]}
    elif kind == "axes_scale":
        schema = _axes({"type": "number", "exclusiveMinimum": 0, "maximum": 1024})
    elif kind == "pad_sides":
        side = {"type": "array", "items": _NONNEG, "minItems": 2, "maxItems": 2}
        schema = {
            "anyOf": [_NONNEG, {"type": "array", "items": {"anyOf": [_NONNEG, side]}, "minItems": 1, "maxItems": 3}]
        }
    elif kind == "prelu_count":
        schema = {"enum": [1, "channels"]}
    elif kind == "bool":
        schema = {"type": "boolean"}
    elif kind == "choice":
        schema = {"enum": list(param.choices)}
    elif kind == "ref":
        schema = {"type": "string", "minLength": 1}
    elif kind == "refs":
        schema = {
            "anyOf": [
                {"type": "string", "minLength": 1},
                {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
            ]
        }
    elif kind == "size":
        schema = _axes(_POS)
    elif kind == "number":
        schema = {"type": "number"}
    elif kind == "positive":
        schema = {"type": "number", "exclusiveMinimum": 0}
    elif kind == "probability":
        schema = {"type": "number", "minimum": 0, "maximum": 1}
    else:
        raise AssertionError(kind)
    if param.default is not None and not isinstance(param.default, tuple):
        schema["default"] = param.default
    if param.default_from is not None:
        schema["description"] = f"default: the `{param.default_from}` value"
    return schema


def _common() -> dict[str, Any]:
    return {
        "op": {"type": "string"},
        "name": {"type": "string", "minLength": 1, "description": "unique name; default <op><n>"},
        "from": {"type": "string", "description": "the tensor this layer reads; default: the previous layer"},
        "in": {"$ref": "#/definitions/shape", "description": "the shape expected before the layer"},
        "out": {"$ref": "#/definitions/shape", "description": "the shape expected after the layer"},
        "run": {
            "type": "boolean",
            "description": "false: the module is built and its parameters counted, but forward never runs it "
            "(a head kept for training only, as nnU-Net's deep-supervision heads in eval)",
        },
    }


def build_schema() -> dict[str, Any]:
    op_names = sorted([*OPS, *ALIASES])
    definitions: dict[str, Any] = {
        "shape": {
            "description": "sizes then channels: 252x252x64, 254 x 254, ?x64x64, or {channels, size}",
            "anyOf": [
                {"type": "string", "pattern": r"^\s*(\?|\d+)(\s*[x×X*]\s*(\?|\d+)){0,3}\s*$"},
                {"type": "integer", "minimum": 1},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "channels": {"anyOf": [{"type": "integer", "minimum": 1}, {"const": "?"}]},
                        "size": {
                            "type": "array",
                            "items": {"anyOf": [{"type": "integer", "minimum": 1}, {"const": "?"}]},
                        },
                    },
                },
            ],
        },
    }
    branches = []
    for op, params in OPS.items():
        properties = _common() | {key: _param(p) for key, p in params.items()}
        names = [op, *(alias for alias, target in ALIASES.items() if target == op)]
        definitions[f"layer_{op}"] = {"type": "object", "additionalProperties": False, "properties": properties}
        branches.append(
            {
                "if": {"properties": {"op": {"enum": names}}, "required": ["op"]},
                "then": {"$ref": f"#/definitions/layer_{op}"},
            }
        )
    definitions["layer"] = {
        "anyOf": [
            {"type": "string", "enum": op_names, "description": "a bare op name: that op with default parameters"},
            {"type": "object", "required": ["op"], "properties": {"op": {"enum": op_names}}, "allOf": branches},
            {
                "type": "object",
                "required": ["block"],
                "description": "spec v2: a use of a block defined under `blocks` (its parameters as keys)",
                "properties": {
                    "block": {"type": "string"},
                    "name": {"type": "string"},
                    "repeat": {"type": "integer", "minimum": 1},
                    "first": {"type": "object"},
                    "from": {"type": "string"},
                },
            },
        ]
    }
    # Inside a block definition values may be `$param` references: rows are checked after expansion.
    definitions["block"] = {
        "type": "object",
        "additionalProperties": False,
        "required": ["layers"],
        "properties": {
            "params": {"type": "object", "description": "parameter: default (null: required)"},
            "layers": {"type": "array", "minItems": 1, "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
            "output": {"type": "string"},
        },
    }
    defaults = {
        op: {
            "type": "object",
            "additionalProperties": False,
            "properties": {key: _param(p) for key, p in params.items()},
        }
        for op, params in OPS.items()
    }
    assert set(TOP_KEYS) == {
        "version", "name", "description", "input", "defaults", "blocks", "layers", "outputs", "unet", "decoder"
    }  # fmt: skip
    assert set(COMMON_KEYS) == set(_common())
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": "unetcalc-spec-v1",
        "title": "unetcalc spec v1",
        "description": "A fully convolutional encoder-decoder as a list of layers (unetcalc docs/spec-format.md).",
        "type": "object",
        "additionalProperties": False,
        "required": ["input"],
        "properties": {
            "version": {"enum": [1, 2]},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "input": {
                "type": "object",
                "additionalProperties": False,
                "required": ["size"],
                "properties": {
                    "channels": {"type": "integer", "minimum": 1, "default": 1},
                    "size": {
                        "anyOf": [
                            {
                                "type": "array",
                                "minItems": 1,
                                "maxItems": 3,
                                "items": {
                                    "anyOf": [
                                        {"type": "integer", "minimum": 1},
                                        {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
                                    ]
                                },
                            },
                            {"type": "string"},
                            {"type": "integer", "minimum": 1},
                        ]
                    },
                    "multiple_of": {
                        "description": "sizes must be divisible by this (one for all axes, or per axis)",
                        "anyOf": [
                            {"type": "integer", "minimum": 1},
                            {"type": "array", "minItems": 1, "maxItems": 3, "items": {"type": "integer", "minimum": 1}},
                        ],
                    },
                },
            },
            "defaults": {"type": "object", "additionalProperties": False, "properties": defaults},
            "layers": {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/layer"}},
            "blocks": {"type": "object", "additionalProperties": {"$ref": "#/definitions/block"}},
            "outputs": {
                "description": (
                    "the tensors the network returns, in order (deep supervision); {stack: [...]}: returned as one "
                    "tensor, torch.stack(outputs, dim=1)"
                ),
                "anyOf": [
                    {"type": "string"},
                    {"type": "array", "minItems": 1, "items": {"type": "string"}},
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["stack"],
                        "properties": {"stack": {"type": "array", "minItems": 2, "items": {"type": "string"}}},
                    },
                ],
            },
            "unet": {"type": "object", "description": "spec v2: a whole U-Net from a few keys (README)"},
            "decoder": {
                "description": "spec v2: the symmetric decoder of the written encoder",
                "anyOf": [
                    {"enum": ["mirror"]},
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["mirror"],
                        "properties": {"mirror": {"const": True}, "classes": {"type": "integer", "minimum": 1}},
                    },
                ],
            },
        },
        "definitions": definitions,
    }


def schema_text() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False) + "\n"


def shipped_schema_text() -> str:
    return resources.files("unetcalc").joinpath("data", SCHEMA_FILE).read_text(encoding="utf-8")


if __name__ == "__main__":
    print(schema_text(), end="")
