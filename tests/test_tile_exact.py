"""Tiling plans run for real (CPU, float64, narrow networks): the tiles, stitched as the plan says,
equal one pass over the whole padded image to 1e-12 — and for instance norm they provably do not."""

from __future__ import annotations

import itertools

import pytest
import yaml

from unetcalc import build_module, check_text
from unetcalc.tiling.plan import TilePlan, TileRequest, plan_tiles

torch = pytest.importorskip("torch")
np = pytest.importorskip("numpy")


def narrow(path: str, filters: int = 2) -> str:
    """A bundled spec with every conv `filters` wide: the same geometry at a cost a CPU test can pay."""
    with open(path, encoding="utf-8") as handle:
        document = yaml.safe_load(handle)
    for layer in document["layers"]:
        if isinstance(layer, dict):
            layer.pop("out", None)  # declared shapes name the paper's channels
            if layer.get("filters", 0) > 3:
                layer["filters"] = filters
    return yaml.safe_dump(document, sort_keys=False)


SAME_BN = """
input: {channels: 1, size: [H, W]}
defaults:
  conv: {kernel: 3, padding: same}
layers:
  - {op: conv, filters: 3}
  - batchnorm
  - {op: relu, name: e1}
  - maxpool
  - {op: conv, filters: 3}
  - NORM
  - {op: relu, name: e2}
  - maxpool
  - {op: conv, filters: 3}
  - {op: relu}
  - {op: upsample, scale: 2, mode: bilinear}
  - {op: concat, with: e2}
  - {op: conv, filters: 3}
  - {op: upconv, filters: 3, kernel: 2}
  - {op: concat, with: e1}
  - {op: conv, filters: 3, dilation: 2}
  - {op: conv, filters: 2, kernel: 1}
"""

VALID_3D = """
input: {channels: 1, size: [D, H, W]}
defaults:
  conv: {kernel: 3, padding: valid}
layers:
  - {op: conv, filters: 2}
  - {op: conv, filters: 2, name: e1}
  - maxpool
  - {op: conv, filters: 2}
  - {op: conv, filters: 2}
  - {op: upconv, filters: 2, kernel: 2}
  - {op: concat, with: e1, crop: center}
  - {op: conv, filters: 2}
  - {op: conv, filters: 2, kernel: 1}
"""


def _module(text: str, size: tuple[int, ...]):
    result = check_text(text, "<test>", size)
    assert result.ok, result.diagnostics
    torch.manual_seed(0)
    module = build_module(result).double().eval()
    with torch.no_grad():
        # He-initialised weights keep a signal through every layer (PyTorch's default init leaves a narrow
        # 23-layer network's output constant, which any tiling would "reproduce").
        for parameter in module.parameters():
            if parameter.dim() > 1:
                parameter.normal_(0.0, (2.0 / parameter[0].numel()) ** 0.5)
            else:
                parameter.uniform_(-0.1, 0.1)
        for name, buffer in module.named_buffers():
            if name.endswith("running_mean"):
                buffer.uniform_(-0.5, 0.5)
            elif name.endswith("running_var"):
                buffer.uniform_(0.5, 2.0)
    return module


def _run(module, array):
    with torch.no_grad():
        out = module(torch.from_numpy(np.ascontiguousarray(array))[None])
    return (out[0] if isinstance(out, tuple) else out)[0].numpy()


def stitch(text: str, plan: TilePlan, image, whole_pass: bool = True):
    """Run the plan: pad the image as it says, run every tile, keep and place what it says."""
    pad_mode = "reflect" if plan.valid_padded else "constant"
    padded = np.pad(image, [(0, 0)] + [axis.pad for axis in plan.axes], mode=pad_mode)
    cut = [axis.tile - axis.output for axis in plan.axes]
    out_size = [axis.padded - c for axis, c in zip(plan.axes, cut, strict=True)]
    module = _module(text, tuple(axis.tile for axis in plan.axes))
    stitched = None
    written = np.zeros(out_size, dtype=bool)
    for index in itertools.product(*(range(axis.windows) for axis in plan.axes)):
        window = tuple(slice(a.starts[k], a.starts[k] + a.tile) for a, k in zip(plan.axes, index, strict=True))
        out = _run(module, padded[(slice(None), *window)])
        if stitched is None:
            stitched = np.full((out.shape[0], *out_size), np.nan)
        source = tuple(slice(*a.keep[k]) for a, k in zip(plan.axes, index, strict=True))
        target = tuple(
            slice(a.writes[k] + a.keep[k][0], a.writes[k] + a.keep[k][1]) for a, k in zip(plan.axes, index, strict=True)
        )
        stitched[(slice(None), *target)] = out[(slice(None), *source)]
        written[target] = True
    assert written.all(), "the plan leaves output positions uncovered"
    whole = _run(_module(text, padded.shape[1:]), padded) if whole_pass else None
    assert np.std(stitched) > 1e-3, "the test network's output is (nearly) constant: it would prove nothing"
    return stitched, whole


