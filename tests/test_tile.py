"""`unetcalc tile`, `rf` and `sizes --format bioimageio`: what the commands print and write, the runtimes'
window placement against their own code, and bad options."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml
from typer.testing import CliRunner

from unetcalc import check_file, check_text
from unetcalc.cli.app import app
from unetcalc.tiling.plan import TileError, TileRequest, plan_tiles

runner = CliRunner()

SAME_1D = """
input: {channels: 1, size: [X]}
defaults:
  conv: {kernel: 3, padding: same}
layers:
  - {op: conv, filters: 4, name: e1}
  - maxpool
  - {op: conv, filters: 4, name: e2}
  - maxpool
  - {op: conv, filters: 4}
  - {op: upsample, scale: 2}
  - {op: concat, with: e2}
  - {op: upsample, scale: 2}
  - {op: concat, with: e1}
  - {op: conv, filters: 2, kernel: 1}
"""


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_the_2015_unet_on_a_2048_image_in_8_gib():
    code, out = run("tile", "specs/unet-2015.yaml", "--image", "2048x2048", "--memory", "8GiB")
    assert code == 0, out
    assert "tile" in out and "step" in out and "exact" in out and "margin" in out and "mirror" in out
    _, raw = run("tile", "specs/unet-2015.yaml", "--image", "2048x2048", "--memory", "8GiB", "--format", "json")
    plan = json.loads(raw)
    assert plan["exact"] and plan["runtime"] == "overlap-tile"
    assert plan["memory"]["total"] <= plan["memory"]["limit"] == 8 * 2**30
    for axis in plan["axes"]:
        assert (axis["tile"] - 12) % 16 == 0 and axis["tile"] >= 188  # a valid input
        assert axis["step"] % 16 == 0 and axis["step"] <= axis["output"]
        covered = (len(axis["starts"]) - 1) * axis["step"] + axis["output"]
        assert covered >= axis["image"]


def test_a_smaller_budget_gives_a_smaller_tile_that_still_fits():
    plans = [
        plan_tiles(check_file("specs/unet-2015.yaml"), TileRequest((2048, 2048), memory=gib * 2**30))
        for gib in (1, 2, 8)
    ]
    tiles = [p.axes[0].tile for p in plans]
    assert tiles == sorted(tiles) and tiles[0] < tiles[-1]
    assert all(p.memory.total <= p.memory.limit for p in plans if p.memory.limit)
    assert plans[0].tiles > plans[-1].tiles


def test_unet3d_with_monai_and_nnunet_side_by_side():
    outs = {}
    for runtime in ("monai", "nnunet"):
        code, out = run(
            "tile", "specs/unet3d.yaml", "--image", "300x512x512", "--runtime", runtime, "--memory", "24GiB"
        )
        assert code == 0, out
        outs[runtime] = out
    assert "SlidingWindowInferer(roi_size=" in outs["monai"] and "count map" in outs["monai"]
    assert "tile_step_size=0.5" in outs["nnunet"] and "8 mirrored passes" in outs["nnunet"]
    assert "predicted logits (fp16)" in outs["nnunet"]
    for out in outs.values():  # the valid 3D U-Net cuts 88 rows: each window is padded by them
        assert "F.pad(x, (44, 44, 44, 44, 44, 44)" in out


def test_monai_windows_are_monais_own():
    inferers = pytest.importorskip("monai.inferers.utils")
    data = pytest.importorskip("monai.data.utils")
    for image, roi, overlap in (((300, 512, 512), (96, 128, 128), 0.25), ((70, 200, 90), (64, 64, 96), 0.5)):
        text = SAME_1D.replace("[X]", "[D, H, W]")
        plan = plan_tiles(check_text(text), TileRequest(image, "monai", tile=roi, overlap=overlap))
        size = tuple(max(i, r) for i, r in zip(image, roi, strict=True))
        interval = inferers._get_scan_interval(size, roi, 3, (overlap,) * 3)
        slices = data.dense_patch_slices(size, roi, interval)
        starts = [sorted({s[a].start for s in slices}) for a in range(3)]
        assert [list(axis.starts) for axis in plan.axes] == starts
        assert plan.tiles == len(slices)


def test_nnunet_steps_follow_its_own_example():
    """compute_steps_for_sliding_window's docstring: image 110, patch 64, step 0.5 → starts 0, 23, 46."""
    plan = plan_tiles(check_text(SAME_1D), TileRequest((110,), "nnunet", tile=(64,)))
    assert plan.axes[0].starts == (0, 23, 46) and plan.passes == 3 * 2


def test_the_default_monai_overlap_is_seamless_and_on_the_grid():
    plan = plan_tiles(check_text(SAME_1D), TileRequest((1000,), "monai", tile=(128,)))
    axis = plan.axes[0]
    first, last = axis.exact
    assert axis.step % 4 == 0 and axis.step <= last - first
    assert plan.parameters["overlap"] > 0 and int(128 * (1 - plan.parameters["overlap"])) == axis.step


