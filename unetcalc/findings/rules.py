"""The rule catalogue: it only collects. Each rule is defined beside the code that raises it.

A rule is a named object (``ODD_SIZE_BEFORE_DOWNSAMPLING`` in shapes/rules.py) whose fields are
its manual, in ruff's shape: what it does, why it matters, an example, the fix. Defining one
registers it here, so `unetcalc rules`, `explain`, SARIF and the configuration see every rule.
Codes never change meaning: ``UC0xx`` the spec itself, ``UC1xx`` shapes, ``UC2xx`` design, ``UC3xx`` import,
``UC4xx`` tiling.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass

from unetcalc.findings.diagnostic import Diagnostic, Severity

# The modules that define rules (imported on first use of the catalogue, so that every rule is
# registered even when only the CLI's `rules` command has run).
RULE_MODULES = (
    "unetcalc.spec.parse",
    "unetcalc.spec.graph",
    "unetcalc.findings.suppress",
    "unetcalc.shapes.rules",
    "unetcalc.analysis.declared",
    "unetcalc.analysis.design",
    "unetcalc.importer.rules",
    "unetcalc.tiling.plan",
)

_REGISTRY: dict[str, Rule] = {}


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    what: str  # What it does
    why: str  # Why it matters
    example: str
    fix: str

    def __post_init__(self) -> None:
        other = _REGISTRY.setdefault(self.code, self)
        if other is not self and other != self:
            raise ValueError(f"rule code {self.code} is defined twice")

    def finding(
        self,
        message: str,
        *,
        hint: str = "",
        file: str = "",
        line: int = 0,
        column: int = 0,
        layer: str | None = None,
    ) -> Diagnostic:
        """A Diagnostic of this rule, with its default severity."""
        return Diagnostic(self.code, self.severity, message, hint, file, line, column, layer)


@functools.cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule, sorted by code."""
    for module in RULE_MODULES:
        importlib.import_module(module)
    return tuple(sorted(_REGISTRY.values(), key=lambda r: r.code))


@functools.cache
def rules_by_code() -> dict[str, Rule]:
    return {rule.code: rule for rule in all_rules()}
