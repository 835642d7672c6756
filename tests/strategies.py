"""Hypothesis strategies: random encoder–decoder specs as YAML text."""

from __future__ import annotations

import yaml
from hypothesis import strategies as st


@st.composite
def per_axis(draw, values: st.SearchStrategy[int], rank: int):
    if rank > 1 and draw(st.booleans()):
        return [draw(values) for _ in range(rank)]
    return draw(values)


@st.composite
def conv_layer(draw, rank: int, filters: int, groups: bool = False) -> dict:
    layer = {"op": "conv", "filters": filters, "kernel": draw(per_axis(st.integers(1, 5), rank))}
    padding = draw(st.sampled_from(["valid", "same", "int"]))
    layer["padding"] = draw(per_axis(st.integers(0, 2), rank)) if padding == "int" else padding
    if draw(st.booleans()):
        layer["dilation"] = draw(per_axis(st.integers(1, 2), rank))
    if groups and draw(st.booleans()):
        layer["groups"] = 2
    return layer


@st.composite
def downsample(draw, rank: int, filters: int) -> tuple[dict, object]:
    kind = draw(st.sampled_from(["maxpool", "avgpool", "strided", "pool_padded", "unpadded_window", "round_up"]))
    stride = draw(per_axis(st.integers(2, 3), rank))
    if kind == "strided":
        return {"op": "conv", "filters": filters, "kernel": 3, "stride": stride, "padding": 1}, stride
    if kind == "unpadded_window":  # a window that is not its stride, unpadded: k3 s2 p0 drops a row at even sizes
        kernel = draw(st.integers(2, 5))
        return {"op": "conv", "filters": filters, "kernel": kernel, "stride": stride, "padding": 0}, stride
    if kind == "round_up":  # layers that round up and read every row: k4 s2 p2, 1x1 of stride 3, 1-wide ceil pools
        choice = draw(st.sampled_from(["k4s2p2", "1x1s3", "ceil1"]))
        if choice == "k4s2p2":
            return {"op": "conv", "filters": filters, "kernel": 4, "stride": 2, "padding": 2}, 2
        if choice == "1x1s3":
            return {"op": "conv", "filters": filters, "kernel": 1, "stride": 3, "padding": 0}, 3
        return {"op": draw(st.sampled_from(["maxpool", "avgpool"])), "kernel": 1, "stride": 2, "ceil_mode": True}, 2
    if kind == "pool_padded":  # ResNet-style 3×3/2 pool with padding 1
        return {"op": "maxpool", "kernel": 3, "stride": 2, "padding": 1, "ceil_mode": draw(st.booleans())}, 2
    return {"op": kind, "kernel": stride, "ceil_mode": draw(st.booleans())}, stride


