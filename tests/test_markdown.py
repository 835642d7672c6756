"""Issue 12: layer tables in markdown notes, checked where they live; markdown out, read back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unetcalc import check_file
from unetcalc.check import check_note
from unetcalc.report.note_table import render_note_table
from unetcalc.spec.note_ops import parse_operation

from conftest import invoke_as_user

ROOT = Path(__file__).resolve().parent.parent
NOTE = ROOT / "specs" / "seed-note.md"


def _cell(needle: str, row: str) -> tuple[int, int]:
    """(line, column) of ``needle`` on the note's line that starts with ``| row``."""
    for number, line in enumerate(NOTE.read_text().splitlines(), start=1):
        if line.startswith(f"| {row} "):
            return number, line.index(needle) + 1
    raise AssertionError(row)


def test_the_seed_note_gives_the_seed_specs_five_findings_at_its_cells():
    run = invoke_as_user("check", str(NOTE), "--format", "concise")
    assert run.exit_code == 1
    results, skipped = check_note(NOTE)
    assert len(results) == 1 and skipped == 0
    found = [(d.code, d.layer, d.line, d.column) for d in results[0].diagnostics]
    assert found == [
        ("UC107", "Conv4", *_cell("124 x 124 x 128", "Conv4")),
        ("UC107", "Conv7", *_cell("58 x 58 x 128", "Conv7")),
        ("UC006", "MaxPool2", *_cell("MaxPool2", "MaxPool2    | 56")),
        ("UC107", "Conv8", *_cell("38 x 38 x 1024", "Conv8")),
        ("UC108", "Rel8", *_cell("38 x 38 x 1024", "Rel8")),
    ]
    spec_codes = [(d.code, d.layer) for d in check_file(ROOT / "specs" / "seed-encoder.yaml").diagnostics]
    assert [(code, layer) for code, layer, _, _ in found] == spec_codes
    assert "read 1 layer table" in run.stdout + run.stderr


def test_github_and_sarif_point_into_the_note():
    github = invoke_as_user("check", str(NOTE), "--format", "github").stdout
    assert github.count("::error file=") == 5 and f"file={NOTE}" in github.replace(str(ROOT) + "/", str(ROOT) + "/")
    sarif = json.loads(invoke_as_user("check", str(NOTE), "--format", "sarif").stdout)
    locations = [r["locations"][0]["physicalLocation"] for r in sarif["runs"][0]["results"]]
    assert all(loc["artifactLocation"]["uri"].endswith("seed-note.md") for loc in locations)
    assert {loc["region"]["startLine"] for loc in locations} == {30, 37, 39, 40, 41}


def test_note_to_spec_to_note_fixes_the_mistakes(tmp_path, golden):
    spec = tmp_path / "seed.yaml"
    assert invoke_as_user("convert", str(NOTE), "-o", str(spec)).exit_code == 0
    fixed_yaml = spec.read_text()
    assert fixed_yaml.count("- {op:") == 25
    table = invoke_as_user("table", str(spec), "--format", "markdown", "--style", "note").stdout
    golden("seed-note-roundtrip.md", table)
    assert "| Conv4       | 124 x 124 x 64  |" in table and "| Conv8       | 28 x 28 x 512   |" in table
    again = tmp_path / "fixed.md"
    again.write_text("## Fixed\n\n" + table)
    (result,) = check_note(again)[0]
    assert [d.code for d in result.errors] == ["UC006"]  # only the reused name is left for the author


# -- the markdown a careful author writes, in ten styles --------------------------------------------

STYLES = {
    "seed": ("| Layers | Dimensions | Operation | Filters |", ["Conv 3x3", "Relu", "Max Pooling 2x2", "Conv 3x3"]),
    "spaces": ("| Layer | Shape | Op | Channels |", ["Conv 3 x 3", "ReLU", "MaxPool 2×2", "Conv 3 x 3"]),
    "compact": ("|Name|Input|Type|Kernels|", ["conv3x3", "relu", "maxpool 2x2", "conv3x3"]),
    "words": ("| Layer | Size | Operation | Units |", ["Convolution 3x3", "Relu", "Max Pool 2x2", "Convolution 3x3"]),
    "extra columns": (
        "| # | Layer | Dimensions | Operation | Filters | Params | Notes |",
        ["Conv 3x3", "Relu", "Max Pooling 2x2", "Conv 3x3"],
    ),
    "reordered": ("| Operation | Filters | Layers | Dimensions |", ["Conv 3x3", "Relu", "Max Pooling 2x2", "Conv 3x3"]),
    "batch norm": (
        "| Layers | Dimensions | Operation | Filters |",
        ["Conv 3x3", "Batch norm", "Max Pooling 2x2", "Conv 3x3"],
    ),
    "leaky": (
        "| Layers | Dimensions | Operation | Filters |",
        ["Conv 3x3", "Leaky ReLU", "Max Pooling 2x2", "Conv 3x3"],
    ),
    "dropout": (
        "| Layers | Dimensions | Operation | Filters |",
        ["Conv 3x3", "Dropout 0.5", "Max Pooling 2x2", "Conv 3x3"],
    ),
    "strided": ("| Layers | Dimensions | Operation | Filters |", ["Conv 3x3", "Relu", "conv3x3 s2", "Conv 3x3"]),
}


