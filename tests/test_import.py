"""`unetcalc import`: models in their authors' styles and real libraries, imported exactly or refused.

Each import is proven by the importer itself (shapes at three valid sizes, state_dict, strict weights,
CPU outputs); these tests also check the spec it writes and what the CLI prints.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

from unetcalc import check_file, check_text  # noqa: E402
from unetcalc.importer.run import import_model  # noqa: E402
from unetcalc.importer.sources import SourceError, load_module_ref, load_saved  # noqa: E402
from unetcalc.torch.builder import build_from_result  # noqa: E402

from conftest import run_unetcalc  # noqa: E402

MODELS = Path(__file__).parent / "import_models"
sys.path.insert(0, str(MODELS))
from public_models import MONAI_ATTENTION_UNET, MONAI_UNET  # noqa: E402

SMALL = MODELS / "small_nets.py"


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    return run_unetcalc("import", *argv)


def _import(ref: str, **kwargs):
    loaded = load_module_ref(ref, kwargs)
    return import_model(loaded, ref)


def row(outcome, name: str) -> tuple[str, tuple[str, ...], dict]:
    """The imported spec's layer ``name`` as the parser reads it (blocks expanded): op, inputs, parameters."""
    assert outcome.result is not None
    found = [layer for layer in outcome.result.spec.layers if layer.name == name]
    assert found, f"no layer {name}"
    return found[0].op, found[0].inputs, found[0].params


@pytest.mark.parametrize("bilinear", [False, True])
def test_milesial_unet_imports_exactly_with_its_pad_to_the_skip(bilinear):
    outcome = _import(f"{MODELS / 'milesial_unet.py'}:UNet", bilinear=bilinear)
    assert outcome.ok, outcome.findings
    assert outcome.proof is not None and outcome.proof.ok
    assert outcome.proof.cpu_max_error is not None and outcome.proof.cpu_max_error <= 1e-5
    text = outcome.text
    assert text is not None
    # F.pad(x1, [diffX // 2, ...]) follows the skip's size: written as `to:` the skip, not a constant.
    op, inputs, _ = row(outcome, "up1.pad")
    assert op == "pad" and inputs == ("up1.up", "down3.maxpool_conv.1.double_conv.5")
    op, _, params = row(outcome, "up1.up")
    assert op == ("upsample" if bilinear else "upconv")
    if bilinear:
        assert params["mode"] == "bilinear" and params["align_corners"] is True
    # At odd sizes a pool floors and the pad restores the size: the model runs where the spec says invalid,
    # and the import says so.
    assert outcome.runs_where_invalid and not outcome.result.validity.axes[0].contains(outcome.runs_where_invalid[0])
    # Repeated modules of one class are one block each, as in the source (Down, Up).
    assert "  down:\n" in text and "{block: down, name: down1, filters: 128}" in text
    model = load_module_ref(f"{MODELS / 'milesial_unet.py'}:UNet", {"bilinear": bilinear}).model
    assert outcome.proof.params == sum(p.numel() for p in model.parameters())
    # Drawn as the 2015 paper: torch.cat([skip, up]) is one bar, white copy and up map, and the pad to
    # the skip changes no map (it is on the up map's bar); one column of a paper at 7 pt.
    from unetcalc.draw.paper import paper_figure

    figure = paper_figure(outcome.result, 8.5)
    assert len([r for r in figure.rects if r.role == "copy"]) == 4
    assert len([r for r in figure.rects if r.role == "bar"]) == 28  # input, 3 a level, 4 at the top right
    assert figure.text_size >= 7


def test_valid_unet_crop_by_slicing_becomes_crop_to_the_upsampled_map(tmp_path):
    outcome = _import(f"{SMALL}:valid_unet")
    assert outcome.ok, outcome.findings
    op, inputs, _ = row(outcome, "crop")
    assert op == "crop" and inputs == ("enc.3", "up")
    assert outcome.result is not None and outcome.result.validity is not None
    axis = outcome.result.validity.axes[0]
    # conv3 conv3 | pool | conv3 | up2 | conv3: valid when H - 4 is even and the bottom conv fits.
    assert axis.modulus == 2 and axis.contains(16) and not axis.contains(15)


