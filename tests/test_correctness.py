"""What real networks showed (each test named for the behaviour it pins, once a defect found on them).

Where PyTorch is installed, each test also asks PyTorch (meta device) for the truth.
"""

from __future__ import annotations

import pytest

from unetcalc import check_text


def test_axis_names_follow_the_spec_symbols():
    result = check_text("input: {channels: 1, size: [X, Y, Z]}\nlayers:\n  - maxpool\n", "xyz.yaml")
    assert [axis.symbol for axis in result.validity.axes] == ["X", "Y", "Z"]
    one_d = check_text("input: {channels: 1, size: [H]}\nlayers:\n  - maxpool\n", "h.yaml")
    assert [axis.symbol for axis in one_d.validity.axes] == ["H"]  # not W
    concrete = check_text("input: {channels: 1, size: [9, 9, 9]}\nlayers:\n  - maxpool\n", "c.yaml")
    assert [axis.symbol for axis in concrete.validity.axes] == ["D", "H", "W"]
    assert "on axis D, H, W" in concrete.errors[0].message


def test_channel_broadcast_add_is_legal():
    text = (
        "input: {channels: 1, size: [8, 8]}\nlayers:\n"
        "  - {op: conv, filters: 8, padding: same, name: wide}\n"
        "  - {op: conv, filters: 1, padding: same, name: gate}\n"
        "  - {op: add, with: wide}\n"
    )
    result = check_text(text, "broadcast.yaml")
    assert result.ok, result.diagnostics  # (N,1,H,W) + (N,8,H,W) is legal PyTorch
    assert result.inference.output.channels == 8
    torch = pytest.importorskip("torch")
    from unetcalc import build_module

    assert build_module(result)(torch.zeros(1, 1, 8, 8)).shape == (1, 8, 8, 8)


def test_unclosed_flow_mapping_points_where_it_opened():
    text = "input: {channels: 1, size: [8, 8]}\nlayers:\n  - relu\n  - {op: conv, filters: 64\n  - relu\n  - relu\n"
    [finding] = check_text(text, "open.yaml").errors
    assert (finding.code, finding.line, finding.column) == ("UC001", 4, 5)
    assert "`{` is never closed" in finding.message


def test_unquoted_question_mark_says_to_quote():
    [finding] = check_text("input: {channels: 1, size: [8, 8]}\nlayers:\n  - {op: relu, out: ?x?x512}\n").errors
    assert finding.line == 3 and "quote the shape: '?x?x512'" in finding.message


def test_strided_conv_with_same_padding_is_a_finding():
    text = "input: {channels: 1, size: [16, 16]}\nlayers:\n  - {op: conv, filters: 4, stride: 2, padding: same}\n"
    [finding] = check_text(text, "same.yaml").errors
    assert (finding.code, finding.line) == ("UC005", 3) and "strided" in finding.message
    torch = pytest.importorskip("torch")
    with pytest.raises(ValueError, match="strided"):
        torch.nn.Conv2d(1, 4, 3, stride=2, padding="same")  # PyTorch refuses it too


@pytest.mark.parametrize("rank", [1, 3])
def test_bicubic_outside_2d_is_a_finding(rank):
    size = ", ".join(["8"] * rank)
    text = f"input: {{channels: 1, size: [{size}]}}\nlayers:\n  - {{op: upsample, mode: bicubic}}\n"
    [finding] = check_text(text, "bicubic.yaml").errors
    assert (finding.code, finding.line) == ("UC005", 3)
    torch = pytest.importorskip("torch")
    with pytest.raises((NotImplementedError, RuntimeError, ValueError)):
        torch.nn.functional.interpolate(torch.zeros(1, 1, *([8] * rank)), scale_factor=2, mode="bicubic")


