"""`unetcalc sizes`: valid input sizes per axis, nearest ones, a range."""

from __future__ import annotations

from itertools import islice

from rich.console import Console

from unetcalc.check import CheckResult
from unetcalc.report.labels import validity_text
from unetcalc.report.markup import escape
from unetcalc.textsafe import whole

SHOWN = 200  # values printed for --range; the count covers the whole range


def _int(value: int | None) -> str:
    return "?" if value is None else whole(value)


def render_sizes(console: Console, result: CheckResult, near: int | None, span: tuple[int, int] | None) -> None:
    validity = result.validity
    if validity is None:
        return
    console.print(f"valid input sizes of [bold]{escape(result.spec.name)}[/] ({escape(result.path)}), per axis")
    for axis in validity.axes:
        console.print(f"  axis {axis.axis} ({axis.symbol}): {escape(validity_text(axis))}")
        if not axis.feasible:
            continue
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
