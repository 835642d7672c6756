"""Issue 15: big and hostile-shaped inputs get the same answers, computed without quadratic work.

Timing lives in benchmarks/scaling.py (timed asserts flake on shared machines); these tests pin
the behaviour that the linear code paths must keep.
"""

from __future__ import annotations

from unetcalc import check_text
from unetcalc.findings.suggest import NameIndex

from conftest import invoke_as_user

HEADER = "input: {channels: 1, size: [H, W]}\ndefaults: {conv: {kernel: 3, padding: same}}\nlayers:\n"


def test_a_big_honest_spec_is_not_taken_for_an_alias_bomb():
    rows = "".join(f"  - {{op: conv, filters: 4, name: l{i}}}\n" if i % 2 == 0 else "  - relu\n" for i in range(40_000))
    result = check_text(HEADER + rows)  # about 240,000 YAML nodes: the old node limit refused it
    assert result.ok and len(result.inference.layers) == 40_000


def test_the_name_index_suggests_what_a_scan_would():
    names = ["enc1", "enc2", "decoder", "pool4", "input", "up_conv3"]
    index = NameIndex(names)
    assert index.closest("enc3") in ("enc1", "enc2")
    assert index.closest("decodr") == "decoder"
    assert index.closest("pool") == "pool4"
    assert index.closest("upconv3") == "up_conv3"
    assert index.closest("completely-different") is None


def test_every_misspelt_reference_gets_its_own_suggestion():
    rows = "  - {op: conv, filters: 4, name: layer0}\n" + "".join(
        f"  - {{op: add, with: layr{i - 1}, name: layer{i}}}\n" for i in range(1, 300)
    )
    result = check_text(HEADER + rows)
    hints = [d.hint for d in result.errors if d.code == "UC007"]
    assert len(hints) == 299 and hints[41] == "did you mean `layer41`?"


def test_a_long_table_is_streamed_with_every_row():
    rows = "".join("  - {op: conv, filters: 4}\n" for _ in range(1_200))
    spec = HEADER.replace("[H, W]", "[64, 64]") + rows
    run = invoke_as_user("table", "-", stdin=spec)
    lines = run.stdout.splitlines()
    assert run.exit_code == 0
    assert sum(1 for line in lines if line.startswith("conv")) == 1_200
    assert "conv1200" in run.stdout and "Total parameters" in run.stdout


def test_sizes_counts_a_huge_range_without_listing_it():
    run = invoke_as_user("sizes", "-", "--range", "1..1000000000", stdin=HEADER + "  - maxpool\n")
    assert run.exit_code == 0
    assert "500000000 valid in 1..1000000000" in run.stdout
    assert run.stdout.count("→") == 2 * (200 + 1 + 1)  # per axis: its rule, the range header, 200 values


def test_a_directory_report_streamed_file_by_file_is_the_report_printed_at_once(capsys, tmp_path):
    import shutil
    from pathlib import Path

    from unetcalc.cli.commands.check import run_check

    for spec in sorted((Path(__file__).resolve().parent.parent / "specs").glob("*.yaml")):
        shutil.copy(spec, tmp_path / spec.name)
    streamed = run_check([str(tmp_path)], "text")
    out_streamed = capsys.readouterr().out
    kept = run_check([str(tmp_path)], "text", keep_results=True)
    out_kept = capsys.readouterr().out
    assert out_streamed == out_kept and "files," in out_streamed
    assert streamed.exit_code == kept.exit_code == 1  # the seed encoder's mistakes
    assert all(r.inference is None for r in streamed.results)  # only the findings were kept
    assert all(r.inference is not None for r in kept.results)
