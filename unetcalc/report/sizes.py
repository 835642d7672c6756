"""`unetcalc sizes`: valid input sizes per axis, nearest ones, a range."""

from __future__ import annotations

from itertools import islice

from unetcalc.check import CheckResult
from unetcalc.report.labels import validity_text
from unetcalc.report.styled import Line, Printer
from unetcalc.shapes.validity import AxisValidity
from unetcalc.textsafe import whole

SHOWN = 200  # values printed for --range; the count covers the whole range


def _int(value: int | None) -> str:
    return "?" if value is None else whole(value)


def _given_size(result: CheckResult, axis: int) -> int | None:
    """The spec's own input size on ``axis`` when it is a number (a plan's patch size), else None."""
    spec_input = result.spec.input
    if spec_input is None or axis >= len(spec_input.size):
        return None
    size = spec_input.size[axis]
    return size if isinstance(size, int) else None


def _print_given(console: Printer, axis: AxisValidity, given: int) -> None:
    """Whether the spec's input size is valid on this axis, and the nearest other valid sizes."""
    verdict = f"valid → output {_int(axis.output_at(given))}" if axis.contains(given) else "NOT valid"
    below, above = axis.nearest(given)  # strictly below and above
    others = [f"{whole(v)} {label}" for v, label in ((below, "below"), (above, "above")) if v is not None]
    alternatives = f"; nearest other valid sizes: {', '.join(others)}" if others else ""
    console.print(f"    the spec's input {axis.symbol} = {whole(given)}: {verdict}{alternatives}")


def render_sizes(console: Printer, result: CheckResult, near: int | None, span: tuple[int, int] | None) -> None:
    validity = result.validity
    if validity is None:
        return
    console.print(Line("valid input sizes of ").styled(result.spec.name, "bold") + f" ({result.path}), per axis")
    for axis in validity.axes:
        console.print(f"  axis {axis.axis} ({axis.symbol}): {validity_text(axis)}")
        if not axis.feasible:
            continue
        given = _given_size(result, axis.axis)
        if given is not None and near is None:
            _print_given(console, axis, given)
        if near is not None:
            below, above = axis.nearest(near)
            if axis.contains(near):
                console.print(f"    {near} is valid → output {_int(axis.output_at(near))}")
            for label, value in (("below", below), ("above", above)):
                if value is not None:
                    console.print(f"    nearest {label} {near}: {whole(value)} → output {_int(axis.output_at(value))}")
                else:
                    console.print(f"    nearest {label} {near}: none")
        if span is not None:
            # Streamed and counted per class: a range of 10^9 sizes costs what its first 200 cost.
            shown = [f"{whole(v)}→{_int(axis.output_at(v))}" for v in islice(axis.iter_values(*span), SHOWN)]
            total = axis.count(*span)
            more = f" … ({whole(total)} in all)" if total > SHOWN else ""
            console.print(
                f"    {whole(total)} valid in {span[0]}..{span[1]} (input→output): {', '.join(shown) or 'none'}{more}"
            )
