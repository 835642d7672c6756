"""`unetcalc explain`: one rule's manual."""

from __future__ import annotations

from typing import Annotated

import typer

from unetcalc.catalogue import rules_by_code
from unetcalc.cli.common import fail
from unetcalc.cli.console import EXIT_OK, out


def explain(code: Annotated[str, typer.Argument(help="A rule code such as UC103.")]) -> int:
    """Explain one rule: what it does, why it matters, an example and the fix."""
    entry = rules_by_code().get(code.upper())
    if entry is None:
        from unetcalc.findings.suggest import did_you_mean

        suggestion = did_you_mean(code.upper(), rules_by_code())
        raise fail(f"no rule {code!r}; {suggestion + ' ' if suggestion else ''}see `unetcalc rules`")
    console = out()
    console.print(f"[bold]{entry.code} {entry.name}[/] ({entry.severity.value})\n{entry.summary}\n")
    from unetcalc.report.rule_docs import manual

    for section in manual(entry):
        console.print(f"[bold]{section.title}[/]")
        console.print(section.text, markup=False, highlight=False)
        console.print()
    return EXIT_OK
