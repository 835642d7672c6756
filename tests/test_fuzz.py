"""Mutated specs never crash the pipeline: every outcome is findings, never an exception."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unetcalc import check_text
from unetcalc.draw.dot import to_dot
from unetcalc.draw.layout import build_diagram

from conftest import SPECS

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


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
        to_dot(result, build_diagram(result))  # drawing a spec with findings must not raise either
