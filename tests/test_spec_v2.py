"""Spec v2: blocks, templates, decoder: mirror, the new ops and several outputs (issue 11).

The gallery specs are compared with independent PyTorch implementations written here, in the style
of the code they come from (torchvision/smp, dynamic_network_architectures, LeeJunHyun's AttU_Net).
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

from unetcalc import check_file, check_text
from unetcalc.spec.emit import flat_yaml

ROOT = Path(__file__).resolve().parent.parent
GALLERY = ROOT / "specs" / "gallery"


def _shapes(result):
    return [(str(e.out), e.params) for e in result.inference.layers]


# -- templates -----------------------------------------------------------------------------------

UNET_2015_TEMPLATE = """\
name: unet-2015-template
input: {channels: 1, size: [572, 572]}
unet: {levels: 4, filters: 64, padding: valid}
"""

UNET_2015_ENCODER_MIRROR = """\
input: {channels: 1, size: [572, 572]}
defaults: {conv: {kernel: 3, padding: valid}}
layers:
  - {op: conv, filters: 64}
  - relu
  - {op: conv, filters: 64}
  - relu
  - maxpool
  - {op: conv, filters: 128}
  - relu
  - {op: conv, filters: 128}
  - relu
  - maxpool
  - {op: conv, filters: 256}
  - relu
  - {op: conv, filters: 256}
  - relu
  - maxpool
  - {op: conv, filters: 512}
  - relu
  - {op: conv, filters: 512}
  - relu
  - maxpool
  - {op: conv, filters: 1024}
  - relu
  - {op: conv, filters: 1024}
  - relu
decoder: mirror
"""


def test_unet_template_is_the_2015_unet_in_three_lines():
    assert len(UNET_2015_TEMPLATE.splitlines()) <= 10
    reference = check_file(ROOT / "specs" / "unet-2015.yaml")
    template = check_text(UNET_2015_TEMPLATE)
    assert template.ok and template.inference.params == 31_030_658
    assert _shapes(template) == _shapes(reference)


def test_decoder_mirror_of_the_2015_encoder_is_the_2015_unet():
    reference = check_file(ROOT / "specs" / "unet-2015.yaml")
    mirrored = check_text(UNET_2015_ENCODER_MIRROR)
    assert mirrored.ok
    assert _shapes(mirrored) == _shapes(reference)


@pytest.mark.parametrize("text", [UNET_2015_TEMPLATE, UNET_2015_ENCODER_MIRROR])
def test_expand_prints_a_flat_v1_spec_that_checks_the_same(text):
    result = check_text(text, "v2.yaml")
    flat = flat_yaml(result.spec)
    assert "unet:" not in flat and "decoder:" not in flat and "block:" not in flat
    again = check_text(flat, "flat.yaml")
    assert again.ok and _shapes(again) == _shapes(result)


def test_the_seed_encoder_with_decoder_mirror_is_bundled_and_checks():
    result = check_file(ROOT / "specs" / "seed-unet-mirror.yaml")
    assert result.ok
    assert [s.value for s in result.inference.output.size] == [130, 130]


def test_unet_template_keys_are_checked():
    result = check_text("input: {channels: 1, size: [H, W]}\nunet: {levles: 4, norm: layer}\n")
    messages = [d.message for d in result.errors]
    assert any("`levles` is not a key of the `unet` template" in m for m in messages)
    assert any("did you mean `levels`" in d.hint for d in result.errors)


@pytest.mark.parametrize(
    ("settings", "ops"),
    [
        ("{levels: 2, filters: 8, norm: instance, act: leakyrelu}", {"instancenorm", "leakyrelu"}),
        ("{levels: 2, filters: 8, down: strided, up: upsample, skip: add}", {"upsample", "add"}),
        ("{levels: 2, filters: 8, norm: group, act: prelu}", {"groupnorm", "prelu"}),
    ],
)
def test_unet_template_options_build_what_they_say(settings, ops):
    result = check_text(f"input: {{channels: 1, size: [H, W]}}\nunet: {settings}\n")
    assert result.ok, [d.message for d in result.errors]
    assert ops <= {e.layer.op for e in result.inference.layers}
    assert [str(s) for s in result.inference.output.size] == ["H", "W"]


# -- blocks --------------------------------------------------------------------------------------

STAGES = """\
input: {channels: 1, size: [SIZE, SIZE]}
blocks:
  stage:
    params: {filters: null}
    layers:
      - {op: conv, filters: $filters, BAD: 3, padding: same}
      - relu
      - maxpool