def test_diff_shows_the_input_change_first_and_names_new_findings(tmp_path):
    from conftest import SPECS, run_unetcalc

    old = SPECS / "unet-2015.yaml"
    new = tmp_path / "unet-570.yaml"
    new.write_text(old.read_text().replace("size: [572, 572]", "size: [570, 570]"))
    code, out, _ = run_unetcalc("diff", str(old), str(new))
    lines = out.splitlines()
    assert code == 0 and lines[1] == "  input     572x572x1 → 570x570x1"  # first: it explains the rest
    assert any("+ UC103 pool2 (maxpool) receives 279×279" in line for line in lines)  # named, not just counted
    assert "… and 41 more (--all shows every one)" in out and len(lines) < 25
    _, everything, _ = run_unetcalc("diff", str(old), str(new), "--all")
    assert "head: 388x388x2 → 372x372x2" in everything
    _, data, _ = run_unetcalc("diff", str(old), str(new), "--format", "json")
    import json

    parsed = json.loads(data)
    assert parsed["input"] == {"old": "572x572x1", "new": "570x570x1"}
    assert {f["code"] for f in parsed["findings"]["added"]} == {"UC103", "UC107"}


def test_fractional_upsample_sizes_match_pytorch_floats():
    result = check_text("input: {channels: 1, size: [100]}\nlayers:\n  - {op: upsample, scale: 0.29}\n")
    assert [s.value for s in result.inference.output.size] == [28]  # floor(100.0 * 0.29) = 28, not 29
    torch = pytest.importorskip("torch")
    for scale in (0.29, 0.7, 1.1, 2.3):
        for n in range(4, 260, 3):
            text = f"input: {{channels: 1, size: [{n}]}}\nlayers:\n  - {{op: upsample, scale: {scale}}}\n"
            ours = check_text(text).inference.output.size[0].value
            theirs = torch.nn.functional.interpolate(torch.zeros(1, 1, n), scale_factor=scale).shape[-1]
            assert ours == theirs, (scale, n)


def test_a_default_padding_that_grows_a_1x1_head_is_a_warning():
    text = (
        "input: {channels: 1, size: [16, 16]}\ndefaults: {conv: {padding: 1}}\nlayers:\n"
        "  - {op: conv, filters: 8}\n  - {op: conv, filters: 2, kernel: 1, name: head}\n"
    )
    result = check_text(text, "pad.yaml")
    [warning] = result.warnings
    assert (warning.code, warning.line, warning.layer) == ("UC204", 5, "head")
    assert "from `defaults.conv`" in warning.message and "padding: 0" in warning.hint


def test_verify_never_runs_a_size_past_the_upper_bound():
    pytest.importorskip("torch")
    import dataclasses

    from unetcalc.torch.verify import verification_sizes

    result = check_text("input: {channels: 1, size: [H, W]}\nlayers:\n  - maxpool\n")
    assert verification_sizes(result) == [(2, 2), (4, 4), (6, 6)]
    bounded = [  # as a join with a crop to 5 would bound it
        dataclasses.replace(axis, classes=tuple(dataclasses.replace(c, max=5) for c in axis.classes))
        for axis in result.validity.axes
    ]
    result.validity.axes[:] = bounded
    sizes = verification_sizes(result)
    assert sizes == [(2, 2), (4, 4)] and all(s <= 5 for size in sizes for s in size)


@pytest.mark.parametrize("join", ["concat", "add"])
def test_drawing_does_not_depend_on_operand_order(join):
    from unetcalc.draw.layout import DECODER, ENCODER, build_diagram

    def spec(order: str) -> str:
        operands = "{from: up, with: enc}" if order == "up-first" else "{from: enc, with: up}"
        return (
            "input: {channels: 1, size: [64, 64]}\nlayers:\n"
            "  - {op: conv, filters: 8, padding: same, name: enc}\n"
            "  - {op: maxpool, name: pool}\n"
            "  - {op: conv, filters: 16, padding: same, name: mid}\n"
            "  - {op: upconv, filters: 8, name: up}\n"
            f"  - {{op: {join}, name: join, {operands[1:-1]}}}\n"
            "  - {op: conv, filters: 2, kernel: 1, name: head}\n"
        )

    diagrams = [build_diagram(check_text(spec(order), f"{order}.yaml")) for order in ("up-first", "skip-first")]
    for diagram in diagrams:
        assert diagram.kind == "u"
        skips = [e for e in diagram.edges if e.kind == "skip"]
        sides = {b.id: b.side for b in diagram.blocks}
        assert [(sides[e.source], sides[e.target], e.tensor) for e in skips] == [(ENCODER, DECODER, "enc")]
    assert [(b.side, b.level) for b in diagrams[0].blocks] == [(b.side, b.level) for b in diagrams[1].blocks]