def test_a_symbolic_spec_needs_a_tile_or_a_budget(tmp_path):
    spec = tmp_path / "same.yaml"
    spec.write_text(SAME_1D, encoding="utf-8")
    code, out = run("tile", str(spec), "--image", "1024")
    assert code == 2 and "--tile" in out and "--memory" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--image", "0x512"], "between 1 and"),
        (["--image", "big"], "give 1 to 3 sizes"),
        (["--image", "512x512", "--tile", "200x200"], "not a valid input on axis H (nearest valid: 188, 204)"),
        (["--image", "512"], "--image has 1 sizes but the network is 2D"),
        (["--image", "512x512", "--memory", "1MiB"], "even the smallest tile"),
        (["--image", "512x512", "--plot", "tiles.pdf"], "write a .svg or .png file"),
    ],
)
def test_bad_options_are_one_clear_line(args, message):
    code, out = run("tile", "specs/unet-2015.yaml", *args)
    assert code != 0 and message in out and "Traceback" not in out


def test_the_plot_draws_every_tile_and_the_image(tmp_path):
    target = tmp_path / "tiles.svg"
    code, out = run("tile", "specs/unet-2015.yaml", "--image", "1000x700", "--tile", "412x412", "--plot", str(target))
    assert code == 0, out
    svg = target.read_text(encoding="utf-8")
    plan = plan_tiles(check_file("specs/unet-2015.yaml"), TileRequest((1000, 700), tile=(412, 412)))
    assert svg.count('class="tile"') == plan.tiles == svg.count('class="kept"')
    assert 'class="image"' in svg and 'class="padding"' in svg
    png = tmp_path / "tiles.png"
    code, _ = run("tile", "specs/unet3d.yaml", "--image", "120x300x300", "--tile", "116x132x132", "--plot", str(png))
    assert code == 0 and png.read_bytes().startswith(b"\x89PNG")


def test_rf_prints_the_phases_and_writes_json():
    code, out = run("rf", "specs/unet-2015.yaml")
    assert code == 0 and "read input [0, 187]" in out and "read input [0, 203]" in out and "188–204" in out
    _, raw = run("rf", "specs/unet-2015.yaml", "--format", "json")
    data = json.loads(raw)
    assert data["axes"][0]["sizes"] == [188, 204] and data["axes"][0]["period"] == 16
    assert {"name": "head", "sizes": [[188, 204], [188, 204]]} in data["layers"]


def test_the_table_has_a_receptive_field_column():
    _, out = run("table", "specs/unet-2015.yaml", "--format", "markdown")
    head = next(line for line in out.splitlines() if "| head" in line)
    assert "188–204" in head


def test_check_json_is_unchanged_by_tiling():
    """`check` computes no receptive field: its JSON and speed do not depend on the tiling code."""
    _, raw = run("check", "specs/unet-2015.yaml", "--format", "json")
    assert "receptive" not in raw


def test_bioimageio_axes():
    code, out = run("sizes", "specs/unet-2015.yaml", "--format", "bioimageio")
    assert code == 0, out
    document = yaml.safe_load(out)
    space = [a for a in document["inputs"][0]["axes"] if a["type"] == "space"]
    assert [a["size"] for a in space] == [{"min": 188, "step": 16}] * 2
    out_space = [a for a in document["outputs"][0]["axes"] if a["type"] == "space"]
    assert out_space[0]["size"] == {"tensor_id": "input", "axis_id": "y", "offset": -184}
    _, same = run("sizes", "specs/unet-same.yaml", "--format", "bioimageio")
    halo = [a for a in yaml.safe_load(same)["outputs"][0]["axes"] if a["type"] == "space"]
    assert all(a["halo"] > 0 and "offset" not in a["size"] for a in halo)
    # Outputs stacked (DynUNet in training): their own axis after the batch, one entry per output.
    _, stacked = run("sizes", "specs/gallery/dynunet-3d-deep-supervision.yaml", "--format", "bioimageio")
    axes = yaml.safe_load(stacked)["outputs"][0]["axes"]
    assert [a["type"] for a in axes] == ["batch", "index", "channel", "space", "space", "space"]
    assert axes[1]["size"] == 3


def test_a_network_with_a_fixed_size_resize_cannot_be_tiled():
    text = "input: {channels: 1, size: [X]}\nlayers:\n  - {op: resize, size: 32}\n  - {op: conv, filters: 1}\n"
    with pytest.raises(TileError, match="depends on the input size"):
        plan_tiles(check_text(text), TileRequest((500,)))


def test_tile_does_not_import_torch():
    command = [sys.executable, "-X", "importtime", "-m", "unetcalc", "tile", "specs/unet3d.yaml"]
    command += ["--image", "300x512x512", "--memory", "24GiB"]
    proc = subprocess.run(command, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not [line for line in proc.stderr.splitlines() if line.rstrip().endswith("| torch")]


def test_an_image_smaller_than_any_tile_gets_one_tile_that_has_a_plan():
    for args in (("--image", "1x1"), ("--image", "1x1", "--memory", "1GiB")):
        code, out = run("tile", "specs/unet-2015.yaml", *args)
        assert code == 0 and "1 tile;" in out, out
    plan = plan_tiles(check_file("specs/unet-same.yaml"), TileRequest((10, 10), tile=(16, 16)))
    assert plan.tiles == 1 and plan.axes[0].pad == (0, 6) and plan.exact