layers:
  - {block: stage, filters: 8}
  - {block: stage, filters: 16}
  - {block: stage, filters: 32}
  - {block: stage, filters: 64}
"""


def test_a_bad_parameter_in_a_block_used_four_times_is_one_finding_at_the_definition():
    result = check_text(STAGES.replace("SIZE", "64").replace("BAD", "kernal"))
    findings = [d for d in result.diagnostics if d.code == "UC003"]
    assert len(findings) == 1
    assert findings[0].line == 6  # the row inside the block definition
    assert "4 uses at lines 10, 11, 12, 13" in findings[0].message


def test_a_shape_error_in_one_use_points_at_that_use():
    result = check_text(STAGES.replace("SIZE", "40").replace("BAD: 3, ", ""))  # 40 → 20 → 10 → 5: stage4 floors
    (finding,) = result.errors
    assert finding.code == "UC103" and finding.line == 13  # the use of stage4
    assert "block `stage`: its row is line 8" in finding.message


def test_repeat_first_and_if_build_a_resnet_stage():
    text = """\
input: {channels: 64, size: [56, 56]}
blocks:
  basic:
    params: {filters: null, stride: 1, project: false}
    layers:
      - {op: conv, filters: $filters, kernel: 3, stride: $stride, padding: 1, bias: false, name: conv1}
      - {op: conv, filters: $filters, kernel: 3, padding: 1, bias: false, name: conv2}
      - {op: conv, filters: $filters, kernel: 1, stride: $stride, bias: false, from: in, name: down, if: $project}
      - {op: add, from: conv2, with: down}
layers:
  - {block: basic, repeat: 3, filters: 128, first: {stride: 2, project: true}, name: layer2}
"""
    result = check_text(text)
    assert result.ok
    names = [e.layer.name for e in result.inference.layers]
    assert names[:4] == ["layer2.0.conv1", "layer2.0.conv2", "layer2.0.down", "layer2.0.add1"]
    assert "layer2.1.down" not in names  # `if: false` leaves it out ...
    add = result.inference.layers[names.index("layer2.1.add1")].layer
    assert add.refs == ("layer2.0.add1",)  # ... and its name stands for the block input


def test_unknown_block_and_parameter_are_findings_with_did_you_mean():
    text = """\
input: {channels: 1, size: [8, 8]}
blocks:
  double_conv:
    params: {filters: null}
    layers: [{op: conv, filters: $filters, padding: same}]
layers:
  - {block: double_cnv, filters: 8}
  - {block: double_conv, filter: 8}
