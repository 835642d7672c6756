"""Findings as data (the ground floor): Diagnostic, the rule registry, suppressions, configuration."""
