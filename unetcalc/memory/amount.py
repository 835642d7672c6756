"""Byte counts for a symbolic input, as integer vectors over a fixed set of monomials.

A replay adds and compares hundreds of thousands of amounts; exact polynomials with Fraction
coefficients cost microseconds per operation. Every size polynomial of one network is a combination
of a few monomials (``H·W``, ``H``, ``W``, 1) with coefficients over one common denominator, so an
amount is a tuple of integers: additions are integer additions, and a comparison is a dot product
with the monomials' values at the reference size. Converted back to a :class:`Poly` for reports.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable

from unetcalc.shapes.poly import Monomial, Poly, ratio


class Basis:
    """The monomials of a network's sizes and their common denominator."""

    def __init__(self, polys: Iterable[Poly], reference: int) -> None:
        monomials: dict[Monomial, None] = {(): None}
        denominator = 1
        for poly in polys:
            for monomial, coef in poly.terms.items():
                monomials[monomial] = None
                other = coef.denominator
                if other != denominator:
                    both_powers_of_two = not (other & (other - 1)) and not (denominator & (denominator - 1))
                    # lcm of two powers of two is the larger: no big gcd (a deep network's are 2^10000)
                    denominator = max(other, denominator) if both_powers_of_two else math.lcm(denominator, other)
        self.monomials = list(monomials)
        self.index = {m: i for i, m in enumerate(self.monomials)}
        self.denominator = denominator
        self.weights = [math.prod(reference**power for _, power in m) for m in self.monomials]

    def vector(self, poly: Poly) -> Vec:
        coefs = [0] * len(self.monomials)
        for monomial, coef in poly.terms.items():  # the denominator is a multiple of each: exact integers
            coefs[self.index[monomial]] = coef.numerator * (self.denominator // coef.denominator)
        return Vec(tuple(coefs), self, sum(c * w for c, w in zip(coefs, self.weights, strict=True)) / self.denominator)


class Vec:
    """``Σ coef_i · monomial_i / denominator``: supports + (with ints too), * int, and a size to compare by."""

    __slots__ = ("basis", "coefs", "scaled", "value")

    def __init__(self, coefs: tuple[int, ...], basis: Basis, value: float) -> None:
        self.coefs = coefs
        self.basis = basis
        self.value = value  # at the reference size, kept along so that comparing costs nothing
        self.scaled: dict[int, Vec] | None = None  # products already made: a layer's bytes are asked for often

    def __add__(self, other: Vec | int) -> Vec:
        if isinstance(other, int):
            if not other:
                return self
            return Vec(
                (self.coefs[0] + other * self.basis.denominator, *self.coefs[1:]), self.basis, self.value + other
            )
        return Vec(tuple(map(operator.add, self.coefs, other.coefs)), self.basis, self.value + other.value)

    __radd__ = __add__

    def __mul__(self, factor: int) -> Vec:
        scaled = self.scaled
        if scaled is None:
            scaled = self.scaled = {}
        product = scaled.get(factor)
        if product is None:
            if len(scaled) >= 8:
                scaled.clear()
            product = scaled[factor] = Vec(tuple([c * factor for c in self.coefs]), self.basis, self.value * factor)
        return product

    __rmul__ = __mul__

    def size(self) -> float:
        """The value at the reference size."""
        return self.value

    def poly(self) -> Poly:
        d = self.basis.denominator
        return Poly({m: ratio(c, d) for m, c in zip(self.basis.monomials, self.coefs, strict=True) if c})
