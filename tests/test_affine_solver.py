from fractions import Fraction

import pytest

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
