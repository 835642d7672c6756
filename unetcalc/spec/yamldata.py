"""The data a spec's YAML becomes: mappings and lists that remember where each item was written."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import yaml

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
    unreadable = False  # rows that could not be made (an expansion past a bound, a bad template), reported


STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers  # first character → the resolvers that may apply


def plain_tag(text: str, implicit: tuple[bool, bool], resolve: Callable[..., str]) -> str:
    """The tag YAML 1.1 gives a plain scalar; a first character no resolver starts with (most names) is a
    string without asking the resolver."""
    return resolve(yaml.ScalarNode, text, implicit) if _IMPLICIT.get(text[:1]) else STR_TAG


def plain_decimal(text: str) -> bool:
    """An int-tagged scalar written as plain decimal digits (no sign, underscore, base or leading zero)."""
    return text.isascii() and text.isdigit() and (text[0] != "0" or text == "0")
