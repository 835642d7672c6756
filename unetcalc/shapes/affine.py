"""Exact affine sizes: ``coef * symbol + const`` with rational coefficients.

Every spatial size in a spec is such an expression in one input symbol (one
per axis), or a plain integer when the input is concrete (``coef == 0``).

A size is stored as three integers, ``(num·X + off) / den`` in lowest terms: every layer
computes one, and integer arithmetic is several times faster than Fraction's (which
normalises each intermediate); ``coef`` and ``const`` give the Fractions when asked.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from math import gcd

from unetcalc.textsafe import whole


class Affine:
    """``(num·symbol + off) / den``; treated as immutable (hashable, shared between shapes)."""

    __slots__ = ("den", "num", "off", "symbol")

    num: int
    off: int
    den: int
    symbol: str | None

    def __init__(self, coef: int | Fraction, const: int | Fraction, symbol: str | None = None) -> None:
        coef, const = Fraction(coef), Fraction(const)
        den = coef.denominator * const.denominator // gcd(coef.denominator, const.denominator)
        num, off = coef.numerator * (den // coef.denominator), const.numerator * (den // const.denominator)
        self.num, self.off, self.den, self.symbol = num, off, den, symbol if num else None

    @staticmethod
    def number(value: int | Fraction) -> Affine:
        if type(value) is int:
            return _make(0, value, 1, None)
        return Affine(0, value)

    @staticmethod
    def var(symbol: str) -> Affine:
        return _make(1, 0, 1, symbol)

    @property
    def coef(self) -> Fraction:
        return Fraction(self.num, self.den)

    @property
    def const(self) -> Fraction:
        return Fraction(self.off, self.den)

    @property
    def is_number(self) -> bool:
        return not self.num

    @property
    def value(self) -> int:
        """The integer value of a constant size."""
        if self.num or self.den != 1:
            raise ValueError(f"{self} is not an integer")
        return self.off

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Affine):
            return NotImplemented
        return self.off == other.off and self.num == other.num and self.den == other.den and self.symbol == other.symbol

    def __hash__(self) -> int:
        # Python hashes 2^k like 2^(k mod 61): a deep network's denominators need their bit length too.
        return hash((self.num, self.off, self.den.bit_length(), self.den, self.symbol))

    def __repr__(self) -> str:
        return f"Affine({self.coef!r}, {self.const!r}, {self.symbol!r})"

    def __reduce__(self) -> tuple[object, ...]:
        return (Affine, (self.coef, self.const, self.symbol))

    def __add__(self, other: Affine | int | Fraction) -> Affine:
        if type(other) is int:  # the hot path: gcd(num, off + k·den, den) = gcd(num, off, den) = 1
            return _make(self.num, self.off + other * self.den, self.den, self.symbol)
        if not isinstance(other, Affine):
            return self + Affine.number(other)
        symbol = self.symbol if self.num else other.symbol
        if self.num and other.num and self.symbol != other.symbol:
            raise ValueError("cannot mix sizes of different input symbols")
        if self.den == other.den:
            return _reduced(self.num + other.num, self.off + other.off, self.den, symbol)
        return _reduced(
            self.num * other.den + other.num * self.den,
            self.off * other.den + other.off * self.den,
            self.den * other.den,
            symbol,
        )

    def __radd__(self, other: int) -> Affine:
        return self + other

    def __sub__(self, other: Affine | int | Fraction) -> Affine:
        if type(other) is int:
            return _make(self.num, self.off - other * self.den, self.den, self.symbol)
        if isinstance(other, Affine):
            return self + other * -1
        return self + (-Fraction(other))

    def __neg__(self) -> Affine:
        return _make(-self.num, -self.off, self.den, self.symbol)

    def __mul__(self, factor: int | Fraction) -> Affine:
        if type(factor) is int:
            if self.den == 1:
                return _make(self.num * factor, self.off * factor, 1, self.symbol if factor else None)
            return _reduced(self.num * factor, self.off * factor, self.den, self.symbol)
        factor = Fraction(factor)
        numerator, denominator = factor.numerator, factor.denominator
        return _reduced(self.num * numerator, self.off * numerator, self.den * denominator, self.symbol)

    __rmul__ = __mul__

    def __truediv__(self, divisor: int | Fraction) -> Affine:
        if type(divisor) is int:
            if not divisor:
                raise ZeroDivisionError("a size divided by 0")
            if divisor < 0:
                return _reduced(-self.num, -self.off, self.den * -divisor, self.symbol)
            return _reduced(self.num, self.off, self.den * divisor, self.symbol)
        return self * (1 / Fraction(divisor))

    def at(self, x: int | Fraction) -> Fraction:
        """Evaluate at ``symbol = x``."""
        return Fraction(self.num * x + self.off, self.den) if type(x) is int else self.coef * x + self.const

    def __str__(self) -> str:
        return _affine_text(self)

    def _text(self) -> str:
        if not self.num:
            return _fmt_ratio(self.off, self.den)
        # Printed over the common denominator: (H - 124)/16 rather than H/16 - 31/4.
        a, b, den = self.num, self.off, self.den
        term = self.symbol or "?"
        if a == -1:
            term = "-" + term
        elif a != 1:
            term = f"{whole(a)}{term}"
        if b > 0:
            body = f"{term} + {whole(b)}"
        elif b < 0:
            body = f"{term} - {whole(-b)}"
        else:
            body = term
        if den == 1:
            return body
        return f"({body})/{whole(den)}" if b else f"{body}/{whole(den)}"


_new = object.__new__


def _make(num: int, off: int, den: int, symbol: str | None) -> Affine:
    """An Affine from integers already in lowest terms (den > 0)."""
    size: Affine = _new(Affine)
    size.num, size.off, size.den, size.symbol = num, off, den, symbol if num else None
    return size


def _reduced(num: int, off: int, den: int, symbol: str | None) -> Affine:
    if den != 1:
        divisor = gcd(num, off, den)
        if divisor != 1:
            num, off, den = num // divisor, off // divisor, den // divisor
    return _make(num, off, den, symbol)


@functools.lru_cache(maxsize=4096)
def _affine_text(size: Affine) -> str:
    # Layers of one level share their sizes: a table of 100k rows formats each size once.
    return size._text()


def fraction_key(value: Fraction) -> tuple[int, int, int]:
    """A dict key for a Fraction that hashes well.

    Python hashes 1/2^k by 2^k modulo 2^61 - 1, which repeats every 61 levels: a deep network's
    resolutions would all land in 61 buckets of a dict. The denominator's bit length tells them apart.
    """
    return (value.denominator.bit_length(), value.numerator, value.denominator)


def _fmt_ratio(numerator: int, denominator: int) -> str:
    return whole(numerator) if denominator == 1 else f"{whole(numerator)}/{whole(denominator)}"
