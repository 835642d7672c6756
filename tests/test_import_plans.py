"""nnU-Net plans imported without torch: the network written from the plan alone (no Python run)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from unetcalc import check_file
from unetcalc.importer.nnunet import plain_conv_unet
from unetcalc.importer.run import import_plans_without_torch
from unetcalc.importer.sources import SourceError

sys.path.insert(0, str(Path(__file__).parent / "import_models"))
from nnunet_plans import plain_conv_unet_plans


def _write(tmp_path: Path, plans: dict) -> Path:
    path = tmp_path / "nnUNetPlans.json"
    path.write_text(json.dumps(plans))
    (tmp_path / "dataset.json").write_text(json.dumps({"labels": {"background": 0, "RV": 1, "MLM": 2, "LVC": 3}}))
    return path


ACDC = {
    "features": [32, 64, 128, 256, 320, 320],
    "kernels": [[1, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3]],
    "strides": [[1, 1, 1], [1, 2, 2], [1, 2, 2], [2, 2, 2], [2, 2, 2], [1, 2, 2]],
    "patch_size": [20, 256, 224],
    "batch_size": 4,
}


def test_acdc_plan_is_written_with_deep_supervision_and_its_patch_size_is_valid(tmp_path):
    path = _write(tmp_path, plain_conv_unet_plans("Dataset027_ACDC", **ACDC))
    plans = plain_conv_unet(path, json.loads(path.read_text()), "3d_fullres", None, None)
    outcome = import_plans_without_torch(plans, str(path), str(tmp_path / "acdc.yaml"))
    assert outcome.ok and outcome.without_torch and outcome.proof is None
    assert outcome.text is not None
    (tmp_path / "acdc.yaml").write_text(outcome.text)
    result = check_file(tmp_path / "acdc.yaml")
    assert result.ok, result.diagnostics
    assert [name for name, _ in result.spec.outputs] == [f"decoder.seg_layers.{s}" for s in (4, 3, 2, 1, 0)]
    assert result.input is not None and list(result.input.size) == [20, 256, 224]
    assert result.validity is not None
    assert [axis.contains(s) for axis, s in zip(result.validity.axes, (20, 256, 224), strict=True)] == [True] * 3
    # The first stage's 1x3x3 kernels pad only in-plane, and the in-plane strides are written per axis.
    conv = next(layer for layer in result.spec.layers if layer.name == "encoder.stages.0.0.convs.0.conv")
    assert conv.params["kernel"] == (1, 3, 3) and conv.params["padding"] == (0, 1, 1)
    assert "batch_size 4" in outcome.text and "without torch" in outcome.text
    # 4 output channels: the labels of dataset.json, background included.
    assert result.inference is not None and result.inference.output is not None
    assert result.inference.output.channels == 4


def test_other_architectures_need_torch(tmp_path):
    plans = plain_conv_unet_plans("Dataset027_ACDC", **ACDC)
    plans["configurations"]["3d_fullres"]["architecture"]["network_class_name"] = (
        "dynamic_network_architectures.architectures.unet.ResidualEncoderUNet"
    )
    path = _write(tmp_path, plans)
    with pytest.raises(SourceError, match="install torch and dynamic-network-architectures"):
        plain_conv_unet(path, plans, "3d_fullres", None, None)


def test_a_missing_configuration_names_the_ones_there(tmp_path):
    plans = plain_conv_unet_plans("Dataset027_ACDC", **ACDC)
    path = _write(tmp_path, plans)
    with pytest.raises(SourceError, match="pass --configuration, one of 3d_fullres"):
        plain_conv_unet(path, plans, None, None, None)
    with pytest.raises(SourceError, match="no configuration '2d'"):
        plain_conv_unet(path, plans, "2d", None, None)


from nnunet_plans import legacy_plans  # noqa: E402

LEGACY = {
    "base": 32,
    "most": 320,
    "kernels": ACDC["kernels"],
    "strides": ACDC["strides"],
    "patch_size": ACDC["patch_size"],
    "batch_size": 4,
}


def test_plans_written_before_nnunet_2_4_give_the_same_network(tmp_path):
    """Flat keys (UNet_class_name, UNet_base_num_features …) read as the 2.4 `architecture` entry."""
    current = _write(tmp_path, plain_conv_unet_plans("Dataset027_ACDC", **ACDC))
    a = plain_conv_unet(current, json.loads(current.read_text()), "3d_fullres", None, None)
    old = tmp_path / "old"
    old.mkdir()
    legacy = _write(old, legacy_plans("Dataset027_ACDC", "PlainConvUNet", **LEGACY))
    b = plain_conv_unet(legacy, json.loads(legacy.read_text()), "3d_fullres", None, None)
    assert [(r.name, r.op, r.params) for r in a.rows] == [(r.name, r.op, r.params) for r in b.rows]
    assert a.outputs == b.outputs and a.size == b.size


def test_legacy_plans_with_an_unknown_class_say_what_to_do(tmp_path):
    plans = legacy_plans("Dataset027_ACDC", "MyUNet", **LEGACY)
    path = _write(tmp_path, plans)
    with pytest.raises(SourceError, match=r"UNet_class_name 'MyUNet'.*--kwargs"):
        plain_conv_unet(path, plans, "3d_fullres", None, None)
    del plans["configurations"]["3d_fullres"]["conv_kernel_sizes"]
    with pytest.raises(SourceError, match="no `architecture` and no conv_kernel_sizes"):
        plain_conv_unet(path, plans, "3d_fullres", None, None)
