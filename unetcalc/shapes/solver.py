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
        if type(divisor) is not int:
            divisor = Fraction(divisor)
            return self.divisible(size * divisor.denominator, divisor.numerator)
        if not size.num:
            return Outcome.HOLDS if size.off % (size.den * divisor) == 0 else Outcome.VIOLATED
        assert size.symbol is not None
        cls = self.symbol(size.symbol)
        if not cls.feasible:
            return Outcome.INFEASIBLE
        # With X = M·t + r, size/divisor = (num·M·t + num·r + off)/(den·divisor) is whole iff
        # num·M·t ≡ -(num·r + off) (mod den·divisor).
        solution = _solve_congruence(size.num * cls.modulus, -(size.num * cls.residue + size.off), size.den * divisor)
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
        if not size.num:
            return size.off % divisor if size.den == 1 else None
        assert size.symbol is not None
        cls = self.symbol(size.symbol)
        # size = (num·M·t + num·r + off)/den for X = M·t + r: decided when both parts are whole and the
        # step num·M/den is a multiple of divisor.
        step, base = size.num * cls.modulus, size.num * cls.residue + size.off
        if step % (size.den * divisor) or base % size.den:
            return None
        return (base // size.den) % divisor

    def equal(self, a: Affine, b: Affine) -> Outcome:
        """Require ``a == b``: numbers compare, equal slopes never meet, different slopes meet at one input."""
        difference = a - b
        if not difference.num:
            return Outcome.HOLDS if not difference.off else Outcome.VIOLATED
        assert difference.symbol is not None
        if difference.off % difference.num:
            return Outcome.VIOLATED
        root = -difference.off // difference.num
        cls = self.symbol(difference.symbol)
        if not cls.contains(root):
            return Outcome.VIOLATED
        cls.lower = cls.upper = root
        return Outcome.HOLDS

    def at_least(self, size: Affine, bound: int) -> Outcome:
        """Require ``size ≥ bound``."""
        num, off, den = size.num, size.off, size.den
        if not num:
            return Outcome.HOLDS if off >= bound * den else Outcome.VIOLATED
        assert size.symbol is not None
        cls = self.symbol(size.symbol)
        # (num·X + off)/den ≥ bound  ⇔  num·X ≥ bound·den - off
        need = bound * den - off
        if num > 0:
            if cls.feasible and num * cls.lower >= need:  # already implied by the lower bound: every pass's hot path
                return Outcome.HOLDS
            cls.lower = max(cls.lower, -(-need // num))
        else:
            upper = need // num  # X ≤ need/num when num < 0: its floor
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
