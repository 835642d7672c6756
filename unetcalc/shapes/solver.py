"""Constraints on the input symbols: one residue class and bounds per symbol.

Every floor a pooling or strided layer takes becomes ``size ≡ 0 (mod s)``; with
the input written ``X = M·t + r`` these are linear congruences in ``t``, so the
valid inputs of each axis are always ``X ≡ r (mod M)`` between two bounds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction

from unetcalc.shapes.affine import Affine


class Outcome(Enum):
    HOLDS = "holds"  # a concrete size satisfies it, or it was added as a constraint
    VIOLATED = "violated"  # a concrete size does not satisfy it
    INFEASIBLE = "infeasible"  # the symbol's constraints now contradict each other


@dataclass(slots=True)
class SymbolClass:
    modulus: int = 1
    residue: int = 0
    lower: int = 1
    upper: int | None = None
    feasible: bool = True

    def smallest(self) -> int | None:
        """The smallest value in the class, or None when there is none."""
        if not self.feasible:
            return None
        value = self.lower + (self.residue - self.lower) % self.modulus
        if self.upper is not None and value > self.upper:
            return None
        return value

    def contains(self, x: int) -> bool:
        smallest = self.smallest()
        return (
            smallest is not None
            and x >= smallest
            and (self.upper is None or x <= self.upper)
            and (x - self.residue) % self.modulus == 0
        )

    def nearest(self, x: int) -> tuple[int | None, int | None]:
        """The valid values closest to ``x``, strictly below and strictly above it."""
        smallest = self.smallest()
        if smallest is None:
            return None, None
        below = x - 1 - (x - 1 - self.residue) % self.modulus
        above = max(x + 1 + (self.residue - x - 1) % self.modulus, smallest)
        if self.upper is not None:
            below = min(below, self.upper - (self.upper - self.residue) % self.modulus)
            if above > self.upper:
                return (below if below >= smallest else None), None
        return (below if below >= smallest else None), above


class Solver:
    """Collects the constraints one inference pass puts on its symbols."""

    def __init__(self) -> None:
        self.classes: dict[str, SymbolClass] = {}

    def symbol(self, name: str) -> SymbolClass:
        return self.classes.setdefault(name, SymbolClass())

    def divisible(self, size: Affine, divisor: Fraction | int) -> Outcome:
        """Require ``size / divisor`` to be a whole number."""
        if size.is_number:
            quotient = size.const / Fraction(divisor)
            return Outcome.HOLDS if quotient.denominator == 1 else Outcome.VIOLATED
        assert size.symbol is not None
        cls = self.symbol(size.symbol)
        if not cls.feasible:
            return Outcome.INFEASIBLE
        # size/divisor = A·t + B for X = M·t + r; it is whole iff A'·t ≡ -B' (mod L).
        a = size.coef * cls.modulus / Fraction(divisor)
        b = (size.coef * cls.residue + size.const) / Fraction(divisor)
        scale = math.lcm(a.denominator, b.denominator)
        a_int, b_int = int(a * scale), int(b * scale)
        solution = _solve_congruence(a_int, -b_int, scale)
        if solution is None:
            cls.feasible = False
            return Outcome.INFEASIBLE
        t0, step = solution
        cls.residue = cls.modulus * t0 + cls.residue
        cls.modulus *= step
        cls.residue %= cls.modulus
        return Outcome.HOLDS

    def at_least(self, size: Affine, bound: int) -> Outcome:
        """Require ``size ≥ bound``."""
        if size.is_number:
            return Outcome.HOLDS if size.const >= bound else Outcome.VIOLATED
        assert size.symbol is not None
        cls = self.symbol(size.symbol)
        limit = (bound - size.const) / size.coef
        if size.coef > 0:
            cls.lower = max(cls.lower, math.ceil(limit))
        else:
            upper = math.floor(limit)
            cls.upper = upper if cls.upper is None else min(cls.upper, upper)
        if cls.smallest() is None:
            cls.feasible = False
            return Outcome.INFEASIBLE
        return Outcome.HOLDS


def _solve_congruence(a: int, c: int, m: int) -> tuple[int, int] | None:
    """Solve ``a·t ≡ c (mod m)``: return (t0, step) with t ≡ t0 (mod step), or None."""
    g = math.gcd(a, m)
    if c % g:
        return None
    step = m // g
    if step == 1:
        return 0, 1
    t0 = (c // g) * pow(a // g, -1, step) % step
    return t0, step
