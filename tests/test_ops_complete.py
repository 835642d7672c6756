"""Every op is known at every stage: parameters, shape rule, parameter count, PyTorch module, label.

Adding an op to spec/ops.py without the rest fails here, naming what is missing.
"""

from __future__ import annotations

import json

import pytest

from unetcalc import check_text
from unetcalc.report.labels import op_label
from unetcalc.shapes.params import count_params
from unetcalc.shapes.rules import RULES
from unetcalc.spec.ops import ALIASES, OPS
from unetcalc.spec.schema import shipped_schema_text

# Values for required parameters, so that each op can be written as a one-layer spec.
REQUIRED = {"filters": 4, "with": "input", "features": 4, "groups": 1, "padding": 1}


def _layer_text(op: str) -> str:
    params = {key: REQUIRED[key] for key, param in OPS[op].items() if param.required}
    if op == "crop":
        params["size"] = [4, 4]
    if op == "pad":
        params["padding"] = 1
    if op == "resize":
        params["scale"] = 2
    return json.dumps({"op": op, **params})


@pytest.mark.parametrize("op", sorted(OPS))
def test_every_op_has_every_stage(op):
    assert op in RULES, f"`{op}` has no shape rule in shapes/rules.py"
    result = check_text(f"input: {{channels: 4, size: [8, 8]}}\nlayers:\n  - {_layer_text(op)}\n", f"{op}.yaml")
    assert result.layers_ok(), result.diagnostics
    entry = result.inference.layers[0]
    assert count_params(entry.layer, 4) == entry.params >= 0  # no KeyError: a count exists
    assert op_label(entry.layer, 2), f"`{op}` has no label"
    assert f'"{op}"' in shipped_schema_text(), f"`{op}` is missing from the shipped JSON Schema"


@pytest.mark.parametrize("op", sorted(OPS))
def test_every_op_builds_its_pytorch_module(op):
    pytest.importorskip("torch")
    from unetcalc.torch.builder import instantiate
    from unetcalc.torch.plan import module_call

    result = check_text(f"input: {{channels: 4, size: [8, 8]}}\nlayers:\n  - {_layer_text(op)}\n", f"{op}.yaml")
    call = module_call(result.inference.layers[0].layer, 4, 2)
    module = instantiate(call)
    assert sum(p.numel() for p in module.parameters()) == result.inference.layers[0].params


def test_aliases_name_known_ops():
    assert all(target in OPS for target in ALIASES.values())
