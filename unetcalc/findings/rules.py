"""What a rule is: a named object (``ODD_SIZE_BEFORE_DOWNSAMPLING`` in shapes/rules.py) whose fields are
its manual, in ruff's shape (what it does, why it matters, an example, the fix), and the templates of what
it says, defined beside the code that raises it. unetcalc/catalogue.py lists every rule. Codes never change
meaning: ``UC0xx`` the spec itself, ``UC1xx`` shapes, ``UC2xx`` design, ``UC3xx`` import, ``UC4xx`` tiling.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NewType

from unetcalc.findings.diagnostic import Diagnostic, Fix, Severity

# A finding's message, made only by Rule.says from one of the rule's templates: mypy refuses a plain
# string where a finding needs one, so every phrasing a rule has is in its ``messages``.
Said = NewType("Said", str)

MORE_FINDINGS = "… and {extra:,} more {code} findings in this file (the first {shown:,} are shown)"


def template_fields(template: str) -> frozenset[str]:
    """The named fields a template fills (``{layer}``, ``{extra:,}`` → layer, extra)."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    what: str  # What it does
    why: str  # Why it matters
    fix: str
    # Each way the rule states a finding, by name: a str.format template over named fields. Rule cases
    # (unetcalc/data/rules/CODE.yaml) pin the rendered messages; tests/test_rule_cases.py checks that
    # every template of a spec rule is rendered by one of them.
    messages: Mapping[str, str] = field(compare=False)
    # Rules raised on specs take their example from their runnable cases (unetcalc/data/rules/CODE.yaml);
    # the others (import, tiling) say it here: a command line.
    example: str = ""

    def says(self, variant: str, **fields: object) -> Said:
        """The message of template ``variant`` filled with ``fields`` (exactly the fields it names)."""
        template = self.messages[variant]
        wanted = template_fields(template)
        if wanted != fields.keys():
            raise TypeError(f"{self.code} message {variant!r} fills {sorted(wanted)}, given {sorted(fields)}")
        return Said(template.format(**fields))

    def says_more(self, extra: int, shown: int) -> Said:
        """The one finding that stands for ``extra`` more of this rule past the ``shown`` ones."""
        return Said(MORE_FINDINGS.format(extra=extra, code=self.code, shown=shown))

    def finding(
        self,
        message: Said,
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


# What a finding on a block's row adds when a use of the block raised it: which use(s), and where.
IN_BLOCK_USE = " (in `{instance}`, block `{block}`: its row is line {line})"
IN_BLOCK_USES = " (in block `{block}`; {count} at {lines}: {named})"
MAX_USES_NAMED = 4


def in_block_use(message: Said, instance: str, block: str, line: int) -> Said:
    """A finding on a block's row, raised at one use of the block: which use, and where the row is."""
    return Said(message + IN_BLOCK_USE.format(instance=instance, block=block, line=line))


def in_block_uses(message: Said, block: str, lines: list[int], instances: list[str]) -> Said:
    """One finding for a block's row, however many uses of the block (at ``lines``) raised it."""
    named = ", ".join(instances[:MAX_USES_NAMED]) + (" …" if len(instances) > MAX_USES_NAMED else "")
    return Said(
        message
        + IN_BLOCK_USES.format(
            block=block,
            count=f"{len(instances)} uses" if len(instances) > 1 else "its use",
            lines=f"lines {', '.join(map(str, lines))}" if len(lines) > 1 else f"line {lines[0]}",
            named=named,
        )
    )
