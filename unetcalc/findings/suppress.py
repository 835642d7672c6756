"""Inline suppressions: `# unetcalc: ignore[UC103]` (or a bare `ignore`) on a layer's line.

A suppression applies to findings on its line and to findings of a layer that
starts on its line. One that suppresses nothing is itself reported (UC009).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from unetcalc.findings.diagnostic import Diagnostic, Severity
from unetcalc.findings.rules import Rule
from unetcalc.sourcelines import source_lines

# -- the rules this module raises: manuals and message templates (unetcalc/catalogue.py collects them) --
UNUSED_SUPPRESSION = Rule(
    code="UC009",
    name="unused-suppression",
    severity=Severity.WARNING,
    summary="An inline `unetcalc: ignore` suppresses nothing.",
    what="Reports `# unetcalc: ignore[...]` comments whose line has no finding they cover.",
    why="Stale suppressions hide the next real finding on that line and mislead readers.",
    fix="Remove the comment, or name the code that is reported on that line.",
    messages={"unused": "this `unetcalc: ignore` suppresses {codes}, but nothing is reported here"},
)

# `# unetcalc: ignore[…]` in YAML; `<!-- unetcalc: ignore[…] -->` on a markdown table's row.
PATTERN = re.compile(r"(?:#|<!--)\s*unetcalc:\s*ignore(?:\[([^\]]*)\])?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Suppression:
    line: int
    column: int
    codes: tuple[str, ...]  # empty: every code

    def covers(self, code: str) -> bool:
        return not self.codes or any(code.startswith(c) for c in self.codes)


def find_suppressions(text: str, path: str = "") -> list[Suppression]:
    """The ignore comments of a spec or a note, on the lines its own reader counts (see sourcelines.py)."""
    found = []
    for number, line in enumerate(source_lines(text, path), start=1):
        match = PATTERN.search(line)
        if match:
            codes = tuple(c.strip().upper() for c in (match[1] or "").split(",") if c.strip())
            found.append(Suppression(number, match.start() + 1, codes))
    return found


def apply_suppressions(
    path: str, text: str, diagnostics: list[Diagnostic], layer_lines: dict[str, list[int]]
) -> list[Diagnostic]:
    """Drop the findings an inline comment suppresses; report comments that suppress nothing (UC009).

    ``layer_lines`` maps a layer name to the lines its definitions start on: a comment on a
    block-style layer's first line covers the whole layer.
    """
    suppressions = find_suppressions(text, path)
    if not suppressions:
        return diagnostics
    on_line = {s.line: s for s in suppressions}  # one comment a line: found in O(1) per finding
    used: set[Suppression] = set()
    kept = []
    for d in diagnostics:
        starts = [line for line in layer_lines.get(d.layer or "", ()) if line <= d.line]
        lines = {d.line, max(starts)} if starts else {d.line}
        candidates = (on_line.get(line) for line in sorted(lines))
        match = next((s for s in candidates if s is not None and s.covers(d.code) and d.code != "UC001"), None)
        if match is None:
            kept.append(d)
        else:
            used.add(match)
    for s in suppressions:
        if s not in used:
            what = ", ".join(s.codes) if s.codes else "anything"
            kept.append(
                UNUSED_SUPPRESSION.finding(
                    UNUSED_SUPPRESSION.says("unused", codes=what),
                    hint="remove the comment, or name the code reported on this line",
                    file=path,
                    line=s.line,
                    column=s.column,
                )
            )
    return kept
