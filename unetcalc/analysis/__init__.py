"""Lint rules over a parsed, inferred spec; everything here returns Diagnostics."""
