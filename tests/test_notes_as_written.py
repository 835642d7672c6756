"""Notes as people write them (#25, in part): folded operations, empty-looking cells, no Filters column."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_markdown import note_expressible_spec

from unetcalc import check_text
from unetcalc.check import check_note
from unetcalc.report.note_table import render_note_table
from unetcalc.spec.note_ops import parse_operations

from conftest import invoke_as_user


def _read_ok(tmp_path, text: str):
    """The one table of a note holding ``text``, which must check clean."""
    note = tmp_path / "n.md"
    note.write_text(text)
    (result,), _ = check_note(note)
    assert result.ok, [(d.code, d.message) for d in result.diagnostics]
    return result


HEADER = "## Net\n\n| Layer | Dimensions | Operation | Filters |\n|---|---|---|---|\n| Input | 64 x 64 | | 3 |\n"


@pytest.mark.parametrize(
    ("cell", "ops"),
    [
        ("Conv 3x3 + ReLU", ["conv", "relu"]),
        ("Conv 3x3 + BN + ReLU", ["conv", "batchnorm", "relu"]),
        ("Conv 3x3, ReLU", ["conv", "relu"]),
        ("Conv 3×3 → ReLU", ["conv", "relu"]),
        ("Conv 3x3 -> BatchNorm -> LeakyReLU", ["conv", "batchnorm", "leakyrelu"]),
        ("Conv 3x3 then ReLU", ["conv", "relu"]),
        ("Conv 3x3, padding 1", ["conv"]),
        ("Conv 3x3, stride 2, ReLU", ["conv", "relu"]),
        ("Copy & crop", ["concat"]),
        ("Max Pooling 2x2", ["maxpool"]),
        ("Max Pooling 3x3 /2 + ReLU", ["maxpool", "relu"]),
    ],
)
def test_a_cell_naming_several_steps_is_that_sequence_of_layers(cell, ops):
    assert [step.op for step in parse_operations(cell)] == ops


def test_folded_rows_keep_their_norm_and_activation_through_convert_and_build(tmp_path):
    result = _read_ok(
        tmp_path,
        HEADER + "| L1 | 64 x 64 x 3 | Conv 3x3, padding 1 + BN + ReLU | 16 |\n"
        "| L2 | 64 x 64 x 16 | Conv 3×3 → ReLU | 16 |\n| P1 | 62 x 62 x 16 | Max Pooling 2x2 | — |\n",
    )
    note = tmp_path / "n.md"
    assert [layer.op for layer in result.spec.layers] == ["conv", "batchnorm", "relu", "conv", "relu", "maxpool"]
    assert result.spec.layers[0].params["padding"] == (1, 1)
    converted = invoke_as_user("convert", str(note)).stdout
    assert [row["op"] if isinstance(row, dict) else row for row in yaml.safe_load(converted)["layers"]] == [
        "conv",
        "batchnorm",
        "relu",
        "conv",
        "relu",
        "maxpool",
    ]
    again = check_text(converted, "converted.yaml")
    assert again.ok and again.inference is not None and result.inference is not None
    assert again.inference.params == result.inference.params  # the batchnorm's weights are counted on both


@pytest.mark.parametrize("empty", ["—", "–", "-", "n/a", "N/A", "?"])
def test_empty_looking_cells_are_empty(tmp_path, empty):
    note = tmp_path / "n.md"
    note.write_text(HEADER + f"| L1 | 64 x 64 x 3 | Conv 3x3 | 8 |\n| P1 | {empty} | Max Pooling 2x2 | {empty} |\n")
    (result,), _ = check_note(note)
    assert result.ok, [(d.code, d.message) for d in result.diagnostics]


def test_without_a_filters_column_a_conv_makes_its_declared_outputs_channels(tmp_path):
    result = _read_ok(
        tmp_path,
        "## Net\n\n| Layer | Output | Operation |\n|---|---|---|\n| Input | 64 x 64 x 3 | |\n"
        "| c1 | 62 x 62 x 32 | Conv 3x3 |\n| r1 | 62 x 62 x 32 | ReLU |\n| c2 | 60 x 60 x 16 | Conv 3x3 |\n",
    )
    assert [layer.params.get("filters") for layer in result.spec.layers if layer.op == "conv"] == [32, 16]


@pytest.mark.parametrize(
    ("header", "input_cell", "c1", "p1"),
    [
        ("Output (C×H×W)", "3×64×64", "16×62×62", "16×31×31"),
        ("Output (H, W, C)", "64, 64, 3", "62, 62, 16", "31, 31, 16"),
        ("Output [H×W×C]", "64×64×3", "62×62×16", "31×31×16"),
        ("Output (C x H x W)", "3 x 64 x 64", "16 x 62 x 62", "16 x 31 x 31"),
    ],
)
def test_a_header_with_an_axis_legend_is_read_in_its_order(tmp_path, header, input_cell, c1, p1):
    result = _read_ok(
        tmp_path,
        f"## Net\n\n| Layer | {header} | Operation |\n|---|---|---|\n| Input | {input_cell} | |\n"
        f"| c1 | {c1} | Conv 3x3 |\n| p1 | {p1} | MaxPool 2x2 |\n",
    )
    assert result.inference is not None and result.inference.input.channels == 3
    assert str(result.inference.output) == "31x31x16"


def test_a_3d_input_row_makes_a_3d_network(tmp_path):
    result = _read_ok(
        tmp_path,
        "## Volumes\n\n| Layer | Input (D, H, W, C) | Operation | Filters |\n|---|---|---|---|\n"
        "| Input | 116×132×132×3 | | 3 |\n| c1 | 116×132×132×3 | Conv 3×3×3 | 32 |\n"
        "| p1 | 114×130×130×32 | Max Pooling 2×2×2 | — |\n",
    )
    assert result.input is not None and result.input.size == (116, 132, 132)
    assert str(result.inference.output) == "57x65x65x32"  # type: ignore[union-attr]


def test_a_table_without_an_operation_column_reads_its_operations_from_the_layer_names(tmp_path):
    result = _read_ok(
        tmp_path,
        "## Caffe-style\n\n| Layer | Output shape | Kernel | Channels |\n|---|---|---|---|\n"
        "| input | 64×64×3 | | 3 |\n| conv1_1 | 62×62×16 | 3×3 | 16 |\n| conv1_2 | 60×60×16 | 3×3 | 16 |\n"
        "| pool1 | 30×30×16 | 2×2 | |\n| conv2_1 | 28×28×32 | 3×3 | 32 |\n",
    )
    assert [layer.op for layer in result.spec.layers] == ["conv", "conv", "maxpool", "conv"]
    assert str(result.inference.output) == "28x28x32"  # type: ignore[union-attr]


def test_a_layer_table_that_says_no_operation_is_a_finding_not_a_silent_pass(tmp_path):
    note = tmp_path / "n.md"
    note.write_text(
        "## Mystery\n\n| Layer | Output shape | Kernel | Channels |\n|---|---|---|---|\n"
        "| alpha | 224×224×64 | 3×3 | 64 |\n| beta | 112×112×64 | 2×2 | |\n\n"
        "## Results\n\n| Model | Dice |\n|---|---|\n| A | 0.9 |\n"
    )
    results, skipped = check_note(note)
    assert skipped == 1  # the results table stays silent
    (result,) = results
    (error,) = result.errors
    assert error.line == 3 and "looks like a layer table, but it has no Operation column" in error.message
    run = invoke_as_user("check", str(note))
    assert run.exit_code == 1


def test_a_folder_scan_finds_notes_whose_tables_have_legends_or_imply_their_operations(tmp_path):
    (tmp_path / "legend.md").write_text(
        "## Net\n\n| Layer | Output (C×H×W) | Operation |\n|---|---|---|\n| Input | 3×64×64 | |\n"
        "| c1 | 16×62×62 | Conv 3x3 |\n"
    )
    (tmp_path / "implied.md").write_text(
        "## Net\n\n| Layer | Output shape | Kernel |\n|---|---|---|\n| input | 64×64×3 | |\n| conv1 | 62×62×8 | 3×3 |\n"
    )
    (tmp_path / "other.md").write_text("| Model | Dice |\n|---|---|\n| A | 0.9 |\n")
    run = invoke_as_user("check", str(tmp_path))
    assert "legend.md: read 1 layer table" in run.stdout and "implied.md: read 1 layer table" in run.stdout
    assert "other.md" not in run.stdout


def test_modules_as_pytorch_prints_them_are_read(tmp_path):
    note = tmp_path / "printout.md"
    note.write_text(
        "## Printed\n\n| Layer | Output | Operation |\n|---|---|---|\n| Input | 64 x 64 x 3 | |\n"
        "| enc.0 | 64 x 64 x 16 | Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)) |\n"
        "| enc.1 | 64 x 64 x 16 | BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True) |\n"
        "| enc.2 | 64 x 64 x 16 | ReLU(inplace=True) |\n"
        "| pool | 32 x 32 x 16 | MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False) |\n"
        "| up | 64 x 64 x 8 | ConvTranspose2d(16, 8, kernel_size=(2, 2), stride=(2, 2)) |\n"
    )
    (result,), _ = check_note(note)
    assert result.ok, [(d.code, d.message) for d in result.diagnostics]
    assert [layer.op for layer in result.spec.layers] == ["conv", "batchnorm", "relu", "maxpool", "upconv"]
    assert result.spec.layers[0].params["padding"] == (1, 1)


def test_without_a_filters_column_a_conv_makes_the_channels_the_next_row_receives(tmp_path):
    result = _read_ok(
        tmp_path,
        "## Net\n\n| Layer | Dimensions | Operation |\n|---|---|---|\n| Input | 64 x 64 x 3 | |\n"
        "| c1 | 64 x 64 x 3 | Conv 3x3 |\n| r1 | 62 x 62 x 32 | ReLU |\n| c2 | 62 x 62 x 32 | Conv 3x3 |\n"
        "| r2 | 60 x 60 x 16 | ReLU |\n",
    )
    assert [layer.params.get("filters") for layer in result.spec.layers if layer.op == "conv"] == [32, 16]


def test_a_shape_column_that_holds_outputs_is_read_as_outputs_and_said_once(tmp_path):
    result = _read_ok(
        tmp_path,
        "## Paper table\n\n| Layer | Shape | Operation | Filters |\n|---|---|---|---|\n"
        "| Input | 572 x 572 x 1 | | 1 |\n| conv1a | 570 x 570 x 64 | Conv 3x3 | 64 |\n"
        "| relu1a | 570 x 570 x 64 | ReLU | |\n| conv1b | 568 x 568 x 64 | Conv 3x3 | 64 |\n",
    )
    assert result.spec.readings == (
        "the `Shape` column read as each row's output (the first layer's differs from the input)",
    )
    run = invoke_as_user("check", str(tmp_path / "n.md"))
    assert run.stdout.count("read as each row's output") == 1


def test_an_input_shape_column_like_the_seed_notes_stays_the_input(tmp_path):
    from conftest import SPECS

    (result,), _ = check_note(SPECS / "seed-note.md")
    assert result.spec.readings == ()
    assert len(result.errors) == 5  # the seed note's five findings, unchanged


def test_a_3d_kernel_in_a_2d_table_is_one_finding_at_the_first_row(tmp_path):
    note = tmp_path / "mixed.md"
    note.write_text(
        HEADER + "| c1 | 64 x 64 x 3 | Conv 3x3x3 | 8 |\n| c2 | 62 x 62 x 8 | Conv 3x3x3 | 8 |\n"
        "| p1 | 60 x 60 x 8 | Max Pooling 2×2×2 | — |\n"
    )
    (result,), _ = check_note(note)
    (error,) = result.errors
    assert error.line == 6 and "`Conv 3x3x3` is a 3D operation, but the table's input is 2D" in error.message


def test_a_3d_pool_reads_all_three_sizes():
    (pool,) = parse_operations("Max Pooling 2×2×2")
    assert pool.op == "maxpool" and pool.axes == 3


@pytest.mark.parametrize(
    "cell", ["max pool /2", "Max Pooling 3x3 /2", "conv3x3 s2", "Conv 3x3 stride 2", "Conv 3x3 /2"]
)
def test_a_stride_is_read_however_it_is_written(cell):
    (step,) = parse_operations(cell)
    assert step.params["stride"] == 2


# -- property: a network's note, restyled as people write notes, reads back to the same network ----------


def _printout(row: list[str], rank: int) -> str | None:
    """A row's operation as PyTorch prints the module (`Conv2d(4, 8, kernel_size=(3, 3), padding=(1, 1))`)."""
    name, dims, op, filters = row
    parts = dims.split(" x ")
    if op.startswith("Conv ") and len(parts) == rank + 1:
        k = int(op.split()[1].split("x")[0])
        pad = k // 2 if "same" in op else 0
        ks, ss, ps = (", ".join([str(v)] * rank) for v in (k, 1, pad))
        return f"Conv{rank}d({parts[-1]}, {filters}, kernel_size=({ks}), stride=({ss}), padding=({ps}))"
    if op.startswith("Max Pooling"):
        return f"MaxPool{rank}d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    if op.startswith("Up-conv") and len(parts) == rank + 1:
        twos = ", ".join(["2"] * rank)
        return f"ConvTranspose{rank}d({parts[-1]}, {filters}, kernel_size=({twos}), stride=({twos}))"
    del name
    return None


