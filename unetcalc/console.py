"""Terminal output helpers shared by every command.

rich draws for people at a terminal. When the stream is not a terminal (CI logs,
pre-commit, pipes) rich would print the same text without colour; PlainConsole
does exactly that without importing rich, which is most of a check's start-up.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from unetcalc.textsafe import printable

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

# rich's markup tag syntax (rich.markup.RE_TAGS): a tag may be escaped by an odd number of backslashes.
_TAG = re.compile(r"((\\*)\[([a-z#/@][^[]*?)])")


class Printer(Protocol):
    def print(self, *objects: Any, **kwargs: Any) -> None: ...


def escape(text: str) -> str:
    """Make user text safe for a rich markup line: control characters shown as escapes, tags escaped.

    The markup rule is rich.markup.escape's; every string from a spec, a path or a config that a
    text report prints passes through here.
    """
    text = printable(text)

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


class PlainConsole:
    """What rich.Console prints to a non-terminal, for line-oriented reports."""

    def __init__(self, stderr: bool = False) -> None:
        self.file = sys.stderr if stderr else sys.stdout

    def print(self, text: object = "", markup: bool = True, **_: Any) -> None:
        line = str(text)
        self.file.write((strip_markup(line) if markup else line) + "\n")

    @contextmanager
    def status(self, _message: str) -> Iterator[None]:
        yield


def _wants_rich(stream: Any) -> bool:
    if os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") == "1":
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def out() -> Console:
    """A rich console on stdout (tables and panels need rich even when piped)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True, emoji=False)


def err() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def text_out() -> Printer:
    """stdout for line-oriented reports: rich at a terminal, plain text otherwise."""
    return out() if _wants_rich(sys.stdout) else PlainConsole()


def text_err() -> Printer:
    return err() if _wants_rich(sys.stderr) else PlainConsole(stderr=True)


def print_error(message: str) -> None:
    text_err().print(f"[bold red]error:[/] {escape(message)}")
