"""Output tensors of the commonest ops on the meta device, without PyTorch's Python meta kernels.

On the meta device, ``aten.convolution`` and the elementwise ops run Python reference kernels:
convolution's costs about 1.7 ms a call (it builds symbolic-shape checks), and the first elementwise
one imports ``torch._dynamo`` (about a second) through its type-promotion wrapper. An import traces a
network about twenty times, so these two dominate its run time. For the plain cases — contiguous
floating-point tensors of one dtype — the output's shape is a formula, and the errors PyTorch raises
(channels that do not match, a window larger than the padded input, shapes that do not broadcast)
are raised here too. Anything else returns None and runs PyTorch's own kernel.
"""

from __future__ import annotations

from typing import Any

import torch

aten = torch.ops.aten

ELEMENTWISE = {aten.add.Tensor, aten.sub.Tensor, aten.mul.Tensor, aten.div.Tensor}
ELEMENTWISE_INPLACE = {aten.add_.Tensor, aten.sub_.Tensor, aten.mul_.Tensor, aten.div_.Tensor}


def _plain(tensor: torch.Tensor) -> bool:
    return tensor.device.type == "meta" and tensor.dtype.is_floating_point and tensor.is_contiguous()


def _convolution(args: tuple[Any, ...]) -> torch.Tensor | None:
    if len(args) != 9:
        return None
    x, weight, bias, stride, padding, dilation, transposed, output_padding, groups = args
    if not (isinstance(x, torch.Tensor) and isinstance(weight, torch.Tensor)):
        return None
    if not (_plain(x) and _plain(weight)) or x.dtype != weight.dtype or x.dim() != weight.dim() or x.dim() < 3:
        return None
    if bias is not None and (not isinstance(bias, torch.Tensor) or bias.dtype != x.dtype):
        return None
    rank = x.dim() - 2
    if not all(len(v) == rank for v in (stride, padding, dilation, output_padding)):
        return None
    if transposed:
        expected, out_channels = weight.shape[0], weight.shape[1] * groups
    else:
        expected, out_channels = weight.shape[1] * groups, weight.shape[0]
    if x.shape[1] != expected:
        raise RuntimeError(
            f"expected input{list(x.shape)} to have {expected} channels, but got {x.shape[1]} channels instead"
        )
    if bias is not None and tuple(bias.shape) != (out_channels,):
        return None
    sizes = []
    for n, k, s, p, d, op in zip(x.shape[2:], weight.shape[2:], stride, padding, dilation, output_padding, strict=True):
        reach = d * (k - 1) + 1
        if transposed:
            out = (n - 1) * s - 2 * p + reach + op
        else:
            if n + 2 * p < reach:
                raise RuntimeError(
                    f"Calculated padded input size per channel: ({n + 2 * p}). Kernel size: ({reach}). "
                    "Kernel size can't be greater than actual input size"
                )
            out = (n + 2 * p - reach) // s + 1
        if out == 0 and transposed:  # PyTorch's own kernels disagree here (by groups): they decide
            return None
        if out <= 0:
            raise RuntimeError(f"output size of the convolution is {out}: too small")
        sizes.append(out)
    return torch.empty((x.shape[0], out_channels, *sizes), dtype=x.dtype, device="meta")


def _broadcast(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    """NumPy's broadcasting (torch.broadcast_shapes imports the symbolic-shape machinery)."""
    width = max(len(a), len(b))
    a, b = (1,) * (width - len(a)) + a, (1,) * (width - len(b)) + b
    shape = []
    for m, n in zip(a, b, strict=True):
        if m != n and 1 not in (m, n):
            raise RuntimeError(f"The size of tensor a ({m}) must match the size of tensor b ({n})")
        shape.append(n if m == 1 else m)
    return tuple(shape)


def _elementwise(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor | None:
    if len(args) != 2 or set(kwargs) - {"alpha"}:
        return None
    a, b = args
    if not isinstance(a, torch.Tensor) or not _plain(a):
        return None
    if isinstance(b, torch.Tensor):
        if not _plain(b) or b.dtype != a.dtype:
            return None
        shape = _broadcast(tuple(a.shape), tuple(b.shape))
    elif isinstance(b, (int, float)) and not isinstance(b, bool):
        shape = a.shape
    else:
        return None
    if func in ELEMENTWISE_INPLACE:
        if tuple(shape) != tuple(a.shape):
            raise RuntimeError(f"output with shape {list(a.shape)} doesn't match the broadcast shape {list(shape)}")
        return a
    return torch.empty(shape, dtype=a.dtype, device="meta")


def _cat(args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor | None:
    if kwargs or not args or len(args) > 2 or not isinstance(args[0], (list, tuple)) or not args[0]:
        return None
    tensors = args[0]
    dim = args[1] if len(args) == 2 else 0
    if not all(isinstance(t, torch.Tensor) and _plain(t) for t in tensors) or not isinstance(dim, int):
        return None
    first = tensors[0]
    if any(t.dtype != first.dtype or t.dim() != first.dim() for t in tensors) or first.dim() == 0:
        return None
    if not -first.dim() <= dim < first.dim():
        return None
    axis = dim % first.dim()
    for number, t in enumerate(tensors[1:], start=1):
        for i, (m, n) in enumerate(zip(first.shape, t.shape, strict=True)):
            if i != axis and m != n:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {axis}. "
                    f"Expected size {m} but got size {n} for tensor number {number} in the list."
                )
    shape = list(first.shape)
    shape[axis] = sum(t.shape[axis] for t in tensors)
    return torch.empty(shape, dtype=first.dtype, device="meta")


def fast_meta(func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> torch.Tensor | None:
    """The output of ``func(*args, **kwargs)`` for the plain cases above; None runs PyTorch's kernel."""
    if func is aten.convolution.default and not kwargs:
        return _convolution(args)
    if func is aten.cat.default:
        return _cat(args, kwargs)
    if func in ELEMENTWISE or func in ELEMENTWISE_INPLACE:
        return _elementwise(func, args, kwargs)
    return None