@st.composite
def restyled_note(draw, table: str, rank: int = 2) -> str:
    """``table`` (from `table --style note`) with the column order, header words, shape order (a legend, or
    none: the cells say it), empty cells, folded activation rows and PyTorch printouts people use."""
    lines = table.strip().splitlines()
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    header, body = rows[0], rows[2:]
    channel_first = draw(st.booleans())
    if draw(st.booleans()):  # operations as PyTorch prints the modules
        for row in body:
            row[2] = (draw(st.booleans()) and _printout(row, rank)) or row[2]
    if draw(st.booleans()):  # fold each activation row into the conv above it (`Conv 3x3 + ReLU`)
        folded: list[list[str]] = []
        for row in body:
            if row[2] == "Relu" and folded and folded[-1][2].startswith("Conv"):
                folded[-1] = [row[0], folded[-1][1], f"{folded[-1][2]} + ReLU", row[3]]
            else:
                folded.append(row)
        body = folded
    legend = "Input (C×H×W)" if rank == 2 else "Input (C×D×H×W)"
    names = {
        "Layers": draw(st.sampled_from(["Layers", "Layer", "Name"])),
        "Dimensions": draw(st.sampled_from([legend, "Dimensions"]))
        if channel_first
        else draw(st.sampled_from(["Dimensions", "Input (H, W, C)" if rank == 2 else "Input (D, H, W, C)"])),
        "Operation": draw(st.sampled_from(["Operation", "Op", "Type"])),
        "Filters": draw(st.sampled_from(["Filters", "Channels"])),
    }

    def shape(cell: str) -> str:
        parts = cell.split(" x ")
        return " x ".join([parts[-1], *parts[:-1]]) if channel_first and len(parts) == rank + 1 else cell

    for row in body:
        row[1] = shape(row[1])
        if row[2] and not row[2].startswith(("Conv", "Up-conv")) and draw(st.booleans()):
            row[3] = draw(st.sampled_from(["—", "-", "n/a"]))  # a non-conv row's channels left out
    order = draw(st.permutations(range(4)))
    table_rows = [[names[h] for h in header], ["---"] * 4, *body]
    return "## Net\n\n" + "".join("| " + " | ".join(row[i] for i in order) + " |\n" for row in table_rows)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_note_restyled_as_people_write_them_reads_back_to_the_same_network(data, tmp_path_factory):
    """2D and 3D, printouts, folded rows, channel order with and without a legend; and `convert` of the
    note checks the same as the note."""
    from unetcalc.spec.emit import note_yaml

    original = check_text(data.draw(note_expressible_spec(max_rank=3)))
    assume(original.ok and original.inference is not None and original.input is not None)
    note = tmp_path_factory.mktemp("note") / "note.md"
    note.write_text(data.draw(restyled_note(render_note_table(original), original.input.rank)))
    (again,), _ = check_note(note, documents=True)
    assert not again.errors, (note.read_text(), [(d.code, d.message) for d in again.errors])
    assert again.inference is not None
    assert str(again.inference.output) == str(original.inference.output)
    assert again.inference.params == original.inference.params
    converted = check_text(note_yaml(again.spec), "converted.yaml")
    assert converted.ok and converted.inference is not None
    assert converted.inference.params == original.inference.params


