"""The exact receptive field: the issue's measurement on the 2015 U-Net, and — for random encoder–decoders
of the differential test — the input positions with a nonzero gradient for one output position are
exactly the ones computed (PyTorch, CPU, float64; max pools as average pools, activations linear)."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from unetcalc import check_file, check_text
from unetcalc.tiling.receptive import dependencies, projection, receptive_field

from strategies import unet_spec


def test_the_2015_unet_reads_188_or_204_rows_by_phase():
    field = receptive_field(check_file("specs/unet-2015.yaml"))
    for axis in field.axes:
        assert axis.windows is not None and axis.windows.period == 16 and axis.windows.shift == 16
        assert [(p.first, p.last, p.lo, p.hi) for p in axis.phases] == [(0, 3, 0, 187), (4, 15, 0, 203)]
        assert axis.windows.sizes == (188, 204)
        assert axis.windows.at(16) == (16, 203)  # the next period: +16 on both ends
        assert axis.anchor == 92  # output 0 sits on input 92: what the valid convs cut, halved


def test_exact_sets_agree_with_the_issue_measurement():
    result = check_file("specs/unet-2015.yaml")
    for positions, low, high in (((0, 1, 2, 3), 0, 187), (range(4, 16), 0, 203), (range(16, 20), 16, 203)):
        for position in positions:
            found = projection(dependencies(result, (position, 40)), 0)
            assert (min(found), max(found), len(found)) == (low, high, high - low + 1), position


def test_windows_of_every_layer_are_the_periodic_ones():
    """The periodic windows (any size) and the exact sets (one size) agree away from the borders."""
    result = check_file("specs/unet-same.yaml", (256, 256))
    field = receptive_field(result)
    windows = field.axes[0].windows
    assert windows is not None
    for position in range(112, 144):
        found = projection(dependencies(result, (position, 128)), 0)
        assert (min(found), max(found)) == windows.at(position)


def test_norm_statistics_are_listed_and_widen_the_exact_set():
    text = (
        "input: {channels: 1, size: [32]}\nlayers:\n  - {op: conv, filters: 2, kernel: 3}\n  - instancenorm\n"
        "  - {op: conv, filters: 2, kernel: 3}\n"
    )
    result = check_text(text)
    assert receptive_field(result).statistics == ["instancenorm1"]
    assert projection(dependencies(result, (10,), statistics=False), 0) == set(range(10, 15))
    assert projection(dependencies(result, (10,)), 0) == set(range(32))


def test_a_fixed_size_resize_has_no_window_for_every_size():
    text = "input: {channels: 1, size: [X]}\nlayers:\n  - {op: resize, size: 64}\n  - {op: conv, filters: 1}\n"
    field = receptive_field(check_text(text))
    assert field.axes[0].windows is None and "depends on the input size" in field.axes[0].reason


torch = pytest.importorskip("torch")


def _linearised(module):
    """Average pools for max pools (max passes gradient to the arg-max only; the window is the same) and
    identity for piecewise-linear activations; positive weights, so no two paths cancel."""
    from torch import nn

    pools = {nn.MaxPool1d: nn.AvgPool1d, nn.MaxPool2d: nn.AvgPool2d, nn.MaxPool3d: nn.AvgPool3d}
    replaced = {}
    for child in list(module.modules()):
        for attribute, grandchild in list(child.named_children()):
            if type(grandchild) in pools:
                new = pools[type(grandchild)](
                    grandchild.kernel_size, grandchild.stride, grandchild.padding, ceil_mode=grandchild.ceil_mode
                )
            elif isinstance(grandchild, (nn.ReLU, nn.LeakyReLU, nn.PReLU, nn.ELU)):
                new = nn.Identity()
            else:
                continue
            setattr(child, attribute, new)
            replaced[id(grandchild)] = new
    by_key = module.__dict__["by_key"]  # the forward pass finds its layers here
    for key, layer in list(by_key.items()):
        by_key[key] = replaced.get(id(layer), layer)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.uniform_(0.5, 1.5)
    return module


@pytest.mark.slow
@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(
    text=unet_spec(max_rank=2, v2=True),
    k=st.integers(0, 2),
    where=st.lists(st.floats(0, 1), min_size=2, max_size=2),
)
def test_nonzero_gradients_are_the_computed_window(text, k, where):
    from oracle import valid_size

    from unetcalc import build_module

    size = valid_size(text, k)
    assume(size is not None and all(n <= 160 for n in size))
    assert size is not None
    result = check_text(text, "<random>", size)
    assume(result.ok and result.inference is not None and result.inference.output is not None)
    rank = len(size)
    output = result.inference.output
    positions = tuple(min(int(w * n.value), n.value - 1) for w, n in zip(where, output.size, strict=False))
    module = _linearised(build_module(result).double().eval())
    x = (torch.rand(1, result.inference.input.channels, *size, dtype=torch.float64) + 0.5).requires_grad_()
    out = module(x)
    out = out[0] if isinstance(out, tuple) else out
    out[(0, 0, *positions)].backward()
    nonzero = (x.grad[0] != 0).any(dim=0)
    # Paths of different lengths make the set a union of boxes, not one box: compared position by position.
    expected = torch.zeros(size, dtype=torch.bool)
    boxes = dependencies(result, positions)
    for box in boxes:
        expected[torch.meshgrid(*(torch.tensor(sorted(s), dtype=torch.long) for s in box), indexing="ij")] = True
    assert torch.equal(nonzero, expected), (
        f"output {positions}: PyTorch reads {nonzero.nonzero().tolist()[:20]}, "
        f"computed {expected.nonzero().tolist()[:20]}"
        f"\n{yaml.safe_load(text)}"
    )
    # The window — the hull, what a tile must hold — is the box of the per-axis projections.
    for axis in range(rank):
        found = projection(boxes, axis)
        others = tuple(a for a in range(rank) if a != axis)
        read = nonzero.any(dim=others) if others else nonzero
        assert found == {int(i) for i in read.nonzero().flatten()}


def test_a_very_deep_network_stops_at_the_work_budget():
    """Ten pools and ten up-convolutions make a 1,024-position period; thousands of convs at full resolution
    would take minutes: the windows stop at a budget and say why."""
    rows = ["input: {channels: 1, size: [X]}", "layers:"]
    rows += ["  - {op: maxpool}"] * 10 + ["  - {op: upconv, filters: 1}"] * 10
    rows += ["  - {op: conv, filters: 1, kernel: 3, padding: same}"] * 500
    field = receptive_field(check_text("\n".join(rows) + "\n"))
    assert field.axes[0].windows is None and "work budget" in field.axes[0].reason
    assert field.per_layer["upconv10"][0] is not None  # the network up to there has its windows