NOTATIONS = {  # shapes as notes write them
    "compact": "{}x{}x{}",
    "words": "{}×{}×{}",
    "reordered": "({}, {}, {})",
    "extra columns": "{}, {}, {}",
}


def _styled_note(header: str, operations: list[str], notation: str = "{} x {} x {}") -> str:
    roles = [c.strip().lower() for c in header.strip("|").split("|")]
    sizes = [notation.format(*dims) for dims in ((64, 64, 1), (62, 62, 8), (62, 62, 8), (31, 31, 8))]
    filters = ["8", "8", "8", "16"]
    lines = ["---", "tags: [unet]", "---", "# My encoder", "", header, "|" + "---|" * len(roles)]
    input_row = {"name": "Input Layer", "dims": "64 x 64", "op": "", "filters": "1"}
    rows = [input_row] + [
        {"name": f"L{i + 1}", "dims": sizes[i], "op": op, "filters": filters[i]} for i, op in enumerate(operations)
    ]
    for row in rows:
        cells = []
        for role in roles:
            key = (
                "name" if role in ("layers", "layer", "name")
                else "dims" if role in ("dimensions", "shape", "input", "size")
                else "op" if role in ("operation", "op", "type")
                else "filters" if role in ("filters", "channels", "kernels", "units")
                else None
            )  # fmt: skip
            cells.append(row[key] if key else "…")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("style", sorted(STYLES))
def test_tables_in_ten_human_styles_read_as_the_intended_network(style, tmp_path):
    header, operations = STYLES[style]
    note = tmp_path / "note.md"
    if style == "strided":
        # An unpadded 3×3 of stride 2 reads every row of 63 (not of 62, whose last row it leaves out).
        text = _styled_note(header, operations).replace("64 x 64", "65 x 65").replace("62 x 62", "63 x 63")
    else:
        text = _styled_note(header, operations, NOTATIONS.get(style, "{} x {} x {}"))
    note.write_text(text)
    (result,), _ = check_note(note)
    assert result.spec.name == "My encoder"
    ops = [e.layer.op for e in result.inference.layers]
    assert ops[0] == "conv" and ops[-1] == "conv" and len(ops) == 4
    assert result.inference.input.channels == 1 and result.inference.output.channels == 16
    assert not result.errors, [(d.code, d.message) for d in result.errors]


def test_an_unreadable_operation_is_one_finding_at_its_cell(tmp_path):
    note = tmp_path / "note.md"
    note.write_text(
        _styled_note(
            "| Layers | Dimensions | Operation | Filters |", ["Conv 3x3", "Frobnicate", "Max Pooling 2x2", "Conv 3x3"]
        )
    )
    (result,), _ = check_note(note)
    (finding,) = [d for d in result.diagnostics if d.code == "UC002"]
    line = note.read_text().splitlines()[finding.line - 1]
    assert line[finding.column - 1 :].startswith("Frobnicate")
    (typo,) = check_note(_write(tmp_path / "typo.md", note.read_text().replace("Frobnicate", "Maxpoolng 2x2")))[0]
    assert "did you mean `Max Pooling`?" in next(d for d in typo.diagnostics if d.code == "UC002").hint


def _write(path, text):
    path.write_text(text)
    return path


def test_surrounding_note_syntax_is_ignored_and_rows_can_be_suppressed(tmp_path):
    note = tmp_path / "note.md"
    text = _styled_note(
        "| Layers | Dimensions | Operation | Filters |", ["Conv 3x3", "Relu", "Max Pooling 2x2", "Conv 3x3"]
    )
    text = text.replace("| L4 | 31 x 31 x 8 |", "| L4 | 30 x 30 x 8 |")  # a wrong shape …
    text = text.replace("| Conv 3x3 | 16 |", "| Conv 3x3 | 16 | <!-- unetcalc: ignore[UC107] -->")  # … suppressed
    text += "\n```\n| Layers | Dimensions | Operation | Filters |\n|---|---|---|---|\n| X | 1 | Frobnicate | 1 |\n```\n"
    text += "\n> [!note] a callout\n![[image.png]] and [[a link]] and ==highlight==\n<!--\n| a | b |\n|---|---|\n-->\n"
    text += "\n| Fruit | Colour |\n|---|---|\n| apple | red |\n"  # not a layer table: skipped
    note.write_text(text)
    results, skipped = check_note(note)
    assert len(results) == 1 and skipped == 1
    assert not results[0].diagnostics, [(d.code, d.message) for d in results[0].diagnostics]


