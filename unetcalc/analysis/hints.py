"""The text of the nearest-valid-input hints that shape findings carry."""

from __future__ import annotations

from collections.abc import Callable

from unetcalc.shapes.validity import Validity
from unetcalc.spec.model import InputSpec
from unetcalc.textsafe import whole


def nearest_text(validity: Validity, axis: int, value: int) -> str:
    """`nearest valid inputs: 556 (output 372) and 572 (output 388)` for ``value`` on ``axis``."""
    entry = validity.axes[axis]
    below, above = entry.nearest(value)
    options = [v for v in (below, above) if v is not None]
    if not options:
        return "no input size is valid on this axis"
    shown = " and ".join(f"{whole(v)} (output {entry.output_at(v)})" for v in options)
    return f"nearest valid inputs: {shown}"


def nearest_hint(spec_input: InputSpec, validity: Validity) -> Callable[[list[int]], str]:
    """The hint a finding on these axes gives: the nearest valid inputs of each (concrete) axis."""

    def hint(axes: list[int]) -> str:
        texts: dict[str, list[str]] = {}
        for axis in axes:
            value = spec_input.size[axis]
            if isinstance(value, int):
                texts.setdefault(nearest_text(validity, axis, value), []).append(validity.axes[axis].symbol)
        if not texts:
            return ""
        if len(texts) == 1:
            return next(iter(texts))
        return "; ".join(f"{', '.join(axes_)}: {text}" for text, axes_ in texts.items())

    return hint