@pytest.mark.parametrize(
    ("mode", "size", "runs"),
    [("reflect", 4, False), ("reflect", 5, True), ("circular", 4, True), ("circular", 3, False)],
)
def test_reflect_and_circular_padding_wider_than_the_input(mode, size, runs):
    text = f"input: {{channels: 1, size: [{size}, {size}]}}\nlayers:\n  - {{op: pad, padding: 4, mode: {mode}}}\n"
    result = check_text(text, "pad.yaml")
    assert [d.code for d in result.errors] == ([] if runs else ["UC112"])
    symbolic = check_text(text.replace(f"[{size}, {size}]", "[H, W]"), "pad.yaml")
    assert symbolic.validity.axes[0].min == (5 if mode == "reflect" else 4)  # the valid set knows the bound
    torch = pytest.importorskip("torch")
    try:
        torch.nn.functional.pad(torch.zeros(1, 1, size, size), [4] * 4, mode=mode)
        ran = True
    except (RuntimeError, ValueError):
        ran = False
    assert ran == runs  # PyTorch agrees


CEIL_REPRO = """\
input: {channels: 1, size: [SIZE]}
layers:
  - {op: conv, filters: 4, kernel: 3, padding: 1, name: c1}
  - {op: maxpool, ceil_mode: true, name: p1}
  - {op: upconv, filters: 4, name: up}
  - {op: concat, with: c1, crop: center}
"""


def test_a_ceil_mode_pool_is_not_a_floor():
    # 33 → ceil → 17 → 34: the concat cannot crop 33 to 34. The finding is at the concat, not the pool, and
    # it names the pool that rounded up; nothing says "floors".
    result = check_text(CEIL_REPRO.replace("SIZE", "33"))
    assert [(d.code, d.layer) for d in result.errors] == [("UC104", "concat1")]
    assert "rounded up by `p1`" in result.errors[0].message
    assert not any("floor" in d.message for d in result.diagnostics)
    # With a crop that absorbs the rounding (offset crop to the input), every size works.
    absorbed = CEIL_REPRO.replace("{op: concat, with: c1, crop: center}", "{op: crop, to: input, offset: 0}")
    assert all(check_text(absorbed.replace("SIZE", str(n))).ok for n in range(1, 40))
    axis = check_text(absorbed.replace("SIZE", "W")).validity.axes[0]
    assert (axis.modulus, axis.min) == (1, 1)  # every W ≥ 1: a ceil_mode pool turns 1 into 1


def test_padded_strided_conv_rounds_up_without_a_finding_of_its_own():
    spec = (
        "input: {channels: 1, size: [SIZE]}\nlayers:\n"
        "  - {op: conv, filters: 4, kernel: 3, stride: 2, padding: 1, name: down}\n"
        "  - {op: upconv, filters: 4, kernel: 3, stride: 2, padding: 1, output_padding: 1, name: up}\n"
        "  - {op: conv, filters: 4, kernel: 2, name: trim}\n"
    )
    odd = check_text(spec.replace("SIZE", "23"))
    assert odd.ok and [s.value for s in odd.inference.output.size] == [23]
    axis = check_text(spec.replace("SIZE", "W")).validity.axes[0]
    assert axis.contains(23) and axis.contains(24)


