"""What `expand`, `convert` and the import write is one line per row, whatever a name holds: a line
break, a YAML-only separator, a control or bidi character is escaped, so a CI log never runs a
workflow command (`::error::…`) from a spec in a pull request, and the YAML reads back to the same data."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from unetcalc.spec.emit import flow

from conftest import invoke_as_user as run_unetcalc

HOSTILE = [
    "a\n::error::pwned",
    "b\r\n::warning::x",
    "c\u2028::error::y",
    "d\x85e",
    "rtl\u202eabc",
    "bell\x07",
    "tab\tz",
]


def _no_raw_line_break(text: str) -> None:
    for line in text.split("\n"):
        assert not line.lstrip().startswith("::"), line
        assert not any(c in line for c in "\r\x85\u2028\u2029\u202e\x07\x1b"), repr(line)


@pytest.mark.parametrize("name", HOSTILE)
def test_expand_escapes_names_and_descriptions(tmp_path, name):
    spec = tmp_path / "s.yaml"
    quoted = yaml.safe_dump(name).strip().removesuffix("...").strip()
    spec.write_text(
        f"name: {quoted}\ndescription: {quoted}\nversion: 2\ninput: {{channels: 1, size: [8, 8]}}\n"
        f"layers:\n  - {{op: relu, name: {quoted}}}\n"
    )
    result = run_unetcalc("expand", str(spec))
    assert result.exit_code == 0, result.stdout
    _no_raw_line_break(result.stdout)
    data = yaml.safe_load(result.stdout)
    assert data["name"] == name and data["description"] == name and data["layers"][0]["name"] == name


def test_convert_escapes_what_a_cell_holds(tmp_path):
    note = tmp_path / "n.md"
    note.write_text(
        "## net \u202e\n\n| Layer | Dimensions | Operation | Filters |\n|---|---|---|---|\n"
        "| Input | 8 x 8 | | 1 |\n| r\u2028::error::x | 8 x 8 x 1 | Relu | 1 |\n"
    )
    result = run_unetcalc("convert", str(note))
    _no_raw_line_break(result.stdout)
    data = yaml.safe_load(result.stdout)
    assert data["layers"][0]["name"] == "r\u2028::error::x"


@given(st.recursive(st.text() | st.integers(), lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)))
def test_flow_is_one_line_that_reads_back_to_the_value(value):
    text = flow(value)
    assert "\n" not in text and "\r" not in text
    _no_raw_line_break(text)
    assert yaml.safe_load(text) == value
