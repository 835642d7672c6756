"""Which sizes a strided window or a fractional scale reads exactly, as PyTorch computes them.

A strided layer loses data when its windows leave out a row that the stride pattern reads — not when
the stride fails to divide the size: k3 s2 p0 drops the last row of 20 and none of 21; k4 s2 p2, a
1x1 conv of stride 3 and 1-wide ceil pools drop none. A fractional scale a double cannot hold has no
exact size at all. Checked against an independent window-by-window simulation (tests/oracle.py).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from oracle import lost_row

from unetcalc import check_text


def _spec(layer: str) -> str:
    return f"name: t\ninput: {{channels: 1, size: [H]}}\nlayers:\n  - {layer}\n"


@pytest.mark.parametrize(
    ("layer", "floors", "reads_all"),
    [
        ("{op: conv, filters: 2, kernel: 3, stride: 2, padding: 0}", [20, 22], [21, 23]),
        ("{op: conv, filters: 2, kernel: 4, stride: 3, padding: 0}", [24, 26], [25, 28]),
        ("{op: conv, filters: 2, kernel: 4, stride: 2, padding: 2}", [], [9, 10]),
        ("{op: conv, filters: 2, kernel: 1, stride: 3, padding: 0}", [], [7, 8, 9]),
        ("{op: maxpool, kernel: 1, stride: 2, ceil_mode: true}", [], [5, 6]),
        ("{op: conv, filters: 2, kernel: 3, stride: 3, padding: 1}", [57], [58, 59]),
        ("{op: maxpool, kernel: 2}", [5], [6]),
    ],
)
def test_a_strided_layer_is_flagged_exactly_where_its_windows_leave_a_row_out(layer, floors, reads_all):
    text = _spec(layer)
    axis = check_text(text).validity.axes[0]  # type: ignore[union-attr]
    for n in floors:
        assert not axis.contains(n), n
        assert [d.code for d in check_text(text, input_size=(n,)).errors] == ["UC103"], n
    for n in reads_all:
        assert axis.contains(n), n
        assert not [d for d in check_text(text, input_size=(n,)).diagnostics if d.code == "UC103"], n


@given(
    n=st.integers(1, 80),
    kernel=st.integers(1, 6),
    stride=st.integers(2, 4),
    pad=st.integers(0, 3),
    dilation=st.integers(1, 2),
)
def test_the_window_rule_matches_a_window_by_window_simulation(n, kernel, stride, pad, dilation):
    reach = dilation * (kernel - 1) + 1
    if n + 2 * pad < reach or pad > reach // 2:
        return  # PyTorch refuses these
    text = _spec(f"{{op: conv, filters: 1, kernel: {kernel}, stride: {stride}, padding: {pad}, dilation: {dilation}}}")
    result = check_text(text, input_size=(n,))
    out = (n + 2 * pad - reach) // stride + 1
    assert result.inference is not None and result.inference.output.size[0].value == out  # type: ignore[union-attr]
    flagged = any(d.code == "UC103" for d in result.errors)
    assert flagged == lost_row(n, out, kernel, stride, pad, dilation)
    assert check_text(text).validity.axes[0].contains(n) == (not flagged)  # type: ignore[union-attr]


@pytest.mark.parametrize("scale", ["0.57", "0.29", "0.3333333333333333", "0.6666666666666666"])
def test_a_scale_a_double_cannot_hold_has_no_exact_size(scale):
    text = _spec(f"{{op: upsample, scale: {scale}}}")
    symbolic = check_text(text)
    assert not symbolic.validity.axes[0].classes  # type: ignore[union-attr]
    assert "binary floating point" in symbolic.errors[0].message
    at_100 = check_text(text, input_size=(100,))
    assert [d.code for d in at_100.errors] == ["UC103"]
    assert at_100.inference.output.size[0].value == int(100 * float(scale))  # type: ignore[union-attr]


@pytest.mark.parametrize(("scale", "modulus"), [("0.5", 2), ("0.75", 4), ("1.5", 2), ("0.1", 10)])
def test_a_scale_exact_in_binary_or_rounding_up_keeps_its_closed_form(scale, modulus):
    axis = check_text(_spec(f"{{op: upsample, scale: {scale}}}")).validity.axes[0]  # type: ignore[union-attr]
    (cls,) = axis.classes
    assert cls.modulus == modulus
    for x in range(modulus, 20 * modulus, modulus):
        assert axis.output_at(x) == int(x * float(scale))  # PyTorch's floor(float(n) * scale)