def test_caffe_fcn8s_is_valid_at_every_size_and_500():
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "specs" / "gallery" / "fcn8s-caffe.yaml"
    text = path.read_text()
    symbolic = check_text(text, str(path))
    assert symbolic.ok
    for axis in symbolic.validity.axes:
        assert (axis.modulus, axis.min, axis.max, str(axis.output)) == (1, 1, None, axis.symbol)
    at_500 = check_text(text, str(path), input_size=(500, 500))
    assert at_500.ok and [s.value for s in at_500.inference.output.size] == [500, 500]


@pytest.mark.slow
def test_caffe_fcn8s_agrees_with_pytorch_from_1_to_512():
    pytest.importorskip("torch")
    from pathlib import Path

    from unetcalc.torch.plan import make_plan
    from unetcalc.torch.verify import meta_model, torch_trace

    text = (Path(__file__).resolve().parent.parent / "specs" / "gallery" / "fcn8s-caffe.yaml").read_text()
    symbolic = check_text(text)
    plan = make_plan(symbolic)
    model = meta_model(plan)
    for n in range(1, 513):
        concrete = check_text(text, input_size=(n, n))
        trace = torch_trace(plan, (n, n), model)
        assert concrete.ok and trace.error is None, (n, trace.error, [d.message for d in concrete.errors])
        assert all(axis.contains(n) for axis in symbolic.validity.axes)
        for entry in concrete.inference.layers:
            ours = (entry.out.channels, *(s.value for s in entry.out.size))
            assert ours == trace.shapes[entry.layer.name], (n, entry.layer.name)


NORM_AT_BOTTOM = """\
input: {channels: 1, size: [H, W]}
layers:
  - {op: conv, filters: 4, padding: same, name: e}
  - maxpool
  - instancenorm
  - {op: upconv, filters: 4}
  - {op: concat, with: e}
"""


def test_the_valid_set_knows_instance_norm_needs_two_values():
    result = check_text(NORM_AT_BOTTOM)
    assert [(a.modulus, a.residue, a.min) for a in result.validity.axes] == [(2, 0, 4), (2, 0, 4)]
    assert [d.code for d in check_text(NORM_AT_BOTTOM, input_size=(2, 2)).errors] == ["UC111"]
    assert check_text(NORM_AT_BOTTOM, input_size=(4, 4)).ok


def test_verify_sizes_pass_check():
    pytest.importorskip("torch")
    from unetcalc.torch.verify import verification_sizes

    for size in verification_sizes(check_text(NORM_AT_BOTTOM)):
        assert check_text(NORM_AT_BOTTOM, input_size=size).ok, size


def test_equal_sizes_of_different_slopes_meet_at_one_input():
    # A crop to a fixed 4 joined with a pooled X: only X = 8 works, and the valid set says exactly that.
    spec = (
        "input: {channels: 1, size: [X]}\nlayers:\n"
        "  - {op: crop, size: 4, name: fixed}\n"
        "  - {op: maxpool, from: input, name: pooled}\n"
        "  - {op: concat, with: fixed}\n"
    )
    axis = check_text(spec).validity.axes[0]
    assert (axis.min, axis.max) == (8, 8)
    assert [n for n in range(1, 20) if check_text(spec, input_size=(n,)).ok] == [8]


def _milesial(forget: int | None, declare: bool = False) -> str:
    """milesial/Pytorch-UNet's UNet (bilinear=False) as a spec; ``forget`` drops that level's concat."""

    def double_conv(c: int, name: str = "", declared: str = "") -> list[str]:
        tail = f", name: {name}" if name else ""
        return [
            f"  - {{op: conv, filters: {c}{declared}}}", "  - batchnorm", "  - relu",
            f"  - {{op: conv, filters: {c}}}", "  - batchnorm", f"  - {{op: relu{tail}}}",
        ]  # fmt: skip

    filters = [64, 128, 256, 512, 1024]
    rows = ["input: {channels: 3, size: [H, W]}", "defaults: {conv: {kernel: 3, padding: 1, bias: false}}", "layers:"]
    rows += double_conv(64, "x1")
    for i in range(1, 5):
        rows += ["  - maxpool", *double_conv(filters[i], f"x{i + 1}")]
    for i in range(3, -1, -1):
        rows.append(f"  - {{op: upconv, filters: {filters[i]}, name: up{i + 1}}}")
        if i != forget:
            rows.append(f"  - {{op: concat, with: x{i + 1}}}")
        rows += double_conv(filters[i], declared=f", in: {{channels: {2 * filters[i]}}}" if declare else "")
    rows.append("  - {op: conv, filters: 2, kernel: 1, padding: 0, bias: true}")
    return "\n".join(rows) + "\n"


