"""`unetcalc explain`: one rule's manual."""

from __future__ import annotations

from typing import Annotated

import typer

from unetcalc.catalogue import rules_by_code
from unetcalc.cli.common import fail
from unetcalc.cli.console import EXIT_OK, Line, text_out


def explain(code: Annotated[str, typer.Argument(help="A rule code such as UC103.")]) -> int:
    """Explain one rule: what it does, why it matters, an example and the fix."""
    entry = rules_by_code().get(code.upper())
    if entry is None:
        from unetcalc.findings.suggest import did_you_mean

        suggestion = did_you_mean(code.upper(), rules_by_code())
        raise fail(f"no rule {code!r}; {suggestion + ' ' if suggestion else ''}see `unetcalc rules`")
    console = text_out()
    console.print(Line(f"{entry.code} {entry.name}", "bold") + f" ({entry.severity.value})")
    console.print(entry.summary)
    console.print()
    from unetcalc.report.rule_docs import manual

    for section in manual(entry):
        console.print(Line(section.title, "bold"))
        for row in section.text.split("\n"):  # a spec: one printed line per line of it
            console.print(row)
        console.print()
    return EXIT_OK
