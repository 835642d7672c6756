"""The minimal reproductions found on real networks (tests/fixtures/repros, each file's header says what
went wrong), with the behaviour each should have."""

from __future__ import annotations

from pathlib import Path

from unetcalc import check_file

from conftest import invoke_as_user

REPROS = Path(__file__).parent / "fixtures" / "repros"


def _file(name: str) -> Path:
    (path,) = REPROS.glob(f"{name}_*.yaml")
    return path


def test_r11_outputs_is_the_output_of_the_valid_line_sizes_and_json():
    path = _file("r11")
    result = check_file(path)
    assert result.validity is not None
    assert [str(c.output) for c in result.validity.axes[0].classes] == ["H"]  # head's size, not aux's H/2
    assert [(d.code, d.layer) for d in result.diagnostics] == [("UC202", "aux")]  # written after, read by none
    sizes = invoke_as_user("sizes", str(path))
    assert "→ output H\n" in sizes.stdout and "H/2" not in sizes.stdout
    import json

    (report,) = json.loads(invoke_as_user("check", str(path), "--format", "json").stdout)["files"]
    assert report["output"] == {"channels": 2, "size": ["H"]}
    assert report["valid_input"][0]["output"] == "H"


def test_r12_a_floor_that_a_pad_to_the_skip_hides_says_so():
    result = check_file(_file("r12"), input_size=(33,))
    (finding,) = result.errors
    assert finding.code == "UC103"
    assert "`padded` brings the decoder back to the skip's size, so the network runs without that row" in (
        finding.message
    )
    assert "cannot restore" not in finding.message


def test_r14_axes_keep_the_specs_names_with_input():
    run = invoke_as_user("check", str(_file("r14")), "--input", "30x30x31")
    assert "on axis Z" in run.stdout and "valid   X ≡ 0 (mod 2)" in run.stdout and "input Z = 31" in run.stdout
    assert " axis W" not in run.stdout and "input W" not in run.stdout


def test_r15_one_failed_join_is_one_finding_and_the_shape_stops_there():
    result = check_file(_file("r15"), input_size=(33,))
    assert [(d.code, d.layer) for d in result.errors] == [("UC104", "add1")]
    assert result.inference is not None and result.inference.output is None  # PyTorch raises at add1
    run = invoke_as_user("check", str(_file("r15")), "--input", "33")
    assert "33x1 → ?" in run.stdout and "valid   H ≡ 0 (mod 8)" in run.stdout


def test_r16_a_parameter_default_may_name_another_parameter():
    result = check_file(_file("r16"))
    assert result.ok, [(d.code, d.message) for d in result.diagnostics]
    convs = [layer for layer in result.spec.layers if layer.op == "conv"]
    assert [c.params["filters"] for c in convs] == [16, 16]  # mid defaults to filters


def test_r17_crop_advice_only_where_valid_convolutions_shrank_the_decoder():
    for operands in ("{op: concat, from: d1, with: u2}", "{op: concat, with: d1}"):
        text = _file("r17").read_text().replace("{op: concat, from: d1, with: u2}", operands)
        spec = REPROS.parent / "r17_variant.yaml"
        try:
            spec.write_text(text)
            (finding,) = check_file(spec, input_size=(33,)).errors
        finally:
            spec.unlink()
        assert finding.code == "UC104"
        assert "crop" not in finding.hint and "nearest valid inputs: 32" in finding.hint, operands
    unpadded = (Path(__file__).parent.parent / "specs" / "unet-2015.yaml").read_text().replace(", crop: center", "")
    spec = REPROS.parent / "unet_without_crop.yaml"
    try:
        spec.write_text(unpadded)
        findings = [d for d in check_file(spec).errors if d.code == "UC104"]
    finally:
        spec.unlink()
    assert findings and "add `crop: center`" in findings[0].hint


