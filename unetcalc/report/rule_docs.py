"""A rule's manual: its sections (what `unetcalc explain` prints), and as markdown (the editor's hover,
SARIF's help, and unetcalc/data/rules.md, each rule's link target)."""

from __future__ import annotations

from typing import NamedTuple

from unetcalc.catalogue import all_rules, example_of
from unetcalc.findings.rules import Rule


class Section(NamedTuple):
    title: str
    text: str
    code: bool  # a spec or command line, shown as written


def manual(rule: Rule) -> list[Section]:
    """What it does, why it matters, a runnable example (with what check reports on it) and the fix."""
    sections = [Section("What it does", rule.what, False), Section("Why it matters", rule.why, False)]
    example = example_of(rule)
    if example is None:
        sections += [Section("Example", rule.example, True), Section("Fix", rule.fix, False)]
        return sections
    reported = f"# unetcalc check: line {example.line}: {rule.code} {example.message}"
    sections.append(Section("Example", f"{example.spec.rstrip()}\n{reported}", True))
    sections.append(Section("Fix", rule.fix, False))
    if example.fixed is not None:
        sections.append(Section("Fixed", example.fixed.rstrip(), True))
    return sections


def manual_markdown(rule: Rule) -> str:
    """The sections as markdown: prose in bold-titled paragraphs, specs in yaml blocks."""
    parts = []
    for section in manual(rule):
        if section.code:
            parts.append(f"**{section.title}.**\n\n```yaml\n{section.text}\n```\n\n")
        else:
            parts.append(f"**{section.title}.** {section.text}\n\n")
    return "".join(parts).rstrip("\n") + "\n"


def rule_markdown(rule: Rule, level: int = 3) -> str:
    heading = "#" * level
    return f"{heading} {rule.code} {rule.name}\n\n*{rule.severity.value}* — {rule.summary}\n\n" + manual_markdown(rule)


def messages_markdown(rule: Rule) -> str:
    """Every way the rule phrases a finding, its fields in braces: what to search for a message seen."""
    # A double-backtick code span holds the single backticks the messages quote names with.
    lines = "".join(f"- `` {template} ``\n" for template in rule.messages.values())
    return f"**Messages.**\n\n{lines}"


def rules_document() -> str:
    """Every rule's manual, one section each (anchors `#uc104`), as `unetcalc explain` prints them, and the
    templates of its messages."""
    parts = [
        "# unetcalc rules\n",
        "Written by `python -m unetcalc.report.rule_docs > unetcalc/data/rules.md` from the rule catalogue "
        "(a test compares them). `unetcalc explain CODE` prints one.\n",
    ]
    parts += [rule_markdown(rule, 2) + "\n" + messages_markdown(rule) for rule in all_rules()]
    return "\n".join(parts)


if __name__ == "__main__":
    print(rules_document(), end="")