def test_channels_first_cells_without_a_legend_are_read_so_when_the_filters_column_says_so(tmp_path):
    result = _read_ok(
        tmp_path,
        "## Printout\n\n| Layer | Output | Operation | Filters |\n|---|---|---|---|\n| Input | 3×64×64 | | 3 |\n"
        "| c1 | 16×62×62 | Conv 3x3 | 16 |\n| r1 | 16×62×62 | ReLU | 16 |\n| p1 | 16×31×31 | Max Pooling 2x2 | 16 |\n",
    )
    assert str(result.inference.output) == "31x31x16"  # type: ignore[union-attr]
    assert result.spec.readings == ("the `Output` column read channels first (C×H×W), as the Filters column says",)


ONE_BELIEF = """# Decoder

| Layers | Dimensions | Operation | Filters |
|---|---|---|---|
| Input | 64 x 64 | | 1 |
| Conv1 | 64 x 64 x 1 | Conv 3x3, padding 1 | 32 |
| Pool1 | 64 x 64 x 32 | Max Pooling 2x2 | 32 |
| Conv2 | 32 x 32 x 32 | Conv 3x3, padding 1 | 64 |
| Up1 | 32 x 32 x 64 | Up-conv 2x2 | 32 |
| Cat1 | 64 x 64 x 32 | Concat with Conv1 | {cat} |
| Conv3 | 64 x 64 x {next} | Conv 3x3, padding 1 | 32 |
| Head | 64 x 64 x 32 | Conv 1x1 | 2 |
"""