def test_refusal_in_python_becomes_multiple_of(capsys, tmp_path):
    target = tmp_path / "needs32.yaml"
    code, out, _ = run_cli(capsys, f"{SMALL}:Needs32", "-o", str(target))
    assert code == 0, out
    assert "multiples of 32" in out
    assert "multiple_of: 32" in target.read_text()
    assert not check_file(target, (48, 64)).ok
    assert check_file(target, (64, 96)).ok


def test_interpolate_to_the_input_size_is_resize_to_input():
    outcome = _import(f"{SMALL}:Interpolated")
    assert outcome.ok, outcome.findings
    op, inputs, params = row(outcome, "resize")
    assert op == "resize" and inputs == ("classifier", "input") and params["mode"] == "bilinear"


@pytest.mark.parametrize(
    ("model", "module", "what"),
    [
        ("Tokens", "the model's forward", "`aten.view` has no spec equivalent (" + str(SMALL)),
        ("PlusOne", "the model's forward", "with a constant"),
    ],
)
def test_what_the_spec_cannot_say_stops_with_a_finding_and_writes_nothing(capsys, tmp_path, model, module, what):
    target = tmp_path / "out.yaml"
    code, out, _ = run_cli(capsys, f"{SMALL}:{model}", "-o", str(target))
    assert code == 1
    assert "UC301" in out and module in out and what in out
    assert "nothing was written" in out
    assert not target.exists()


def test_model_that_refuses_every_size_is_uc302(capsys, tmp_path):
    code, out, _ = run_cli(capsys, f"{SMALL}:Needs32", "--input", "3x33x33", "-o", str(tmp_path / "x.yaml"))
    assert code == 1 and "UC302" in out and "divisible by 32" in out


