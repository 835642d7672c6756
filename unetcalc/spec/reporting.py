"""How the spec reader's parts (parser, desugaring, blocks, templates, notes) report a finding."""

from __future__ import annotations

from typing import Protocol

from unetcalc.findings.diagnostic import Fix
from unetcalc.findings.rules import Rule, Said
from unetcalc.spec.yamlload import Pos


class Report(Protocol):
    def __call__(
        self,
        rule: Rule,
        message: Said,
        pos: Pos | tuple[int, int],
        hint: str = "",
        layer: str | None = None,
        fix: Fix | None = None,
    ) -> None: ...


class _Reported:
    """A value the reader could not compute (a `$param` the block does not have, arithmetic on a string)
    and has reported: whatever reads it takes the row as unreadable, without a second finding."""

    def __repr__(self) -> str:
        return "<reported>"


REPORTED = _Reported()
