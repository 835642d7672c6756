"""`unetcalc lsp` through the protocol: pygls's client drives the server in a subprocess over stdio."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

pytest.importorskip("pygls")

from lsp_session import Session, apply
from lsprotocol import types as lsp

from unetcalc import check_file, check_text
from unetcalc.report.table import table_rows

ROOT = Path(__file__).resolve().parent.parent


def run(coroutine):
    return asyncio.run(coroutine)


def opened(path, text: str):
    """The diagnostics and inlay hints the server gives a buffer holding ``text``, opened once."""

    async def scenario():
        async with Session() as session:
            uri = session.open(path, text)
            return await session.diagnostics(uri), await session.inlay_hints(uri)

    return run(scenario())


def test_diagnostics_of_the_seed_spec_and_note_sit_on_their_cells():
    async def scenario():
        async with Session() as session:
            found = {}
            for name in ("specs/seed-encoder.yaml", "specs/seed-note.md"):
                uri = session.open(ROOT / name)
                found[name] = await session.diagnostics(uri)
            return found

    found = run(scenario())
    for name, diagnostics in found.items():
        expected = check_file(ROOT / name) if name.endswith(".yaml") else None
        codes = [d.code for d in diagnostics]
        assert codes == ["UC107", "UC107", "UC006", "UC107", "UC108"], (name, codes)
        lines = (ROOT / name).read_text(encoding="utf-8").split("\n")
        conv4 = diagnostics[0]
        cell = lines[conv4.range.start.line][conv4.range.start.character : conv4.range.end.character]
        assert cell == "124 x 124 x 128", name  # the declared shape, nothing around it
        duplicate = diagnostics[2]
        assert lines[duplicate.range.start.line][duplicate.range.start.character : duplicate.range.end.character] == (
            "MaxPool2"
        )
        assert duplicate.related_information and "first defined here" in duplicate.related_information[0].message
        assert conv4.code_description is not None and conv4.code_description.href.endswith("rules.md#uc107")
        assert conv4.severity == lsp.DiagnosticSeverity.Error and conv4.source == "unetcalc"
        if expected is not None:
            assert [d.line - 1 for d in expected.diagnostics] == [d.range.start.line for d in diagnostics]


def test_inlay_hints_on_the_2015_unet_are_the_table_shapes():
    async def scenario():
        async with Session() as session:
            uri = session.open(ROOT / "specs/unet-2015.yaml")
            await session.diagnostics(uri)
            return await session.inlay_hints(uri)

    hints = run(scenario())
    result = check_file(ROOT / "specs/unet-2015.yaml")
    shown = [hint.label.removeprefix(" → ") for hint in hints]
    table = [row.shape_out.replace("x", "×") for row in table_rows(result)[1:]]  # without the input row
    assert shown == table
    lines = (ROOT / "specs/unet-2015.yaml").read_text(encoding="utf-8").split("\n")
    first = next(h for h in hints)
    assert "enc1a" in lines[first.position.line] and first.position.character == len(lines[first.position.line])


def test_inlay_hints_are_symbolic_and_stop_at_the_first_failure():
    text = (
        "input: {channels: 1, size: [H, W]}\nlayers:\n"
        "  - {op: conv, filters: 8}\n"
        "  - {op: conv, filters: 8, name: skip}\n"
        "  - maxpool\n"
        "  - {op: conv, filters: 8}\n"
        "  - {op: upconv, filters: 8}\n"
        "  - {op: concat, with: skip}\n"
        "  - {op: conv, filters: 2}\n"
    )

    diagnostics, hints = opened(ROOT / "scratch.yaml", text)
    assert [d.code for d in diagnostics] == ["UC104"]
    labels = {h.position.line: h.label for h in hints}
    assert labels[2] == " → (H−2)×(W−2)×8"
    assert max(labels) < diagnostics[0].range.start.line  # nothing from the failing join on


def test_hover_on_a_layer_and_on_the_input():
    async def scenario():
        async with Session() as session:
            uri = session.open(ROOT / "specs/unet-2015.yaml")
            await session.diagnostics(uri)
            return await session.hover(uri, 15, 8), await session.hover(uri, 10, 4), await session.hover(uri, 0, 0)

    layer, size, nothing = run(scenario())
    assert layer is not None and "572×572×1 → 570×570×64" in layer.contents.value
    assert "params 640" in layer.contents.value and "receptive field 3" in layer.contents.value
    assert "keeps for backward: input" in layer.contents.value
    assert size is not None and "H ≡ 12 (mod 16), H ≥ 188" in size.contents.value
    assert "nearest valid inputs: 556" in size.contents.value
    assert nothing is None


def test_a_code_action_fixes_a_skip_mismatch_and_the_buffer_then_checks_clean():
    text = (
        "input: {channels: 1, size: [572, 572]}\nlayers:\n"
        "  - {op: conv, filters: 8, kernel: 3}\n"
        "  - {op: conv, filters: 8, kernel: 3, name: enc1}\n"
        "  - maxpool\n"
        "  - {op: conv, filters: 16, kernel: 3}\n"
        "  - {op: upconv, filters: 8}\n"
        "  - {op: concat, with: enc1}\n"
        "  - {op: conv, filters: 2, kernel: 1}\n"
    )
    assert [d.code for d in check_text(text).diagnostics] == ["UC104"]

    async def scenario():
        async with Session() as session:
            uri = session.open(ROOT / "scratch.yaml", text)
            diagnostics = await session.diagnostics(uri)
            actions = await session.code_actions(uri, diagnostics[0].range.start.line)
            fix = next(a for a in actions if a.is_preferred)
            fixed = apply(text, fix.edit.changes[uri])
            session.change(uri, fixed, 2)
            return fix, [a.title for a in actions], fixed, await session.diagnostics(uri, 2)

    fix, titles, fixed, after = run(scenario())
    assert fix.title == "Add crop: center" and "Ignore UC104 on this line" in titles
    assert "{op: concat, with: enc1, crop: center}" in fixed
    assert after == [] and check_text(fixed).ok


def test_the_ignore_action_silences_the_finding():
    async def scenario():
        async with Session() as session:
            text = (ROOT / "specs/seed-encoder.yaml").read_text(encoding="utf-8")
            uri = session.open(ROOT / "specs/seed-encoder.yaml", text)
            diagnostics = await session.diagnostics(uri)
            duplicate = next(d for d in diagnostics if d.code == "UC006")
            actions = await session.code_actions(uri, duplicate.range.start.line)
            ignore = next(a for a in actions if a.title == "Ignore UC006 on this line")
            session.change(uri, apply(text, ignore.edit.changes[uri]), 2)
            return await session.diagnostics(uri, 2)

    assert "UC006" not in [d.code for d in run(scenario())]


def test_definition_references_symbols_and_completion():
    text = (ROOT / "specs/unet-2015.yaml").read_text(encoding="utf-8")
    lines = text.split("\n")
    use = next(n for n, line in enumerate(lines) if "with: enc4" in line)
    column = lines[use].index("enc4") + 1
    defined = next(n for n, line in enumerate(lines) if "name: enc4," in line)

    async def scenario():
        async with Session() as session:
            uri = session.open(ROOT / "specs/unet-2015.yaml", text)
            await session.diagnostics(uri)
            target = await session.definition(uri, use, column)
            refs = await session.references(uri, use, column)
            symbols = await session.symbols(uri)
            edited = text.replace("{op: concat, with: enc4, crop: center,", "{op: concat, with: ,", 1)
            session.change(uri, edited, 2)
            await session.diagnostics(uri, 2)
            at = edited.split("\n")[use].index("with: ") + len("with: ")
            names = await session.completion(uri, use, at)
            return target, refs, symbols, names

    target, refs, symbols, names = run(scenario())
    assert isinstance(target, lsp.Location) and target.range.start.line == defined
    assert lines[defined][target.range.start.character : target.range.end.character] == "enc4"
    assert {r.range.start.line for r in refs} == {defined, use}
    assert [s.name.split(" · ")[0] for s in symbols][:5] == ["level 0", "level 1", "level 2", "level 3", "level 4"]
    assert symbols[0].children and symbols[0].children[0].name == "enc1a"
    labels = [item.label for item in names]
    assert "enc4" in labels and "input" in labels and "dec4a" not in labels  # only layers above the row


def test_a_with_name_in_a_v2_block_goes_to_the_block():
    text = (
        "version: 2\ninput: {channels: 1, size: [64, 64]}\n"
        "blocks:\n"
        "  double:\n"
        "    params: {filters: null, kernel: 3}\n"
        "    layers:\n"
        "      - {op: conv, filters: $filters, kernel: $kernel, padding: same}\n"
        "      - relu\n"
        "layers:\n"
        "  - {block: double, filters: 8, name: first}\n"
        "  - {block: double, filters: 8}\n"
    )

    async def scenario():
        async with Session() as session:
            uri = session.open(ROOT / "blocks.yaml", text)
            diagnostics = await session.diagnostics(uri)
            line = 9
            target = await session.definition(uri, line, text.split("\n")[line].index("double") + 2)
            hints = await session.inlay_hints(uri)
            params = await session.completion(uri, 10, text.split("\n")[10].index(", filters") + 1)
            return diagnostics, target, hints, params

    diagnostics, target, hints, params = run(scenario())
    assert diagnostics == []
    assert isinstance(target, lsp.Location) and target.range.start.line == 3
    assert {h.position.line: h.label for h in hints} == {9: " → 64×64×8", 10: " → 64×64×8"}
    assert [item.label for item in params] == ["kernel"]  # the block's parameters the use does not set yet


def test_the_server_reads_no_file_and_runs_nothing(tmp_path):
    """A buffer's text is checked as sent: the file on disk (here: missing) is never read."""
    text = "input: {channels: 1, size: [16]}\nlayers:\n  - {op: conv, filters: 2, kernel: 3}\n"

    diagnostics, hints = opened(tmp_path / "never-saved.yaml", text)
    assert diagnostics == [] and [h.label for h in hints] == [" → 14×2"]
    assert not (tmp_path / "never-saved.yaml").exists()


