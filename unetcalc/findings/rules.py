"""What a rule is: a named object (``ODD_SIZE_BEFORE_DOWNSAMPLING`` in shapes/rules.py) whose fields are
its manual, in ruff's shape (what it does, why it matters, an example, the fix), defined beside the code
that raises it. unetcalc/catalogue.py lists every rule. Codes never change meaning: ``UC0xx`` the spec
itself, ``UC1xx`` shapes, ``UC2xx`` design, ``UC3xx`` import, ``UC4xx`` tiling.
"""

from __future__ import annotations

from dataclasses import dataclass

from unetcalc.findings.diagnostic import Diagnostic, Fix, Severity


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    what: str  # What it does
    why: str  # Why it matters
    fix: str
    # Rules raised on specs take their example from their runnable cases (unetcalc/data/rules/CODE.yaml);
    # the others (import, tiling) say it here: a command line.
    example: str = ""

    def finding(
        self,
        message: str,
        *,
        hint: str = "",
        file: str = "",
        line: int = 0,
        column: int = 0,
        layer: str | None = None,
        fix: Fix | None = None,
    ) -> Diagnostic:
        """A Diagnostic of this rule, with its default severity."""
        return Diagnostic(self.code, self.severity, message, hint, file, line, column, layer, fix)
