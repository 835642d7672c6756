"""GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=UC103::message`.

Escaping follows the actions toolkit: data escapes %, CR and LF; property
values also escape : and ,.
"""

from __future__ import annotations

from collections.abc import Sequence

from unetcalc.check import CheckResult
from unetcalc.findings.diagnostic import Severity
from unetcalc.report.formats import DEFAULT_OPTIONS, RenderOptions
from unetcalc.textsafe import printable

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(results: Sequence[CheckResult], options: RenderOptions = DEFAULT_OPTIONS) -> str:
    lines = []
    for result in results:
        for d in result.diagnostics:
            props = [
                f"file={escape_property(printable(d.file or result.path))}",
                f"line={d.line}",
                f"col={d.column}",
                f"title={escape_property(printable(f'{d.code} ({d.layer})' if d.layer else d.code))}",
            ]
            # printable first: a newline inside a layer name is shown as \n, never a line of its own
            message = escape_data(printable(d.message)) + (
                f"%0Ahint: {escape_data(printable(d.hint))}" if d.hint else ""
            )
            lines.append(f"::{COMMAND[d.severity]} {','.join(props)}::{message}")
    return "\n".join(lines) + ("\n" if lines else "")