@pytest.mark.parametrize(
    ("cell", "op", "params"),
    [
        ("Conv 3x3", "conv", {"kernel": 3}),
        ("conv3x3 s2", "conv", {"kernel": 3, "stride": 2}),
        ("Conv 1x1", "conv", {"kernel": 1}),
        ("Max Pooling 2x2", "maxpool", {"kernel": 2}),
        ("MaxPool 2×2", "maxpool", {"kernel": 2}),
        ("Up-conv 2x2", "upconv", {"kernel": 2}),
        ("Up-convolution 2x2", "upconv", {"kernel": 2}),
        ("Upsample x2", "upsample", {"scale": 2}),
        ("Batch norm", "batchnorm", {}),
        ("Dropout 0.5", "dropout", {"p": 0.5}),
        ("Softmax", "softmax", {}),
        ("Copy and crop", "concat", {"crop": "center"}),
    ],
)
def test_operations_written_the_way_people_write_them(cell, op, params):
    operation = parse_operation(cell)
    assert (operation.op, operation.params) == (op, params)


def test_concat_with_a_named_layer():
    operation = parse_operation("Concat with Conv3")
    assert operation.op == "concat" and operation.concat_with == "Conv3"


# -- property: what `table --style note` prints reads back to the same network ---------------------


@st.composite
def note_expressible_spec(draw, max_rank: int = 2) -> str:
    """A random 2D (or 3D) encoder–decoder using only what a note's words say (convs, pools, up-convs, concat)."""
    rank = draw(st.integers(2, max_rank))
    size = draw(st.sampled_from([32, 48, 64] if rank == 2 else [16, 24]))
    sizes = ", ".join([str(size)] * rank)
    rows = [f"input: {{channels: {draw(st.integers(1, 3))}, size: [{sizes}]}}", "layers:"]
    levels = draw(st.integers(1, 2))
    for level in range(levels):
        rows.append(f"  - {{op: conv, filters: {draw(st.sampled_from([4, 8]))}, kernel: 3, padding: same}}")
        rows.append(f"  - {{op: {draw(st.sampled_from(['relu', 'batchnorm', 'sigmoid']))}, name: e{level}}}")
        rows.append(f"  - {{op: maxpool, kernel: 2, name: p{level}}}")
    filters, kernel = draw(st.sampled_from([4, 8])), draw(st.sampled_from([1, 3]))
    rows.append(f"  - {{op: conv, filters: {filters}, kernel: {kernel}, padding: same}}")
    for level in reversed(range(levels)):
        up = draw(st.sampled_from(["{op: upconv, filters: 4, kernel: 2}", "{op: upsample, scale: 2}"]))
        rows.append(f"  - {up}")
        rows.append(f"  - {{op: concat, with: e{level}}}")
        rows.append("  - {op: conv, filters: 4, kernel: 3, padding: same}")
    rows.append("  - {op: conv, filters: 2, kernel: 1}")
    return "\n".join(rows) + "\n"


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=note_expressible_spec())
def test_any_note_table_reads_back_to_the_same_network(text, tmp_path_factory):
    from unetcalc import check_text

    original = check_text(text)
    assert original.ok
    note = tmp_path_factory.mktemp("note") / "note.md"
    note.write_text("## Net\n\n" + render_note_table(original))
    (again,), _ = check_note(note)
    assert not again.errors, [(d.code, d.message) for d in again.errors]
    assert [str(e.out) for e in again.inference.layers] == [str(e.out) for e in original.inference.layers]
    assert again.inference.params == original.inference.params


def test_unreadable_or_symbolic_sizes_in_a_note_are_findings_or_symbols_never_a_crash(tmp_path):
    header = "| Layers | Dimensions | Operation | Filters |\n|---|---|---|---|\n"
    bad = _write(tmp_path / "bad.md", header + "| Input Layer | 16 x 16 | | 1 |\n| c | ??? | Conv 3x3 | many |\n")
    (result,), _ = check_note(bad)
    assert [(d.code, d.line) for d in result.errors] == [("UC008", 4)]
    symbolic = _write(
        tmp_path / "sym.md", header + "| Input Layer | H x W | | 3 |\n| c | H x W x 3 | Conv 3x3 same | 8 |\n"
    )
    (result,), _ = check_note(symbolic)
    assert result.ok and [str(s) for s in result.inference.output.size] == ["H", "W"]
    run = invoke_as_user("check", str(_write(tmp_path / "word.md", header + "| Input Layer | big | | x |\n")))
    assert "Traceback" not in run.stdout + run.stderr and "internal error" not in run.stdout + run.stderr
