import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from unetcalc.shapes.affine import Affine
from unetcalc.shapes.solver import Outcome, Solver, SymbolClass, _solve_congruence


def test_affine_formats_over_a_common_denominator():
    h = Affine.var("H")
    assert str(h - 184) == "H - 184"
    assert str((h - 124) / 16) == "(H - 124)/16"
    assert str(h / 16) == "H/16"
    assert str(h * 2 + 4) == "2H + 4"
    assert str(Affine.number(388)) == "388"


def test_affine_arithmetic_is_exact():
    h = Affine.var("H")
    x = ((h - 4) / 2 - 4) / 2
    assert x.coef == Fraction(1, 4) and x.const == Fraction(-3)
    assert x.at(572) == 140
    assert (h - h).is_number


@pytest.mark.parametrize(("a", "c", "m"), [(3, 2, 7), (4, 2, 6), (0, 0, 5), (6, 3, 9), (5, 1, 1)])
def test_congruence_solutions_are_exactly_the_solution_set(a, c, m):
    solution = _solve_congruence(a, c, m)
    brute = [t for t in range(0, 4 * m) if (a * t - c) % m == 0]
    if solution is None:
        assert brute == []
    else:
        t0, step = solution
        assert brute == [t for t in range(0, 4 * m) if (t - t0) % step == 0]


def test_divisibility_constraints_accumulate_into_one_residue_class():
    solver = Solver()
    h = Affine.var("H")
    assert solver.divisible(h - 4, 2) is Outcome.HOLDS
    assert solver.divisible((h - 4) / 2 - 4, 2) is Outcome.HOLDS
    cls = solver.symbol("H")
    assert (cls.modulus, cls.residue) == (4, 0)
    assert solver.divisible(h * 2 + 1, 2) is Outcome.INFEASIBLE


def test_concrete_sizes_are_checked_not_constrained():
    solver = Solver()
    assert solver.divisible(Affine.number(279), 2) is Outcome.VIOLATED
    assert solver.divisible(Affine.number(280), 2) is Outcome.HOLDS
    assert solver.at_least(Affine.number(0), 1) is Outcome.VIOLATED


def test_bounds_give_the_smallest_member_and_neighbours():
    cls = SymbolClass(modulus=16, residue=12, lower=188)
    assert cls.smallest() == 188
    assert cls.nearest(570) == (556, 572)
    assert cls.nearest(572) == (556, 588)
    assert cls.nearest(100) == (None, 188)
    assert cls.contains(572) and not cls.contains(570) and not cls.contains(172)


small = st.integers(min_value=-50, max_value=50)
positive = st.integers(min_value=1, max_value=12)


@given(small, small, positive, st.lists(st.tuples(st.sampled_from("+-*/"), small, positive), max_size=8))
def test_integer_sizes_compute_what_fractions_compute(num, off, den, steps):
    """Affine keeps (num·H + off)/den in integers: every result equals Fraction arithmetic, in lowest terms."""
    size = Affine.var("H") * num / den + Fraction(off, den)
    coef, const = Fraction(num, den), Fraction(off, den)
    for op, value, divisor in steps:
        if op == "+":
            size, const = size + value, const + value
        elif op == "-":
            size, const = size - Fraction(value, divisor), const - Fraction(value, divisor)
        elif op == "*":
            size, coef, const = size * value, coef * value, const * value
        else:
            size, coef, const = size / divisor, coef / divisor, const / divisor
    assert (size.coef, size.const) == (coef, const)
    assert math.gcd(size.num, size.off, size.den) == 1 and size.den > 0
    assert (size.symbol == "H") == (coef != 0)
    assert size == Affine(coef, const, "H") and hash(size) == hash(Affine(coef, const, "H"))
    assert size.at(7) == coef * 7 + const


@given(small, small, positive, st.integers(min_value=-20, max_value=20))
def test_at_least_keeps_exactly_the_inputs_that_satisfy_it(num, off, den, bound):
    size = Affine.var("H") * num / den + Fraction(off, den)
    solver = Solver()
    outcome = solver.at_least(size, bound)
    satisfied = [x for x in range(1, 200) if size.at(x) >= bound]
    if size.is_number:
        assert outcome is (Outcome.HOLDS if size.const >= bound else Outcome.VIOLATED)
        return
    cls = solver.symbol("H")
    kept = [x for x in range(1, 200) if cls.contains(x)]
    assert kept == satisfied and (outcome is Outcome.INFEASIBLE) == (not satisfied)


def test_deep_denominators_hash_apart():
    """2^k hashes like 2^(k mod 61): sizes 61 levels apart must still land in different buckets."""
    sizes = [Affine.var("H") / 2**k for k in range(0, 400)]
    assert len({hash(s) for s in sizes}) == len(sizes)


coefficients = st.one_of(
    st.integers(-1000, 1000),
    st.builds(Fraction, st.integers(-1000, 1000), st.sampled_from([2**k for k in (1, 2, 5, 61, 62, 130, 400)])),
    st.builds(Fraction, st.integers(-1000, 1000), st.integers(1, 50)),
)
monomials = st.sampled_from([(), (("H", 1),), (("W", 1),), (("H", 1), ("W", 1))])


@given(st.lists(st.dictionaries(monomials, coefficients, max_size=4), max_size=12))
def test_sum_polys_equals_adding_one_by_one(terms):
    """sum_polys adds power-of-two fractions as scaled integers: the result must be the exact sum."""
    from unetcalc.shapes.poly import Poly, sum_polys

    polys = [Poly(t) for t in terms]
    naive = Poly()
    for poly in polys:
        naive = naive + poly
    total = sum_polys(polys)
    assert total.terms == naive.terms
    assert all(type(c) is int or c.denominator != 1 for c in total.terms.values())  # whole numbers stay ints


@given(st.lists(st.tuples(small, small, positive, st.sampled_from(["D", "H", "W", None])), min_size=1, max_size=3))
def test_numel_equals_the_product_evaluated(sizes):
    """numel's direct expansion (whole sizes, distinct symbols) and its general path agree with evaluation."""
    from unetcalc.shapes.poly import numel

    affines = tuple(
        Affine.number(off) if symbol is None else Affine.var(symbol) * num / den + off
        for num, off, den, symbol in sizes
    )
    values = {"D": 5, "H": 7, "W": 11}
    expected = 3 * math.prod(a.at(values[a.symbol]) if a.symbol else a.const for a in affines)
    assert numel(affines, 3).at(values) == expected
    assert all(type(c) is int or c.denominator != 1 for c in numel(affines, 3).terms.values())


@given(st.integers(-(2**300), 2**300), st.one_of(st.integers(1, 10**6), st.integers(0, 400).map(lambda k: 2**k)))
def test_ratio_is_the_fraction_in_lowest_terms(numerator, denominator):
    """ratio() shifts out factors of two instead of a gcd: it must still be exactly Fraction's value and form."""
    from unetcalc.shapes.poly import ratio

    value = ratio(numerator, denominator)
    expected = Fraction(numerator, denominator)
    assert value == expected
    if expected.denominator == 1:
        assert type(value) is int
    else:
        assert (value.numerator, value.denominator) == (expected.numerator, expected.denominator)
