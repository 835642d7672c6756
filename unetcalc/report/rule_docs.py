"""A rule's manual as markdown: the editor's hover, and unetcalc/data/rules.md (each rule's link target)."""

from __future__ import annotations

from unetcalc.catalogue import all_rules
from unetcalc.findings.rules import Rule


def rule_markdown(rule: Rule, level: int = 3) -> str:
    heading = "#" * level
    return (
        f"{heading} {rule.code} {rule.name}\n\n"
        f"*{rule.severity.value}* — {rule.summary}\n\n"
        f"**What it does.** {rule.what}\n\n"
        f"**Why it matters.** {rule.why}\n\n"
        f"**Example.**\n\n```yaml\n{rule.example}\n```\n\n"
        f"**Fix.** {rule.fix}\n"
    )


def rules_document() -> str:
    """Every rule's manual, one section each (anchors `#uc104`), as `unetcalc explain` prints them."""
    parts = [
        "# unetcalc rules\n",
        "Written by `python -m unetcalc.report.rule_docs > unetcalc/data/rules.md` from the rule catalogue "
        "(a test compares them). `unetcalc explain CODE` prints one.\n",
    ]
    parts += [rule_markdown(rule, 2) for rule in all_rules()]
    return "\n".join(parts)


if __name__ == "__main__":
    print(rules_document(), end="")
