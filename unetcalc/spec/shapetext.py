"""Shapes as authors write them: ``252x252x64``, ``254 x 254``, ``?``, mappings."""

from __future__ import annotations

import re
from typing import Any

from unetcalc.spec.limits import MAX_NUMBER_DIGITS
from unetcalc.spec.model import DeclaredShape

_SEPARATORS = re.compile(r"[x×X*]")  # the blanks around one are stripped from the parts: linear


class ShapeTextError(ValueError):
    pass


_WHOLE = re.compile(r"[0-9]+")


def split_shape(text: str) -> list[str]:
    """``572 x 572x1`` → ``["572", "572", "1"]``: the one reading of shape text (x, ×, X or *)."""
    return [stripped for part in _SEPARATORS.split(text.strip()) if (stripped := part.strip())]


def whole_number(text: str) -> int | None:
    """``text`` as a whole number when it is written in ASCII digits, else None.

    str.isdigit() accepts ``²`` and ``٣``, which int() then rejects or reads unexpectedly.
    """
    text = text.strip()
    if len(text) > MAX_NUMBER_DIGITS:  # Python refuses to read past 4,300 digits; no size needs 100
        return None
    return int(text) if _WHOLE.fullmatch(text) else None


def _part(text: str) -> int | None:
    text = text.strip()
    if text == "?":
        return None
    value = whole_number(text)
    if value is None:
        raise ShapeTextError(f"`{text}` is not a size (write a whole number in digits 0-9, or `?`)")
    if value < 1:
        raise ShapeTextError("sizes must be at least 1")
    return value


def parse_declared(value: Any, rank: int) -> DeclaredShape:
    """Read a declared shape for a ``rank``-dimensional network."""
    if isinstance(value, dict):
        return _parse_mapping(value, rank)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ShapeTextError("a shape is a string such as `252x252x64` or a mapping {channels, size}")
    text = str(value).strip()
    if text == "?":
        return DeclaredShape(None, None, text)
    parts = [_part(p) for p in split_shape(text)]
    if len(parts) == rank:
        return DeclaredShape(None, tuple(parts), text)
    if len(parts) == rank + 1:
        return DeclaredShape(parts[-1], tuple(parts[:-1]), text)
    raise ShapeTextError(
        f"`{text}` has {len(parts)} entries; this {rank}D network's shapes have {rank} spatial "
        f"sizes, then optionally channels (e.g. `{'x'.join(['64'] * rank)}x32`)"
    )


def _parse_mapping(value: dict[str, Any], rank: int) -> DeclaredShape:
    unknown = set(value) - {"channels", "size"}
    if unknown:
        raise ShapeTextError(f"a shape mapping takes `channels` and `size`, not `{sorted(unknown)[0]}`")
    channels = value.get("channels")
    if channels is not None:
        channels = _part(str(channels)) if channels != "?" else None
    size = value.get("size")
    sizes: tuple[int | None, ...] | None = None
    if size is not None:
        if not isinstance(size, list) or len(size) != rank:
            raise ShapeTextError(f"`size` must be a list of {rank} sizes")
        sizes = tuple(_part(str(s)) for s in size)
    if sizes is None:  # channels only: shown as written, never as `x512`
        return DeclaredShape(channels, None, "?" if channels is None else f"{{channels: {channels}}}")
    text = "x".join("?" if s is None else str(s) for s in sizes) + (f"x{channels}" if channels is not None else "")
    return DeclaredShape(channels, sizes, text)
