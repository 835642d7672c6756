"""`unetcalc draw`: golden DOT, the U layout measured on rendered SVG, formats and failures."""

from __future__ import annotations

import itertools
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unetcalc import check_file
from unetcalc.cli.app import app
from unetcalc.draw.dot import compress, node_ids, to_dot
from unetcalc.draw.layout import BOTTOM, DECODER, ENCODER, build_diagram
from unetcalc.draw.render import render

from conftest import SPECS

runner = CliRunner()
BUNDLED = ["unet-2015", "seed-encoder", "seed-encoder-fixed", "unet-same", "unet-1d", "unet3d", "fcn8s"]
ROUTES = ["wasm"] + (["dot"] if shutil.which("dot") else [])


def dot_for(name: str, detail: str = "blocks", layout: str = "u", input_size=None) -> str:
    result = check_file(SPECS / f"{name}.yaml", input_size)
    return to_dot(result, build_diagram(result, layout, detail), detail)


@pytest.mark.parametrize("name", BUNDLED)
def test_golden_dot(name, golden):
    golden(f"draw-{name}.dot", dot_for(name))


def test_golden_dot_layers_detail(golden):
    source = dot_for("unet-2015", detail="layers")
    golden("draw-unet-2015-layers.dot", source)
    result = check_file(SPECS / "unet-2015.yaml")
    for entry in result.inference.layers:  # one node per layer, labelled with the layer name
        assert re.search(rf'^\s*b\d+ \[label="{entry.layer.name}: ', source, re.MULTILINE), entry.layer.name


def test_levels_come_from_the_graph_not_the_names(tmp_path):
    text = (SPECS / "unet-2015.yaml").read_text()
    names: dict[str, str] = {}
    text = re.sub(r"(name|with): (\w+)", lambda m: f"{m[1]}: {names.setdefault(m[2], f'n{len(names)}')}", text)
    assert "name: enc" not in text and "with: enc4" not in text and "name: n0" in text
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(text)
    original = build_diagram(check_file(SPECS / "unet-2015.yaml"))
    other = build_diagram(check_file(renamed))
    assert other.kind == "u"
    assert [(b.side, b.level, len(b.entries)) for b in other.blocks] == [
        (b.side, b.level, len(b.entries)) for b in original.blocks
    ]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("unet-2015", "u"),
        ("unet3d", "u"),
        ("unet-same", "u"),
        ("unet-1d", "u"),
        ("fcn8s", "flat"),
        ("seed-encoder-fixed", "flat"),
    ],
)
def test_u_or_flat(name, kind):
    assert build_diagram(check_file(SPECS / f"{name}.yaml")).kind == kind


