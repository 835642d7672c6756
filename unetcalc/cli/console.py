"""Terminal output helpers shared by every command.

rich draws for people at a terminal. When the stream is not a terminal (CI logs,
pre-commit, pipes) rich would print the same text without colour; PlainConsole
does exactly that without importing rich, which is most of a check's start-up.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from unetcalc.report.markup import Printer, escape, strip_markup, strip_markup_lines

if TYPE_CHECKING:
    from rich.console import Console

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

__all__ = ["EXIT_FINDINGS", "EXIT_OK", "EXIT_USAGE", "PlainConsole", "Printer", "err", "escape", "out", "print_error"]


class PlainConsole:
    """What rich.Console prints to a non-terminal, for line-oriented reports."""

    def __init__(self, stderr: bool = False) -> None:
        self.file = sys.stderr if stderr else sys.stdout

    def print(self, text: object = "", markup: bool = True, **_: Any) -> None:
        line = str(text)
        self.file.write((strip_markup(line) if markup else line) + "\n")

    @contextmanager
    def batched(self, lines_per_write: int = 2048) -> Iterator[Printer]:
        """A Printer that writes markup lines in blocks: a report of 600k lines is a few hundred writes
        (each write can be a system call: PYTHONUNBUFFERED), stripped a block at a time."""
        batch = _Batch(self.file, lines_per_write)
        try:
            yield batch
        finally:
            batch.flush()

    @contextmanager
    def status(self, _message: str) -> Iterator[None]:
        yield


class _Batch:
    def __init__(self, file: Any, size: int) -> None:
        self.file, self.size = file, size
        self.lines: list[str] = []

    def print(self, text: object = "", **_: Any) -> None:
        self.lines.append(str(text))
        if len(self.lines) >= self.size:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            self.file.write(strip_markup_lines(self.lines))
            self.lines = []


def _wants_rich(stream: Any) -> bool:
    if os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") == "1":
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


def out() -> Console:
    """A rich console on stdout (tables and panels need rich even when piped). At a terminal it wraps long
    lines at its width between words (`memory`, `fit`, `diff`, `sizes`, `explain`); into a file or a pipe
    a line stays one line, whatever its length."""
    from rich.console import Console

    terminal = bool(getattr(sys.stdout, "isatty", lambda: False)())
    return Console(highlight=False, soft_wrap=not terminal, emoji=False)


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
