"""Styled text for the renderers: a line is a sequence of (text, style) spans, never a markup string.

A renderer builds ``Line("✗ FAIL", "bold red") + "  " + path`` and hands it to a Printer; the text of a
span is shown as it is, whatever it holds (a layer named ``[bold]x`` is that name), so user text needs
no escaping and cannot inject anything. unetcalc/cli/console.py writes lines as ANSI or plain text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from unetcalc.textsafe import printable

Span = tuple[str, str]  # (text, style): a style is space-separated words, "" for none ("bold red", "dim")


class Line:
    """One line of output: spans of styled text (a newline in a span is shown as ``\\n``, never a break)."""

    __slots__ = ("spans",)

    def __init__(self, text: str = "", style: str = "") -> None:
        self.spans: list[Span] = [(text, style)] if text else []

    @classmethod
    def of(cls, spans: Iterable[Span]) -> Line:
        line = cls()
        line.spans = [span for span in spans if span[0]]
        return line

    def __add__(self, other: Line | str) -> Line:
        if isinstance(other, str):
            return Line.of([*self.spans, (other, "")])
        return Line.of([*self.spans, *other.spans])

    def __radd__(self, other: str) -> Line:
        return Line.of([(other, ""), *self.spans])

    def styled(self, text: str, style: str) -> Line:
        """This line followed by ``text`` in ``style``."""
        return Line.of([*self.spans, (text, style)])

    @property
    def plain(self) -> str:
        return "".join(text for text, _ in self.spans)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Line) and self.spans == other.spans

    def __repr__(self) -> str:
        return f"Line.of({self.spans!r})"


Printable = Line | str  # a str is plain text: shown as it is, never read as markup


class Printer(Protocol):
    """Where renderers print: the CLI's writer (ANSI or plain), or a list in tests and in-memory renders."""

    def print(self, line: Printable = "") -> None: ...


def shown_spans(line: Printable) -> list[Span]:
    """What one print shows: one line, each span's text made printable (control characters, newlines
    included, as escapes: a name cannot move the cursor, break the line or start a CI command)."""
    spans: list[Span] = [(line, "")] if isinstance(line, str) else line.spans
    return [(printable(text), style) for text, style in spans]


class Lines:
    """A Printer that keeps what it is given, as plain text lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def print(self, line: Printable = "") -> None:
        self.lines.append("".join(text for text, _ in shown_spans(line)))

    def text(self) -> str:
        return "".join(f"{line}\n" for line in self.lines)
