"""Mutated specs never crash the pipeline: every outcome is findings, never an exception.

The mutations include hostile strings (tests/hostile.py), non-ASCII digits, non-finite numbers and
YAML 1.1 surprises, and every in-process output format must stay safe for whatever comes out.
The example count comes from the hypothesis profile (tests/conftest.py: `ci` or `dev`).
"""

from __future__ import annotations

import io

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unetcalc import check_text
from unetcalc.cli.console import Writer
from unetcalc.draw.dot import to_dot
from unetcalc.draw.layout import build_diagram
from unetcalc.report.github import render_github
from unetcalc.report.json_report import render_json
from unetcalc.report.sarif import render_sarif
from unetcalc.report.table import render_csv, render_markdown
from unetcalc.report.text import render_result

from conftest import SPECS
from hostile import assert_safe_csv, assert_safe_markdown_table, assert_safe_text, hostile_names

BASE = [yaml.safe_load((SPECS / name).read_text()) for name in ("unet-2015.yaml", "fcn8s.yaml", "unet3d.yaml")]
JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 10),
    st.integers(10**6, 10**30),
    st.floats(allow_nan=True),
    st.sampled_from(["same", "valid", "enc4", "input", "HxW", "?", "3x3", "", "center", "conv", "x" * 300]),
    st.lists(st.integers(-2, 5), max_size=4),
    st.dictionaries(st.sampled_from(["op", "size", "a"]), st.integers(0, 3)),
    hostile_names,
    st.sampled_from(["²", "8x8x¹", "٣", "²x²", "1:20", "010", "0o10"]),
    st.sampled_from([float("inf"), float("-inf"), float("nan"), 2**64, -(2**64)]),
)


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*prefix, key)
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield (*prefix, index)
            yield from _paths(value, (*prefix, index))


@pytest.mark.slow
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(range(len(BASE))),
    picks=st.lists(st.integers(0, 10**6), min_size=1, max_size=4),
    junk=st.lists(JUNK, min_size=4, max_size=4),
    drop=st.booleans(),
)
def test_mutations_give_findings_not_exceptions(base, picks, junk, drop):
    spec = yaml.safe_load(yaml.safe_dump(BASE[base]))
    for pick, value in zip(picks, junk, strict=False):
        paths = list(_paths(spec))
        path = paths[pick % len(paths)]
        target = spec
        for key in path[:-1]:
            target = target[key]
        if drop and isinstance(target, dict):
            target.pop(path[-1], None)
        else:
            target[path[-1]] = value
    text = yaml.safe_dump(spec, sort_keys=False)
    result = check_text(text, "fuzz.yaml")  # must not raise
    for d in result.diagnostics:
        assert d.code and d.message and d.line >= 1
    if result.inference is not None and result.validity is not None and result.layers_ok():
        # drawing a spec with findings must not raise either
        assert_safe_text(to_dot(result, build_diagram(result)), "dot")
    _assert_outputs_safe(result)


def _assert_outputs_safe(result) -> None:
    buffer = io.StringIO()
    render_result(Writer(buffer), result)
    assert_safe_text(buffer.getvalue(), "text")
    assert_safe_text(render_json([result]), "json")
    assert_safe_text(render_sarif([result]), "sarif")
    assert_safe_text(render_github([result]), "github")
    assert_safe_markdown_table(render_markdown(result))
    assert_safe_csv(render_csv(result))


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    base=st.sampled_from(["unet-2015.yaml", "fcn8s.yaml", "unet3d.yaml"]),
    pick=st.integers(0, 10**6),
    digits=st.integers(101, 6000),
    form=st.sampled_from(["{}", "0x{}", "-{}", "{}_0", "{}.5"]),
)
def test_a_number_of_thousands_of_digits_anywhere_is_a_finding(base, pick, digits, form):
    """A literal past Python's 4,300-digit limit, put where a number was written: a finding, no exception."""
    import re

    text = (SPECS / base).read_text()
    numbers = [  # written values, not digits in a comment
        m
        for m in re.finditer(r"(?<![\w.-])[0-9]+(?![\w.-])", text)
        if "#" not in text[text.rfind("\n", 0, m.start()) + 1 : m.start()]
    ]
    found = numbers[pick % len(numbers)]
    huge = form.format("9" * digits) if "x" not in form else form.format("f" * digits)
    result = check_text(text[: found.start()] + huge + text[found.end() :], "huge.yaml")  # must not raise
    assert result.errors
    _assert_outputs_safe(result)