def _node_centres(svg: bytes) -> dict[str, tuple[float, float]]:
    """Node id → centre (x, y) from Graphviz SVG (y grows downwards)."""
    ns = {"svg": "http://www.w3.org/2000/svg"}
    centres = {}
    for group in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}g"):
        if group.get("class") != "node":
            continue
        title = group.find("svg:title", ns).text
        points = []
        for shape in group:
            if shape.tag.endswith(("path", "polygon")):
                numbers = re.findall(r"-?\d+(?:\.\d+)?", shape.get("d") or shape.get("points") or "")
                points += list(zip(map(float, numbers[0::2]), map(float, numbers[1::2]), strict=False))
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        centres[title] = ((min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2)
    return centres


@pytest.mark.parametrize("route", ROUTES)
def test_unet_2015_svg_is_a_u(route, monkeypatch):
    monkeypatch.setenv("UNETCALC_RENDERER", route)
    result = check_file(SPECS / "unet-2015.yaml")
    diagram = build_diagram(result)
    centres = _node_centres(render(to_dot(result, diagram), "svg"))
    ids = node_ids(diagram)
    encoder = {b.level: ids[b.id] for b in diagram.blocks if b.side == ENCODER}
    decoder = {b.level: ids[b.id] for b in diagram.blocks if b.side == DECODER}
    bottom = [ids[b.id] for b in diagram.blocks if b.side == BOTTOM]
    assert sorted(encoder) == sorted(decoder) == [0, 1, 2, 3] and len(bottom) == 1
    for level in encoder:
        (ex, ey), (dx, dy) = centres[encoder[level]], centres[decoder[level]]
        assert abs(ey - dy) < 1.0, (level, ey, dy)  # the decoder level sits on its encoder level's row
        assert ex < dx
    lowest = max(centres[n][1] for n in [*encoder.values(), *decoder.values()])
    assert centres[bottom[0]][1] > lowest  # the bottleneck is below every level
    for level in range(3):  # levels descend
        assert centres[encoder[level]][1] < centres[encoder[level + 1]][1]


def test_labels_show_blocks_shapes_and_skips():
    source = dot_for("unet-2015")
    assert "2× conv 3×3 + ReLU" in source
    assert "572×572×1 → 568×568×64" in source
    assert "crop 568→392" in source and "maxpool 2×2" in source and "upconv 2×2" in source
    assert "31,030,658 params" in source
    same = dot_for("unet-same")
    assert "label=copy" in same and "2× conv 3×3 same + BN + ReLU" in same


def test_symbolic_input_draws_expressions():
    source = dot_for("unet-2015", input_size=("H", "W"))
    assert "(H - 4)×(W - 4)×64" in source


def test_findings_are_drawn_red_and_orange():
    source = dot_for("unet-2015", input_size=(570, 570))
    assert re.search(r'b\d+ \[label="enc3a\n[^"]*UC103 at pool2" color="#c62828"', source)
    assert "1 error" in source
    warning = check_file("tests/fixtures/warning-only.yaml")
    assert "#ef6c00" in to_dot(warning, build_diagram(warning))


def test_compress_repeats():
    assert compress(["conv 3×3", "ReLU", "conv 3×3", "ReLU"]) == ["2× conv 3×3 + ReLU"]
    assert compress(["concat", "conv", "ReLU", "conv", "ReLU", "conv 1×1"]) == ["concat", "2× conv + ReLU", "conv 1×1"]
    assert compress(["a", "b"]) == ["a", "b"]


@pytest.mark.parametrize("route", ROUTES)
def test_cli_writes_svg_and_png(route, tmp_path, monkeypatch):
    monkeypatch.setenv("UNETCALC_RENDERER", route)
    svg, png = tmp_path / "u.svg", tmp_path / "u.png"
    assert runner.invoke(app, ["draw", "specs/unet-2015.yaml", "-o", str(svg)]).exit_code == 0
    assert svg.read_bytes().lstrip().startswith(b"<?xml") and b"enc1" in svg.read_bytes()
    result = runner.invoke(app, ["draw", "specs/unet-2015.yaml", "-o", str(png)])
    try:
        import resvg_py  # noqa: F401
    except ImportError:
        if route == "wasm":
            assert result.exit_code == 2 and "unetcalc[png]" in result.output and not png.exists()
            return
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pdf_without_system_graphviz_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setenv("UNETCALC_RENDERER", "wasm")
    target = tmp_path / "u.pdf"
    result = runner.invoke(app, ["draw", "specs/unet-2015.yaml", "-o", str(target)])
    assert result.exit_code == 2 and "apt-get install graphviz" in result.output
    assert not target.exists() and not list(tmp_path.iterdir())


def test_dot_to_stdout_and_format_errors(tmp_path):
    result = runner.invoke(app, ["draw", "specs/unet-1d.yaml", "-o", "-", "-f", "dot"])
    assert result.exit_code == 0 and result.stdout.startswith("digraph")
    assert runner.invoke(app, ["draw", "specs/unet-1d.yaml", "-o", str(tmp_path / "x.gif")]).exit_code == 2
    bad = tmp_path / "bad.yaml"
    bad.write_text("layers: [")
    result = runner.invoke(app, ["draw", str(bad), "-o", str(tmp_path / "bad.svg")])
    assert result.exit_code == 1 and not (tmp_path / "bad.svg").exists()


def test_spec_with_findings_still_draws_and_exits_1(tmp_path):
    target = tmp_path / "seed.dot"
    result = runner.invoke(app, ["draw", "specs/seed-encoder.yaml", "-o", str(target)])
    assert result.exit_code == 1 and "UC108 at Rel8" in target.read_text()
    # the duplicate name is drawn on the second pool only
    assert target.read_text().count("UC006") == 2  # its box and its arrow


@pytest.mark.parametrize("route", ROUTES)
def test_layers_detail_keeps_the_u(route, monkeypatch):
    monkeypatch.setenv("UNETCALC_RENDERER", route)
    result = check_file(SPECS / "unet-2015.yaml")
    diagram = build_diagram(result, detail="layers")
    by_id = _node_centres(render(to_dot(result, diagram, "layers"), "svg"))
    centres = {name: by_id[node] for name, node in node_ids(diagram).items() if node in by_id}
    down = ["enc1a", "relu1", "enc1b", "enc1", "pool1", "enc2a"]
    up = ["up1", "cat1", "dec1a", "relu17", "dec1b", "dec1", "head"]
    assert all(centres[a][1] < centres[b][1] for a, b in itertools.pairwise(down))  # encoder goes down
    assert all(centres[a][1] > centres[b][1] for a, b in itertools.pairwise(up))  # decoder goes up
    assert abs(centres["enc1"][1] - centres["cat1"][1]) < 1.0 and centres["enc1"][0] < centres["cat1"][0]


@pytest.mark.parametrize("route", ROUTES)
def test_layers_detail_puts_the_legend_below_every_box_and_stays_compact(route, monkeypatch, tmp_path):
    """Issue 13: the legend sat among the 2015 U-Net's bottleneck boxes, and the view was 6,885 px tall."""
    import sys

    sys.path.insert(0, str(SPECS.parent / "benchmarks"))
    try:
        from draw import deep_unet
    finally:
        sys.path.pop(0)
    monkeypatch.setenv("UNETCALC_RENDERER", route)
    deep = tmp_path / "deep.yaml"
    deep.write_text(deep_unet(200))
    for path, most_pt in ((SPECS / "unet-2015.yaml", 1900), (deep, 7000)):  # were 2,441 pt and 9,319 pt
        result = check_file(path)
        diagram = build_diagram(result, detail="layers")
        svg = render(to_dot(result, diagram, "layers"), "svg")
        centres = _node_centres(svg)
        legend = centres.pop("legend")
        assert all(legend[1] > y for _, y in centres.values()), path.name
        height_pt = float(re.search(rb'height="([0-9.]+)pt"', svg).group(1))
        assert height_pt <= most_pt, (path.name, height_pt)  # two-line boxes, tight rows


def test_boxes_are_named_after_a_named_layer_or_their_role_never_an_auto_name():
    from unetcalc import check_text

    text = (
        "input: {channels: 1, size: [64, 64]}\ndefaults: {conv: {padding: same}}\nlayers:\n"
        "  - {op: conv, filters: 8}\n  - relu\n  - {op: conv, filters: 8, name: stem}\n  - maxpool\n"
        "  - {op: conv, filters: 16}\n  - relu\n  - maxpool\n  - {op: conv, filters: 32}\n  - relu\n"
        "  - {op: upconv, filters: 16}\n  - {op: concat, with: relu2}\n  - {op: conv, filters: 16}\n"
        "  - {op: upconv, filters: 8}\n  - {op: concat, with: stem}\n  - {op: conv, filters: 2, kernel: 1}\n"
    )
    diagram = build_diagram(check_text(text, "roles.yaml"))
    titles = [b.title for b in diagram.blocks]
    assert titles[0] == "stem"  # the first layer the author named
    assert "enc2" in titles and "bottleneck" in titles and "dec1" in titles and "dec2" in titles
    assert not any(re.fullmatch(r"(relu|conv|maxpool|upconv|concat)\d+", t) for t in titles)


@pytest.mark.parametrize(
    "path", sorted([*Path("specs").glob("*.yaml"), *Path("specs/gallery").glob("*.yaml")]), ids=lambda p: p.name
)
def test_every_bundled_and_gallery_spec_draws_within_2500_by_3000_px(path, tmp_path):
    svg = tmp_path / "d.svg"
    assert runner.invoke(app, ["draw", str(path), "-o", str(svg)]).exit_code in (0, 1)  # 1: drawn with its errors
    head = svg.read_text()[:3000]
    width, height = (float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', head).groups())
    assert width * 4 / 3 <= 2500 and height * 4 / 3 <= 3000, (width, height)  # pt → px at 96 dpi


def test_residual_blocks_collapse_into_their_levels_box():
    result = check_file("specs/gallery/resnet34-unet.yaml")
    diagram = build_diagram(result)
    assert diagram.kind == "u"
    titles = [b.title for b in diagram.blocks]
    assert [t for t in titles if t.startswith("layer")] == ["layer1", "layer2", "layer3", "layer4"]
    assert not any(e.source == e.target for e in diagram.edges)  # residual adds are inside their box


def test_attention_gates_and_the_1d_decoder_keep_one_box_per_level():
    from unetcalc.draw.layout import DECODER

    for path, levels in (("specs/gallery/attention-unet.yaml", [3, 2, 1, 0]), ("specs/unet-1d.yaml", [2, 1, 0])):
        diagram = build_diagram(check_file(path))
        assert diagram.kind == "u", path
        assert [b.level for b in diagram.blocks if b.side == DECODER] == levels, path  # one box per level
