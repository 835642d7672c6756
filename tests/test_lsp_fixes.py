"""The language server's fixes and answers without the protocol: each fix applied to the text, re-checked."""

from __future__ import annotations

from pathlib import Path

from unetcalc import check_text
from unetcalc.check import check_note_text
from unetcalc.lsp.buffer import Buffer
from unetcalc.lsp.fixes import Edit, fixes
from unetcalc.lsp.hover import hover

ROOT = Path(__file__).resolve().parent.parent


def apply(text: str, edits: tuple[Edit, ...]) -> str:
    lines = text.split("\n")
    for edit in sorted(edits, key=lambda e: (e.span.line, e.span.start), reverse=True):
        line = lines[edit.span.line]
        lines[edit.span.line] = line[: edit.span.start] + edit.text + line[edit.span.end :]
    return "\n".join(lines)


def preferred(buffer: Buffer, code: str):
    diagnostic = next(d for d, _ in buffer.diagnostics() if d.code == code)
    return next(f for f in fixes(buffer, diagnostic) if f.preferred)


def test_the_nearest_valid_input_fixes_an_odd_size():
    text = (
        "input: {channels: 1, size: [571, 572]}\nlayers:\n"
        "  - {op: conv, filters: 4, kernel: 3}\n  - maxpool\n  - {op: conv, filters: 4, kernel: 3}\n"
    )
    buffer = Buffer.analyse("odd.yaml", text)
    fix = preferred(buffer, "UC103")
    assert fix.title == "Use the nearest valid input 572x572"
    assert check_text(apply(text, fix.edits)).ok


def test_output_padding_is_set_on_the_transposed_conv_the_hint_names():
    text = (
        "input: {channels: 1, size: [16]}\nlayers:\n"
        "  - {op: conv, filters: 4, kernel: 3, stride: 2, padding: 1, name: down}\n"
        "  - {op: upconv, filters: 4, kernel: 3, stride: 2, padding: 1, name: up}\n"
        "  - {op: concat, with: input}\n"
    )
    buffer = Buffer.analyse("short.yaml", text)
    fix = preferred(buffer, "UC104")
    assert "output_padding: 1" in fix.title
    fixed = apply(text, fix.edits)
    assert "padding: 1, name: up, output_padding: 1}" in fixed and check_text(fixed).ok


def test_a_block_style_layer_gets_the_key_on_a_line_of_its_own():
    text = (
        "input: {channels: 1, size: [572, 572]}\nlayers:\n"
        "  - {op: conv, filters: 4, kernel: 3}\n"
        "  - {op: conv, filters: 4, kernel: 3, name: enc1}\n"
        "  - maxpool\n"
        "  - {op: conv, filters: 4, kernel: 3}\n"
        "  - {op: upconv, filters: 4}\n"
        "  - op: concat\n"
        "    with: enc1\n"
        "  - {op: conv, filters: 2, kernel: 1}\n"
    )
    buffer = Buffer.analyse("block.yaml", text)
    fixed = apply(text, preferred(buffer, "UC104").edits)
    assert "  - op: concat\n    crop: center\n    with: enc1\n" in fixed and check_text(fixed).ok


def test_a_note_cell_gets_the_inferred_shape():
    text = (ROOT / "specs/seed-note.md").read_text(encoding="utf-8")
    buffer = Buffer.analyse(str(ROOT / "specs/seed-note.md"), text)
    fixed = apply(text, preferred(buffer, "UC107").edits)
    assert "| Conv4       | 124 x 124 x 64 |" in fixed
    results, _ = check_note_text(fixed, "seed-note.md")
    assert len([d for r in results for d in r.diagnostics if d.code == "UC107"]) == 2  # one fixed of three


def test_hover_on_an_ignore_comment_explains_the_rule():
    text = "input: {channels: 1, size: [16]}\nlayers:\n  - {op: conv, filters: 2}   # unetcalc: ignore[UC104]\n"
    buffer = Buffer.analyse("ignore.yaml", text)
    at = text.split("\n")[2].index("UC104") + 2
    shown = hover(buffer, 2, at)
    assert shown is not None and shown.startswith("### UC104 skip-size-mismatch") and "**Fix.**" in shown


def test_a_hostile_layer_name_is_text_in_a_hover_and_in_bioimageio_yaml():
    from unetcalc.report.bioimageio import render_bioimageio

    text = (
        'name: "evil\\n::error::x"\ninput: {channels: 1, size: [64, 64]}\nlayers:\n'
        '  - {op: conv, filters: 4, kernel: 3, padding: same, name: "a\\n[x](http://e) <img> **b**"}\n'
    )
    buffer = Buffer.analyse("hostile.yaml", text)
    shown = hover(buffer, 3, 5)
    assert shown is not None and "\\[x\\](http://e)" in shown and "\\<img\\>" in shown and "\n[x]" not in shown
    yaml_text = render_bioimageio(check_text(text))
    assert all(line.startswith(("#", " ", "-")) or ":" in line for line in yaml_text.splitlines())
    assert not any(line.startswith("::") for line in yaml_text.splitlines())