def test_a_forgotten_skip_connection_is_reported_at_its_decoder_level():
    complete = check_text(_milesial(None))
    assert complete.ok and not complete.warnings
    forgot = check_text(_milesial(2))  # the 1/4 level (x3, 256 channels) loses its concat
    assert complete.inference.params - forgot.inference.params == 589_824  # the network the spec silently became
    (finding,) = [d for d in forgot.diagnostics if d.code == "UC205"]
    assert finding.layer == "up3" and "`x3`" in finding.message
    assert "`- {op: concat, with: x3}`" in finding.hint


def test_declared_in_channels_read_as_written_and_the_hint_fixes_the_graph():
    result = check_text(_milesial(2, declare=True))
    (finding,) = [d for d in result.errors if d.code == "UC107"]
    assert "`in: {channels: 512}`" in finding.message and "x512" not in finding.message
    assert "add `- {op: concat, with: x3}`" in finding.hint and "write `in:" not in finding.hint


RESIDUAL_WITHOUT_PROJECTION = """\
input: {channels: 64, size: [56, 56]}
layers:
  - {op: relu, name: block_in}
  - {op: conv, filters: 128, kernel: 3, stride: 2, padding: 1, name: conv1}
  - batchnorm
  - relu
  - {op: conv, filters: 128, kernel: 3, padding: 1, name: conv2}
  - batchnorm
  - {op: add, with: block_in, name: residual}
"""


def test_a_residual_add_after_a_strided_conv_gets_a_projection_hint():
    (finding,) = check_text(RESIDUAL_WITHOUT_PROJECTION).errors
    assert finding.code == "UC104"
    assert "`- {op: conv, filters: 128, kernel: 1, stride: 2, from: block_in}`" in finding.hint
    assert "`conv1` (line 4)" in finding.hint and "crop" not in finding.hint
    # The hint's own fix checks clean.
    fixed = RESIDUAL_WITHOUT_PROJECTION.replace(
        "  - {op: add, with: block_in, name: residual}\n",
        "  - {op: conv, filters: 128, kernel: 1, stride: 2, from: block_in, name: proj}\n"
        "  - {op: add, from: batchnorm2, with: proj}\n",
    )
    assert check_text(fixed).ok


def test_a_short_transposed_conv_gets_an_output_padding_hint_naming_it():
    spec = (
        "input: {channels: 8, size: [64, 64]}\nlayers:\n"
        "  - {op: conv, filters: 8, padding: same, name: enc}\n"
        "  - {op: conv, filters: 16, kernel: 3, stride: 2, padding: 1}\n"
        "  - {op: upconv, filters: 8, kernel: 3, stride: 2, padding: 1, name: up}\n"
        "  - relu\n"
        "  - {op: add, with: enc}\n"
    )
    (finding,) = check_text(spec).errors
    assert "`up` (line 5)" in finding.hint and "`output_padding: 1`" in finding.hint
    assert "crop" not in finding.hint
    assert check_text(spec.replace("padding: 1, name: up", "padding: 1, output_padding: 1, name: up")).ok


