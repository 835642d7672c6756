"""A hostile file gets an answer, never a hang or unbounded memory.

Inputs are large enough that a super-linear reader would run for hours: each is read in a child
process with a patience of a minute (a linear reader answers in about a second). Nothing here times
how fast the answer comes; the benchmarks do.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from unetcalc import check_text
from unetcalc.check import check_note
from unetcalc.spec.limits import MAX_LAYERS

PATIENCE = 60  # seconds: orders of magnitude above a linear answer, far below a quadratic one
TABLE = "| Layers | Dimensions | Operation | Filters |\n|---|---|---|---|\n| Input | 16 x 16 | | 1 |\n"


def _answers(*argv: str) -> subprocess.CompletedProcess[str]:
    """`unetcalc ARGV` in a child process; it must finish within PATIENCE without a traceback."""
    proc = subprocess.run(
        [sys.executable, "-m", "unetcalc", *argv], capture_output=True, text=True, timeout=PATIENCE, check=False
    )
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert proc.returncode in (0, 1), (proc.returncode, proc.stderr[-500:])
    return proc


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("heading of spaces", "# a" + " " * 200_000 + "b\n\n" + TABLE),
        ("separator line of spaces", "| a | b |\n" + " " * 600_000 + "\n" + TABLE),
        ("header row of pipes", "|" * 400_000 + "\n" + "|-" * 200_000 + "\n"),
        ("delimiter row of many cells", "| op | x |\n" + "|-" * 200_000 + "\n"),
        ("wiki links never closed", "# " + "[[" * 200_000 + "\n\n" + TABLE),
        ("operation cell of repeated words", TABLE + "| c | 16 x 16 | Concat " + "with." * 100_000 + " | 1 |\n"),
        ("shape cell of spaces", TABLE.replace("16 x 16 |", "1" + " " * 400_000 + "2 |", 1)),
        ("blank lines before a table", "\n" * 400_000 + TABLE),
    ],
)
def test_a_note_line_built_to_make_a_pattern_backtrack_is_read_in_linear_time(tmp_path, name, text):
    note = tmp_path / "note.md"
    note.write_text(text)
    _answers("check", str(note))


def test_a_folder_of_notes_full_of_blank_lines_is_scanned_in_linear_time(tmp_path):
    for index in range(5):
        (tmp_path / f"n{index}.md").write_text("\n" * 65_000 + "| op | x |\n" + "\n" * 65_000)
    _answers("check", str(tmp_path))


def _v2(blocks: str, layers: str) -> str:
    return f"name: b\nversion: 2\ninput: {{channels: 1, size: [64, 64]}}\nblocks:\n{blocks}\nlayers:\n{layers}\n"


def _nested_repeats(levels: int, repeat: int) -> str:
    blocks = "  b0:\n    layers: [relu]\n"
    for i in range(1, levels):
        blocks += f"  b{i}:\n    layers:\n      - {{block: b{i - 1}, repeat: {repeat}}}\n"
    return _v2(blocks.rstrip("\n"), f"  - {{block: b{levels - 1}, repeat: {repeat}}}")


def _doubling_strings(levels: int) -> str:
    blocks = "  s0:\n    params: {p: null}\n    layers: [{op: relu, name: '${p}'}]\n"
    for i in range(1, levels):
        blocks += f"  s{i}:\n    params: {{p: null}}\n    layers:\n      - {{block: s{i - 1}, p: '{'${p}' * 8}'}}\n"
    return _v2(blocks.rstrip("\n"), f"  - {{block: s{levels - 1}, p: '{'x' * 1000}'}}")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (
            "repeat of a billion",
            _v2("  one:\n    layers: [relu]", "  - {block: one, repeat: 1000000000}"),
            "1,000,000,000 × block `one` would expand to 1,000,000,000 layers, more than the 200,000",
        ),
        ("20^8 nested repeats", _nested_repeats(8, 20), "would expand to more than 200,000 layers"),
        ("${p} doubled at every level", _doubling_strings(8), "substitution makes more than 20,000,000 characters"),
        (
            "a billion U-Net levels",
            "name: u\nversion: 2\ninput: {channels: 1, size: [64, 64]}\nunet: {levels: 1000000000}\n",
            "needs an input larger than 2^64",
        ),
        (
            "a billion convs a level",
            "name: u\nversion: 2\ninput: {channels: 1, size: [64, 64]}\nunet: {convs: 1000000000}\n",
            "more than the 200,000 a spec may have",
        ),
        (
            "100,000 U-Net levels",
            "name: u\nversion: 2\ninput: {channels: 1, size: [64, 64]}\nunet: {levels: 100000}\n",
            "needs an input larger than 2^64",
        ),
    ],
)
def test_an_expansion_bomb_is_one_finding_before_any_work(name, text, message):
    result = check_text(text, "bomb.yaml")
    errors = [d for d in result.errors]
    assert len(errors) == 1, [(d.code, d.message) for d in errors]
    assert errors[0].code == "UC005" and message in errors[0].message
    assert not result.spec.layers


def test_more_written_layers_than_a_spec_may_have_is_a_finding_at_the_first_one_too_many():
    text = "name: p\ninput: {channels: 1, size: [8, 8]}\nlayers:\n" + "  - relu\n" * (MAX_LAYERS + 5)
    result = check_text(text, "plain.yaml")
    (error,) = result.errors
    assert error.line == 4 + MAX_LAYERS and "more than the 200,000" in error.message
    assert not result.spec.layers


@pytest.mark.slow
def test_a_note_table_with_more_rows_than_a_spec_may_have_is_one_finding(tmp_path):
    note = tmp_path / "big.md"
    note.write_text(TABLE + "| c | 16 x 16 | Relu | 1 |\n" * (MAX_LAYERS + 1))
    (result,), _ = check_note(note)
    (error,) = result.errors
    assert "the table has 200,002 rows" in error.message and error.line == 3 + MAX_LAYERS  # the input row counts


def test_one_mistake_on_every_row_is_a_thousand_findings_and_a_count(tmp_path):
    text = "name: d\ninput: {channels: 1, size: [8, 8]}\nlayers:\n" + "  - {op: relu, name: same}\n" * 3000
    result = check_text(text, "dup.yaml")
    duplicates = [d for d in result.errors if d.code == "UC006"]
    assert len(duplicates) == 1001
    assert "… and 1,999 more UC006 findings in this file (the first 1,000 are shown)" in duplicates[-1].message


def test_a_blocks_expansion_within_the_bound_still_expands_exactly():
    text = _v2("  one:\n    layers: [relu]", "  - {block: one, repeat: 1000}")
    result = check_text(text, "ok.yaml")
    assert result.ok and len(result.spec.layers) == 1000


@pytest.mark.slow
def test_the_plain_20_mb_spec_is_answered_with_one_finding(tmp_path):
    spec = tmp_path / "plain.yaml"
    spec.write_text("name: p\ninput: {channels: 1, size: [64, 64]}\nlayers:\n" + "  - relu\n" * 2_200_000)
    assert spec.stat().st_size < 20_000_000
    proc = _answers("check", str(spec))
    assert proc.returncode == 1 and "2,200,000 layers, more than the 200,000" in proc.stdout


def test_patterns_reading_user_text_have_no_nested_unbounded_repeats():
    """Every regular expression in the package: no `(…*…)*`-style nesting and no two adjacent unbounded
    repeats over overlapping characters that could trade a run between them (the shapes that backtrack)."""
    import re

    offenders = []
    for path in Path("unetcalc").rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        for match in re.finditer(
            r"re\.(?:compile|match|search|fullmatch|sub|split|findall|finditer)\(\s*r?([\"'])(.*?)\1", source
        ):
            pattern = match.group(2)
            if re.search(r"\([^()]*[*+][^()]*\)[*+]", pattern) or (r"\s*[" in pattern and pattern.count(r"\s*") >= 2):
                offenders.append(f"{path}: {pattern}")
    assert not offenders, offenders
