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


def yaml_lines(text: str) -> list[str]:
    return _YAML_BREAK.split(text)


def markdown_lines(text: str) -> list[str]:
    return _MARKDOWN_BREAK.split(text)


def source_lines(text: str, path: str) -> list[str]:
    """The lines of a spec (YAML) or a note (markdown), by the file's name."""
    return markdown_lines(text) if path.lower().endswith(MARKDOWN_SUFFIXES) else yaml_lines(text)
