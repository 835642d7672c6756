"""The import's own meta-device shapes for convolution, cat and the elementwise ops agree with PyTorch's
CPU kernels: the same output shape and dtype, and an error exactly where PyTorch raises one. (CPU, not
PyTorch's meta kernels: those let a transposed convolution with the wrong input channels through.)"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from unetcalc.importer.fastmeta import fast_meta  # noqa: E402

aten = torch.ops.aten


def _outcome(call: Any) -> tuple[str, Any]:
    try:
        out = call()
    except RuntimeError:
        return ("raises", None)
    return ("ok", (tuple(out.shape), out.dtype))


def _ours(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any] | None = None) -> tuple[str, Any]:
    def call() -> Any:
        out = fast_meta(func, args, kwargs or {})
        assert out is not None, "the fast path declined a plain case"
        return out

    return _outcome(call)


def _on_cpu(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return torch.zeros(value.shape, dtype=value.dtype)
    if isinstance(value, (list, tuple)):
        return type(value)(_on_cpu(v) for v in value)
    return value


def _torchs(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any] | None = None) -> tuple[str, Any]:
    return _outcome(lambda: func(*_on_cpu(args), **(kwargs or {})))


@st.composite
def convolutions(draw: st.DrawFn) -> tuple[Any, ...]:
    rank = draw(st.integers(1, 3))
    transposed = draw(st.booleans())
    groups = draw(st.sampled_from([1, 2]))
    in_channels = 2 * draw(st.integers(1, 3))
    out_channels = 2 * draw(st.integers(1, 3))
    wrong_channels = draw(st.integers(0, 4)) == 0  # sometimes the input has other channels than the weight
    size = [draw(st.integers(1, 12)) for _ in range(rank)]
    kernel = [draw(st.integers(1, 5)) for _ in range(rank)]
    stride = [draw(st.integers(1, 3)) for _ in range(rank)]
    padding = [draw(st.integers(0, 3)) for _ in range(rank)]
    dilation = [draw(st.integers(1, 3)) for _ in range(rank)]
    output_padding = [draw(st.integers(0, s - 1)) if transposed else 0 for s in stride]
    if transposed:
        weight_shape = (in_channels, out_channels // groups, *kernel)
    else:
        weight_shape = (out_channels, in_channels // groups, *kernel)
    channels = in_channels + (2 if wrong_channels else 0)
    x = torch.empty((1, channels, *size), device="meta")
    weight = torch.empty(weight_shape, device="meta")
    bias = torch.empty((out_channels,), device="meta") if draw(st.booleans()) else None
    return (x, weight, bias, stride, padding, dilation, transposed, output_padding, groups)


def _ours_or_declined(args: tuple[Any, ...]) -> tuple[str, Any]:
    try:
        out = fast_meta(aten.convolution.default, args, {})
    except RuntimeError:
        return ("raises", None)
    return ("declined", None) if out is None else ("ok", (tuple(out.shape), out.dtype))


def _empty_transposed_output(args: tuple[Any, ...]) -> bool:
    """A transposed conv whose output has a size-0 axis: PyTorch's own CPU kernels run or raise by groups."""
    x, weight, _, stride, padding, dilation, transposed, output_padding, _ = args
    sizes = zip(x.shape[2:], weight.shape[2:], stride, padding, dilation, output_padding, strict=True)
    return bool(transposed) and any((n - 1) * s - 2 * p + d * (k - 1) + 1 + o == 0 for n, k, s, p, d, o in sizes)


@given(convolutions())
def test_convolution_shapes_and_errors_match_pytorch(args: tuple[Any, ...]) -> None:
    if _empty_transposed_output(args):  # left to PyTorch's kernel, which decides (a channel error still raises)
        assert _ours_or_declined(args) in (("raises", None), ("declined", None))
        return
    assert _ours(aten.convolution.default, args) == _torchs(aten.convolution.default, args)


shapes = st.lists(st.integers(1, 4), min_size=1, max_size=4)


@given(shapes, shapes, st.sampled_from(sorted(["add", "sub", "mul", "div"])), st.booleans())
def test_elementwise_broadcasting_matches_pytorch(a: list[int], b: list[int], name: str, inplace: bool) -> None:
    packet = getattr(aten, f"{name}_" if inplace else name)
    x, y = torch.empty(a, device="meta"), torch.empty(b, device="meta")
    assert _ours(packet.Tensor, (x, y)) == _torchs(packet.Tensor, (x, y))


def test_an_inplace_op_returns_its_own_tensor() -> None:
    x = torch.empty((1, 2, 3), device="meta")
    assert fast_meta(aten.add_.Tensor, (x, torch.empty((2, 1), device="meta")), {}) is x


@given(st.lists(shapes, min_size=1, max_size=3), st.integers(-4, 3))
def test_cat_matches_pytorch(shape_list: list[list[int]], dim: int) -> None:
    rank = len(shape_list[0])
    tensors = [torch.empty(s, device="meta") for s in shape_list if len(s) == rank]
    if not -rank <= dim < rank:
        assert fast_meta(aten.cat.default, (tensors, dim), {}) is None  # PyTorch's kernel says why
        return
    assert _ours(aten.cat.default, (tensors, dim)) == _torchs(aten.cat.default, (tensors, dim))


def test_what_is_not_plain_runs_pytorchs_kernel() -> None:
    half = torch.empty((1, 2, 8, 8), device="meta", dtype=torch.float16)
    weight = torch.empty((4, 2, 3, 3), device="meta")
    channels_last = torch.empty((1, 2, 8, 8), device="meta").to(memory_format=torch.channels_last)
    ints = torch.empty((1, 2), device="meta", dtype=torch.int64)
    no_stride = [1, 1]
    assert (
        fast_meta(aten.convolution.default, (half, weight, None, no_stride, [0, 0], [1, 1], False, [0, 0], 1), {})
        is None
    )
    assert (
        fast_meta(
            aten.convolution.default, (channels_last, weight, None, no_stride, [0, 0], [1, 1], False, [0, 0], 1), {}
        )
        is None
    )
    assert fast_meta(aten.add.Tensor, (ints, ints), {}) is None
    assert fast_meta(aten.relu.default, (half,), {}) is None
