"""Hypothesis strategies: random U-shaped and plain specs as YAML text."""

from __future__ import annotations

import yaml
from hypothesis import strategies as st


@st.composite
def per_axis(draw, values: st.SearchStrategy[int], rank: int):
    if rank > 1 and draw(st.booleans()):
        return [draw(values) for _ in range(rank)]
    return draw(values)


@st.composite
def conv_layer(draw, rank: int, filters: int) -> dict:
    layer = {"op": "conv", "filters": filters, "kernel": draw(per_axis(st.integers(1, 5), rank))}
    padding = draw(st.sampled_from(["valid", "same", "int"]))
    layer["padding"] = draw(per_axis(st.integers(0, 2), rank)) if padding == "int" else padding
    if draw(st.booleans()):
        layer["dilation"] = draw(per_axis(st.integers(1, 2), rank))
    return layer


@st.composite
def downsample(draw, rank: int, filters: int) -> tuple[dict, object]:
    kind = draw(st.sampled_from(["maxpool", "avgpool", "strided"]))
    stride = draw(per_axis(st.integers(2, 3), rank))
    if kind == "strided":
        return {"op": "conv", "filters": filters, "kernel": 3, "stride": stride, "padding": 1}, stride
    return {"op": kind, "kernel": stride, "ceil_mode": draw(st.booleans())}, stride


@st.composite
def unet_spec(draw) -> str:
    """A random encoder–decoder: convs, downsampling, upsampling, skips (concat/add, crop or not)."""
    rank = draw(st.integers(1, 2))
    levels = draw(st.integers(0, 3))
    filters = draw(st.sampled_from([2, 4]))
    layers: list[object] = []
    strides = []
    for level in range(levels):
        for _ in range(draw(st.integers(1, 2))):
            layers.append(draw(conv_layer(rank, filters)))
        layers.append({"op": "relu", "name": f"enc{level}"})
        down, stride = draw(downsample(rank, filters))
        layers.append(down)
        strides.append(stride)
    layers.append(draw(conv_layer(rank, filters)))
    for level in reversed(range(levels)):
        stride = strides[level]
        if draw(st.booleans()):
            layers.append({"op": "upconv", "filters": filters, "kernel": stride})
        else:
            layers.append({"op": "upsample", "scale": stride})
            layers.append({"op": "conv", "filters": filters, "kernel": 1})
        if draw(st.booleans()):
            layers.append(draw(conv_layer(rank, filters)))
        skip = draw(st.sampled_from(["concat", "add"]))
        layers.append({"op": skip, "with": f"enc{level}", "crop": draw(st.sampled_from(["none", "center"]))})
    layers.append({"op": "conv", "filters": 2, "kernel": 1, "name": "head"})
    spec = {
        "name": "random",
        "input": {"channels": 1, "size": ["H", "W"][-rank:] if rank == 2 else ["W"]},
        "layers": layers,
    }
    return yaml.safe_dump(spec, sort_keys=False)