@st.composite
def unet_spec(draw, max_rank: int = 2, symbols: bool = True, v2: bool = False) -> str:
    """A random encoder–decoder: convs, downsampling, upsampling, skips (concat/add, crop or not).

    With ``v2``, about half the specs also use spec v2: a block (with a `$param` and `repeat`) for
    the encoder's convs, prelu, resize/pad to the skip, a multiplicative sigmoid gate, and a deep
    supervision head listed in `outputs`.
    """
    rank = draw(st.integers(1, max_rank))
    levels = draw(st.integers(0, 3))
    filters = draw(st.sampled_from([2, 4]))
    use_v2 = v2 and draw(st.booleans())
    layers: list[object] = []
    blocks: dict[str, object] = {}
    if use_v2 and draw(st.booleans()):
        unit = draw(conv_layer(rank, filters, groups=True))
        unit["filters"] = "$filters"
        act = draw(st.sampled_from(["relu", {"op": "prelu", "num_parameters": "channels"}, "batchnorm"]))
        blocks["unit"] = {"params": {"filters": None}, "layers": [unit, act]}
    strides = []
    for level in range(levels):
        if blocks:
            layers.append({"block": "unit", "filters": filters, "repeat": draw(st.integers(1, 2)), "name": f"u{level}"})
        for _ in range(draw(st.integers(0 if blocks else 1, 2))):
            layers.append(draw(conv_layer(rank, filters, groups=True)))
            if draw(st.booleans()):
                layers.append(draw(st.sampled_from(["batchnorm", "relu", {"op": "groupnorm", "groups": 2}])))
        layers.append({"op": "relu", "name": f"enc{level}"})
        down, stride = draw(downsample(rank, filters))
        layers.append(down)
        strides.append(stride)
    layers.append(draw(conv_layer(rank, filters)))
    # Instance/group norm at the bottleneck, where small inputs leave one value per group (UC111).
    bottleneck_norm = draw(st.sampled_from([None, "instancenorm", "groupnorm"]))
    if bottleneck_norm == "instancenorm":
        layers.append("instancenorm")
    elif bottleneck_norm == "groupnorm":
        layers.append({"op": "groupnorm", "groups": filters})
    for level in reversed(range(levels)):
        stride = strides[level]
        up = draw(st.sampled_from(["upconv", "upsample", "upconv_k3"]))
        if up == "upconv":
            layers.append({"op": "upconv", "filters": filters, "kernel": stride})
        elif up == "upconv_k3":
            layers.append(
                {"op": "upconv", "filters": filters, "kernel": 3, "stride": stride, "padding": 1, "output_padding": 1}
            )
        else:
            layers.append({"op": "upsample", "scale": stride, "mode": draw(st.sampled_from(["nearest", "bilinear"]))})
            layers.append({"op": "conv", "filters": filters, "kernel": 1})
        if draw(st.booleans()):
            layers.append(draw(conv_layer(rank, filters)))
        if use_v2:  # bring the decoder to the skip's size as milesial (pad) and wolny (resize) do
            match = draw(st.sampled_from([None, "pad", "resize"]))
            if match == "pad":
                layers.append({"op": "pad", "to": f"enc{level}", "mode": draw(st.sampled_from(["zeros", "replicate"]))})
            elif match == "resize":
                layers.append(
                    {"op": "resize", "to": f"enc{level}", "mode": draw(st.sampled_from(["nearest", "linear"]))}
                )
        skip = draw(st.sampled_from(["concat", "add"]))
        layers.append(
            {
                "op": skip,
                "with": f"enc{level}",
                "crop": draw(st.sampled_from(["none", "center"])),
                "name": f"dec{level}",
            }
        )
        if draw(st.booleans()):  # a 1-channel gate added to C channels: PyTorch broadcasts the channel axis
            layers.append({"op": "conv", "filters": 1, "kernel": 1, "name": f"gate{level}"})
            join = "multiply" if use_v2 and draw(st.booleans()) else "add"
            if join == "multiply":
                layers.append({"op": "sigmoid", "name": f"sig{level}"})
            layers.append(
                {"op": join, "from": f"dec{level}", "with": f"sig{level}" if join == "multiply" else f"gate{level}"}
            )
        if use_v2 and draw(st.booleans()):  # deep supervision: a head at this level, returned as well
            layers.append({"op": "conv", "filters": 2, "kernel": 1, "name": f"ds{level}"})
            layers.append({"op": "identity", "from": f"dec{level}"})
    layers.append({"op": "conv", "filters": 2, "kernel": 1, "name": "head"})
    if draw(st.integers(0, 5)) == 0:  # a fractional resample after the head: exact scales and ones a double cannot hold
        scale = draw(st.sampled_from([0.5, 0.75, 1.5, 0.1, 0.57, 0.29, 0.3333333333333333, 0.6666666666666666]))
        layers.append({"op": "upsample", "scale": scale, "mode": "nearest", "name": "rescaled"})
    names = ["D", "H", "W"][-rank:]
    size = names if symbols else [draw(st.integers(1, 64)) for _ in names]
    spec: dict[str, object] = {"name": "random", "input": {"channels": 2, "size": size}}
    if blocks:
        spec["blocks"] = blocks
    spec["layers"] = layers
    heads = [
        layer["name"] for layer in layers if isinstance(layer, dict) and str(layer.get("name", "")).startswith("ds")
    ]
    if heads:
        spec["outputs"] = ["head", *heads]
    return yaml.safe_dump(spec, sort_keys=False)
