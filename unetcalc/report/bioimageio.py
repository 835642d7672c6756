"""`unetcalc sizes --format bioimageio`: the input and output axes as the bioimage.io model spec (0.5) wants.

Input space axes are a ``ParameterizedSize`` (``min`` + n·``step``: the 2015 U-Net's H ≡ 12 (mod 16),
H ≥ 188 is ``{min: 188, step: 16}``); output space axes refer to the input's size with the ``offset`` that
valid convolutions cut, or — same-padded networks — carry the ``halo`` whose rows saw the border padding.
"""

from __future__ import annotations

from typing import Any

import yaml

from unetcalc.check import CheckResult
from unetcalc.textsafe import printable
from unetcalc.tiling.receptive import receptive_field

AXIS_IDS = {1: ("x",), 2: ("y", "x"), 3: ("z", "y", "x")}


def bioimageio_axes(result: CheckResult) -> dict[str, Any]:
    inference, validity = result.inference, result.validity
    assert inference is not None and validity is not None and inference.output is not None
    rank = len(inference.input.size)
    ids = AXIS_IDS.get(rank, tuple(f"s{a}" for a in range(rank)))
    field = receptive_field(result)
    inputs: list[dict[str, Any]] = [
        {"type": "batch"},
        {"type": "channel", "channel_names": [f"channel{c}" for c in range(inference.input.channels)]},
    ]
    outputs: list[dict[str, Any]] = [
        {"type": "batch"},
        {"type": "channel", "channel_names": [f"class{c}" for c in range(inference.output.channels)]},
    ]
    if result.spec.outputs_stacked:  # torch.stack(outputs, dim=1): the outputs' own axis, after the batch
        outputs.insert(1, {"type": "index", "id": "index", "size": len(result.spec_outputs())})
    notes: list[str] = []
    for axis, axis_id, axis_field in zip(validity.axes, ids, field.axes, strict=True):
        aligned = axis.aligned
        if aligned is None:
            raise ValueError(f"axis {axis.symbol} has no valid input size")
        if len(axis.classes) > 1:
            notes.append(f"axis {axis_id}: other residues are valid too; the aligned class is written")
        inputs.append({"type": "space", "id": axis_id, "size": {"min": aligned.min, "step": aligned.modulus}})
        output = axis.output_at(aligned.min)
        assert output is not None
        cut = aligned.min - output
        size = {"tensor_id": "input", "axis_id": axis_id}
        if cut:
            outputs.append({"type": "space", "id": axis_id, "size": {**size, "offset": -cut}})
        else:
            before, after = axis_field.halo
            entry: dict[str, Any] = {"type": "space", "id": axis_id, "size": size}
            if max(before, after):
                entry["halo"] = max(before, after)
            outputs.append(entry)
    document: dict[str, Any] = {
        "inputs": [{"id": "input", "axes": inputs}],
        "outputs": [{"id": "output", "axes": outputs}],
    }
    if notes:
        document["notes"] = notes
    return document


def render_bioimageio(result: CheckResult) -> str:
    header = (
        f"# bioimage.io model spec 0.5: the axes of {printable(result.spec.name)}'s input and output tensors\n"
        "# (unetcalc sizes --format bioimageio); paste into rdf.yaml's inputs/outputs and add the rest.\n"
    )
    return header + yaml.safe_dump(bioimageio_axes(result), sort_keys=False, default_flow_style=None)
