"""What proving an imported spec found (plain data; prove.py fills it)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Proof:
    sizes: list[tuple[int, ...]] = field(default_factory=list)
    state_dict_tensors: int = 0
    aliased_keys: int = 0  # state_dict keys of modules registered twice (the same tensors under a second name)
    params: int = 0
    cpu_size: tuple[int, ...] | None = None
    cpu_max_error: float | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems
