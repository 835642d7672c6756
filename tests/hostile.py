"""Hostile names and the checks every output must pass with them (shared by the hostile tests).

A spec from a pull request is untrusted input in CI: any string in it may hold newlines, ANSI
escapes, U+2028, quotes, DOT or Python syntax. These helpers build specs from such strings and
assert, per output format, that nothing in them escaped being data.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET

import yaml
from hypothesis import strategies as st

from unetcalc.textsafe import is_unsafe

FRAGMENTS = [
    '"',
    "'",
    '"""',
    "\\",
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\u2028",
    "\u2029",
    "\x85",  # NEL
    "\x0b",  # VT, FF, FS, RS: line breaks for str.splitlines, not for YAML or markdown
    "\x0c",
    "\x1c",
    "\x1e",
    "\x1b[31m",
    "\x1b]0;owned\x07",
    "\u202e",  # right-to-left override
    "\x00",
    "::",
    "::error::pwned",
    "::add-mask::x",
    "<",
    ">",
    "&",
    "<b>x</b>",
    "<script>alert(1)</script>",
    '" onload="alert(1)',
    '[URL="javascript:alert(document.domain)" target="_top"]',
    "javascript:",
    "]]>",
    "-->",
    ":",
    ",",
    "%",
    "|",
    "`",
    "*",
    "=cmd|' /C calc'!A0",
    "+1",
    "-1",
    "@SUM(A1)",
    "node",
    "edge",
    "graph",
    "digraph",
    "subgraph",
    "strict",
    "class",
    "None",
    "True",
    "lambda",
    "import",
    "__import__('os').system('touch PWNED')",
    "print",
    "torch",
    "nn",
    "F",
    "x",
    "self",
    "input",
    "center_crop",
    "to",
    "type",
    "eval",
    "forward",
    "training",
    "keys",
    "state_dict",
    "_modules",
    "__init__",
    "__class__",
    "ℌ",
    "H",
    "ｘ",
    "x²",
    "enc:1",
    "a",
    "b",
    "0",
    " ",
    "[bold red]",
    "[/]",
    "{",
    "}",
    "#",
    "é",
    "×",
]

hostile_names = st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4).map("".join)


def unique(names: list[str]) -> list[str]:
    """Make the names unique and valid as layer names (non-blank, not `input`)."""
    out: list[str] = []
    for index, name in enumerate(names):
        candidate = name if name.strip() and name != "input" else f"{name}#{index}"
        while candidate in out or candidate == "input":
            candidate += f"~{index}"
        out.append(candidate)
    return out


def hostile_unet(names: list[str], spec_name: str, rank: int = 2) -> str:
    """A small, valid U-Net whose layer names (and spec name) are the given hostile strings.

    Layers: conv, relu (skip source), maxpool, conv, upconv, concat with the skip, conv head,
    with a batchnorm so that float parameters reach the generated code.
    """
    n = unique(names + [f"layer{i}" for i in range(len(names), 8)])[:8]
    size = [16] * rank
    layers = [
        {"op": "conv", "filters": 4, "padding": "same", "name": n[0]},
        {"op": "relu", "name": n[1]},
        {"op": "maxpool", "name": n[2]},
        {"op": "conv", "filters": 8, "padding": "same", "name": n[3]},
        {"op": "batchnorm", "name": n[4], "eps": 1e-3},
        {"op": "upconv", "filters": 4, "name": n[5]},
        {"op": "concat", "with": n[1], "name": n[6]},
        {"op": "conv", "filters": 2, "kernel": 1, "name": n[7]},
    ]
    spec_name = spec_name if spec_name.strip() else f"blank{spec_name!r}"
    return yaml.safe_dump(
        {"name": spec_name, "input": {"channels": 1, "size": size}, "layers": layers}, sort_keys=False
    )


GITHUB_COMMAND = re.compile(r"^::(error|warning|notice) file=[^,:]*,line=\d+,col=\d+,title=[^:]*::")


def assert_safe_text(text: str, fmt: str) -> None:
    """No raw control/format/separator character; no line that GitHub Actions would read as a command."""
    allowed = "\n\t" if fmt == "dot" else "\n"  # Graphviz's source indents with tabs
    for char in set(text):
        if char in allowed:
            continue
        assert not is_unsafe(char), f"{fmt}: raw {char!r} in output"
    for line in text.split("\n"):
        if fmt == "github" and line:
            assert GITHUB_COMMAND.match(line), f"github: malformed command line {line!r}"
            # after the command's own `::`, the message holds no other command start
            assert "\n" not in line and "\r" not in line
        else:
            assert not line.lstrip().startswith("::"), f"{fmt}: a line starts a workflow command: {line!r}"


def assert_safe_csv(text: str) -> None:
    assert_safe_text(text, "csv")
    for row in csv.reader(io.StringIO(text)):
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), f"csv: formula cell {cell!r}"


def assert_safe_markdown_table(text: str) -> None:
    assert_safe_text(text, "markdown")
    rows = [line for line in text.splitlines() if line.startswith("|")]
    columns = {len(re.findall(r"(?<!\\)\|", row)) for row in rows}
    assert len(columns) == 1, f"markdown: a cell broke the table ({columns})"
    assert "<" not in text.replace("\\<", ""), "markdown: raw HTML"


def assert_safe_svg(svg: bytes) -> None:
    """Well-formed XML with no script, no link and no event handler: names appear only as text."""
    assert_safe_text(svg.decode("utf-8"), "svg")
    for element in ET.fromstring(svg).iter():
        tag = element.tag.rsplit("}", 1)[-1]
        assert tag not in ("script", "a", "foreignObject"), f"svg: a <{tag}> element"
        for attribute, value in element.attrib.items():
            name = attribute.rsplit("}", 1)[-1].lower()
            assert not name.startswith("on"), f"svg: event handler {attribute}"
            assert "javascript:" not in value.lower(), f"svg: javascript in {attribute}"
            assert name != "href", f"svg: a link ({value!r})"
