"""Findings as data. Every stage produces these; only renderers format them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Fix:
    r"""A finding's fix as data: set ``key: value`` on the layer named ``layer`` (None: the spec's top level).

    Each place phrases it in its own terms (``phrase``): a spec's hint says `write \`in: 62x62x8\``, a
    note's says to write the shape in the cell, and the language server edits the key itself.
    """

    key: str
    value: str
    layer: str | None = None

    def phrase(self, note: bool = False) -> str:
        """How a hint says it: in a spec's keys, or (``note``) in a design note's cells and rows."""
        if self.key == "input":
            if note:
                return (
                    "add a first row for the input, e.g. `| Input Layer | 254 x 254 | | 1 |` (its size, then channels)"
                )
            return f"add `input: {self.value}`"
        if note and self.key in ("in", "out"):
            return f"write `{self.value}` in this cell"
        if self.key in ("in", "out") or self.layer is None:
            return f"write `{self.key}: {self.value}`"
        return f"give it `{self.key}: {self.value}`"


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    severity: Severity
    message: str
    hint: str = ""
    file: str = ""
    line: int = 0
    column: int = 0
    layer: str | None = None
    fix: Fix | None = None  # the edit the hint describes, where there is one (not part of the JSON contract)

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data.pop("fix")
        data["severity"] = self.severity.value
        return data

    def for_note(self) -> Diagnostic:
        """This finding as a note's author reads it: its fix phrased in cells and rows, not YAML keys."""
        if self.fix is None:
            return self
        return replace(self, hint=self.hint.replace(self.fix.phrase(), self.fix.phrase(note=True), 1))
