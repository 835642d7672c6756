"""Every rule, by code: the catalogue `unetcalc rules`, `explain`, SARIF, the docs and the configuration read.

It sits above the modules that define rules and imports each of them by name; a rule is any ``Rule``
object defined at the top of one of them. A code defined twice stops the import.
"""

from __future__ import annotations

import functools
from types import ModuleType

from unetcalc.analysis import declared, design
from unetcalc.findings import suppress
from unetcalc.findings.rules import Rule
from unetcalc.importer import rules as import_rules
from unetcalc.shapes import rules as shape_rules
from unetcalc.spec import graph, parse
from unetcalc.tiling import rules as tiling_rules

RULE_MODULES: tuple[ModuleType, ...] = (
    parse,  # UC0xx: the spec itself
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