def test_stale_changes_are_skipped_and_the_newest_is_published():
    base = "input: {channels: 1, size: [64]}\nlayers:\n"

    async def scenario():
        async with Session() as session:
            uri = session.open(ROOT / "typing.yaml", base + "  - {op: conv, filters: 2, kernel: 3}\n")
            await session.diagnostics(uri)
            for version in range(2, 30):  # a burst of keystrokes
                kernel = 3 if version < 29 else 99
                session.change(uri, base + f"  - {{op: conv, filters: 2, kernel: {kernel}}}\n", version)
            return await session.diagnostics(uri, 29)

    diagnostics = run(scenario())
    assert [d.code for d in diagnostics] == ["UC102"]


def test_rules_document_is_current():
    from unetcalc.report.rule_docs import rules_document

    assert (ROOT / "unetcalc/data/rules.md").read_text(encoding="utf-8") == rules_document()
    assert re.search(r"^## UC104 skip-size-mismatch$", rules_document(), re.MULTILINE)


def test_a_finding_inside_a_block_points_at_the_blocks_uses():
    text = (
        "version: 2\ninput: {channels: 1, size: [64, 64]}\n"
        "blocks:\n"
        "  double:\n"
        "    layers:\n"
        "      - {op: conv, filters: 8, kernel: 3, padding: same, bogus: 1}\n"
        "layers:\n"
        "  - {block: double}\n"
        "  - {block: double}\n"
    )

    diagnostics, _ = opened(ROOT / "uses.yaml", text)
    inside = [d for d in diagnostics if d.range.start.line == 5]
    assert inside, [(d.code, d.range.start.line, d.message) for d in diagnostics]
    related = {info.location.range.start.line for info in inside[0].related_information or []}
    assert {7, 8} <= related  # its two uses (and the block itself, which the message names)


@pytest.mark.parametrize("outputs", ["[seg, aux]", "{stack: [seg, aux]}", "\n  - seg\n  - aux"])
def test_output_names_are_references_to_their_layers(outputs):
    """Go to definition and find references cover the names `outputs:` lists, in each of its forms."""
    from unetcalc.lsp.buffer import Buffer

    text = (
        "input: {channels: 1, size: [32, 32]}\nlayers:\n  - {op: conv, filters: 2, name: seg}\n"
        f"  - {{op: conv, filters: 2, from: input, name: aux}}\noutputs: {outputs}\n"
    )
    buffer = Buffer.analyse("outputs.yaml", text)
    found = [r for r in buffer.references() if r.key == "outputs"]
    assert [r.name for r in found] == ["seg", "aux"]
    lines = text.split("\n")
    for reference in found:
        assert lines[reference.span.line][reference.span.start : reference.span.end] == reference.name
        assert buffer.definitions()[reference.name].line == (2 if reference.name == "seg" else 3)