def test_saved_whole_model_is_refused_without_trust_and_loaded_with_it(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("small_nets_for_pickle", SMALL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    import sys

    sys.modules["small_nets_for_pickle"] = module
    spec.loader.exec_module(module)
    path = tmp_path / "model.pt"
    torch.save(module.Interpolated(), path)
    with pytest.raises(SourceError, match="--trust"):
        load_saved(path, trust=False)
    loaded = load_saved(path, trust=True)
    assert type(loaded.model).__name__ == "Interpolated"


def test_cli_usage_errors_exit_2(capsys):
    code, _, err = run_cli(capsys, "no_such_package_xyz:Net")
    assert code == 2 and "cannot import no_such_package_xyz" in err
    code, _, err = run_cli(capsys, f"{SMALL}:valid_unet", "--kwargs", "{not json")
    assert code == 2 and "--kwargs is not JSON" in err
    code, _, err = run_cli(capsys, f"{SMALL}:valid_unet", "--input", "1xAx3")
    assert code == 2 and "--input" in err


def test_check_only_writes_nothing(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli(capsys, f"{SMALL}:valid_unet", "--check-only")
    assert code == 0 and "✓ exact" in out and "OK" in out
    assert list(tmp_path.iterdir()) == []


def test_check_never_runs_python_next_to_specs(tmp_path):
    """Linting a directory that holds an evil.py (and a bundle naming it) runs none of it."""
    marker = tmp_path / "ran"
    (tmp_path / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    (tmp_path / "net.yaml").write_text("input: {channels: 1, size: [8, 8]}\nlayers:\n  - {op: conv, filters: 2}\n")
    (tmp_path / "inference.json").write_text(json.dumps({"network_def": {"_target_": "evil:Net"}}))
    assert run_unetcalc("check", str(tmp_path))[0] == 0
    assert run_unetcalc("draw", str(tmp_path / "net.yaml"), "-o", str(tmp_path / "n.dot"))[0] == 0
    assert not marker.exists()


# -- real libraries (installed by .ci/run; skipped with the reason where missing) -----------------------
def test_monai_unet_with_residual_units():
    pytest.importorskip("monai")
    outcome = _import("monai.networks.nets:UNet", **MONAI_UNET)
    assert outcome.ok, outcome.findings
    assert row(outcome, "model.0.add")[:2] == ("add", ("model.0.conv.unit1.adn.A", "model.0.residual"))
    assert row(outcome, "model.1.cat")[:2] == ("concat", ("model.0.add", "model.1.submodule.2.1.add"))
    assert outcome.proof is not None and outcome.proof.state_dict_tensors == 63
    # The residual units are one block, as in MONAI's source: the spec is shorter than the flat rows.
    assert "  residual_unit:\n" in (outcome.text or "")
    assert len((outcome.text or "").splitlines()) < 70


def test_monai_basic_unet_pads_to_the_skip_at_odd_sizes():
    pytest.importorskip("monai")
    outcome = _import("monai.networks.nets:BasicUNet", spatial_dims=2)
    assert outcome.ok, outcome.findings
    op, inputs, params = row(outcome, "upcat_4.pad")
    assert op == "pad" and inputs == ("upcat_4.upsample.deconv", "down_3.convs.conv_1.adn.A")
    assert params["mode"] == "replicate"


def test_monai_bundle_config_reads_network_def_and_roi_size(capsys, tmp_path):
    pytest.importorskip("monai")
    config = tmp_path / "inference.json"
    config.write_text(
        json.dumps(
            {
                "classes": 3,
                "network_def": {
                    "_target_": "BasicUNet",
                    "spatial_dims": 2,
                    "in_channels": 1,
                    "out_channels": "@classes",
                    "features": [8, 8, 16, 32, 64, 8],
                },
                "inferer": {"_target_": "SlidingWindowInferer", "roi_size": [96, 96]},
            }
        )
    )
    target = tmp_path / "bundle.yaml"
    code, out, _ = run_cli(capsys, str(config), "-o", str(target))
    assert code == 0, out
    text = target.read_text()
    assert "size: [96, 96]" in text and "roi_size [96, 96]" in text
    assert "96x96x1 → 96x96x3" in out


def _plans(tmp_path: Path) -> Path:
    sys.path.insert(0, str(MODELS))
    from nnunet_plans import plain_conv_unet_plans

    plans = plain_conv_unet_plans(
        "Dataset004_Hippocampus",
        features=[8, 16, 32, 64],
        kernels=[[3, 3, 3]] * 4,
        strides=[[1, 1, 1], [2, 2, 2], [2, 2, 2], [1, 2, 1]],
        patch_size=[40, 56, 40],
        batch_size=9,
    )
    plans["configurations"]["3d_lowres"] = {"inherits_from": "3d_fullres", "patch_size": [32, 48, 32]}
    (tmp_path / "nnUNetPlans.json").write_text(json.dumps(plans))
    (tmp_path / "dataset.json").write_text(json.dumps({"labels": {"background": 0, "a": 1, "b": 2}}))
    return tmp_path / "nnUNetPlans.json"


def test_nnunet_plans_with_deep_supervision(capsys, tmp_path):
    pytest.importorskip("dynamic_network_architectures")
    _plans(tmp_path)
    target = tmp_path / "nn.yaml"
    code, out, _ = run_cli(
        capsys, str(tmp_path / "nnUNetPlans.json"), "--configuration", "3d_lowres", "-o", str(target)
    )
    assert code == 0, out
    text = target.read_text()
    assert "outputs: [decoder.seg_layers.2, decoder.seg_layers.1, decoder.seg_layers.0]" in text
    assert "size: [32, 48, 32]" in text and "batch_size 9" in text
    assert "keys of modules registered twice" in out
    result = check_file(target)
    assert result.ok and result.validity is not None
    assert all(axis.contains(s) for axis, s in zip(result.validity.axes, (32, 48, 32), strict=True))


def test_residual_encoder_plans_from_before_nnunet_2_4_import_exactly(capsys, tmp_path):
    """A ResEnc plan in the flat keys nnU-Net 2.0–2.3 wrote: built by dynamic-network-architectures as nnU-Net
    did (n_blocks_per_stage from n_conv_per_stage_encoder), traced and proven."""
    pytest.importorskip("dynamic_network_architectures")
    sys.path.insert(0, str(MODELS))
    from nnunet_plans import legacy_plans

    plans = legacy_plans(
        "Dataset004_Hippocampus",
        "ResidualEncoderUNet",
        base=8,
        most=32,
        kernels=[[3, 3]] * 4,
        strides=[[1, 1], [2, 2], [2, 2], [2, 2]],
        patch_size=[64, 48],
        batch_size=12,
    )
    (tmp_path / "nnUNetPlans.json").write_text(json.dumps(plans))
    (tmp_path / "dataset.json").write_text(json.dumps({"labels": {"background": 0, "a": 1}}))
    target = tmp_path / "resenc.yaml"
    code, out, _ = run_cli(
        capsys, str(tmp_path / "nnUNetPlans.json"), "--configuration", "3d_fullres", "-o", str(target)
    )
    assert code == 0, out
    assert "✓ exact" in out and "(ResidualEncoderUNet, deep supervision on)" in target.read_text()
    result = check_file(target)
    assert result.ok and result.input is not None and list(result.input.size) == [64, 48]
    names = [layer.name for layer in result.spec.layers]
    # Stage widths 8, 16, 32, 32 (capped at unet_max_num_features), 1, 3, 4, 6 residual blocks per stage.
    assert "encoder.stages.3.blocks.5.conv2.conv" in names and "encoder.stages.3.blocks.6.conv2.conv" not in names
    conv = next(layer for layer in result.spec.layers if layer.name == "encoder.stages.3.blocks.5.conv2.conv")
    assert conv.params["filters"] == 32
    # Drawn as papers draw ResNets: a residual block (its projection — avg pool and 1×1 conv — too) is one
    # map, so each stage is one bar marked with its count of blocks.
    from unetcalc.draw.paper import paper_figure

    channels = [t.text for t in paper_figure(result).texts if t.role == "channels" and "×" in t.text]
    assert channels == ["8 ×2", "16 ×3", "32 ×4", "32 ×6"]  # the stem and 1 block, then 3, 4, 6 blocks


def test_wolny_unet3d_with_groupnorm_and_interpolate_to_the_skip():
    outcome = _import(f"{MODELS / 'wolny_unet3d.py'}:UNet3D")
    assert outcome.ok, outcome.findings
    op, inputs, _ = row(outcome, "decoders.0.upsampling.resize")
    assert op == "resize" and inputs[1] == "encoders.2.basic_module.SingleConv2.ReLU"
    assert row(outcome, "encoders.0.basic_module.SingleConv1.groupnorm")[2]["groups"] == 1
    assert outcome.result is not None and outcome.result.spec.name == "unet3d"


def test_wolny_residual_unet3d_upconv_to_the_skip_size_and_inplace_residual():
    """`upsample(x, output_size)` becomes the output padding that call chose (the same at both traced sizes);
    the model refuses a size that is not a multiple of 16 exactly where the spec calls it invalid."""
    ref = f"{MODELS / 'wolny_unet3d.py'}:ResidualUNet3D"
    outcome = _import(ref)
    assert outcome.ok, outcome.findings
    assert outcome.proof is not None and outcome.proof.ok and outcome.proof.cpu_max_error is not None
    op, _, params = row(outcome, "decoders.0.upsampling.upsample")
    assert op == "upconv" and params["output_padding"] == (1, 1, 1)
    assert row(outcome, "decoders.0.add")[0] == "add"
    validity = outcome.result.validity
    assert [validity.axes[0].contains(s) for s in (16, 17, 32)] == [True, False, True]
    from unetcalc.importer.records import TraceError
    from unetcalc.importer.trace import run_model

    model = load_module_ref(ref, {}).model.eval().to("meta")
    run_model(model, 1, (32, 32, 32))
    with pytest.raises(TraceError):
        run_model(model, 1, (33, 32, 32))


def test_upconv_to_a_size_whose_padding_changes_with_parity_is_exact_where_the_spec_calls_valid():
    """`up(x, output_size=skip.shape[2:])` pads 0 at even sizes and 1 at odd ones: the spec keeps the even
    sizes (padding 0) and the import says the model also runs at the odd ones."""
    outcome = _import(f"{SMALL}:UpToSkipSize")
    assert outcome.ok, outcome.findings
    assert row(outcome, "up")[2]["output_padding"] == (0, 0)
    assert outcome.runs_where_invalid and all(size % 2 for size in outcome.runs_where_invalid)


def test_caffe_fcn8s_crops_at_fixed_offsets_to_a_tensor():
    outcome = _import(f"{MODELS / 'fcn8s_caffe.py'}:FCN8s")
    assert outcome.ok, outcome.findings
    op, inputs, params = row(outcome, "crop")
    assert op == "crop" and inputs[1] == "upscore2" and params["offset"] == (5, 5)
    op, inputs, params = row(outcome, "crop_3")
    assert inputs[1] == "input" and params["offset"] == (31, 31)
    assert outcome.result is not None and outcome.result.validity is not None
    assert outcome.result.validity.axes[0].min == 1  # FCN-8s runs at every size


def test_monai_attention_unet():
    pytest.importorskip("monai")
    outcome = _import("monai.networks.nets:AttentionUnet", **MONAI_ATTENTION_UNET)
    assert outcome.ok, outcome.findings
    assert "op: multiply" in (outcome.text or "")


def test_monai_swin_unetr_is_refused_naming_module_op_and_line(capsys, tmp_path):
    pytest.importorskip("monai")
    pytest.importorskip("einops")
    target = tmp_path / "swin.yaml"
    code, out, _ = run_cli(
        capsys,
        "monai.networks.nets:SwinUNETR",
        "--kwargs",
        '{"in_channels": 1, "out_channels": 2, "spatial_dims": 2, "feature_size": 12}',
        "-o",
        str(target),
    )
    assert code == 1 and not target.exists()
    first = out.splitlines()[0]
    assert "UC301 module `swinViT`: `aten.permute` has no spec equivalent" in first and "swin_unetr.py:" in first
    assert "more operations the spec language cannot say" in out


# -- smp and torchvision (PyPI's torchvision needs tests/import_models/torchvision_shim.py beside the CPU torch)
def _needs_smp() -> None:
    sys.path.insert(0, str(MODELS))
    from torchvision_shim import torchvision_importable

    if not torchvision_importable():
        pytest.skip("torchvision does not import")
    pytest.importorskip("segmentation_models_pytorch")


def test_smp_unet_resizes_to_the_skip_and_runs_at_every_size():
    _needs_smp()
    outcome = _import("segmentation_models_pytorch:Unet", encoder_name="resnet34", encoder_weights=None)
    assert outcome.ok, outcome.findings
    op, inputs, _ = row(outcome, "decoder.blocks.0.resize")
    assert op == "resize" and inputs[1] == "encoder.layer3.5.relu_2"  # F.interpolate(x, size=skip.shape[2:])
    assert outcome.multiple_of is None  # smp 0.6's Unet checks nothing: every size >= 1 runs
    assert outcome.result is not None and outcome.result.validity is not None
    assert outcome.result.validity.axes[0].min == 1


def test_smp_unetplusplus_refusal_is_found_by_probing(capsys, tmp_path):
    _needs_smp()
    target = tmp_path / "unetpp.yaml"
    code, out, _ = run_cli(
        capsys,
        "segmentation_models_pytorch:UnetPlusPlus",
        "--kwargs",
        '{"encoder_name": "resnet34", "encoder_weights": null}',
        "-o",
        str(target),
    )
    assert code == 0, out
    assert "multiples of 32" in out and "multiple_of: 32" in target.read_text()
    assert "also runs at" not in out  # it refuses every size the spec calls invalid
    assert not check_file(target, (31, 31)).ok and check_file(target, (32, 32)).ok
    code, out, _ = run_unetcalc("fit", str(target), "--memory", "24GiB", "--precision", "bf16", "--size", "512x512")
    assert code == 0 and "batch" in out, out


def test_smp_fpn_stack_sum_is_an_add():
    _needs_smp()
    outcome = _import("segmentation_models_pytorch:FPN", encoder_name="resnet34", encoder_weights=None)
    assert outcome.ok, outcome.findings
    op, inputs, _ = row(outcome, "decoder.merge.add")
    assert op == "add" and len(inputs) == 4


def test_torchvision_fcn_resnet50_with_a_relu_called_three_times():
    sys.path.insert(0, str(MODELS))
    from torchvision_shim import torchvision_importable

    if not torchvision_importable():
        pytest.skip("torchvision does not import")
    from torchvision.models.segmentation import fcn_resnet50

    from unetcalc.importer.sources import Loaded

    model = fcn_resnet50(weights=None, weights_backbone=None, num_classes=21)
    outcome = import_model(Loaded(model, "fcn-resnet50", "fcn_resnet50"), "fcn_resnet50")
    assert outcome.ok, outcome.findings
    assert [
        name
        for name in ("backbone.layer1.0.relu", "backbone.layer1.0.relu_2", "backbone.layer1.0.relu_3")
        if any(layer.name == name for layer in outcome.result.spec.layers)
    ] == ["backbone.layer1.0.relu", "backbone.layer1.0.relu_2", "backbone.layer1.0.relu_3"]
    assert row(outcome, "resize")[1][1] == "input"  # F.interpolate(x, size=input_shape)
    # The paper figure's row at 1/8 (layer2 to the classifier: 57 maps) is a bar per stage, ×blocks.
    from unetcalc.draw.paper import paper_figure

    figure = paper_figure(outcome.result)
    eighth = max(bar.level for bar in figure.rects if bar.role == "bar")
    row_bars = [bar for bar in figure.rects if bar.role == "bar" and bar.level == eighth]
    assert len(row_bars) <= 6
    labels = [t.text for t in figure.texts if t.role == "channels" and "×" in t.text]
    assert labels == ["256 ×3", "512 ×4", "1024 ×6", "2048 ×3"]
    assert figure.text_size >= 7


def test_nnunet_plans_without_torch_give_the_traced_network(capsys, tmp_path, monkeypatch):
    """Without torch (here: dynamic-network-architectures reported missing) the plan is written directly;
    its layers equal the traced import's, row for row."""
    pytest.importorskip("dynamic_network_architectures")
    plans = _plans(tmp_path)
    traced = tmp_path / "traced.yaml"
    assert run_cli(capsys, str(plans), "--configuration", "3d_fullres", "-o", str(traced))[0] == 0
    import importlib.util

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "dynamic_network_architectures" else real_find_spec(name, *a),
    )
    direct = tmp_path / "direct.yaml"
    code, out, _ = run_cli(capsys, str(plans), "--configuration", "3d_fullres", "-o", str(direct))
    assert code == 0, out
    assert "not proven: written from the plan" in out and "✓ exact" not in out
    a, b = check_file(traced), check_file(direct)
    assert [(x.name, x.op, x.inputs, x.params) for x in a.spec.layers] == [
        (x.name, x.op, x.inputs, x.params) for x in b.spec.layers
    ]
    assert [n for n, _ in a.spec.outputs] == [n for n, _ in b.spec.outputs]


def test_the_unetplusplus_gallery_spec_is_smps_model_value_for_value():
    """specs/gallery/smp-unetplusplus-resnet34.yaml against segmentation_models_pytorch's own UnetPlusPlus: the
    same state-dict keys, the same outputs, and the sizes smp refuses are the ones the spec calls invalid."""
    _needs_smp()
    import segmentation_models_pytorch as smp

    from unetcalc import build_module

    path = Path(__file__).resolve().parent.parent / "specs" / "gallery" / "smp-unetplusplus-resnet34.yaml"
    reference = smp.UnetPlusPlus(encoder_name="resnet34", encoder_weights=None).eval()
    built = build_module(path).eval()
    assert set(built.state_dict()) == set(reference.state_dict())
    reference.load_state_dict(built.state_dict())
    for size in ((32, 32), (64, 64), (96, 128)):
        x = torch.randn(1, 3, *size)
        with torch.no_grad():
            assert torch.allclose(built(x), reference(x), atol=1e-5)
        assert check_file(path, size).ok
    for size in ((31, 31), (48, 48)):
        with pytest.raises(RuntimeError):
            reference(torch.randn(1, 3, *size))
        assert not check_file(path, size).ok


def test_monai_unets_residual_units_are_one_box_each(tmp_path):
    """Each residual unit (its projection written first, beside the strided main path, and the add) is one
    box of the drawing: a clean U of eight boxes, well under 2,500 px."""
    pytest.importorskip("monai")
    import re

    from unetcalc.cli.app import app
    from unetcalc.draw.layout import build_diagram

    outcome = _import("monai.networks.nets:UNet", **MONAI_UNET)
    assert outcome.ok and outcome.result is not None
    diagram = build_diagram(outcome.result)
    assert diagram.kind == "u" and len(diagram.blocks) == 8
    for unit in ("model.1.submodule.0", "model.1.submodule.1.submodule.0"):
        names = {f"{unit}.residual", f"{unit}.conv.unit0.conv", f"{unit}.add"}
        holding = [b for b in diagram.blocks if names & {e.layer.name for e in b.entries}]
        assert len(holding) == 1, (unit, [b.id for b in holding])
    spec = tmp_path / "unet.yaml"
    spec.write_text(outcome.text, encoding="utf-8")
    from typer.testing import CliRunner

    assert CliRunner().invoke(app, ["draw", str(spec), "-o", str(tmp_path / "u.svg")]).exit_code == 0
    width = float(re.search(r'width="([\d.]+)pt"', (tmp_path / "u.svg").read_text()[:3000]).group(1))
    assert width * 4 / 3 <= 2500


def test_a_package_that_fails_while_importing_is_a_clear_error_not_an_internal_one(tmp_path, monkeypatch):
    """A broken install (torchvision's C ops missing raise RuntimeError at import) is the package's problem."""
    from unetcalc.importer.sources import SourceError, load_module_ref

    (tmp_path / "broken_pkg.py").write_text("raise RuntimeError('operator vision::nms does not exist')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(SourceError, match=r"importing broken_pkg raised RuntimeError: operator vision::nms"):
        load_module_ref("broken_pkg:Model", {})


# -- deep supervision stacked into one tensor (torch.stack(…, dim=1)) ------------------------------------
def test_a_model_returning_its_heads_stacked_imports_as_outputs_stack(capsys, tmp_path):
    target = tmp_path / "stacked.yaml"
    code, out, _ = run_cli(capsys, f"{SMALL}:StackedHeads", "-o", str(target))
    assert code == 0, out
    assert "outputs: {stack: [head, resize]}" in target.read_text()
    assert "2 × HxWx2 (stack of head, resize)" in out
    built = build_from_result(check_file(target, (16, 16)))
    assert built(torch.randn(3, 1, 16, 16)).shape == (3, 2, 2, 16, 16)


def test_a_stack_the_model_computes_with_is_refused():
    loaded = load_module_ref(f"{SMALL}:StackedThenUsed", {})
    outcome = import_model(loaded, "StackedThenUsed")
    assert not outcome.ok
    assert [f.code for f in outcome.findings] == ["UC301"]
    assert "reads a torch.stack along dim 1" in outcome.findings[0].message


def test_monai_dynunet_in_training_returns_its_deep_supervision_stacked():
    pytest.importorskip("monai")
    from monai.networks.nets import DynUNet

    kwargs = {
        "spatial_dims": 2,
        "in_channels": 1,
        "out_channels": 2,
        "kernel_size": [3, 3, 3],
        "strides": [1, 2, 2],
        "upsample_kernel_size": [2, 2],
        "deep_supervision": True,
        "deep_supr_num": 1,
    }
    loaded = load_module_ref("monai.networks.nets:DynUNet", kwargs)
    outcome = import_model(loaded, "monai.networks.nets:DynUNet", train=True)
    assert outcome.ok, outcome.findings
    assert outcome.result is not None and outcome.result.spec.outputs_stacked
    assert outcome.proof is not None and outcome.proof.cpu_max_error == 0  # proven in training mode
    # The spec's module is MONAI's in training: one tensor, the heads along axis 1.
    model = DynUNet(**kwargs).train()
    x = torch.randn(2, 1, 32, 32)
    built = build_from_result(check_text(outcome.text or "", "dynunet.yaml", (32, 32))).train()
    assert built(x).shape == model(x).shape == (2, 2, 2, 32, 32)
    # Eval mode returns the segmentation alone: the same import without --train has no stack.
    plain = import_model(load_module_ref("monai.networks.nets:DynUNet", kwargs), "monai.networks.nets:DynUNet")
    assert plain.ok and plain.result is not None and not plain.result.spec.outputs_stacked


def test_the_dynunet_gallery_spec_is_monais_training_forward_value_for_value():
    """specs/gallery/dynunet-3d-deep-supervision.yaml against MONAI's DynUNet in training: its state_dict
    loads strictly and the stacked outputs are equal."""
    pytest.importorskip("monai")
    from monai.networks.nets import DynUNet

    from unetcalc import build_module

    path = Path(__file__).resolve().parent.parent / "specs" / "gallery" / "dynunet-3d-deep-supervision.yaml"
    reference = DynUNet(
        spatial_dims=3,
        in_channels=1,
        out_channels=3,
        kernel_size=[3, 3, 3, 3],
        strides=[1, 2, 2, 2],
        upsample_kernel_size=[2, 2, 2],
        res_block=True,
        deep_supervision=True,
        deep_supr_num=2,
    ).train()
    built = build_module(path).train()
    built.load_state_dict(reference.state_dict(), strict=False)  # MONAI registers each head twice
    assert {k for k, _ in built.named_parameters()} == {k for k, _ in reference.named_parameters()}
    x = torch.randn(2, 1, 16, 24, 16)
    with torch.no_grad():
        want, have = reference(x), built(x)
    assert have.shape == want.shape == (2, 3, 3, 16, 24, 16)
    assert torch.allclose(have, want, atol=1e-5)
    assert not check_file(path, (16, 20, 16)).ok  # 20 is not a multiple of 8: MONAI's skips fail there


def test_a_proof_that_finds_a_difference_is_uc303_saying_it(monkeypatch):
    """UC303's message is the proof's own sentence (importer/prove.py phrases each difference)."""
    from unetcalc.importer import prove
    from unetcalc.importer.proof import Proof

    problem = "parameters: the model has 1,000, the spec's module 999"
    monkeypatch.setattr(prove, "prove_spec", lambda *args: Proof(problems=[problem]))
    outcome = _import(f"{MODELS / 'milesial_unet.py'}:UNet")
    assert [(f.code, f.message) for f in outcome.findings] == [("UC303", problem)]
    assert not outcome.ok


def test_a_stack_returned_beside_another_tensor_is_refused_saying_so():
    outcome = import_model(load_module_ref(f"{SMALL}:StackedBesideAnother", {}), "StackedBesideAnother")
    assert [f.code for f in outcome.findings] == ["UC301"]
    assert "returns a torch.stack beside other tensors" in outcome.findings[0].message
