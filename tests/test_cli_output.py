"""Golden CLI output (run `pytest --update-goldens` after an intended change)."""

from __future__ import annotations

import io

import pytest
from typer.testing import CliRunner

from unetcalc.cli.app import app

from conftest import ROOT, invoke_as_user, run_unetcalc

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    """`unetcalc ARGS` as users run it (entry point: the check fast path, else typer)."""
    code, out, _ = run_unetcalc(*args)
    return code, out


@pytest.mark.parametrize("spec", ["unet-2015", "seed-encoder", "seed-encoder-fixed", "unet-same", "unet-1d", "unet3d"])
def test_check_text_golden(spec, golden):
    code, out = run("check", f"specs/{spec}.yaml")
    golden(f"check-{spec}.txt", out)
    assert code == (1 if spec == "seed-encoder" else 0)


def test_check_570_golden(golden):
    code, out = run("check", "specs/unet-2015.yaml", "--input", "570x570")
    assert code == 1
    golden("check-unet-2015-570.txt", out)


def test_check_concise_golden(golden):
    code, out = run("check", "specs/seed-encoder.yaml", "--format", "concise")
    assert code == 1
    golden("check-seed-encoder-concise.txt", out)
    lines = [line for line in out.splitlines() if line.startswith("  specs/")]
    assert len(lines) == 5 and "|" not in out  # one line per finding, no source snippet


def test_full_text_shows_the_spec_line_and_a_caret_under_the_value():
    _, out = run("check", "specs/seed-encoder.yaml")
    lines = out.splitlines()
    at = next(i for i, line in enumerate(lines) if ":27:47 UC107" in line)
    source, carets = lines[at + 2], lines[at + 3]
    assert source.endswith("- {op: conv, filters: 128, name: Conv4, in: 124 x 124 x 128}")
    start = carets.index("^")
    assert source[start:].startswith("124 x 124 x 128") and carets[start:].startswith("^" * 15 + " ")


def test_text_wraps_at_the_terminal_width_without_breaking_words():
    from unetcalc import check_file
    from unetcalc.cli.console import Writer
    from unetcalc.report.text import render_result

    console = Writer(io.StringIO())
    render_result(console, check_file("specs/seed-encoder.yaml"), width=60)
    wrapped = console.file.getvalue()
    for line in wrapped.splitlines():
        if "|" not in line:  # source lines are shown as they are
            assert len(line) <= 60, line
    unwrapped = " ".join(wrapped.split())
    assert "from here on the declared shapes are the layers' outputs, not their inputs" in unwrapped


def test_check_json_golden(golden):
    code, out = run("check", "specs/seed-encoder.yaml", "--format", "json")
    assert code == 1
    golden("check-seed-encoder.json", out)


def test_table_markdown_golden(golden):
    code, out = run("table", "specs/unet-2015.yaml", "--format", "markdown")
    assert code == 0
    golden("table-unet-2015.md", out)
    lines = out.splitlines()
    assert lines[0].startswith("| #") and set(lines[1]) <= {"|", "-", " "}
    assert len([line for line in lines if line.startswith("|")]) == 2 + 1 + 49  # header, rule, input, 49 layers
    assert "| 388x388x2" in out and "31,030,658" in out


def test_table_marks_wrong_declared_rows():
    code, out = run("table", "specs/seed-encoder.yaml", "--format", "markdown")
    assert code == 1
    wrong = [line for line in out.splitlines() if "✗" in line]
    assert [line.split("|")[2].strip() for line in wrong] == ["Conv4", "Conv7", "Conv8", "Rel8"]


