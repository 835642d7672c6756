"""Each rule has a failing and a passing case under tests/rules/<CODE>/, and docs."""

from __future__ import annotations

from pathlib import Path

import pytest

from unetcalc import check_file
from unetcalc.findings.rules import all_rules, rules_by_code

RULES = all_rules()
RULES_BY_CODE = rules_by_code()

CASES = Path(__file__).parent / "rules"


def test_codes_are_unique_and_documented():
    assert len(RULES_BY_CODE) == len(RULES)
    for rule in RULES:
        assert rule.code[:2] == "UC" and len(rule.code) == 5
        for text in (rule.name, rule.summary, rule.what, rule.why, rule.example, rule.fix):
            assert text.strip(), f"{rule.code} lacks documentation"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_has_cases(rule):
    assert (CASES / rule.code / "fail.yaml").exists(), f"{rule.code} has no fail case"
    assert (CASES / rule.code / "pass.yaml").exists(), f"{rule.code} has no pass case"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_fail_case_reports_the_rule_and_pass_case_does_not(rule):
    failing = check_file(CASES / rule.code / "fail.yaml")
    reported = [d for d in failing.diagnostics if d.code == rule.code]
    assert len(reported) == 1, failing.diagnostics
    assert reported[0].severity is rule.severity
    assert reported[0].line > 1  # points into the spec, past the header comment
    passing = check_file(CASES / rule.code / "pass.yaml")
    assert rule.code not in {d.code for d in passing.diagnostics}, passing.diagnostics
