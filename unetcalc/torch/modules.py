"""Small modules for spec ops PyTorch has no single module for.

Their source is copied verbatim into generated model.py files, so each class
uses only ``torch``, ``nn`` and ``F`` and nothing from unetcalc.
"""

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn


def center_crop(x: torch.Tensor, size: Sequence[int], offset: Sequence[int] | None = None) -> torch.Tensor:
    """Crop the spatial dims of ``x`` to ``size``: at ``offset`` (Caffe's crop), else centered
    (offset floor(diff/2), as in the 2015 U-Net)."""
    slices: list[slice] = [slice(None), slice(None)]
    for axis, (have, want) in enumerate(zip(x.shape[2:], size)):  # noqa: B905 (older Pythons run generated code)
        start = (have - want) // 2 if offset is None else offset[axis]
        if start < 0 or start + want > have:
            raise ValueError(f"cannot crop size {have} to {want} at offset {start}")
        slices.append(slice(start, start + want))
    return x[tuple(slices)]


class Concat(nn.Module):
    """torch.cat along channels; with crop=True the skips are center-cropped to x's size first."""

    def __init__(self, crop: bool = False) -> None:
        super().__init__()
        self.crop = crop

    def forward(self, x: torch.Tensor, *skips: torch.Tensor) -> torch.Tensor:
        if self.crop:
            skips = tuple(center_crop(s, x.shape[2:]) for s in skips)
        return torch.cat([x, *skips], dim=1)


class Add(nn.Module):
    """Element-wise sum; with crop=True the skips are center-cropped to x's size first."""

    def __init__(self, crop: bool = False) -> None:
        super().__init__()
        self.crop = crop

    def forward(self, x: torch.Tensor, *skips: torch.Tensor) -> torch.Tensor:
        for s in skips:
            x = x + (center_crop(s, x.shape[2:]) if self.crop else s)
        return x


class Crop(nn.Module):
    """Crop to a fixed size, or to the size of a reference tensor: centered, or at a fixed offset."""

    def __init__(self, size: Sequence[int] | None = None, offset: Sequence[int] | None = None) -> None:
        super().__init__()
        self.size = size
        self.offset = offset

    def forward(self, x: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        size = reference.shape[2:] if reference is not None else self.size
        if size is None:
            raise ValueError("Crop needs a size or a reference tensor")
        return center_crop(x, size, self.offset)


def pad_to(x: torch.Tensor, size: Sequence[int], mode: str = "constant", value: float = 0.0) -> torch.Tensor:
    """Pad the spatial dims of ``x`` up to ``size``: diff // 2 before, the rest after (milesial's UNet)."""
    pads: list[int] = []
    for have, want in reversed(list(zip(x.shape[2:], size))):  # noqa: B905 (older Pythons run generated code)
        pads += [(want - have) // 2, want - have - (want - have) // 2]
    return F.pad(x, pads, mode=mode, value=value) if mode == "constant" else F.pad(x, pads, mode=mode)


class Pad(nn.Module):
    """Pad each spatial axis by (before, after), or up to the size of a reference tensor."""

    def __init__(
        self, padding: Sequence[Sequence[int]] | None = None, mode: str = "constant", value: float = 0.0
    ) -> None:
        super().__init__()
        self.pads = None if padding is None else [p for side in reversed(padding) for p in side]
        self.mode = "constant" if mode == "zeros" else mode
        self.value = value

    def forward(self, x: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        if reference is not None or self.pads is None:
            if reference is None:
                raise ValueError("Pad needs amounts or a reference tensor")
            return pad_to(x, reference.shape[2:], self.mode, self.value)
        if self.mode == "constant":
            return F.pad(x, self.pads, mode="constant", value=self.value)
        return F.pad(x, self.pads, mode=self.mode)


class Resize(nn.Module):
    """F.interpolate to a fixed size, by a scale factor, or to the size of a reference tensor."""

    def __init__(
        self,
        size: Sequence[int] | None = None,
        scale_factor: float | Sequence[float] | None = None,
        mode: str = "nearest",
        align_corners: bool | None = None,
    ) -> None:
        super().__init__()
        self.size = size
        self.scale_factor = scale_factor
        self.mode = mode
        self.align_corners = align_corners

    def forward(self, x: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        size = tuple(reference.shape[2:]) if reference is not None else self.size
        scale = None if size is not None else self.scale_factor
        return F.interpolate(x, size=size, scale_factor=scale, mode=self.mode, align_corners=self.align_corners)


class Multiply(nn.Module):
    """Element-wise product (broadcasting as PyTorch does); with crop=True the others are center-cropped first."""

    def __init__(self, crop: bool = False) -> None:
        super().__init__()
        self.crop = crop

    def forward(self, x: torch.Tensor, *others: torch.Tensor) -> torch.Tensor:
        for o in others:
            x = x * (center_crop(o, x.shape[2:]) if self.crop else o)
        return x


class ChannelLayerNorm(nn.Module):
    """LayerNorm over channels at every position (ConvNeXt style)."""

    def __init__(self, channels: int, eps: float = 1e-5, affine: bool = True) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(channels, eps=eps, elementwise_affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.norm(x.movedim(1, -1))
        return out.movedim(-1, 1)


class ChannelLinear(nn.Module):
    """A fully connected layer applied to the channels at every position."""

    def __init__(self, in_features: int, out_features: int, bias: bool = True) -> None:
        super().__init__()
        self.linear = nn.Linear(in_features, out_features, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.linear(x.movedim(1, -1))
        return out.movedim(-1, 1)
