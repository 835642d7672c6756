"""Each rule has named cases under unetcalc/data/rules/<CODE>.yaml (sqlfluff style), and a manual.

A case with a `line` must report the rule exactly once, at that line, with the `message` the case
writes; a case with `line: null` must not report it. Every rule needs at least one case of each kind.
The manual's example is the first reporting case and its fix the corrected spec: both run here.
"""

from __future__ import annotations

import pytest
import yaml

from unetcalc import check_text
from unetcalc.catalogue import CASES, all_rules, example_of, rules_by_code

RULES = all_rules()


def _cases() -> list[tuple[str, dict]]:
    found = []
    for path in sorted(CASES.glob("UC*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["rule"] == path.stem, path
        found += [(data["rule"], case) for case in data["cases"]]
    return found


CASE_LIST = _cases()


def test_codes_are_unique_and_documented():
    assert len(rules_by_code()) == len(RULES) == len({r.name for r in RULES})
    for rule in RULES:
        assert rule.code[:2] == "UC" and len(rule.code) == 5
        for text in (rule.name, rule.summary, rule.what, rule.why, rule.fix):
            assert text.strip(), f"{rule.code} lacks documentation"
        # One example each: a runnable one from the rule's cases, or (import, tiling) a command line.
        assert (example_of(rule) is None) == bool(rule.example.strip()), rule.code


# UC3xx are raised by `unetcalc import` on Python models and UC4xx by `unetcalc tile`, not on spec text:
# tests/test_import.py and tests/test_tile_exact.py have them.
SPEC_RULES = [rule for rule in RULES if not rule.code.startswith(("UC3", "UC4"))]


@pytest.mark.parametrize("rule", SPEC_RULES, ids=lambda r: r.code)
def test_rule_has_failing_and_passing_cases(rule):
    cases = [case for code, case in CASE_LIST if code == rule.code]
    assert any(case["line"] is not None for case in cases), f"{rule.code} has no failing case"
    assert any(case["line"] is None for case in cases), f"{rule.code} has no passing case"
    assert len({case["name"] for case in cases}) == len(cases), f"{rule.code}: case names repeat"


@pytest.mark.parametrize(("code", "case"), CASE_LIST, ids=[f"{c}: {case['name']}" for c, case in CASE_LIST])
def test_case(code, case):
    result = check_text(case["spec"], f"{code}.yaml")
    reported = [d for d in result.diagnostics if d.code == code]
    if case["line"] is None:
        assert not reported, reported
    else:
        assert [d.line for d in reported] == [case["line"]], result.diagnostics
        assert reported[0].severity is rules_by_code()[code].severity
        # The message is pinned as written in the case (ruff's snapshots pin the rendered diagnostic).
        assert reported[0].message == case["message"], reported[0].message


@pytest.mark.parametrize("rule", SPEC_RULES, ids=lambda r: r.code)
def test_the_manual_example_reports_the_rule_and_its_fix_does_not(rule):
    example = example_of(rule)
    assert example is not None and example.fixed is not None, f"{rule.code}: no runnable example and fix"
    reported = [d for d in check_text(example.spec, "example.yaml").diagnostics if d.code == rule.code]
    assert [(d.line, d.message) for d in reported] == [(example.line, example.message)]
    assert not [d for d in check_text(example.fixed, "fixed.yaml").diagnostics if d.code == rule.code]
