"""The output-format registry of `unetcalc check`: a name → a lazily imported renderer.

Every renderer has one signature, ``(results, options) -> str``. Formats marked ``lines`` are styled
lines (report/styled.py), which the CLI prints through its writer (colours at a terminal, plain text
elsewhere); the others return the exact bytes to write (JSON, SARIF, workflow commands). A lines
format also names a printer, ``(console, results, options) -> None``, that prints those lines as it
makes them (the CLI's way: a report of 100k findings is never held whole).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple, cast

if TYPE_CHECKING:
    from unetcalc.check import CheckResult
    from unetcalc.report.styled import Printer


# NamedTuples, not dataclasses: this module is on `check`'s start-up path, where a frozen slotted
# dataclass costs about 1.5 ms to create and a NamedTuple a fifth of that.
class RenderOptions(NamedTuple):
    strict_for: tuple[bool, ...] = ()  # per result: warnings fail it too
    summary: bool = False  # a closing `N files, N errors, N warnings` line
    quiet: bool = False  # findings only
    width: int = 0  # wrap text at this many columns (0: no wrapping)
    style: str = "full"  # text: full (source snippet) or concise (one line a finding)
    memory: bool = True  # text: the batch-1 memory figures (a replay per spec: left out when linting many files)


DEFAULT_OPTIONS = RenderOptions()
Renderer = Callable[[Sequence["CheckResult"], RenderOptions], str]
LinePrinter = Callable[["Printer", Sequence["CheckResult"], RenderOptions], None]


class OutputFormat(NamedTuple):
    name: str
    module: str
    function: str
    lines: bool  # styled lines, printed through the CLI's writer
    style: str | None = None  # the text style this format fixes (full, concise)
    printer: str = ""  # lines formats: the function that prints the lines as it makes them

    def renderer(self) -> Renderer:
        return cast(Renderer, getattr(importlib.import_module(self.module), self.function))

    def print_to(self, console: Printer, results: Sequence[CheckResult], options: RenderOptions) -> None:
        """Print a lines format's lines to ``console`` as they are made."""
        printer = cast(LinePrinter, getattr(importlib.import_module(self.module), self.printer))
        printer(console, results, options._replace(style=self.style) if self.style else options)

    def render(self, results: Sequence[CheckResult], options: RenderOptions) -> str:
        return self.renderer()(results, options._replace(style=self.style) if self.style else options)


CHECK_FORMATS: dict[str, OutputFormat] = {
    f.name: f
    for f in (
        OutputFormat("text", "unetcalc.report.text", "render_report", lines=True, style="full", printer="print_report"),
        OutputFormat(
            "concise", "unetcalc.report.text", "render_report", lines=True, style="concise", printer="print_report"
        ),
        OutputFormat("json", "unetcalc.report.json_report", "render_json", lines=False),
        OutputFormat("github", "unetcalc.report.github", "render_github", lines=False),
        OutputFormat("sarif", "unetcalc.report.sarif", "render_sarif", lines=False),
    )
}
