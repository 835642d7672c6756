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

    def __init__(self, classes: dict[str, SymbolClass] | None = None) -> None:
        # A pass may start from given classes: `validity` explores one residue class at a time.
        self.classes: dict[str, SymbolClass] = {
            name: SymbolClass(c.modulus, c.residue, c.lower, c.upper, c.feasible) for name, c in (classes or {}).items()
        }
        # Symbols on which a layer that rounds up (ceil_mode, padded strided convs) was met with an undecided
        # residue: this pass assumed the aligned class, the other residues are explored afterwards.
        self.rounding_symbols: set[str] = set()

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

    def residue_of(self, size: Affine, divisor: int) -> int | None:
        """``size mod divisor`` when the symbol's class decides it (always for a number), else None."""
        if size.is_number:
            return int(size.const) % divisor if size.const.denominator == 1 else None
        assert size.symbol is not None
        cls = self.symbol(size.symbol)
        step = size.coef * cls.modulus / divisor  # size = step·divisor·t + base for X = M·t + r
        base = size.coef * cls.residue + size.const
        if step.denominator != 1 or base.denominator != 1:
            return None
        return int(base) % divisor

    def equal(self, a: Affine, b: Affine) -> Outcome:
        """Require ``a == b``: numbers compare, equal slopes never meet, different slopes meet at one input."""
        difference = a - b
        if difference.is_number:
            return Outcome.HOLDS if difference.const == 0 else Outcome.VIOLATED
        assert difference.symbol is not None
        root = -difference.const / difference.coef
        if root.denominator != 1:
            return Outcome.VIOLATED
        cls = self.symbol(difference.symbol)
        if not cls.contains(int(root)):
            return Outcome.VIOLATED
        cls.lower = cls.upper = int(root)
        return Outcome.HOLDS

    def at_least(self, size: Affine, bound: int) -> Outcome:
        """Require ``size ≥ bound``."""
        if size.is_number:
            return Outcome.HOLDS if size.const >= bound else Outcome.VIOLATED
        assert size.symbol is not None
        cls = self.symbol(size.symbol)
        coef, const = size.coef, size.const
        if coef > 0 and cls.feasible:
            # Already implied by the lower bound? In integers (the hot path of every pass): a·L/b + c/d ≥ bound.
            a, b, c, d = coef.numerator, coef.denominator, const.numerator, const.denominator
            if a * cls.lower * d + c * b >= bound * b * d:
                return Outcome.HOLDS
        limit = (bound - const) / coef
        if coef > 0:
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
