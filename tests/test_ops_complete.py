"""Every op's one definition works at every stage: the parser, shapes, weights, memory, the PyTorch module
(its weights as PyTorch counts them), the JSON Schema and, for plain activations, the importer.

A definition that leaves a field out does not type-check (mypy); these tests run each field.
"""

from __future__ import annotations

import json

import pytest

from unetcalc import check_text
from unetcalc.memory.ops import op_memory
from unetcalc.ops.registry import ALIASES, DEFINITIONS, OPS, canonical_op, op_label
from unetcalc.spec.schema import shipped_schema_text

# Values for required parameters, so that each op can be written as a one-layer spec.
REQUIRED = {"filters": 4, "with": "input", "features": 4, "groups": 1, "padding": 1}


def _layer_text(op: str) -> str:
    params = {key: REQUIRED[key] for key, param in OPS[op].items() if param.required}
    exactly_one = DEFINITIONS[op].exactly_one_of
    if exactly_one is not None:  # the first of its keys that needs no other tensor
        key = next(k for k in exactly_one.keys if k != "to")
        params[key] = {"size": [4, 4], "scale": 2, "padding": 1}[key]
    return json.dumps({"op": op, **params})


def _one_layer(op: str):
    return check_text(f"input: {{channels: 4, size: [8, 8]}}\nlayers:\n  - {_layer_text(op)}\n", f"{op}.yaml")


@pytest.mark.parametrize("op", sorted(DEFINITIONS))
def test_every_op_checks_counts_and_labels(op):
    definition = DEFINITIONS[op]
    assert definition.name == op and definition.summary.strip()
    result = _one_layer(op)
    assert result.layers_ok(), result.diagnostics
    entry = result.inference.layers[0]
    assert entry.out is not None
    if definition.keeps_shape:
        assert entry.out == entry.ins[0]
    assert op_label(entry.layer, 2).split()[0] == op  # a label names its op first
    for training in (True, False):
        assert op_memory(op, "None", 4, training).op == op
    assert f'"{op}"' in shipped_schema_text(), f"`{op}` is missing from the shipped JSON Schema"


@pytest.mark.parametrize("op", sorted(DEFINITIONS))
def test_every_op_builds_its_pytorch_module(op):
    pytest.importorskip("torch")
    from unetcalc.torch.builder import instantiate
    from unetcalc.torch.plan import module_call

    result = _one_layer(op)
    module = instantiate(module_call(result.inference.layers[0].layer, 4, 2))
    assert sum(p.numel() for p in module.parameters()) == result.inference.layers[0].params


@pytest.mark.parametrize("op", sorted(op for op, d in DEFINITIONS.items() if d.torch_classes))
def test_plain_activation_classes_import_as_their_op(op):
    pytest.importorskip("torch")
    from torch import nn

    from unetcalc.importer.trace import leaf_layer

    for name in DEFINITIONS[op].torch_classes:
        assert leaf_layer(getattr(nn, name)(), 2) == (op, {})


def test_aliases_name_known_ops():
    assert ALIASES and all(canonical_op(alias) == target in DEFINITIONS for alias, target in ALIASES.items())


@pytest.mark.parametrize("op", sorted(op for op, d in DEFINITIONS.items() if d.note_words or d.torch_classes))
def test_a_note_cell_reads_each_word_an_op_definition_lists(op):
    """The note vocabulary is the definitions': a new op's words and PyTorch classes read in notes."""
    from unetcalc.spec.note_ops import parse_operation

    definition = DEFINITIONS[op]
    for word in (definition.name, *definition.note_words, *definition.torch_classes):
        assert parse_operation(word.title()).op == op, word
    for name in definition.torch_classes:  # as PyTorch prints the module
        assert parse_operation(f"{name}()").op == op, name
