"""A tensor's shape during inference: channels and one affine size per axis."""

from __future__ import annotations

from dataclasses import dataclass

from unetcalc.shapes.affine import Affine


@dataclass(frozen=True, slots=True)
class Shape:
    channels: int
    size: tuple[Affine, ...]
    # Axes whose size already went through an inexact floor (reported once, at
    # that layer); comparisons on these axes stay silent to avoid a cascade.
    tainted: frozenset[int] = frozenset()
    # (axis, layer) pairs where a layer above rounded a size up (ceil_mode, padded strided convs): named in
    # the finding of a later layer that cannot match.
    rounded: frozenset[tuple[int, str]] = frozenset()

    @property
    def rank(self) -> int:
        return len(self.size)

    @property
    def is_concrete(self) -> bool:
        return all(s.is_number for s in self.size)

    def __str__(self) -> str:
        return format_shape(self)  # 388x388x2, as authors write shapes


def _dim_text(size: object) -> str:
    text = str(size)
    return f"({text})" if " " in text and not text.startswith("(") else text


def format_shape(shape: Shape | None, sep: str = "x") -> str:
    """``568x568x64`` (sizes then channels); symbolic sizes in parentheses when needed."""
    if shape is None:
        return "?"
    return sep.join([*(_dim_text(s) for s in shape.size), str(shape.channels)])


def format_sizes(sizes: tuple[object, ...] | list[object], sep: str = "×") -> str:
    return sep.join(_dim_text(s) for s in sizes)