def test_a_wrong_filters_cell_believed_in_the_next_row_is_one_finding(tmp_path):
    """Cat1 joins 32 + 32 channels; its Filters cell says 32 and Conv3's input cell believes it: one mistake."""
    note = tmp_path / "note.md"
    note.write_text(ONE_BELIEF.format(cat=32, next=32), encoding="utf-8")
    (result,), _ = check_note(note)
    assert [(d.code, d.line, d.layer) for d in result.diagnostics] == [("UC107", 10, "Cat1")]
    finding = result.diagnostics[0]
    assert "the next row, Conv3, takes the same 32 channels" in finding.message
    assert "write 64 in the Filters column here and `64x64x64` in Conv3's input cell" in finding.hint
    note.write_text(ONE_BELIEF.format(cat=32, next=64), encoding="utf-8")  # the next row got it right
    (result,), _ = check_note(note)
    assert [(d.code, d.line) for d in result.diagnostics] == [("UC107", 10)]
    assert "next row" not in result.diagnostics[0].message
    note.write_text(ONE_BELIEF.format(cat=64, next=64), encoding="utf-8")
    (result,), _ = check_note(note)
    assert result.diagnostics == []


CHANNELS_FIRST = """| Layer | Operation | Output shape |
|---|---|---|
| input | | 3 x 128 x 128 |
| conv1 | Conv 3x3, padding 1 | 32 x 128 x 128 |
| relu1 | ReLU | 32 x 128 x 128 |
| pool1 | Max Pooling 2x2 | 32 x 64 x 64 |
| conv2 | Conv 3x3, padding 1 | 64 x 64 x 64 |
| up1 | Up-conv 2x2 | 32 x 128 x 128 |
| cat1 | Concat with relu1 | 64 x 128 x 128 |
| head | Conv 1x1 | 2 x 128 x 128 |
"""


