"""Polynomials in the input symbols, for counts that multiply sizes (MACs, memory).

Products of per-axis affine sizes (``(H - 4)·(W - 4)``) are multilinear in the
symbols; exact rational coefficients keep every figure exact.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable
from fractions import Fraction

from unetcalc.shapes.affine import Affine
from unetcalc.textsafe import whole

Monomial = tuple[tuple[str, int], ...]  # sorted (symbol, power) pairs; () is the constant
Coef = int | Fraction  # a whole coefficient is kept as an int: int arithmetic is ~10× Fraction's


def _coef(value: Coef) -> Coef:
    return value.numerator if value.denominator == 1 else value


@functools.lru_cache(maxsize=4096)
def _monomial_product(m1: Monomial, m2: Monomial) -> Monomial:
    if not m1:
        return m2
    if not m2:
        return m1
    powers = dict(m1)
    for symbol, power in m2:
        powers[symbol] = powers.get(symbol, 0) + power
    return tuple(sorted(powers.items()))


class Poly:
    __slots__ = ("terms",)

    def __init__(self, terms: dict[Monomial, Coef] | None = None) -> None:
        self.terms: dict[Monomial, Coef] = {m: c if type(c) is int else _coef(c) for m, c in (terms or {}).items() if c}

    @staticmethod
    def _normal(terms: dict[Monomial, Coef]) -> Poly:
        """A Poly of terms already normal: no zero coefficient, whole numbers as ints."""
        poly = _new_poly(Poly)
        poly.terms = terms
        return poly

    @staticmethod
    def number(value: int | Fraction) -> Poly:
        return Poly({(): value})

    @staticmethod
    def from_affine(size: Affine) -> Poly:
        if size.den == 1:
            terms: dict[Monomial, Coef] = {(): size.off}
            if size.symbol is not None:
                terms[((size.symbol, 1),)] = size.num
        else:
            terms = {(): size.const}
            if size.symbol is not None:
                terms[((size.symbol, 1),)] = size.coef
        return Poly(terms)

    @property
    def is_number(self) -> bool:
        return all(m == () for m in self.terms)

    @property
    def value(self) -> int:
        if not self.is_number:
            raise ValueError(f"{self} is not a number")
        return int(self.terms.get((), 0))

    def __add__(self, other: Poly | int) -> Poly:
        if not isinstance(other, Poly):
            if not other:
                return self
            other = Poly.number(other)
        terms = dict(self.terms)
        for m, c in other.terms.items():
            terms[m] = terms.get(m, 0) + c
        return Poly(terms)

    __radd__ = __add__

    def __mul__(self, other: Poly | int | Fraction) -> Poly:
        if not isinstance(other, Poly):
            if other == 1:
                return self
            if type(other) is int and other and all(type(c) is int for c in self.terms.values()):
                return Poly._normal({m: c * other for m, c in self.terms.items()})
            return Poly({m: c * other for m, c in self.terms.items()})
        terms: dict[Monomial, Coef] = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in other.terms.items():
                key = _monomial_product(m1, m2)
                terms[key] = terms.get(key, 0) + c1 * c2
        return Poly(terms)

    __rmul__ = __mul__

    def at(self, values: dict[str, int]) -> Fraction:
        total: Coef = Fraction(0)
        for monomial, coef in self.terms.items():
            term = coef
            for symbol, power in monomial:
                term *= values[symbol] ** power
            total += term
        return Fraction(total)

    def __str__(self) -> str:
        return self.format(exact=True)

    def format(self, exact: bool = True, grouping: bool = True) -> str:
        """``832,802·H·W - 106,546,672·H + …``; ``exact=False``: fractions as decimals;
        ``grouping=False``: no thousands separators (machine-readable: JSON, CSV)."""
        if not self.terms:
            return "0"
        parts = []
        for monomial, body in _layout(tuple(self.terms)):
            coef = self.terms[monomial]
            magnitude = -coef if coef < 0 else coef
            if type(magnitude) is int:
                if magnitude.bit_length() <= 150:  # short enough to print exactly (big_int's limit is ~200)
                    number = f"{magnitude:,}" if grouping else str(magnitude)
                else:
                    number = whole(magnitude, grouping)
            elif exact or not _fits_float(magnitude):
                number = f"{whole(magnitude.numerator, grouping)}/{whole(magnitude.denominator)}"
            else:  # huge numerator and denominator of a moderate ratio (a deep network's H·W/4^k sums) are fine
                number = f"{float(magnitude):{',' if grouping else ''}.2f}"
            text = body if body and magnitude == 1 else (f"{number}·{body}" if body else number)
            parts.append(("- " if coef < 0 else "+ ") + text)
        joined = " ".join(parts)
        return joined[2:] if joined.startswith("+ ") else "-" + joined[2:]


@functools.lru_cache(maxsize=256)
def _layout(monomials: tuple[Monomial, ...]) -> tuple[tuple[Monomial, str], ...]:
    """The monomials in print order (highest degree first) with their text: ``H·W``, ``H^2``."""
    ordered = sorted(monomials, key=lambda m: (-sum(p for _, p in m), m))
    return tuple((m, "·".join(s if p == 1 else f"{s}^{p}" for s, p in m)) for m in ordered)


def _fits_float(value: Coef) -> bool:
    return value.numerator.bit_length() - value.denominator.bit_length() < 1000


def sum_polys(polys: Iterable[Poly]) -> Poly:
    """The sum of many polynomials, without a gcd per addition.

    A deep network's coefficients are fractions over ever larger powers of two (H·W/4^k at level k):
    adding them as Fractions costs a big-integer gcd each time. Power-of-two denominators are summed
    as integers over the largest one instead (m/2^e scaled up), with one Fraction per monomial at the end.
    """
    whole: dict[Monomial, int] = {}
    dyadic: dict[Monomial, tuple[int, int]] = {}  # monomial → (m, e): m / 2^e
    other: dict[Monomial, Fraction] = {}
    for poly in polys:
        for monomial, coef in poly.terms.items():
            if type(coef) is int:
                whole[monomial] = whole.get(monomial, 0) + coef
                continue
            denominator = coef.denominator
            if denominator & (denominator - 1):  # not a power of two
                other[monomial] = other.get(monomial, Fraction(0)) + coef
                continue
            exponent = denominator.bit_length() - 1
            m, e = dyadic.get(monomial, (0, exponent))
            if exponent >= e:
                dyadic[monomial] = ((m << (exponent - e)) + coef.numerator, exponent)
            else:
                dyadic[monomial] = (m + (coef.numerator << (e - exponent)), e)
    total: dict[Monomial, Coef] = dict(whole)
    for monomial, (m, e) in dyadic.items():
        shift = min(e, (m & -m).bit_length() - 1) if m else e  # strip common factors of two: one cheap gcd
        total[monomial] = total.get(monomial, 0) + Fraction(m >> shift, 1 << (e - shift))
    for monomial, value in other.items():
        total[monomial] = total.get(monomial, 0) + value
    return Poly(total)


def numel(sizes: tuple[Affine, ...], channels: int) -> Poly:
    """Elements of a tensor: channels × the product of its sizes (a polynomial for symbolic sizes)."""
    positions = _positions(sizes)
    return positions * channels if channels != 1 else positions


@functools.lru_cache(maxsize=4096)
def _positions(sizes: tuple[Affine, ...]) -> Poly:
    """The product of the sizes: layers of one level share them, so it is computed once per distinct size."""
    return _product(sizes)


_new_poly = object.__new__


def ratio(numerator: int, denominator: int) -> Coef:
    """``numerator/denominator`` exactly; over a power of two without a big-integer gcd.

    A deep network's sizes are H/2^k with k in the thousands: Fraction's gcd on each such
    coefficient was most of a replay's time. Common factors of two are shifted out instead, and
    what is left is already in lowest terms.
    """
    if denominator & (denominator - 1):  # not a power of two
        return _coef(Fraction(numerator, denominator))
    if not numerator:
        return 0
    twos = min((numerator & -numerator).bit_length(), denominator.bit_length()) - 1
    numerator, denominator = numerator >> twos, denominator >> twos
    return numerator if denominator == 1 else _coprime(numerator, denominator)


def _coprime(numerator: int, denominator: int) -> Fraction:
    """A Fraction from integers already in lowest terms, without normalising them again when possible."""
    make = getattr(Fraction, "_from_coprime_ints", None)  # Python 3.12+
    if make is not None:
        return make(numerator, denominator)  # type: ignore[no-any-return]
    try:
        unchecked: Fraction = Fraction(numerator, denominator, _normalize=False)  # type: ignore[call-overload]
        return unchecked  # Python 3.11
    except TypeError:
        return Fraction(numerator, denominator)


def _product(sizes: tuple[Affine, ...]) -> Poly:
    symbols = [s.symbol for s in sizes if s.symbol is not None]
    if all(a < b for a, b in itertools.pairwise(symbols)):
        # Sizes in distinct symbols, in order (every spec's H, W or D, H, W): expand the integer
        # numerators directly, then divide once by the product of the denominators.
        terms: dict[Monomial, Coef] = {(): 1}
        denominator = 1
        for size in sizes:
            denominator *= size.den
            expanded: dict[Monomial, Coef] = {}
            factor = ((size.symbol, 1),) if size.symbol is not None else ()
            for monomial, coef in terms.items():
                if size.num:
                    expanded[monomial + factor] = coef * size.num
                if size.off:
                    expanded[monomial] = coef * size.off
            terms = expanded
        if denominator != 1:
            terms = {m: ratio(c, denominator) for m, c in terms.items()}  # type: ignore[arg-type]
        return Poly._normal(terms)
    total = Poly.number(1)
    for size in sizes:
        total = total * Poly.from_affine(size)
    return total
