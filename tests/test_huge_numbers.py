"""A number of thousands of digits anywhere — a spec value, a key, a hex literal, a repeat, an option,
a note cell — is a finding or exit 2 with a message, never an internal error (Python refuses to read
an integer of more than 4,300 digits)."""

from __future__ import annotations

import pytest

from unetcalc import check_text
from unetcalc.check import check_note

from conftest import ROOT, invoke_as_user

BIG = "9" * 5000
SPEC = str(ROOT / "specs" / "unet-2015.yaml")


@pytest.mark.parametrize(
    "body",
    [
        f"input: {{channels: 1, size: [{BIG}, 64]}}\nlayers: [relu]",
        f"input: {{channels: {BIG}, size: [64, 64]}}\nlayers: [relu]",
        f"input: {{channels: 1, size: [64, 64]}}\nlayers:\n  - {{op: conv, filters: {BIG}}}",
        f"input: {{channels: 1, size: [64, 64]}}\nlayers:\n  - {{op: conv, filters: 0x{BIG}}}",
        f"input: {{channels: 1, size: [64, 64]}}\nlayers:\n  - {{op: conv, filters: 4, {BIG}: 1}}",
        f"input: {{channels: 1, size: [64, 64]}}\nx: &a 1\nlayers:\n  - {{op: conv, filters: 4, kernel: {BIG}}}",
        "version: 2\ninput: {channels: 1, size: [64, 64]}\nblocks:\n  b:\n    layers: [relu]\n"
        f"layers:\n  - {{block: b, repeat: {BIG}}}",
    ],
    ids=["size", "channels", "filters", "hex", "key", "with an anchor", "repeat"],
)
def test_a_number_of_thousands_of_digits_in_a_spec_is_one_finding_where_it_is(body):
    result = check_text("name: b\n" + body + "\n", "big.yaml")
    (error,) = result.errors
    assert error.code == "UC001" and "a spec's numbers have at most 100 digits" in error.message
    assert error.line > 1


@pytest.mark.parametrize(
    "argv",
    [
        ["check", SPEC, "--input", f"{BIG}x64"],
        ["sizes", SPEC, "--range", f"1..{BIG}"],
        ["sizes", SPEC, "--near", BIG],
        ["fit", SPEC, "--memory", f"{BIG[:400]}GiB", "--batch", "1"],
        ["fit", SPEC, "--memory", "24GiB", "--reserve", f"{BIG[:400]}GiB", "--batch", "1"],
        ["memory", SPEC, "--batch", BIG],
    ],
    ids=["--input", "--range", "--near", "--memory", "--reserve", "--batch"],
)
def test_a_huge_number_in_an_option_is_exit_2_with_a_message(argv):
    run = invoke_as_user(*argv)
    assert run.exit_code == 2, run.stdout
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr


def test_a_huge_number_in_a_note_cell_is_a_finding(tmp_path):
    note = tmp_path / "n.md"
    note.write_text(
        "| Layer | Dimensions | Operation | Filters |\n|---|---|---|---|\n"
        f"| Input | {BIG} x 8 | | 1 |\n| c | 8 x 8 x 1 | Conv 3x3 | 4 |\n"
    )
    (result,), _ = check_note(note)
    assert [(d.code, d.line) for d in result.errors] == [("UC005", 3)]


def test_numbers_of_a_hundred_digits_are_read_and_bounded_as_any_other():
    big = "9" * 99
    filters = check_text(
        f"name: b\ninput: {{channels: 1, size: [8, 8]}}\nlayers:\n  - {{op: conv, filters: {big}}}\n", "b"
    )
    assert "larger than the 1,000,000 unetcalc accepts" in filters.errors[0].message
    size = check_text(f"name: b\ninput: {{channels: 1, size: [{big}, 8]}}\nlayers: [relu]\n", "b.yaml")
    assert "larger than 10,000,000, the largest size unetcalc reads" in size.errors[0].message
