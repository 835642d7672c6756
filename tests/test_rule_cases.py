"""Each rule has named cases under unetcalc/data/rules/<CODE>.yaml (sqlfluff style), and a manual.

A case with a `line` must report the rule exactly once, at that line, with the `message` the case
writes; a case with `line: null` must not report it. Every rule needs at least one case of each kind.
The manual's example is the first reporting case and its fix the corrected spec: both run here.
"""

from __future__ import annotations

import re
import string

import pytest
import yaml

from unetcalc import check_text
from unetcalc.catalogue import CASES, all_rules, example_of, rules_by_code
from unetcalc.check import check_note_text
from unetcalc.findings.diagnostic import Diagnostic
from unetcalc.findings.rules import Rule, template_fields

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


def _diagnostics(case: dict, code: str) -> list[Diagnostic]:
    """What checking the case's spec reports: a YAML spec, or (``file: note.md``) a design note's tables."""
    file = case.get("file", f"{code}.yaml")
    if file.endswith(".md"):
        results, _ = check_note_text(case["spec"], file)
        return [d for result in results for d in result.diagnostics]
    return check_text(case["spec"], file).diagnostics


@pytest.mark.parametrize(("code", "case"), CASE_LIST, ids=[f"{c}: {case['name']}" for c, case in CASE_LIST])
def test_case(code, case):
    diagnostics = _diagnostics(case, code)
    reported = [d for d in diagnostics if d.code == code]
    if case["line"] is None:
        assert not reported, reported
    else:
        assert [d.line for d in reported] == [case["line"]], diagnostics
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


def _matches(template: str, message: str) -> bool:
    """Whether ``message`` is ``template`` with its fields filled (a field: any text)."""
    pattern = "".join(
        re.escape(literal) + ("(.*?)" if name else "") for literal, name, _, _ in string.Formatter().parse(template)
    )
    return re.fullmatch(pattern, message, re.DOTALL) is not None


# Templates no small spec can render (a file past the size limit, bytes that are not UTF-8, a spec past
# 200,000 layers): each is pinned by the test named beside it instead.
PINNED_ELSEWHERE = {
    ("UC001", "too-large"): "test_bad_input.py::test_a_spec_past_the_size_limit_or_not_utf8_is_one_finding_…",
    ("UC001", "not-utf8"): "test_bad_input.py::test_a_spec_past_the_size_limit_or_not_utf8_is_one_finding_…",
    ("UC005", "too-many-layers"): "test_bounded_work.py::test_more_written_layers_than_a_spec_may_have_…",
    ("UC005", "too-many-rows"): "test_bounded_work.py::test_a_note_table_with_more_rows_than_a_spec_may_have_…",
    ("UC005", "blocks-too-many"): "test_bounded_work.py (20^8 nested repeats)",
    ("UC005", "substitution-too-long"): "test_bounded_work.py (${p} doubled at every level)",
}


def _uncovered(rule: Rule) -> list[str]:
    pinned = [case["message"] for code, case in CASE_LIST if code == rule.code and case.get("message")]
    return [
        variant
        for variant, t in rule.messages.items()
        if (rule.code, variant) not in PINNED_ELSEWHERE and not any(_matches(t, m) for m in pinned)
    ]


@pytest.mark.parametrize("rule", SPEC_RULES, ids=lambda r: r.code)
def test_every_message_template_is_pinned_by_a_case(rule):
    """Each way a rule can phrase a finding is rendered by one of its cases, so a change to a template
    shows up as a changed pinned message."""
    assert rule.messages, f"{rule.code} has no message templates"
    assert not _uncovered(rule), f"{rule.code}: no case renders {_uncovered(rule)}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_a_template_refuses_missing_and_extra_fields(rule):
    for variant, template in rule.messages.items():
        numeric = {name for _, name, spec, _ in string.Formatter().parse(template) if name and spec}
        fields = {name: 1 if name in numeric else "x" for name in template_fields(template)}
        assert rule.says(variant, **fields)
        with pytest.raises(TypeError):
            rule.says(variant, **fields, unexpected="x")
