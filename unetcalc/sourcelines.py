"""Where a file's lines end, as the reader people trust splits them — never Python's ``splitlines``.

``str.splitlines`` also ends a line at VT, FF, FS, GS, RS, NEL, LS and PS. YAML ends lines at
``\\r\\n``, ``\\r``, ``\\n``, NEL (U+0085), LS (U+2028) and PS (U+2029); CommonMark (and GitHub) only at
``\\r\\n``, ``\\r`` and ``\\n``. A finding's line number, the line it quotes and the line an ignore
comment covers must all count the way the file's own reader does, or a comment meant for one layer
silently covers another.
"""

from __future__ import annotations

import re

_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_MARKDOWN_BREAK = re.compile("\r\n|[\r\n]")
MARKDOWN_SUFFIXES = (".md", ".markdown")


def is_markdown(path: str) -> bool:
    """A design note (read as CommonMark tables), by its name; anything else is read as a YAML spec."""
    return path.lower().endswith(MARKDOWN_SUFFIXES)


def yaml_lines(text: str) -> list[str]:
    return _YAML_BREAK.split(text)


def markdown_lines(text: str) -> list[str]:
    return _MARKDOWN_BREAK.split(text)


def source_lines(text: str, path: str) -> list[str]:
    """The lines of a spec (YAML) or a note (markdown), by the file's name."""
    return markdown_lines(text) if is_markdown(path) else yaml_lines(text)


def value_length(line: str, start: int) -> int:
    """How many characters of the YAML value at ``start`` to underline.

    A flow mapping or list up to its closing bracket, a quoted string up to its quote, a plain
    scalar up to the next `,` `}` `]` or comment.
    """
    if start >= len(line):
        return 1
    if line.lstrip().startswith("|"):  # a markdown table row: the cell, up to its `|`
        end = line.find("|", start)
        return max(len(line[start : end if end >= 0 else len(line)].rstrip()), 1)
    opener = line[start]
    if opener in "{[":
        depth, quote = 0, ""
        for index in range(start, len(line)):
            char = line[index]
            if quote:
                quote = "" if char == quote else quote
            elif char in "\"'":
                quote = char
            elif char in "{[":
                depth += 1
            elif char in "}]":
                depth -= 1
                if depth == 0:
                    return index - start + 1
        return max(len(line.rstrip()) - start, 1)
    if opener in "\"'":
        end = line.find(opener, start + 1)
        return end - start + 1 if end > 0 else max(len(line.rstrip()) - start, 1)
    end = start
    while end < len(line) and line[end] not in ",}]" and not line.startswith(" #", end):
        end += 1
    return max(len(line[start:end].rstrip()), 1)
