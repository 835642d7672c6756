"""The rules `unetcalc import` raises (no torch here: the catalogue imports this module)."""

from __future__ import annotations

from unetcalc.findings.diagnostic import Severity
from unetcalc.findings.rules import Rule

NOT_EXPRESSIBLE = Rule(
    code="UC301",
    name="not-expressible",
    severity=Severity.ERROR,
    summary="The imported model does something the spec language cannot say.",
    what=(
        "`unetcalc import` records every operation the model runs. An operation with no spec equivalent "
        "(attention over tokens, a reshape, `.item()`, a constant added to a tensor, shared weights, control "
        "flow that depends on the input size) stops the import at that module."
    ),
    why="A spec that leaves it out would describe another network: the answers would be wrong without a word.",
    example='unetcalc import monai.networks.nets:SwinUNETR --kwargs \'{"in_channels": 1, "out_channels": 2}\'',
    fix=(
        "Import the convolutional part on its own (a factory returning that submodule), or write the spec by "
        "hand and say in a comment what it leaves out."
    ),
    messages={
        # ``operation``: what the importer saw the module do (importer/trace.py and writer.py phrase it).
        "operation": "{where}: {operation}{at}",
        "more": "… and {more} more operations the spec language cannot say",
    },
)

MODEL_REFUSES_INPUT = Rule(
    code="UC302",
    name="model-refuses-input",
    severity=Severity.ERROR,
    summary="The model raised at every input size the import tried.",
    what="Runs the model at the sizes given by `--input` (or common sizes) and reports the model's own error.",
    why="Nothing can be recorded from a model that does not run.",
    example="unetcalc import my_net.py:build --input 1x100x100   # the model needs multiples of 32",
    fix="Pass a size the model accepts with `--input` (channels first: 1x256x256), or the right `--channels`.",
    messages={"every-size": "the model raised at every input size tried ({tried}) with {channels} channels: {errors}"},
)

IMPORT_MISMATCH = Rule(
    code="UC303",
    name="import-mismatch",
    severity=Severity.ERROR,
    summary="The spec written by the import does not behave as the model does.",
    what=(
        "After writing the spec, the import builds it and compares it with the model: outputs at three valid "
        "sizes, every layer's shape, the parameter count, the state_dict's keys and shapes, and the outputs on "
        "the CPU with the model's own weights loaded strictly."
    ),
    why="An import is either exact or says where it is not.",
    example="a model whose forward quietly ignores one of its submodules",
    fix="Report it with the model's source: it is a gap in the importer.",
    messages={
        # ``difference``: what the proof or the size probe found to differ (importer/prove.py phrases it).
        "differs": "{difference}",
    },
)
