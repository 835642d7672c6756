"""Exact affine sizes: ``coef * symbol + const`` with rational coefficients.

Every spatial size in a spec is such an expression in one input symbol (one
per axis), or a plain integer when the input is concrete (``coef == 0``).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from unetcalc.textsafe import whole


@dataclass(frozen=True, slots=True)
class Affine:
    coef: Fraction
    const: Fraction
    symbol: str | None = None

    @staticmethod
    def number(value: int | Fraction) -> Affine:
        return Affine(Fraction(0), Fraction(value), None)

    @staticmethod
    def var(symbol: str) -> Affine:
        return Affine(Fraction(1), Fraction(0), symbol)

    @property
    def is_number(self) -> bool:
        return self.coef == 0

    @property
    def value(self) -> int:
        """The integer value of a constant size."""
        if not self.is_number or self.const.denominator != 1:
            raise ValueError(f"{self} is not an integer")
        return int(self.const)

    def __add__(self, other: Affine | int | Fraction) -> Affine:
        if isinstance(other, Affine):
            symbol = self.symbol if self.coef else other.symbol
            if self.coef and other.coef and self.symbol != other.symbol:
                raise ValueError("cannot mix sizes of different input symbols")
            coef = self.coef + other.coef
            return Affine(coef, self.const + other.const, symbol if coef else None)
        return Affine(self.coef, self.const + Fraction(other), self.symbol)

    def __sub__(self, other: Affine | int | Fraction) -> Affine:
        if isinstance(other, Affine):
            return self + other * -1
        return self + (-Fraction(other))

    def __mul__(self, factor: int | Fraction) -> Affine:
        factor = Fraction(factor)
        coef = self.coef * factor
        return Affine(coef, self.const * factor, self.symbol if coef else None)

    def __truediv__(self, divisor: int | Fraction) -> Affine:
        return self * (1 / Fraction(divisor))

    def at(self, x: int | Fraction) -> Fraction:
        """Evaluate at ``symbol = x``."""
        return self.coef * x + self.const

    def __str__(self) -> str:
        return _affine_text(self)

    def _text(self) -> str:
        if self.is_number:
            return _fmt_fraction(self.const)
        # Print over a common denominator: (H - 124)/16 rather than H/16 - 31/4.
        den = _lcm(self.coef.denominator, self.const.denominator)
        a, b = self.coef * den, self.const * den
        term = self.symbol or "?"
        if a == -1:
            term = "-" + term
        elif a != 1:
            term = f"{_fmt_fraction(a)}{term}"
        if b > 0:
            body = f"{term} + {_fmt_fraction(b)}"
        elif b < 0:
            body = f"{term} - {_fmt_fraction(-b)}"
        else:
            body = term
        if den == 1:
            return body
        return f"({body})/{whole(den)}" if b else f"{body}/{whole(den)}"


def _affine_text(size: Affine) -> str:
    # Layers of one level share their sizes: a table of 100k rows formats each size once.
    key = (size.symbol, fraction_key(size.coef), fraction_key(size.const))
    text = _TEXTS.get(key)
    if text is None:
        if len(_TEXTS) >= 4096:
            _TEXTS.clear()
        text = _TEXTS[key] = size._text()
    return text


_TEXTS: dict[object, str] = {}


def fraction_key(value: Fraction) -> tuple[int, int, int]:
    """A dict key for a Fraction that hashes well.

    Python hashes 1/2^k by 2^k modulo 2^61 - 1, which repeats every 61 levels: a deep network's
    resolutions would all land in 61 buckets of a dict. The denominator's bit length tells them apart.
    """
    return (value.denominator.bit_length(), value.numerator, value.denominator)


def _lcm(a: int, b: int) -> int:
    from math import gcd

    return a * b // gcd(a, b)


def _fmt_fraction(value: Fraction) -> str:
    numerator = whole(value.numerator)
    return numerator if value.denominator == 1 else f"{numerator}/{whole(value.denominator)}"