def _swap(cell: str) -> str:
    c, h, w = cell.split(" x ")
    return f"{h} x {w} x {c}"


def test_channels_first_shapes_without_legend_or_filters_are_read_from_the_cells(tmp_path):
    note = tmp_path / "cf.md"
    note.write_text(CHANNELS_FIRST, encoding="utf-8")
    (result,), _ = check_note(note)
    assert result.ok and result.diagnostics == []
    assert any("read channels first (C×H×W), as its cells put the equal sizes last" in r for r in result.spec.readings)
    assert result.inference.input.channels == 3 and result.inference.output.channels == 2
    last_first = "\n".join(
        "|".join([*row.split("|")[:3], f" {_swap(row.split('|')[3].strip())} ", ""]) if " x " in row else row
        for row in CHANNELS_FIRST.splitlines()
    )
    note.write_text(last_first + "\n", encoding="utf-8")  # the same table written H×W×C: read as it is
    (result,), _ = check_note(note)
    assert result.ok and not result.spec.readings and result.inference.output.channels == 2


def test_convert_keeps_the_filters_of_rows_that_are_not_convs_and_the_verdict(tmp_path):
    note, spec = tmp_path / "note.md", tmp_path / "note.yaml"
    for cat, count in ((64, 0), (32, 1)):
        note.write_text(ONE_BELIEF.format(cat=cat, next=32 if cat == 32 else 64), encoding="utf-8")
        run = invoke_as_user("convert", str(note), "-o", str(spec))
        assert run.exit_code == 0, run.output
        text = spec.read_text(encoding="utf-8")
        assert f"name: Cat1, with: Conv1, in: 64 x 64 x 32, out: '?x?x{cat}'" in text
        assert "name: Pool1, in: 64 x 64 x 32, out: '?x?x32'" in text
        (from_note,), _ = check_note(note)
        converted = check_text(text, str(spec))
        assert len(converted.errors) == len(from_note.errors) == count
        assert converted.inference.params == from_note.inference.params
