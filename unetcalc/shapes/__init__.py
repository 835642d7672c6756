"""Symbolic shape inference: exact affine sizes, constraints, one rule per op."""
