"""The human report of `unetcalc check`: verdict, findings with hints, shapes, valid inputs."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from unetcalc.analysis.hints import nearest_text
from unetcalc.catalogue import rules_by_code
from unetcalc.check import CheckResult
from unetcalc.findings.diagnostic import Diagnostic, Severity
from unetcalc.report.costs import batch_one_memory, costs_line
from unetcalc.report.formats import DEFAULT_OPTIONS, RenderOptions
from unetcalc.report.labels import validity_summary
from unetcalc.report.styled import Line, Lines, Printer
from unetcalc.shapes.cost import compute_costs
from unetcalc.shapes.shape import format_shape
from unetcalc.sourcelines import source_lines, value_length
from unetcalc.textsafe import path_text, printable

STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def render_result(
    console: Printer,
    result: CheckResult,
    strict: bool = False,
    style: str = "full",
    width: int = 0,
    quiet: bool = False,
    memory: bool = True,
) -> None:
    """The human report: verdict, findings, shapes, costs, valid inputs.

    ``style="full"`` shows each finding's spec line with a caret under the offending value, then the
    hint (rustc/ruff style); ``"concise"`` one ``path:line:col CODE message`` line and the hint.
    ``width`` wraps messages at that many columns without breaking words (0: no wrapping).
    ``quiet`` leaves out the shapes, costs and valid inputs: the verdict and the findings only.
    ``memory=False`` leaves out the batch-1 memory figures (each costs a replay of the network).
    """
    errors, warnings = len(result.errors), len(result.warnings)
    failed = errors or (strict and warnings)
    verdict = Line("✗ FAIL", "bold red") if failed else Line("✓ OK", "bold green")
    counts = ", ".join(x for x in (errors and _plural(errors, "error"), warnings and _plural(warnings, "warning")) if x)
    console.print(
        (verdict + "  ").styled(result.path, "bold") + f" ({result.spec.name})" + (f" — {counts}" if counts else "")
    )
    source = source_lines(result.spec.text, result.path) if style == "full" and result.spec.text else []
    for d in result.diagnostics:
        head = f"{path_text(d.file)}:{d.line}:{d.column} {d.code} {d.message}"
        for number, line in enumerate(_wrap(head, width - 2, indent=4)):
            before, code, after = line.partition(f" {d.code} ") if number == 0 else (line, "", "")
            if code:  # colour the code
                console.print(Line(f"  {before} ").styled(d.code, STYLE[d.severity]) + f" {after}")
            else:
                console.print(f"  {line}")
        snippet = bool(source) and 1 <= d.line <= len(source)
        if snippet:
            _snippet(console, source[d.line - 1], d, width)
        if d.hint:
            lead = f"   {' ' * len(str(d.line))} = hint: " if snippet else "      hint: "
            for number, line in enumerate(_wrap(d.hint, width - len(lead), indent=0)):
                head_text = Line(lead.rstrip(), "dim") + " " if number == 0 else Line(" " * len(lead))
                console.print(head_text + line)
        if snippet:
            console.print()  # a blank line between findings that show their source
    inference = result.inference
    if inference is None or quiet:
        return
    output = format_shape(inference.output)
    returned = result.spec_outputs()
    if result.spec.outputs_stacked and returned:  # one tensor: the outputs stacked along a new axis 1
        output = (
            f"{len(returned)} × {format_shape(inference.tensors.get(returned[0]))} (stack of {', '.join(returned)})"
        )
    elif result.spec.outputs and returned:  # several outputs (deep supervision): each, in order
        output = ", ".join(f"{name} {format_shape(inference.tensors.get(name))}" for name in returned)
    facts = [
        (
            "shape",
            f"{format_shape(inference.input)} → {output}   params {inference.params:,}   "
            f"layers {len(inference.layers)}",
        ),
    ]
    if inference.output is not None:
        estimate = batch_one_memory(result) if memory else None
        facts.append(("cost", costs_line(compute_costs(inference), estimate, len(inference.layers))))
    # The valid set is the symbolic pass's: shown even where this size stops at a failed join.
    solved = result.validity is not None and result.validity.inference.output is not None
    if result.validity is not None and (inference.output is not None or solved):
        facts.append(("valid", validity_summary(result.validity.axes)))
    for title, text in facts:
        for number, line in enumerate(_wrap(text, width - 10, indent=0)):
            console.print(f"  {title if number == 0 else '':<8}{line}")
    if result.validity is not None and (inference.output is not None or solved):
        axes = result.validity.axes
        spec_input = result.input
        if spec_input is not None:
            invalid: dict[str, list[str]] = {}
            for axis, value in enumerate(spec_input.size):
                if isinstance(value, int) and axes[axis].feasible and not axes[axis].contains(value):
                    text = f"{value} is not valid: {nearest_text(result.validity, axis, value)}"
                    invalid.setdefault(text, []).append(axes[axis].symbol)
            for text, symbols in invalid.items():
                console.print(Line("  ") + Line(f"input {', '.join(symbols)} = {text}", "yellow"))
    if result.input_overridden:
        console.print(
            Line("  ") + Line("note: --input replaced the spec's input; declared sizes were not checked", "dim")
        )


def _wrap(text: str, width: int, indent: int) -> list[str]:
    """``text`` wrapped at ``width`` columns without breaking words (no wrapping when width is 0)."""
    if width <= 0 or len(text) <= width:
        return [text]
    import textwrap  # only at a terminal: its import costs more than a check of a small spec

    return textwrap.wrap(text, width, subsequent_indent=" " * indent, break_long_words=False, break_on_hyphens=False)


def _display_width(text: str) -> int:
    """Terminal columns of ``text``: East Asian wide characters take two."""
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _snippet(console: Printer, line: str, d: Diagnostic, width: int) -> None:
    """The spec line with a caret under the offending value, labelled with the rule's name."""
    number = str(d.line)
    gutter = " " * len(number)
    start = max(d.column - 1, 0)
    pad = " " * _display_width(printable(line[:start]))
    carets = "^" * max(_display_width(printable(line[start : start + value_length(line, start)])), 1)
    rule = rules_by_code().get(d.code)
    label = rule.name if rule else ""
    if width and 6 + len(gutter) + len(pad) + len(carets) + len(label) > width:
        label = ""  # the label would wrap: the code on the line above names the rule anyway
    console.print(Line(f"   {gutter} ") + Line("|", "dim"))
    console.print(Line("   ") + Line(f"{number} |", "dim") + f" {line}")
    console.print(Line(f"   {gutter} ") + Line("|", "dim") + f" {pad}" + Line(f"{carets} {label}", STYLE[d.severity]))


def render_report(results: Sequence[CheckResult], options: RenderOptions = DEFAULT_OPTIONS) -> str:
    """The human report of every result, as plain text (the registry's signature)."""
    lines = Lines()
    print_report(lines, results, options)
    return lines.text()


def print_report(console: Printer, results: Sequence[CheckResult], options: RenderOptions = DEFAULT_OPTIONS) -> None:
    """The human report, printed line by line as it is made: a report of 100k findings is never held whole."""
    strict_for = options.strict_for or (False,) * len(results)
    for result, strict in zip(results, strict_for, strict=True):
        if not (options.quiet and not result.diagnostics):
            render_result(console, result, strict, options.style, options.width, options.quiet, options.memory)
    if options.summary:
        render_summary(console, results)


def render_summary(console: Printer, results: Sequence[CheckResult]) -> None:
    errors = sum(len(r.errors) for r in results)
    warnings = sum(len(r.warnings) for r in results)
    console.print(f"{_plural(len(results), 'file')}, {_plural(errors, 'error')}, {_plural(warnings, 'warning')}")
