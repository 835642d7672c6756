"""The data a spec's YAML becomes: mappings and lists that remember where each item was written."""

from __future__ import annotations

from typing import Any, NamedTuple

MAX_NODES = 5_000_000  # the most nodes a document may have (aliases are limited separately)


class Pos(NamedTuple):  # a NamedTuple: a big spec makes a million of them, at half a frozen dataclass's cost
    line: int
    column: int


class YMap(dict):  # type: ignore[type-arg]
    """A mapping that remembers where it, its keys and its values stand."""

    pos: Pos
    key_pos: dict[Any, Pos]
    value_pos: dict[Any, Pos]


class YList(list):  # type: ignore[type-arg]
    pos: Pos
    item_pos: list[Pos]