def test_explain_uc103_shows_the_numbers_check_computes():
    explain = invoke_as_user("explain", "UC103").stdout
    check = invoke_as_user(
        "check", str(Path(__file__).parent.parent / "specs" / "unet-2015.yaml"), "--input", "570x570"
    )
    assert "pool2 (maxpool) receives 279×279" in check.stdout
    assert "pool2 (maxpool) receives 279×279" in explain and "283×283" not in explain


def test_build_module_without_torch_says_how_to_install_it(monkeypatch):
    import sys

    import unetcalc
    from unetcalc.torch import TorchMissing

    monkeypatch.setitem(sys.modules, "torch", None)  # as if it were not installed
    result = unetcalc.check_file(Path(__file__).parent.parent / "specs" / "unet-2015.yaml")
    try:
        unetcalc.build_module(result)
    except TorchMissing as exc:
        assert "pip install 'unetcalc[torch]'" in str(exc)
    else:
        raise AssertionError("build_module ran without torch")


def test_r19_a_size_reference_is_not_drawn_as_a_copy_arrow():
    dot = invoke_as_user("draw", str(_file("r19")), "--format", "dot", "-o", "-").stdout
    copies = [line for line in dot.splitlines() if "->" in line and "label=copy" in line]
    assert len(copies) == 1, copies  # the concat's skip; `resize: {to: e1}` only reads e1's size


def test_r21_a_dilated_convs_label_shows_its_dilation():
    table = invoke_as_user("table", str(_file("r21")), "--input", "32x32", "--wide").stdout
    assert "conv 3×3 dil 2 pad 2" in table


def test_r20_a_box_is_named_for_the_block_uses_it_holds():
    dot = invoke_as_user("draw", str(_file("r20")), "--format", "dot", "-o", "-").stdout
    assert 'label="layer1, layer2' in dot and 'label="layer1\n' not in dot


def test_r18_an_unused_head_does_not_flatten_the_u(tmp_path):
    with_aux = invoke_as_user("draw", str(_file("r18")), "--format", "dot", "-o", "-").stdout
    without = tmp_path / "no_aux.yaml"
    without.write_text("\n".join(line for line in _file("r18").read_text().splitlines() if "name: aux" not in line))
    plain = invoke_as_user("draw", str(without), "--format", "dot", "-o", "-").stdout
    assert plain.count("rank=same") == 3  # a U: one row per level beside the bottleneck
    assert with_aux.count("rank=same") == plain.count("rank=same") and 'label="aux' in with_aux


def _label_boxes(figure) -> list[tuple[float, float, float, float, str]]:
    """The channel labels' boxes (left, right, bottom, top), as wide as the text's generous estimate."""
    from unetcalc.draw.paper import _text_width

    boxes = []
    for text in figure.texts:
        if text.role != "channels":
            continue
        width = _text_width(text.text, text.size)
        left = {"start": text.x, "middle": text.x - width / 2, "end": text.x - width}[text.anchor]
        boxes.append((left, left + width, text.y, text.y - text.size, text.text))
    return boxes


def test_r22_a_residual_projection_and_its_main_path_do_not_share_a_place():
    from unetcalc.draw.paper import paper_figure

    figure = paper_figure(check_file(_file("r22")))
    boxes = _label_boxes(figure)
    # The projection now sits inside its residual unit's bar: layer2's three units are one bar, ×3.
    assert [box[4] for box in boxes] == ["3", "64 ×3", "128 ×3", "192", "64", "2"]
    for i, (l1, r1, b1, t1, a) in enumerate(boxes):
        for l2, r2, b2, t2, b in boxes[i + 1 :]:
            assert r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1, f"{a!r} and {b!r} overlap"


def test_r23_a_collapsed_residual_bar_names_every_conv_of_its_run():
    from unetcalc.draw.paper import paper_figure

    figure = paper_figure(check_file(_file("r23")))
    legend = " ".join(text.text for text in figure.texts if text.role == "legend")
    assert "conv 3×3" in legend and "conv 1×1, GN" in legend