def test_table_csv_parses():
    import csv
    import io

    code, out = run("table", "specs/unet-same.yaml", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows[-1]["out"] == "256x256x3"
    assert sum(int(r["params"] or 0) for r in rows) == 7_763_107


def test_sizes_golden(golden):
    code, out = run("sizes", "specs/unet-2015.yaml", "--near", "254", "--range", "100..700")
    assert code == 0
    golden("sizes-unet-2015.txt", out)
    assert "H ≡ 12 (mod 16), H ≥ 188 → output H - 184" in out
    assert "nearest below 254: 252 → output 68" in out
    assert "nearest above 254: 268 → output 84" in out


def test_sizes_says_whether_the_specs_own_input_is_valid_and_the_nearest_others(tmp_path):
    code, out = run("sizes", "specs/unet-2015.yaml")
    assert code == 0
    assert "the spec's input H = 572: valid → output 388; nearest other valid sizes: 556 below, 588 above" in out
    spec = tmp_path / "odd.yaml"
    spec.write_text((ROOT / "specs" / "unet-2015.yaml").read_text().replace("[572, 572]", "[570, 572]"))
    code, out = run("sizes", str(spec))
    assert "the spec's input H = 570: NOT valid; nearest other valid sizes: 556 below, 572 above" in out


def test_sizes_bad_range_exits_2():
    code, _ = run("sizes", "specs/unet-2015.yaml", "--range", "9..1")
    assert code == 2


def test_symbolic_input_gives_expressions():
    code, out = run("check", "specs/unet-2015.yaml", "--input", "HxW", "--format", "json")
    import json

    entry = json.loads(out)["files"][0]
    assert code == 0
    assert entry["output"] == {"channels": 2, "size": ["H - 184", "W - 184"]}
    pool1 = next(layer for layer in entry["layers"] if layer["name"] == "pool1")
    assert pool1["out"]["size"] == ["(H - 4)/2", "(W - 4)/2"]


def test_strict_turns_warnings_into_failure():
    assert run("check", "tests/fixtures/warning-only.yaml")[0] == 0
    assert run("check", "tests/fixtures/warning-only.yaml", "--strict")[0] == 1


def test_several_files_and_summary():
    code, out = run("check", "specs/unet-2015.yaml", "specs/seed-encoder.yaml")
    assert code == 1
    assert out.strip().splitlines()[-1] == "2 files, 5 errors, 0 warnings"


def test_rules_and_explain():
    code, out = run("rules")
    assert code == 0 and "UC103" in out and "odd-size-before-downsampling" in out
    code, out = run("explain", "uc103")
    assert code == 0
    for heading in ("What it does", "Why it matters", "Example", "Fix"):
        assert heading in out
    assert run("explain", "UC999")[0] == 2


def test_sizes_of_a_spec_that_does_not_parse_exits_1(tmp_path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("input: {channels: 1, size: [64, 64]}\nlayers:\n  - {op: convv, filters: 8}\n")
    result = runner.invoke(app, ["sizes", str(spec)])
    assert result.exit_code == 1 and "UC002" in result.output and "valid input sizes" not in result.stdout


def test_symbolic_costs_in_json_are_plain_expressions():
    import json

    code, out = run("check", "specs/unet-2015.yaml", "--input", "HxW", "--format", "json")
    entry = json.loads(out)["files"][0]
    assert code == 0
    assert set(entry["macs"]) <= set("0123456789·HW +-")  # a plain polynomial in H and W
    _, concrete = run("check", "specs/unet-2015.yaml", "--format", "json")
    at_572 = eval(entry["macs"].replace("·", "*").replace("H", "572").replace("W", "572"))  # digits and + - * only
    assert at_572 == json.loads(concrete)["files"][0]["macs"]  # the polynomial is the concrete count at 572²
    assert entry["memory"]["params"]["float32"] == 31_030_658 * 4


def test_explain_suggests_the_closest_code():
    result = runner.invoke(app, ["explain", "UC13"])
    assert result.exit_code == 2 and "did you mean `UC113`?" in result.output


@pytest.mark.parametrize("spec", ["unet-2015", "seed-encoder", "unet3d", "fcn8s"])
def test_rich_table_fits_80_columns_and_wide_shows_every_column(spec, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    _code, out = run("table", f"specs/{spec}.yaml")
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "layer" in out and "out" in out and "hidden to fit 80 columns: --wide shows all" in out
    _, wide = run("table", f"specs/{spec}.yaml", "--wide")
    header = next(line for line in wide.splitlines() if "layer" in line)
    assert header.count("┃") == 11 and "hidden" not in wide  # all ten columns, however narrow


@pytest.mark.parametrize("text", ["570x570", "570X570", "570 × 570", "570x570x1", "570*570"])
def test_input_option_reads_shapes_as_the_spec_does(text):
    code, out = run("check", "specs/unet-2015.yaml", "--input", text, "--format", "concise")
    assert code == 1 and "UC103 pool2" in out and "570x570x1 → 372x372x2" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [("570x570x3", "gives 3 channels but"), ("570", "write 256x256 (or 256x256x1"), ("5a0x570", "neither a size")],
)
def test_bad_input_option_names_what_is_accepted(text, message):
    result = invoke_as_user("check", "specs/unet-2015.yaml", "--input", text)
    assert result.exit_code == 2 and message in result.stderr


def test_conventions_version_quiet_stdin_and_completion():
    assert run("-V")[1].startswith("unetcalc ")
    code, out = run("check", "specs/", "--quiet")
    assert code == 1 and "seed-encoder.yaml" in out and "unet-2015.yaml" not in out and "shape " not in out
    result = invoke_as_user("check", "-", "--format", "concise", stdin=open("specs/seed-encoder.yaml").read())  # noqa: SIM115
    assert result.exit_code == 1 and "<stdin>:27:47 UC107" in result.stdout
    assert "--install-completion" in runner.invoke(app, ["--help"]).stdout


def test_memory_figures_for_one_spec_not_for_a_lint_of_many(tmp_path):
    """Each spec's batch-1 memory is a replay of its network: shown for one file, left out over a directory."""
    spec = tmp_path / "a.yaml"
    spec.write_text("input: {channels: 1, size: [64, 64]}\nlayers:\n  - {op: conv, filters: 8, padding: same}\n")
    (tmp_path / "b.yaml").write_text(spec.read_text())
    code, one, _ = run_unetcalc("check", str(spec))
    assert code == 0 and "train step" in one and "inference" in one
    code, many, _ = run_unetcalc("check", str(tmp_path))
    assert code == 0 and many.count("✓ OK") == 2 and "train step" not in many and "MACs" in many


def test_a_scalar_input_size_says_to_write_a_list(tmp_path):
    spec = tmp_path / "scalar.yaml"
    spec.write_text("name: s\ninput: {channels: 1, size: 256}\nlayers: [relu]\n")
    code, out = run("check", str(spec))
    assert code == 1 and "`input.size` is one number (256)" in out and "write `[256]` for 1D or `[256, 256]`" in out


def test_a_yaml_syntax_error_shows_its_line_with_a_caret(tmp_path):
    spec = tmp_path / "syntax.yaml"
    spec.write_text("name: s\ninput: {channels: 1, size: [8, 8]\nlayers: [relu]\n")
    code, out = run("check", str(spec))
    assert code == 1 and "UC001" in out
    assert "   2 | input: {channels: 1, size: [8, 8]" in out and "^^^" in out


def test_table_wide_into_a_file_keeps_every_column_whole():
    code, out = run("table", "specs/unet-2015.yaml", "--wide")
    assert code == 0 and "…" not in out and "declared" in out and "hidden" not in out


@pytest.mark.parametrize(
    "args",
    [
        ["specs/unet-2015.yaml"],
        ["specs/seed-encoder.yaml", "--format", "concise"],
        ["specs/unet-2015.yaml", "--input", "570x570", "-f", "json"],
        ["--help"],
        [],
        ["specs/unet-2015.yaml", "--bogus"],
        ["specs/unet-2015.yaml", "-f", "xml"],
    ],
)
def test_check_alone_behaves_as_the_full_apps_check(args):
    """`unetcalc check …` runs an app holding only the check command (the same function): same output, errors,
    help and exit code as the full app's `check`."""
    from typer.testing import CliRunner

    from unetcalc.cli.app import app

    full = CliRunner().invoke(app, ["check", *args], prog_name="unetcalc")
    alone = invoke_as_user("check", *args)
    assert alone.exit_code == full.exit_code
    assert alone.stdout == full.stdout
    assert alone.stderr == full.stderr
