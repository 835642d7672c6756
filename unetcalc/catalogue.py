"""Every rule, by code: the catalogue `unetcalc rules`, `explain`, SARIF, the docs and the configuration read.

It sits above the modules that define rules and imports each of them by name; a rule is any ``Rule``
object defined at the top of one of them. A code defined twice stops the import.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import yaml

from unetcalc.analysis import declared, design
from unetcalc.findings import suppress
from unetcalc.findings.rules import Rule
from unetcalc.importer import rules as import_rules
from unetcalc.shapes import rules as shape_rules
from unetcalc.spec import graph
from unetcalc.spec import rules as spec_rules
from unetcalc.tiling import rules as tiling_rules

RULE_MODULES: tuple[ModuleType, ...] = (
    spec_rules,  # UC0xx: the spec itself
    graph,
    suppress,
    shape_rules,  # UC1xx
    declared,
    design,  # UC2xx
    import_rules,  # UC3xx
    tiling_rules,  # UC4xx
)


@functools.cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule, sorted by code."""
    found: dict[str, Rule] = {}
    for module in RULE_MODULES:
        for value in vars(module).values():
            if isinstance(value, Rule) and found.setdefault(value.code, value) is not value:
                raise ValueError(f"rule code {value.code} is defined twice ({module.__name__})")
    return tuple(sorted(found.values(), key=lambda r: r.code))


@functools.cache
def rules_by_code() -> dict[str, Rule]:
    return {rule.code: rule for rule in all_rules()}


# Each spec rule's named cases (sqlfluff style), shipped with the package: the manual's example is the
# first case that reports the rule and its fix the corrected spec after it, so every example runs
# (tests/test_rule_cases.py checks each case: its line and message, or that it stays silent).
CASES = Path(__file__).parent / "data" / "rules"


@dataclass(frozen=True, slots=True)
class RuleCase:
    name: str
    line: int | None  # where the rule reports; None: the case must not report it
    message: str | None  # what it says there
    spec: str


@dataclass(frozen=True, slots=True)
class Example:
    """A runnable example of a rule: a spec that reports it (at ``line``, saying ``message``), and its fix."""

    spec: str
    line: int
    message: str
    fixed: str | None


@functools.cache
def rule_cases(code: str) -> tuple[RuleCase, ...]:
    path = CASES / f"{code}.yaml"
    if not path.is_file():
        return ()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(RuleCase(c["name"], c["line"], c.get("message"), c["spec"]) for c in data["cases"])


def example_of(rule: Rule) -> Example | None:
    """The rule's runnable example, from its cases (None for rules raised on models or tiles, not specs)."""
    cases = rule_cases(rule.code)
    first = next((i for i, c in enumerate(cases) if c.line is not None and c.message is not None), None)
    if first is None:
        return None
    silent = [c for c in cases[first + 1 :] if c.line is None]
    fixed = next((c for c in silent if "corrected" in c.name), silent[0] if silent else None)
    case = cases[first]
    assert case.line is not None and case.message is not None
    return Example(case.spec, case.line, case.message, fixed.spec if fixed is not None else None)