def _image(shape: tuple[int, ...], seed: int = 1):
    return np.random.default_rng(seed).standard_normal((1, *shape))


def test_the_2015_unet_stitches_exactly():
    text = narrow("specs/unet-2015.yaml")
    plan = plan_tiles(check_text(text), TileRequest((250, 230), tile=(220, 236)))
    assert plan.exact and plan.valid_padded and plan.tiles > 4
    assert all(axis.step % 16 == 0 for axis in plan.axes)  # on the 16-pixel pooling grid
    stitched, whole = stitch(text, plan, _image((250, 230)))
    assert stitched.shape == whole.shape
    assert np.max(np.abs(stitched - whole)) < 1e-12


def test_a_3d_valid_unet_stitches_exactly():
    plan = plan_tiles(check_text(VALID_3D), TileRequest((23, 30, 27), tile=(20, 24, 20)))
    assert plan.exact and plan.tiles >= 8
    stitched, whole = stitch(VALID_3D, plan, _image((23, 30, 27)))
    assert np.max(np.abs(stitched - whole)) < 1e-12


def test_a_same_padded_unet_with_batchnorm_stitches_exactly():
    text = SAME_BN.replace("NORM", "batchnorm")
    plan = plan_tiles(check_text(text), TileRequest((100, 90), tile=(48, 56)))
    assert plan.exact and not plan.valid_padded and plan.tiles > 4
    assert all(axis.exact[0] > 0 for axis in plan.axes)  # interior tiles drop the rows that saw padding
    stitched, whole = stitch(text, plan, _image((100, 90)))
    assert np.max(np.abs(stitched - whole)) < 1e-12


def test_a_step_off_the_pooling_grid_is_not_exact():
    """The control: the same tiles two rows off the 4-row grid differ — the alignment is what makes it exact."""
    import dataclasses

    text = SAME_BN.replace("NORM", "batchnorm")
    plan = plan_tiles(check_text(text), TileRequest((100, 90), tile=(48, 56)))
    axis = plan.axes[0]
    assert axis.align == 4 and axis.windows > 2
    starts = tuple(s - 2 if 0 < k < axis.windows - 1 else s for k, s in enumerate(axis.starts))
    keep, written = [], 0
    for k, start in enumerate(starts):
        keep.append((written - start, axis.tile if k == axis.windows - 1 else axis.exact[1]))
        written = start + keep[-1][1]
    plan.axes[0] = dataclasses.replace(axis, starts=starts, writes=starts, keep=tuple(keep))
    assert not plan.axes[0].aligned
    stitched, whole = stitch(text, plan, _image((100, 90)))
    assert np.max(np.abs(stitched - whole)) > 1e-6


def test_instance_norm_is_flagged_and_really_differs():
    text = SAME_BN.replace("NORM", "instancenorm")
    plan = plan_tiles(check_text(text), TileRequest((100, 90), tile=(48, 56)))
    assert not plan.exact
    assert [(d.code, d.layer) for d in plan.findings] == [("UC401", "instancenorm1")]
    assert "tiled output differs" in plan.findings[0].message
    stitched, whole = stitch(text, plan, _image((100, 90)))
    assert np.max(np.abs(stitched - whole)) > 1e-3


def test_no_exact_takes_longer_steps_and_really_differs():
    """Off the grid the padded image is no valid input at all; against the exact plan, on the image, it differs."""
    text = narrow("specs/unet-2015.yaml")
    plan = plan_tiles(check_text(text), TileRequest((250, 230), tile=(220, 236), exact=False))
    assert not plan.exact and "--no-exact" in plan.why_not_exact[0]
    assert [axis.step for axis in plan.axes] == [axis.output for axis in plan.axes]  # no overlap at all
    loose, _ = stitch(text, plan, _image((250, 230)), whole_pass=False)
    exact, _ = stitch(text, plan_tiles(check_text(text), TileRequest((250, 230), tile=(220, 236))), _image((250, 230)))
    on_image = (slice(None), slice(0, 250), slice(0, 230))
    assert np.max(np.abs(loose[on_image] - exact[on_image])) > 1e-6
