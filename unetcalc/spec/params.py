"""An op parameter (``Param``) and the validation of one value against its kind; each op lists its own."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

# Larger values are typos (10**30 filters), not architectures; they would also
# make parameter counts and memory figures meaningless.
MAX_INT = 1_000_000


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter of an op: its kind (validated below) and PyTorch's default (unetcalc/ops define them)."""

    kind: str
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] = ()
    default_from: str | None = None  # no default of its own: takes this other parameter's value


class ParamError(ValueError):
    pass


def _int(value: Any, *, minimum: int, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            raise ParamError(f"{what} must be a whole number, not {value!r}")
        raise ParamError(f"{what} must be a whole number, got {_show(value)}")
    if value < minimum:
        raise ParamError(f"{what} must be at least {minimum}, got {value}")
    if value > MAX_INT:
        raise ParamError(f"{what} is {value:,}, larger than the {MAX_INT:,} unetcalc accepts")
    return value


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f"the string {value!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)


def _axes(value: Any, rank: int | None, *, minimum: int, what: str) -> tuple[int, ...]:
    if isinstance(value, list):
        if not value:
            raise ParamError(f"{what} is an empty list; give one value, or one per axis")
        if rank is not None and len(value) != rank:
            raise ParamError(f"{what} lists {len(value)} values; this {rank}D network needs {rank}")
        return tuple(_int(v, minimum=minimum, what=what) for v in value)
    single = _int(value, minimum=minimum, what=what)
    return (single,) * (rank or 1)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ParamError(f"{what} must be a number, got {_show(value)}")
    if not math.isfinite(value):
        raise ParamError(f"{what} must be a finite number, got {value!r}")
    return value


def validate(param: Param, value: Any, rank: int | None, what: str) -> Any:
    """Return the normalised value or raise ParamError with a one-line reason."""
    kind = param.kind
    if kind == "count":
        return _int(value, minimum=1, what=what)
    if kind == "axes_pos":
        return _axes(value, rank, minimum=1, what=what)
    if kind == "axes_nonneg":
        return _axes(value, rank, minimum=0, what=what)
    if kind == "conv_padding":
        if value in ("valid", "same"):
            return value
        if isinstance(value, str):
            raise ParamError(f"{what} must be `valid`, `same`, a whole number or a list, got {value!r}")
        return _axes(value, rank, minimum=0, what=what)
    if kind == "pad_sides":  # per axis: one amount for both sides, or [before, after]
        items = value if isinstance(value, list) else [value]
        if not items:
            raise ParamError(f"{what} is an empty list; give one amount, or one per axis")
        if rank is not None and len(items) not in (1, rank):
            raise ParamError(f"{what} lists {len(items)} values; this {rank}D network needs {rank}")
        pairs = []
        for item in items:
            if isinstance(item, list):
                if len(item) != 2:
                    raise ParamError(f"{what}: a per-side entry is [before, after], got {_show(item)}")
                pairs.append((_int(item[0], minimum=0, what=what), _int(item[1], minimum=0, what=what)))
            else:
                amount = _int(item, minimum=0, what=what)
                pairs.append((amount, amount))
        if len(pairs) == 1:
            pairs = pairs * (rank or 1)
        return tuple(pairs)
    if kind == "prelu_count":
        if value == "channels" or value == 1:
            return value
        raise ParamError(f"{what} must be 1 (one slope) or `channels` (one per channel), got {_show(value)}")
    if kind == "axes_scale":
        values = value if isinstance(value, list) else [value] * (rank or 1)
        if rank is not None and len(values) != rank:
            raise ParamError(f"{what} lists {len(values)} values; this {rank}D network needs {rank}")
        scales = []
        for v in values:
            number = _number(v, what)
            if number <= 0 or number > 1024:
                raise ParamError(f"{what} must be above 0 and at most 1024, got {v}")
            scales.append(Fraction(str(number)))
        return tuple(scales)
    if kind == "bool":
        if value is None and param.default is None:
            return None
        if not isinstance(value, bool):
            raise ParamError(f"{what} must be true or false, got {_show(value)}")
        return value
    if kind == "choice":
        if value not in param.choices:
            raise ParamError(f"{what} must be one of {', '.join(param.choices)}; got {_show(value)}")
        return value
    if kind == "ref":
        if not isinstance(value, str) or not value:
            raise ParamError(f"{what} must be a layer name, got {_show(value)}")
        return value
    if kind == "refs":
        names = value if isinstance(value, list) else [value]
        if not names or not all(isinstance(n, str) and n for n in names):
            raise ParamError(f"{what} must be a layer name or a list of names, got {_show(value)}")
        return tuple(names)
    if kind == "size":
        sizes = value if isinstance(value, list) else [value] * (rank or 1)
        if rank is not None and len(sizes) != rank:
            raise ParamError(f"{what} lists {len(sizes)} sizes; this {rank}D network needs {rank}")
        return tuple(_int(s, minimum=1, what=what) for s in sizes)
    if kind == "number":
        return _number(value, what)
    if kind == "positive":
        if _number(value, what) <= 0:
            raise ParamError(f"{what} must be above 0, got {value}")
        return value
    if kind == "probability":
        number = _number(value, what)
        if not 0 <= number <= 1:
            raise ParamError(f"{what} must be between 0 and 1, got {value}")
        return value
    raise AssertionError(f"unknown parameter kind {kind}")


def per_axis_of(value: object) -> tuple[int, ...]:
    """A validated per-axis parameter as a tuple: `3` is `(3,)`, `(3, 1)` stays."""
    return value if isinstance(value, tuple) else (value,)


def per_axis_alike(*values: object) -> list[tuple[int, ...]]:
    """Validated per-axis parameters as tuples of one length: a single value stands for every axis."""
    tuples = [per_axis_of(v) for v in values]
    width = max(len(v) for v in tuples)
    if any(len(v) not in (1, width) for v in tuples):  # ranks disagree: the parameter findings say why
        return [() for _ in tuples]
    return [v * width if len(v) == 1 else v for v in tuples]