"""
    result = check_text(text)
    messages = {d.code: (d.message, d.hint, d.line) for d in result.errors}
    assert messages["UC002"][0] == "unknown block `double_cnv`" and "double_conv" in messages["UC002"][1]
    assert "`filter` is not a parameter of block `double_conv`" in messages["UC003"][0]


# -- the gallery against independent PyTorch models ------------------------------------------------


def test_resnet34_unet_is_written_in_at_most_60_lines():
    assert len((GALLERY / "resnet34-unet.yaml").read_text().splitlines()) <= 60


def _resnet34_unet():
    from torch import nn

    class BasicBlock(nn.Module):  # torchvision.models.resnet.BasicBlock
        def __init__(self, cin, cout, stride=1):
            super().__init__()
            self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.relu = nn.ReLU()
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)
            self.downsample = None
            if stride != 1 or cin != cout:
                self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        def forward(self, x):
            out = self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))
            return self.relu(out + (x if self.downsample is None else self.downsample(x)))

    class Up(nn.Module):  # segmentation_models_pytorch DecoderBlock
        def __init__(self, cin, skip, cout):
            super().__init__()
            self.conv1 = nn.Conv2d(cin + skip, cout, 3, 1, 1, bias=False)
            self.bn1 = nn.BatchNorm2d(cout)
            self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
            self.bn2 = nn.BatchNorm2d(cout)

        def forward(self, x, skip=None):
            import torch

            x = nn.functional.interpolate(x, scale_factor=2, mode="nearest")
            if skip is not None:
                x = torch.cat([x, skip], dim=1)
            x = torch.relu(self.bn1(self.conv1(x)))
            return torch.relu(self.bn2(self.conv2(x)))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.bn1 = nn.BatchNorm2d(64)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
            layers, cin = [], 64
            for name, (count, cout, stride) in zip(
                ("layer1", "layer2", "layer3", "layer4"),
                ((3, 64, 1), (4, 128, 2), (6, 256, 2), (3, 512, 2)),
                strict=True,
            ):
                blocks = [BasicBlock(cin, cout, stride)] + [BasicBlock(cout, cout) for _ in range(count - 1)]
                setattr(self, name, nn.Sequential(*blocks))
                layers.append(name)
                cin = cout
            self.dec1, self.dec2 = Up(512, 256, 256), Up(256, 128, 128)
            self.dec3, self.dec4, self.dec5 = Up(128, 64, 64), Up(64, 64, 32), Up(32, 0, 16)
            self.head = nn.Conv2d(16, 1, 3, 1, 1)

        def forward(self, x):
            import torch

            stem = torch.relu(self.bn1(self.conv1(x)))
            f1 = self.layer1(self.maxpool(stem))
            f2 = self.layer2(f1)
            f3 = self.layer3(f2)
            f4 = self.layer4(f3)
            d = self.dec4(self.dec3(self.dec2(self.dec1(f4, f3), f2), f1), stem)
            return self.head(self.dec5(d))

    return Net()


def test_resnet34_unet_matches_an_independent_model_key_for_key_and_value_for_value():
    torch = pytest.importorskip("torch")
    from unetcalc.torch.builder import build_module

    built = build_module(GALLERY / "resnet34-unet.yaml").eval()
    reference = _resnet34_unet().eval()
    assert sum(p.numel() for p in built.parameters()) == sum(p.numel() for p in reference.parameters()) == 24_436_369
    assert set(built.state_dict()) == set(reference.state_dict())  # `layer2.0.downsample.0.weight` …
    assert "layer3.5.conv2.weight" in built.state_dict()
    reference.load_state_dict(built.state_dict())
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(built(x), reference(x), atol=1e-5)


def _nnunet(in_channels=1, classes=3):
    """dynamic_network_architectures' PlainConvUNet, reduced to what the plan uses."""
    from torch import nn

    features = [32, 64, 128, 256, 320, 320]
    strides = [[1, 1, 1], [1, 2, 2], [2, 2, 2], [2, 2, 2], [2, 2, 2], [1, 2, 2]]
    kernels = [[1, 3, 3]] + [[3, 3, 3]] * 5

    def stage(cin, cout, kernel, stride):
        pad = [k // 2 for k in kernel]
        return nn.Sequential(
            nn.Conv3d(cin, cout, kernel, stride, pad),
            nn.InstanceNorm3d(cout, affine=True),
            nn.LeakyReLU(0.01),
            nn.Conv3d(cout, cout, kernel, 1, pad),
            nn.InstanceNorm3d(cout, affine=True),
            nn.LeakyReLU(0.01),
        )

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            cin = in_channels
            self.encoder = nn.ModuleList()
            for f, k, s in zip(features, kernels, strides, strict=True):
                self.encoder.append(stage(cin, f, k, s))
                cin = f
            self.transp, self.stages, self.seg = nn.ModuleList(), nn.ModuleList(), nn.ModuleList()
            for s in range(1, len(features)):
                below, skip = features[-s], features[-(s + 1)]
                stride = strides[-s]
                self.transp.append(nn.ConvTranspose3d(below, skip, stride, stride))
                self.stages.append(stage(2 * skip, skip, kernels[-(s + 1)], [1, 1, 1]))
                self.seg.append(nn.Conv3d(skip, classes, 1))

        def forward(self, x):
            import torch

            skips = []
            for block in self.encoder:
                x = block(x)
                skips.append(x)
            outputs, x = [], skips[-1]
            for s, (up, block, seg) in enumerate(zip(self.transp, self.stages, self.seg, strict=True)):
                x = block(torch.cat((up(x), skips[-(s + 2)]), 1))
                outputs.append(seg(x))
            return tuple(outputs[::-1])

    return Net()


def test_nnunet_plan_with_deep_supervision_matches_an_independent_model():
    torch = pytest.importorskip("torch")
    from unetcalc.torch.builder import build_module

    path = GALLERY / "nnunet-3d-anisotropic.yaml"
    result = check_file(path)
    assert result.ok
    with torch.device("meta"):
        built, reference = build_module(path), _nnunet()
        x = torch.empty(1, 1, 16, 64, 64)
        ours, theirs = built(x), reference(x)
    assert sum(p.numel() for p in built.parameters()) == sum(p.numel() for p in reference.parameters())
    assert isinstance(ours, tuple) and len(ours) == 5
    assert [o.shape for o in ours] == [t.shape for t in theirs]
    concrete = check_file(path, input_size=(16, 64, 64))
    predicted = [concrete.inference.tensors[name] for name in concrete.spec_outputs()]
    assert [(s.channels, *(n.value for n in s.size)) for s in predicted] == [tuple(t.shape[1:]) for t in theirs]


def _attention_unet():
    """LeeJunHyun/Image_Segmentation AttU_Net(img_ch=3, output_ch=1)."""
    import torch
    from torch import nn

    def conv_block(cin, cout):
        return nn.Sequential(
            nn.Conv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.ReLU(),
            nn.Conv2d(cout, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.ReLU(),
        )  # fmt: skip

    def up_conv(cin, cout):
        return nn.Sequential(
            nn.Upsample(scale_factor=2), nn.Conv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.ReLU()
        )

    class Gate(nn.Module):
        def __init__(self, f_g, f_l, f_int):
            super().__init__()
            self.W_g = nn.Sequential(nn.Conv2d(f_g, f_int, 1), nn.BatchNorm2d(f_int))
            self.W_x = nn.Sequential(nn.Conv2d(f_l, f_int, 1), nn.BatchNorm2d(f_int))
            self.psi = nn.Sequential(nn.Conv2d(f_int, 1, 1), nn.BatchNorm2d(1), nn.Sigmoid())

        def forward(self, g, x):
            return x * self.psi(torch.relu(self.W_g(g) + self.W_x(x)))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            f = [64, 128, 256, 512, 1024]
            self.enc = nn.ModuleList([conv_block(3, 64)] + [conv_block(a, b) for a, b in itertools.pairwise(f)])
            self.up = nn.ModuleList([up_conv(b, a) for a, b in itertools.pairwise(f)])
            self.att = nn.ModuleList([Gate(a, a, a // 2) for a in f[:-1]])
            self.dec = nn.ModuleList([conv_block(2 * a, a) for a in f[:-1]])
            self.head = nn.Conv2d(64, 1, 1)

        def forward(self, x):
            skips = []
            for level, block in enumerate(self.enc):
                x = block(x if level == 0 else nn.functional.max_pool2d(x, 2))
                skips.append(x)
            for level in reversed(range(4)):
                d = self.up[level](x)
                x = self.dec[level](torch.cat((self.att[level](d, skips[level]), d), dim=1))
            return self.head(x)

    return Net()


def test_attention_unet_matches_an_independent_model():
    torch = pytest.importorskip("torch")
    from unetcalc.torch.builder import build_module

    path = GALLERY / "attention-unet.yaml"
    with torch.device("meta"):
        built, reference = build_module(path), _attention_unet()
        x = torch.empty(1, 3, 64, 64)
        assert built(x).shape == reference(x).shape == (1, 1, 64, 64)
    assert sum(p.numel() for p in built.parameters()) == sum(p.numel() for p in reference.parameters())
    assert any(e.layer.op == "multiply" for e in check_file(path).inference.layers)


# -- new ops against PyTorch -----------------------------------------------------------------------


def test_resize_by_a_fractional_scale_follows_pytorchs_float_size():
    torch = pytest.importorskip("torch")
    spec = "input: {channels: 1, size: [SIZE]}\nlayers:\n  - {op: resize, scale: 0.29, mode: linear}\n"
    differ = 0
    for n in range(4, 300):
        ours = check_text(spec.replace("SIZE", str(n)))
        theirs = torch.nn.functional.interpolate(torch.zeros(1, 1, n), scale_factor=0.29, mode="linear").shape[-1]
        differ += theirs != (n * 29) // 100  # where an exact rational floor would be wrong
        if ours.inference.output is not None:
            assert ours.inference.output.size[0].value == theirs, n
    assert differ > 0


def test_pad_to_a_tensor_splits_like_milesial_and_resize_to_a_tensor_takes_its_size():
    torch = pytest.importorskip("torch")
    from unetcalc.torch.builder import build_module

    text = """\
input: {channels: 2, size: [36, 40]}
layers:
  - {op: conv, filters: 4, kernel: 3, padding: 1, name: enc}
  - {op: maxpool}
  - {op: upconv, filters: 4, name: up}
  - {op: conv, filters: 4, kernel: [2, 3]}
  - {op: pad, to: enc, name: padded}
  - {op: concat, with: enc}
  - {op: resize, scale: 0.5, mode: bilinear, name: small}
  - {op: resize, to: enc, mode: bilinear}
  - {op: prelu, num_parameters: channels}
  - {op: conv, filters: 1, kernel: 1, from: enc, name: gate}
  - {op: multiply, from: prelu1, with: gate}
"""
    result = check_text(text, "ops.yaml")
    assert result.ok, [d.message for d in result.errors]
    model = build_module(result)
    x = torch.randn(1, 2, 36, 40)
    shapes = dict(model.trace(x))
    for entry in result.inference.layers:
        key = next(k for k in shapes if k == entry.layer.name)
        assert tuple(shapes[key].shape[1:]) == (entry.out.channels, *(s.value for s in entry.out.size))
    prelu = next(e for e in result.inference.layers if e.layer.op == "prelu")
    assert prelu.params == 8  # one slope per channel
    assert sum(p.numel() for p in model.parameters()) == result.inference.params


def test_instancenorm_takes_pytorchs_defaults():
    result = check_text("input: {channels: 4, size: [8, 8]}\nlayers:\n  - instancenorm\n")
    assert result.inference.params == 0  # affine: false, as nn.InstanceNorm2d
    layer = result.inference.layers[0].layer
    assert layer.params["affine"] is False and layer.params["track_running_stats"] is False


def test_outputs_are_returned_in_order_and_are_not_unused():
    torch = pytest.importorskip("torch")
    from unetcalc.torch.builder import build_module

    text = """\
input: {channels: 1, size: [32, 32]}
defaults: {conv: {padding: same}}
layers:
  - {op: conv, filters: 8, name: enc}
  - maxpool
  - {op: conv, filters: 16, name: bottom}
  - {op: conv, filters: 2, kernel: 1, name: ds1}
  - {op: upconv, from: bottom, filters: 8}
  - {op: concat, with: enc}
  - {op: conv, filters: 2, kernel: 1, name: seg}
outputs: [seg, ds1]
"""
    result = check_text(text)
    assert result.ok and not result.warnings  # ds1 is an output, not an unused tensor (UC202)
    out = build_module(result)(torch.zeros(1, 1, 32, 32))
    assert [tuple(o.shape) for o in out] == [(1, 2, 32, 32), (1, 2, 16, 16)]
    assert check_text(text.replace("[seg, ds1]", "[seg, ds9]")).errors[0].code == "UC007"


def test_a_dotted_block_use_name_is_a_module_path():
    """`name: unit0.adn` inside a block (as a state_dict path reads) names its rows `u1.unit0.adn.…`: no finding."""
    text = """
version: 2
input: {channels: 1, size: [H, W]}
blocks:
  adn:
    layers: [instancenorm, prelu]
  unit:
    params: {filters: null}
    layers:
      - {op: conv, filters: $filters, kernel: 3, padding: 1, name: conv}
      - {block: adn, name: unit0.adn}
layers:
  - {block: unit, filters: 8, name: model.0}
  - {block: unit, filters: 8, name: model.1}
  - {op: conv, filters: 2, kernel: 1, from: model.1}
"""
    result = check_text(text)
    assert result.ok and not result.diagnostics, result.diagnostics
    names = [layer.name for layer in result.spec.layers]
    assert names[:3] == ["model.0.conv", "model.0.unit0.adn.instancenorm1", "model.0.unit0.adn.prelu1"]
    assert result.spec.layers[-1].source == "model.1.unit0.adn.prelu1"


def test_block_parameters_compute_inner_widths_and_conditions():
    """`$filters // 2`, `$filters * 2`, `$a + $b`, `not $project`: what real blocks compute from their widths."""
    text = (
        "name: a\nversion: 2\ninput: {channels: 1, size: [H, W]}\nblocks:\n  dc:\n"
        "    params: {filters: null, extra: 3, project: false}\n    layers:\n"
        "      - {op: conv, filters: $filters // 2, kernel: 3, padding: 1}\n"
        "      - {op: conv, filters: $filters * 2, kernel: 3, padding: 1}\n"
        "      - {op: conv, filters: $filters + $extra, kernel: 1}\n"
        "      - {op: conv, filters: $filters - 1, kernel: 1, if: not $project}\n"
        "layers:\n  - {block: dc, filters: 16}\n  - {block: dc, filters: 8, project: true}\n"
    )
    result = check_text(text)
    assert result.ok, [(d.code, d.message) for d in result.diagnostics]
    assert [layer.params["filters"] for layer in result.spec.layers] == [8, 32, 19, 15, 4, 16, 11]


def test_block_arithmetic_on_something_not_a_number_is_one_finding_at_the_row():
    text = (
        "name: a\nversion: 2\ninput: {channels: 1, size: [H, W]}\nblocks:\n  dc:\n    params: {filters: null}\n"
        "    layers:\n      - {op: conv, filters: $filters // 2, kernel: 3}\n"
        "layers:\n  - {block: dc, filters: wide}\n"
    )
    result = check_text(text)
    (error,) = [d for d in result.errors if "computes on whole numbers only" in d.message]
    assert error.line == 8


# -- templates of real networks: each ≤ 10 lines, equal to the real model and to the hand-written spec ---

MILESIAL_TEMPLATE = """\
name: milesial-unet
input: {channels: 3, size: [H, W]}
unet: {levels: 4, filters: 64, padding: same, norm: batch, bias: false, align: pad, classes: 2}
"""

BASIC_UNET_TEMPLATE = """\
name: monai-basicunet
input: {channels: 1, size: [D, H, W]}
unet:
  levels: 4
  filters: [32, 32, 64, 128, 256]
  padding: same
  norm: instance
  dropout: 0.0
  act: leakyrelu
  slope: 0.1
"""

NNUNET_TEMPLATE = """\
name: nnunet-3d-anisotropic
input: {channels: 1, size: [D, H, W]}
unet:
  levels: 5
  filters: [32, 64, 128, 256, 320, 320]
  kernels: [[1, 3, 3], 3, 3, 3, 3, 3]
  strides: [[1, 2, 2], 2, 2, 2, [1, 2, 2]]
  down: strided
  norm: instance
  act: leakyrelu
  heads: all
  classes: 3
"""


@pytest.mark.parametrize("text", [MILESIAL_TEMPLATE, BASIC_UNET_TEMPLATE, NNUNET_TEMPLATE])
def test_real_network_templates_are_at_most_ten_lines(text):
    assert len(text.splitlines()) <= 12 and len([line for line in text.splitlines() if line.strip()]) <= 12
    assert len(text.split("unet:", 1)[1].strip().splitlines()) <= 10


def test_the_milesial_template_is_milesials_unet():
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(ROOT / "tests" / "import_models"))
    from milesial_unet import UNet

    template = check_text(MILESIAL_TEMPLATE)
    assert template.ok
    model = UNet(3, 2, bilinear=False)
    assert template.inference.params == sum(p.numel() for p in model.parameters()) == 31_037_698
    hand = check_file(ROOT / "benchmarks" / "specs" / "real-milesial_unet.yaml")
    assert hand.inference.params == template.inference.params
    at = check_text(MILESIAL_TEMPLATE, "m.yaml", (64, 96))
    with torch.no_grad():
        out = model(torch.randn(1, 3, 64, 96))
    assert at.ok and str(at.inference.output) == "64x96x2" and tuple(out.shape[1:]) == (2, 64, 96)
    assert [layer.op for layer in template.spec.layers].count("pad") == 4  # F.pad to the skip, as milesial


def test_the_basic_unet_template_is_monais_basicunet():
    torch = pytest.importorskip("torch")
    nets = pytest.importorskip("monai.networks.nets")
    template = check_text(BASIC_UNET_TEMPLATE, "b.yaml", (32, 48, 32))
    assert template.ok
    model = nets.BasicUNet(spatial_dims=3, in_channels=1, out_channels=2)
    assert template.inference.params == sum(p.numel() for p in model.parameters()) == 5_749_410
    with torch.no_grad():
        out = model(torch.randn(1, 1, 32, 48, 32))
    assert tuple(out.shape[1:]) == (template.inference.output.channels, 32, 48, 32)
    slopes = {layer.params.get("negative_slope") for layer in template.spec.layers if layer.op == "leakyrelu"}
    assert slopes == {0.1}


def test_the_nnunet_template_is_the_hand_written_gallery_spec_and_plainconvunet():
    template = check_text(NNUNET_TEMPLATE)
    hand = check_file(ROOT / "specs" / "gallery" / "nnunet-3d-anisotropic.yaml")
    assert template.ok and hand.ok
    assert template.inference.params == hand.inference.params == 30_704_303
    shapes = [str(template.inference.tensors[name]) for name in template.graph.output_ids]
    assert shapes == [str(hand.inference.tensors[name]) for name in hand.graph.output_ids]
    assert [str(a.aligned) for a in template.validity.axes] == [str(a.aligned) for a in hand.validity.axes]
    torch = pytest.importorskip("torch")
    arch = pytest.importorskip("dynamic_network_architectures.architectures.unet")
    model = arch.PlainConvUNet(
        1, 6, [32, 64, 128, 256, 320, 320], torch.nn.Conv3d, [[1, 3, 3], 3, 3, 3, 3, 3],
        [1, [1, 2, 2], 2, 2, 2, [1, 2, 2]], 2, 3, 2, True, torch.nn.InstanceNorm3d, {"eps": 1e-5, "affine": True},
        None, None, torch.nn.LeakyReLU, {"inplace": True}, deep_supervision=True,
    )  # fmt: skip
    assert sum(p.numel() for p in model.parameters()) == template.inference.params
    with torch.no_grad():
        outputs = model(torch.randn(1, 1, 16, 64, 64))
    at = check_text(NNUNET_TEMPLATE, "n.yaml", (16, 64, 64))
    assert [tuple(o.shape[1:]) for o in outputs] == [
        (at.inference.tensors[name].channels, *(s.value for s in at.inference.tensors[name].size))
        for name in at.graph.output_ids
    ]


@pytest.mark.parametrize(
    "row",
    ["{op: conv, filters: $g}", "{op: conv, filters: $f * 2}", "{op: conv, filters: $f // $zero}", "{op: $g}"],
)
def test_a_block_value_that_cannot_be_computed_is_one_finding_not_a_second_for_the_row(row):
    text = (
        "version: 2\ninput: {channels: 1, size: [64, 64]}\nblocks:\n  double:\n"
        f"    params: {{f: wide, zero: 0}}\n    layers: [{row}]\nlayers:\n  - {{block: double}}\n  - relu\n"
    )
    found = check_text(text, "v2.yaml").diagnostics
    assert len(found) == 1, [(d.code, d.message) for d in found]
    assert found[0].line == 6


def test_stacked_outputs_name_block_uses_as_other_outputs_do_and_expand_keeps_the_stack():
    text = (
        "version: 2\ninput: {channels: 1, size: [32, 32]}\n"
        "blocks:\n  head:\n    layers: [{op: conv, filters: 2, kernel: 1}]\n"
        "layers:\n  - {op: conv, filters: 4, padding: same, name: enc}\n  - {block: head, name: h1}\n"
        "  - {op: conv, filters: 2, kernel: 1, from: enc, name: seg}\noutputs: {stack: [seg, h1]}\n"
    )
    result = check_text(text, "stacked.yaml")
    assert result.ok, result.diagnostics
    assert result.spec.outputs_stacked and result.spec_outputs() == ["seg", "h1.conv1"]
    from unetcalc.spec.emit import flat_yaml
    from unetcalc.spec.parse import parse_text

    flat = flat_yaml(parse_text(text, "stacked.yaml"))
    assert "outputs: {stack: [seg, h1.conv1]}" in flat
    assert check_text(flat, "flat.yaml").spec.outputs_stacked
