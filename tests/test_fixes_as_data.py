"""A finding's fix is data (`Diagnostic.fix`): each place phrases it in its own terms, nothing parses hints."""

from __future__ import annotations

from unetcalc import check_text
from unetcalc.check import check_note_text

SPEC = "input: {channels: 1, size: [64, 64]}\nlayers:\n  - {op: conv, filters: 8, out: 64x64x8}\n"
NOTE = """| Layers | Dimensions | Operation | Filters |
|---|---|---|---|
| Input | 64 x 64 | | 1 |
| conv1 | 64 x 64 x 1 | Conv 3x3 | 8 |
| conv2 | 60 x 60 x 8 | Conv 3x3 | 8 |
"""


def test_a_declared_shape_fix_is_a_key_in_a_spec_and_a_cell_in_a_note():
    finding = next(d for d in check_text(SPEC, "s.yaml").diagnostics if d.code == "UC107")
    assert finding.fix is not None and (finding.fix.key, finding.fix.value) == ("out", "62x62x8")
    assert finding.hint.startswith("write `out: 62x62x8`")
    [result], _ = check_note_text(NOTE, "n.md")
    noted = next(d for d in result.diagnostics if d.code == "UC107")
    assert noted.fix is not None and noted.hint.startswith(f"write `{noted.fix.value}` in this cell"), noted.hint
    assert "`in:" not in noted.hint and "`out:" not in noted.hint


def test_the_fix_is_not_part_of_the_json_contract():
    finding = next(d for d in check_text(SPEC, "s.yaml").diagnostics if d.code == "UC107")
    assert set(finding.to_json()) == {"code", "severity", "message", "hint", "file", "line", "column", "layer"}


def test_a_join_that_needs_output_padding_names_the_layer_and_value_as_data():
    spec = (
        "input: {channels: 1, size: [64, 64]}\nlayers:\n  - {op: conv, filters: 4, padding: 1, name: enc}\n"
        "  - {op: conv, filters: 4, kernel: 3, stride: 2, padding: 1}\n"
        "  - {op: upconv, filters: 4, kernel: 3, stride: 2, padding: 1, name: up}\n"
        "  - {op: concat, with: enc}\n"
    )
    finding = next(d for d in check_text(spec, "s.yaml").diagnostics if d.code == "UC104")
    assert finding.fix is not None and (finding.fix.layer, finding.fix.key, finding.fix.value) == (
        "up",
        "output_padding",
        "1",
    )
    assert f"{finding.fix.phrase()}" in finding.hint
