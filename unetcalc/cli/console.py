"""Terminal output shared by every command: one writer for styled lines, rich for tables and help.

Renderers hand lines of (text, style) spans to a Printer (unetcalc/report/styled.py). The writer here
prints them as ANSI colour at a terminal (or with ``--color always``) and as plain text in CI logs,
pre-commit and pipes, wrapping at the terminal's width; rich is imported only for tables, spinners and
help, which is most of a check's start-up saved when the output is not a terminal.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from unetcalc.report.styled import Line, Printable, Printer, Span, shown_spans
from unetcalc.textsafe import printable

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
COLOR_MODES = ("auto", "always", "never")

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "Line", "Printer", "Writer", "err", "out", "print_error"]

_color_mode = "auto"  # `--color`, set once by the CLI before a command runs

# SGR parameters of the style words renderers use.
_SGR = {
    "bold": "1", "dim": "2", "italic": "3", "underline": "4",
    "red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35", "cyan": "36",
}  # fmt: skip


def set_color(mode: str) -> None:
    """``auto`` (colour at a terminal, none with NO_COLOR), ``always`` or ``never``."""
    global _color_mode
    _color_mode = mode


def _is_terminal(stream: Any) -> bool:
    return bool(getattr(stream, "isatty", lambda: False)())


def wants_color(stream: Any) -> bool:
    if _color_mode != "auto":
        return _color_mode == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") == "1":
        return True
    return _is_terminal(stream)


class Writer:
    """Prints styled lines to a stream: ANSI or plain, each span's text shown as it is (control
    characters as escapes), wrapped between words at ``width`` columns (0: never)."""

    def __init__(self, file: Any, color: bool = False, width: int = 0) -> None:
        self.file, self.color, self.width = file, color, width
        self._batch: list[str] | None = None

    def print(self, line: Printable = "") -> None:
        rendered = [self._render(row) for row in _wrapped(shown_spans(line), self.width)]
        if self._batch is None:
            self.file.write("".join(f"{row}\n" for row in rendered))
        else:
            self._batch.extend(rendered)
            if len(self._batch) >= 2048:
                self._flush_batch()

    def _render(self, spans: list[Span]) -> str:
        if not self.color:
            return "".join(text for text, _ in spans)
        return "".join(f"\x1b[{_codes(style)}m{text}\x1b[0m" if style else text for text, style in spans)

    @contextmanager
    def batched(self) -> Iterator[Writer]:
        """This writer, writing its lines in blocks: a report of 600k lines is a few hundred writes (each
        write can be a system call: PYTHONUNBUFFERED)."""
        self._batch = []
        try:
            yield self
        finally:
            self._flush_batch()
            self._batch = None

    def _flush_batch(self) -> None:
        if self._batch:
            self.file.write("".join(f"{row}\n" for row in self._batch))
            self._batch = []


def _codes(style: str) -> str:
    return ";".join(_SGR[word] for word in style.split() if word in _SGR) or "0"


def _wrapped(spans: list[Span], width: int) -> list[list[Span]]:
    """One row wrapped between words at ``width`` columns (a word longer than the width stays whole)."""
    plain = "".join(text for text, _ in spans)
    if width <= 0 or len(plain) <= width:
        return [spans]
    breaks: list[tuple[int, int]] = []  # (start, end) of each output row in the plain text
    start = 0
    while len(plain) - start > width:
        cut = plain.rfind(" ", start, start + width + 1)
        if cut <= start:
            cut = plain.find(" ", start + width)
            if cut < 0:
                break
        breaks.append((start, cut))
        start = cut + 1
        while start < len(plain) and plain[start] == " ":
            start += 1
    breaks.append((start, len(plain)))
    return [_slice(spans, a, b) for a, b in breaks]


def _slice(spans: list[Span], start: int, end: int) -> list[Span]:
    result: list[Span] = []
    position = 0
    for text, style in spans:
        a, b = max(start - position, 0), min(end - position, len(text))
        if a < b:
            result.append((text[a:b], style))
        position += len(text)
    return result


def out() -> Console:
    """A rich console on stdout, for tables (they need rich even when piped)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=not _is_terminal(sys.stdout), emoji=False)


def err() -> Console:
    """A rich console on stderr, for spinners while something slow runs."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True, emoji=False)


def status(message: str) -> Any:
    """A spinner on stderr while something slow runs (at a terminal); the message is text, never markup."""
    from rich.text import Text

    return err().status(Text(printable(message)))


def text_out() -> Writer:
    """stdout for reports: colour and wrapping at a terminal, plain text otherwise."""
    terminal = _is_terminal(sys.stdout)
    return Writer(sys.stdout, wants_color(sys.stdout), shutil.get_terminal_size().columns if terminal else 0)


def text_err() -> Writer:
    return Writer(sys.stderr, wants_color(sys.stderr))


def print_error(message: str) -> None:
    text_err().print(Line("error:", "bold red") + f" {message}")