def test_valid_convolutions_still_get_the_crop_hint():
    text = (
        "input: {channels: 1, size: [64, 64]}\nlayers:\n"
        "  - {op: conv, filters: 8, name: enc}\n  - maxpool\n  - {op: conv, filters: 8}\n"
        "  - {op: upconv, filters: 8}\n  - {op: concat, with: enc}\n"
    )
    (finding,) = check_text(text).errors
    assert "`crop: center`" in finding.hint


def test_a_missing_projection_is_one_finding_not_two():
    result = check_text(RESIDUAL_WITHOUT_PROJECTION)
    assert [d.code for d in result.errors] == ["UC104"]
    assert "channels differ too (128 and 64)" in result.errors[0].message


def test_one_odd_size_read_by_two_strided_layers_is_one_finding():
    spec = (
        "input: {channels: 8, size: [65, 65]}\nlayers:\n"
        "  - {op: relu, name: x}\n"
        "  - {op: maxpool, name: pool}\n"
        "  - {op: conv, filters: 8, kernel: 2, stride: 2, from: x, name: proj}\n"
        "  - {op: add, with: pool}\n"
    )
    assert [(d.code, d.layer) for d in check_text(spec).errors] == [("UC103", "pool")]


def test_a_skip_through_dropout_keeps_the_u():
    from unetcalc.draw.layout import DECODER, build_diagram

    spec = (
        "input: {channels: 1, size: [64, 64]}\ndefaults: {conv: {padding: same}}\nlayers:\n"
        "  - {op: conv, filters: 8, name: enc1}\n  - maxpool\n  - {op: conv, filters: 16, name: enc2}\n"
        "  - maxpool\n  - {op: conv, filters: 32, name: bottom}\n"
        "  - {op: dropout, from: enc2, name: skip2}\n"  # MONAI VNet: dropout on the skip
        "  - {op: upconv, from: bottom, filters: 16, name: up2}\n"
        "  - {op: concat, from: up2, with: skip2}\n  - {op: conv, filters: 16, name: dec2}\n"
        "  - {op: dropout, from: enc1, name: skip1}\n"
        "  - {op: upconv, from: dec2, filters: 8, name: up1}\n"
        "  - {op: concat, with: skip1}\n  - {op: conv, filters: 8, name: head}\n"
    )
    diagram = build_diagram(check_text(spec, "vnet.yaml"))
    assert diagram.kind == "u"
    decoder = [b for b in diagram.blocks if b.side == DECODER]
    assert [b.level for b in decoder] == [1, 0]
    skips = {(e.source, e.target, e.tensor) for e in diagram.edges if e.kind == "skip"}
    assert skips == {("enc2", "dec2", "skip2"), ("enc1", "head", "skip1")}
    assert not any(e.layer.op == "dropout" for b in diagram.blocks for e in b.entries)


def test_macs_of_a_transposed_conv_are_the_true_multiply_adds():
    pytest.importorskip("torch")
    import torch

    from unetcalc.shapes.cost import compute_costs
    from unetcalc.torch.builder import build_module

    # An independent count, as ptflops does it: a conv's weights × output positions, a transposed
    # conv's weights × input positions, one add per output element for a bias.
    result = check_text(
        "input: {channels: 3, size: [24, 20]}\nlayers:\n  - {op: conv, filters: 8, kernel: 3}\n"
        "  - {op: upconv, filters: 4, kernel: 2}\n  - {op: upconv, filters: 2, kernel: 3, stride: 2, bias: false}\n"
    )
    total = 0

    def count(module, inputs, output):
        nonlocal total
        bias = 0 if module.bias is None else module.bias.numel() * output[0, 0].numel()
        positions = (inputs[0] if isinstance(module, torch.nn.ConvTranspose2d) else output)[0, 0].numel()
        total += module.weight.numel() * positions + bias

    model = build_module(result)
    for module in model.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d)):
            module.register_forward_hook(count)
    model(torch.zeros(1, 3, 24, 20))
    assert compute_costs(result.inference).macs.value == total
    torchinfo = compute_costs(result.inference, "torchinfo").macs.value
    assert torchinfo > total  # parameters × output positions overcounts transposed convs
