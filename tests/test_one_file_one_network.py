"""What unetcalc checks is what every YAML reader and the markdown renderer people look at see.

YAML ends a line at NEL, LS and PS (even inside a comment) and refuses most control characters;
CommonMark ends a line only at LF, CRLF and CR, and its block rules (fences, indented code, HTML
blocks, block quotes, GFM's header and delimiter rows) decide what is a table.
"""

from __future__ import annotations

import pytest
import yaml
from markdown_it import MarkdownIt

from unetcalc import check_text
from unetcalc.check import check_note
from unetcalc.spec.markdown import find_tables

HEAD = "input: {channels: 1, size: [64, 64]}\nlayers:\n"


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\x85"])
@pytest.mark.parametrize("anchor", ["", "x: &a 1\n"])
def test_a_yaml_line_break_inside_a_comment_starts_a_layer_as_yaml_says(separator, anchor):
    text = (
        anchor + HEAD + f"  - {{op: relu}}  # reviewed{separator}  - {{op: conv, filters: 4096, kernel: 3}}\n  - relu\n"
    )
    result = check_text(text, "spec.yaml")
    assert [layer.op for layer in result.spec.layers] == ["relu", "conv", "relu"]
    assert len(yaml.safe_load(text)["layers"]) == 3


@pytest.mark.parametrize("char", ["\x07", "\x1b", "\x0c", "\x0b"])
def test_a_control_character_yaml_refuses_is_refused_where_it_is(char):
    text = HEAD + f"  - relu  # a{char}b\n  - relu\n"
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load(text)
    result = check_text(text, "spec.yaml")
    (error,) = result.errors
    assert error.code == "UC001" and (error.line, error.column) == (3, 14)


TABLE = "| Layer | Dimensions | Operation | Filters |\n|---|---|---|---|\n| Input | 16 x 16 | | 1 |\n"


def _ops(text: str) -> list[list[str]]:
    tables, _ = find_tables(text)
    return [[row[2].text for row in table.rows if len(row) > 2] for table in tables]


def _rendered_tables(text: str) -> int:
    """How many tables a CommonMark + GFM renderer makes of ``text``."""
    return sum(1 for token in MarkdownIt("commonmark").enable("table").parse(text) if token.type == "table_open")


@pytest.mark.parametrize("char", ["\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c"])
def test_a_line_separator_inside_a_cell_is_part_of_the_cell_as_github_renders_it(tmp_path, char):
    text = TABLE + f"| c1 | 16 x 16 | Conv 3x3{char} | 4 |\n| c2 | 16 x 16 | Frobnicate | 4 |\n"
    assert _rendered_tables(text) == 1
    note = tmp_path / "n.md"
    note.write_text(text)
    (result,), _ = check_note(note)
    # The row after the separator is still read (its finding was lost, exit 0): the separator is part of
    # the cell, which reads as the conv it shows.
    assert [d.line for d in result.errors if d.code == "UC002"] == [5]
    assert [layer.op for layer in result.spec.layers] == ["conv"]


@pytest.mark.parametrize(
    ("name", "text", "tables"),
    [
        ("a longer fence closes only with a fence as long", "````\n```\n" + TABLE + "````\n", 0),
        ("a tilde fence", "~~~\n" + TABLE + "~~~\n", 0),
        ("a fence of backticks is not closed by tildes", "```\n~~~\n" + TABLE + "```\n", 0),
        ("an indented code block", "".join("    " + line + "\n" for line in TABLE.splitlines()), 0),
        ("an HTML block", "<div>\n" + TABLE + "</div>\n", 0),
        ("an HTML comment", "<!--\n" + TABLE + "-->\n", 0),
        ("a table in a block quote", "".join("> " + line + "\n" for line in TABLE.splitlines()), 1),
        ("a table in a list item", "- item\n\n" + "".join("  " + line + "\n" for line in TABLE.splitlines()), 1),
        ("a delimiter row with fewer cells", TABLE.replace("|---|---|---|---|", "|---|---|---|"), 0),
        ("a table after a paragraph line", "Some words.\n" + TABLE, 1),
        ("a fence that is never closed", "```\n" + TABLE, 0),
    ],
)
def test_blocks_follow_commonmark_and_gfm(name, text, tables):
    assert _rendered_tables(text) == tables, "the renderer itself"
    assert len(_ops(text)) == tables


def test_rows_without_a_leading_pipe_and_rows_with_fewer_cells_are_rows(tmp_path):
    text = TABLE + "c1 | 16 x 16 | Conv 3x3 | 4\n| c2 | 14 x 14 |\n"
    (rows,) = _ops(text)
    assert rows == ["", "Conv 3x3"]  # the second row has no operation cell: GFM leaves it empty


def test_a_table_in_a_block_quote_points_at_its_cells(tmp_path):
    note = tmp_path / "q.md"
    note.write_text("".join("> " + line + "\n" for line in TABLE.splitlines()) + "> | c | 16 x 16 | Frobnicate | 4 |\n")
    (result,), _ = check_note(note)
    (error,) = [d for d in result.errors if d.code == "UC002"]
    line = note.read_text().split("\n")[error.line - 1]
    assert line[error.column - 1 :].startswith("Frobnicate")


def test_an_ignore_comment_covers_the_line_the_format_counts(tmp_path):
    """A form feed is no line break for markdown: the comment on the row after it still covers that row."""
    note = tmp_path / "s.md"
    rows = "| c1 | 16 x 16 | Frob\x0cnicate | 4 |\n| c2 | 16 x 16 | Frobnicate | 4 | <!-- unetcalc: ignore[UC002] -->\n"
    note.write_text(TABLE + rows)
    (result,), _ = check_note(note)
    assert [d.line for d in result.errors if d.code == "UC002"] == [4]
    assert not [d for d in result.diagnostics if d.code == "UC009"]  # the comment suppressed what it was meant to
