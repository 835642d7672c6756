"""rich markup, for the renderers: escaping user text into it, and the plain text it prints as.

Renderers write markup lines (``[bold]…[/]``) to a Printer: a rich Console at a terminal, or the
CLI's PlainConsole elsewhere. Every string from a spec, a path or a config goes through escape().
"""

from __future__ import annotations

import re
from typing import Any, Protocol

from unetcalc.textsafe import printable

# rich's markup tag syntax (rich.markup.RE_TAGS): a tag may be escaped by an odd number of backslashes.
_TAG = re.compile(r"((\\*)\[([a-z#/@][^[]*?)])")
_LINE_TAG = re.compile(r"\[[a-z#/@][^[\n]*?]")  # a tag within one line: many lines are stripped at once


class Printer(Protocol):
    def print(self, *objects: Any, **kwargs: Any) -> None: ...


def escape(text: str) -> str:
    """Make user text safe for a rich markup line: control characters shown as escapes, tags escaped.

    The markup rule is rich.markup.escape's; every string from a spec, a path or a config that a
    text report prints passes through here.
    """
    text = printable(text)
    if "[" not in text and not text.endswith("\\"):  # nothing to escape: most names and messages
        return text

    def double(match: re.Match[str]) -> str:
        backslashes, tag = match.groups()
        return f"{backslashes}{backslashes}\\{tag}"

    text = re.sub(r"(\\*)(\[[a-z#/@][^[]*?])", double, text)
    if text.endswith("\\") and not text.endswith("\\\\"):
        return text + "\\"
    return text


def strip_markup(markup: str) -> str:
    """The plain text rich prints for ``markup``: tags dropped, escaped tags kept literally.

    Mirrors rich.markup.render: literal text between tags also turns ``\\[`` into ``[``.
    """
    if "[" not in markup:  # most lines: nothing to strip
        return markup
    if "\\" not in markup:  # no escapes: every tag goes (the loop below, in C)
        return _TAG.sub("", markup)
    pieces: list[str] = []
    position = 0
    for match in _TAG.finditer(markup):
        full, escapes, _ = match.groups()
        pieces.append(markup[position : match.start()].replace("\\[", "["))
        backslashes, escaped = divmod(len(escapes), 2)
        pieces.append("\\" * backslashes)
        if escaped:
            pieces.append(full[len(escapes) :])
        position = match.end()
    pieces.append(markup[position:].replace("\\[", "["))
    return "".join(pieces)


def strip_markup_lines(lines: list[str]) -> str:
    """``strip_markup`` of each line, joined with newlines (and one at the end): one regex pass for the lot
    when no line has an escape (a tag never spans lines, so this is the same as line by line)."""
    if not lines:
        return ""
    text = "\n".join(lines) + "\n"
    if "\\" not in text:
        return _LINE_TAG.sub("", text) if "[" in text else text
    return "".join(f"{strip_markup(line)}\n" for line in lines)
