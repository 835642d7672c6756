"""`unetcalc diff OLD NEW`: layers, shapes, parameters, output, valid inputs, findings."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from unetcalc import check_file, check_text
from unetcalc.cli.app import app
from unetcalc.diff import FieldChange, diff_results

from conftest import SPECS

runner = CliRunner()
BASE = "input: {channels: 1, size: [64, 64]}\nlayers:\n"


def test_seed_encoder_against_its_fix(golden):
    result = runner.invoke(app, ["diff", "specs/seed-encoder.yaml", "specs/seed-encoder-fixed.yaml"])
    assert result.exit_code == 0
    golden("diff-seed-encoder.txt", result.stdout)
    changes = diff_results(check_file(SPECS / "seed-encoder.yaml"), check_file(SPECS / "seed-encoder-fixed.yaml"))
    kinds = {(c.kind, c.old, c.new) for c in changes.layers}
    assert ("renamed", "MaxPool2", "MaxPool3") in kinds
    conv8 = next(c for c in changes.layers if c.new == "Conv8")
    # values, not sentences; the rename is not repeated here
    assert conv8.details == (FieldChange("declared in", "38 x 38 x 1024", "28 x 28 x 512"),)
    assert changes.findings == ((5, 0), (0, 0))
    assert changes.shapes == [] and changes.old_params == changes.new_params


def test_markdown_and_json(golden):
    markdown = runner.invoke(
        app, ["diff", "specs/seed-encoder.yaml", "specs/seed-encoder-fixed.yaml", "-f", "markdown"]
    ).stdout
    golden("diff-seed-encoder.md", markdown)
    assert markdown.startswith("### unetcalc diff:") and "| findings | 5 errors, 0 warnings |" in markdown
    data = json.loads(runner.invoke(app, ["diff", "specs/unet-2015.yaml", "specs/unet-same.yaml", "-f", "json"]).stdout)
    assert data["params"] == {"old": 31_030_658, "new": 7_763_107, "delta": 7_763_107 - 31_030_658}
    assert data["output"] == {"old": "388x388x2", "new": "256x256x3"}
    assert {v["symbol"] for v in data["valid_input"]} == {"H", "W"}
    first = data["valid_input"][0]
    assert first["old"]["modulus"] == 16 and first["old"]["residue"] == 12 and first["new"]["modulus"] == 16


def test_added_removed_changed_and_shapes():
    old = check_text(
        BASE + "  - {op: conv, filters: 8, name: a}\n  - {op: relu, name: r}\n  - {op: maxpool, name: p}\n"
    )
    new = check_text(
        BASE + "  - {op: conv, filters: 16, name: a, padding: same}\n  - {op: conv, filters: 4, name: b}\n"
        "  - {op: relu, name: r}\n"
    )
    changes = diff_results(old, new)
    assert {(c.kind, c.old, c.new) for c in changes.layers} == {
        ("changed", "a", "a"),
        ("added", None, "b"),
        ("changed", "r", "r"),
        ("removed", "p", None),
    }
    a = next(c for c in changes.layers if c.new == "a")
    assert FieldChange("filters", 8, 16) in a.details and FieldChange("padding", "valid", "same") in a.details
    assert [(s.layer, s.old, s.new) for s in changes.shapes] == [
        ("a", "62x62x8", "64x64x16"),
        ("r", "62x62x8", "62x62x4"),
    ]
    assert changes.output == ("31x31x8", "62x62x4")


def test_identical_specs():
    result = runner.invoke(app, ["diff", "specs/unet-1d.yaml", "specs/unet-1d.yaml"])
    assert result.exit_code == 0 and "no changes" in result.stdout


def test_missing_file_exits_2():
    assert runner.invoke(app, ["diff", "specs/nope.yaml", "specs/unet-1d.yaml"]).exit_code == 2


def test_alignment_is_linear_and_finds_at_least_what_difflib_finds():
    import difflib
    import random

    from unetcalc.diff import align

    rng = random.Random(1)
    for _ in range(500):
        old = [f"l{i}" for i in range(rng.randint(0, 12))]
        new = list(old)
        for _ in range(rng.randint(0, 4)):
            edit = rng.choice(["insert", "delete", "rename"])
            if edit == "insert":
                new.insert(rng.randint(0, len(new)), f"n{rng.randint(0, 99)}")
            elif new:
                index = rng.randrange(len(new))
                new[index : index + 1] = [] if edit == "delete" else [f"r{rng.randint(0, 99)}"]
        opcodes = align(old, new)
        i = j = 0
        for tag, i1, i2, j1, j2 in opcodes:  # the opcodes tile both lists; equal runs are equal
            assert (i1, j1) == (i, j)
            assert tag != "equal" or old[i1:i2] == new[j1:j2]
            i, j = i2, j2
        assert (i, j) == (len(old), len(new))
        ours = sum(i2 - i1 for tag, i1, i2, _, _ in opcodes if tag == "equal")
        reference = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
        assert ours >= sum(i2 - i1 for tag, i1, i2, _, _ in reference if tag == "equal")
