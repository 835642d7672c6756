"""Differential property test: symbolic inference against real PyTorch (meta device).

Random 1D/2D/3D encoder–decoders (kernels, strides, `same`/int paddings,
dilations, groups, max/avg pools with ceil_mode, upconv and upsample decoders,
concat/add skips with and without crop) at random input sizes: every layer's
shape must equal PyTorch's, and every shape error we report must be one PyTorch
has too (it raises in that layer, or silently floors where we say UC103).
"""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strategies import unet_spec

pytest.importorskip("torch")

from oracle import compare, valid_size


@pytest.mark.slow
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    text=unet_spec(max_rank=3, v2=True),
    sizes=st.lists(st.integers(1, 96), min_size=3, max_size=3),
    pick_valid=st.booleans(),
    k=st.integers(0, 3),
)
def test_inference_agrees_with_pytorch(text, sizes, pick_valid, k):
    rank = len(yaml.safe_load(text)["input"]["size"])
    size = (valid_size(text, k) if pick_valid else None) or tuple(sizes[:rank])
    verdict = compare(text, size)
    assert verdict.kind != "disagree", verdict.reason


def test_the_comparison_can_fail():
    """A deliberately wrong expectation is caught: the referee is not a rubber stamp."""
    from unetcalc.torch import verify as verify_module

    text = "input: {channels: 1, size: [W]}\nlayers:\n  - {op: conv, filters: 2, kernel: 3}\n"
    original = verify_module.torch_trace

    def lying_trace(plan, size):
        trace = original(plan, size)
        trace.shapes = {name: (c, *(s + 1 for s in rest)) for name, (c, *rest) in trace.shapes.items()}
        return trace

    verify_module.torch_trace = lying_trace  # the oracle imports it when it compares
    try:
        verdict = compare(text, (10,))
    finally:
        verify_module.torch_trace = original
    assert verdict.kind == "disagree" and "conv1" in verdict.reason
