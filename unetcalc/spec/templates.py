"""Spec v2 templates: a whole U-Net from a few keys (`unet:`), and the decoder of a written encoder
(`decoder: mirror`, as the seed note suggests). Both produce ordinary layer rows (YAML-tree rows with
the template's position), so everything downstream reads them as if they were written by hand;
`unetcalc expand` prints them.

    unet: {levels: 4, filters: 64, padding: valid}      # with `input:`: the 2015 U-Net, 31,030,658 params

What the common U-Nets differ in is a key each: `filters` per level (`[32, 32, 64, 128, 256]`, MONAI's
BasicUNet; nnU-Net's `[32, 64, 128, 256, 320, 320]`), `bias` of the levels' convs (the up-convolution
and the 1×1 head keep theirs), `align` the up-sampled map to the skip (`pad`: milesial's F.pad;
`resize`), `dropout` between norm and activation (MONAI's order), `slope` of a leaky ReLU, `strides` and
`kernels` per level (nnU-Net's anisotropic plans), `heads: all` for a 1×1 head at every decoder level
returned as `outputs:` (deep supervision). The up-sampling step outputs the skip's channel count, as all
of them do.

`decoder: mirror` mirrors each downsampling row (a pool, or a strided conv) of the written layers by
a 2×2 up-convolution halving the channels, a concat with the encoder tensor of that level (cropped
when the encoder's convs are unpadded), the same rows as that encoder level, and ends with a 1×1
conv to `classes` filters.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from unetcalc.findings.suggest import did_you_mean
from unetcalc.ops.registry import canonical_op
from unetcalc.spec.limits import MAX_LAYERS, MAX_UNET_LEVELS
from unetcalc.spec.reporting import Report
from unetcalc.spec.rules import BAD_PARAMETER, UNKNOWN_KEY
from unetcalc.spec.yamlload import Pos, YList, YMap

UNET_KEYS: dict[str, Any] = {
    "dims": None,  # from `input.size` when left out
    "in_channels": None,  # from `input.channels` when left out
    "classes": 2,
    "levels": 4,
    "filters": 64,
    "growth": 2,
    "convs": 2,
    "kernel": 3,
    "padding": "same",
    "norm": "none",
    "act": "relu",
    "down": "maxpool",
    "up": "upconv",
    "skip": "concat",
    "crop": None,  # center when padding is valid
    "bias": True,  # the levels' convs' bias (the up-convolution and the 1×1 head keep theirs)
    "align": "none",  # the up-sampled map brought to the skip's size: pad (milesial) or resize
    "dropout": None,  # a dropout row between norm and activation (MONAI's Convolution: N, D, A)
    "slope": None,  # leaky ReLU's negative slope
    "strides": None,  # per level below the first: the downsampling stride (a number or one per axis)
    "kernels": None,  # per level: the convs' kernel (a number or one per axis)
    "heads": "last",  # all: a 1×1 head at every decoder level, returned first to last (deep supervision)
}
CHOICES = {
    "padding": ("valid", "same"),
    "norm": ("none", "batch", "instance", "group"),
    "act": ("relu", "leakyrelu", "prelu"),
    "down": ("maxpool", "strided"),
    "up": ("upconv", "upsample"),
    "skip": ("concat", "add"),
    "crop": ("center", "none"),
    "align": ("none", "pad", "resize"),
    "heads": ("last", "all"),
}
LIST_KEYS = ("filters", "strides", "kernels")  # a number, or one value per level
FREE_KEYS = ("bias", "dropout", "slope")  # checked by the layer parameters they become
NORM_OPS: dict[str, dict[str, Any]] = {"batch": {"op": "batchnorm"}, "instance": {"op": "instancenorm", "affine": True}}
DECODER_KEYS = ("mirror", "classes")


def row(pos: Pos, **values: Any) -> YMap:
    """A layer row as the YAML loader would produce it, placed at ``pos``."""
    out = YMap(values)
    out.pos, out.key_pos, out.value_pos = pos, dict.fromkeys(values, pos), dict.fromkeys(values, pos)
    return out


def rows_list(rows: list[tuple[Any, Pos]], pos: Pos) -> YList:
    out = YList(r for r, _ in rows)
    out.pos, out.item_pos = pos, [p for _, p in rows]
    return out


def unet_settings(config: YMap, report: Report) -> dict[str, Any] | None:
    """The template's settings with defaults, or None after reporting what is wrong."""
    settings = dict(UNET_KEYS)
    ok = True
    for key, value in config.items():
        where = config.value_pos.get(key, config.pos)
        if key not in UNET_KEYS:
            report(
                UNKNOWN_KEY,
                UNKNOWN_KEY.says("unet-key", key=key),
                config.key_pos.get(key, config.pos),
                hint=did_you_mean(str(key), list(UNET_KEYS)) or f"`unet` takes: {', '.join(UNET_KEYS)}",
            )
            ok = False
        elif key in CHOICES and value not in CHOICES[key]:
            report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("unet-choice", key=key, choices=", ".join(CHOICES[key]), value=value),
                where,
            )
            ok = False
        elif key in FREE_KEYS:
            settings[key] = value
        elif key in LIST_KEYS and isinstance(value, list):
            index = _bad_entry(key, value)
            if index is not None:
                variant = "unet-entry" if key == "filters" else "unet-entry-per-axis"
                report(BAD_PARAMETER, BAD_PARAMETER.says(variant, key=key, entry=value[index]), where)
                ok = False
            else:
                settings[key] = list(value)
        elif key not in CHOICES and (isinstance(value, bool) or not isinstance(value, int)):
            report(BAD_PARAMETER, BAD_PARAMETER.says("unet-number", key=key, value=value), where)
            ok = False
        elif key not in CHOICES and value < (0 if key == "levels" else 1):
            report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("unet-least", key=key, least=0 if key == "levels" else 1, value=value),
                where,
            )
            ok = False
        else:
            settings[key] = value
    if not ok:
        return None
    for key, wanted in (
        ("filters", settings["levels"] + 1),
        ("kernels", settings["levels"] + 1),
        ("strides", settings["levels"]),
    ):
        value = settings[key]
        if isinstance(value, list) and len(value) != wanted:
            report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("unet-entries", key=key, count=len(value), levels=settings["levels"], wanted=wanted),
                config.value_pos.get(key, config.pos),
            )
            return None
    # Counted before any row is made: the encoder's convs with a norm and an activation each, the pools,
    # and the mirrored decoder, about as many again.
    rows = 2 * (settings["levels"] + 1) * settings["convs"] * 3 + 4 * settings["levels"] + 1
    bounds = [
        (
            "levels",
            settings["levels"] > MAX_UNET_LEVELS,
            BAD_PARAMETER.says("unet-levels", levels=settings["levels"], most=MAX_UNET_LEVELS),
        ),
        (
            "convs",
            rows > MAX_LAYERS,
            BAD_PARAMETER.says(
                "unet-rows", levels=settings["levels"], convs=settings["convs"], rows=rows, most=MAX_LAYERS
            ),
        ),
    ]
    for key, over, message in bounds:
        if over:
            report(BAD_PARAMETER, message, config.value_pos.get(key, config.pos))
            return None
    return settings


def _bad_entry(key: str, value: list[Any]) -> int | None:
    """Where the first entry of a per-level list is not a whole number ≥ 1 (or, but for filters, a list of them)."""

    def positive(v: Any) -> bool:
        return isinstance(v, int) and not isinstance(v, bool) and v >= 1

    for index, entry in enumerate(value):
        entries = entry if isinstance(entry, list) and key != "filters" else [entry]
        if not entries or not all(positive(v) for v in entries):
            return index
    return None


def level_filters(settings: dict[str, Any], level: int) -> int:
    filters = settings["filters"]
    return int(filters[level]) if isinstance(filters, list) else int(filters * settings["growth"] ** level)


def _per_level(settings: dict[str, Any], key: str, level: int, default: Any) -> Any:
    value = settings[key]
    return value[level] if isinstance(value, list) else default


def unet_rows(settings: dict[str, Any], pos: Pos) -> list[tuple[Any, Pos]]:
    """The encoder rows of the template (the decoder comes from :func:`mirror_rows`)."""
    rows: list[tuple[Any, Pos]] = []
    for level in range(settings["levels"] + 1):
        filters = level_filters(settings, level)
        kernel = _per_level(settings, "kernels", level, settings["kernel"])
        kernels = kernel if isinstance(kernel, list) else [kernel]
        same = [k // 2 for k in kernels] if len(kernels) > 1 else kernels[0] // 2
        padding = 0 if settings["padding"] == "valid" else ("same" if settings["strides"] is None else same)
        for index in range(settings["convs"]):
            conv = {"op": "conv", "filters": filters, "kernel": kernel, "padding": padding}
            if not settings["bias"]:
                conv["bias"] = False
            if level and index == 0 and settings["down"] == "strided":
                conv.update(stride=_per_level(settings, "strides", level - 1, 2), padding=same)
            rows.append((row(pos, **conv), pos))
            rows += [(row(pos, **layer), pos) for layer in _norm_act(settings, filters)]
        if level < settings["levels"] and settings["down"] == "maxpool":
            stride = _per_level(settings, "strides", level, 2)
            rows.append((row(pos, op="maxpool", kernel=stride), pos))
    return rows


def _norm_act(settings: dict[str, Any], filters: int) -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = []
    if settings["norm"] == "group":
        layers.append({"op": "groupnorm", "groups": min(8, filters)})
    elif settings["norm"] in NORM_OPS:
        layers.append(dict(NORM_OPS[settings["norm"]]))
    if settings["dropout"] is not None:
        layers.append({"op": "dropout", "p": settings["dropout"]})
    act: dict[str, Any] = {"op": settings["act"]}
    if settings["slope"] is not None and settings["act"] == "leakyrelu":
        act["negative_slope"] = settings["slope"]
    layers.append(act)
    return layers


def auto_names(rows: list[Any]) -> list[str]:
    """The name the parser gives each row: its `name`, else op + running count (`relu3`)."""
    counts: Counter[str] = Counter()
    names = []
    for raw in rows:
        op_raw = raw.get("op") if isinstance(raw, dict) else raw
        op = canonical_op(op_raw) if isinstance(op_raw, str) else None
        counts[op or str(op_raw)] += 1
        name = raw.get("name") if isinstance(raw, dict) else None
        names.append(name if isinstance(name, str) and name.strip() else f"{op or op_raw}{counts[op or str(op_raw)]}")
    return names


def _is_down(raw: Any) -> bool:
    op = canonical_op(str(raw.get("op") if isinstance(raw, dict) else raw))
    if op in ("maxpool", "avgpool"):
        return True
    stride = raw.get("stride", 1) if isinstance(raw, dict) else 1
    strides = stride if isinstance(stride, list) else [stride]
    return op == "conv" and any(isinstance(s, int) and s > 1 for s in strides)


def _unpadded(rows: list[Any], defaults: dict[str, Any]) -> bool:
    """Whether any conv of the encoder is unpadded (then the skips need a center crop)."""
    for raw in rows:
        if not isinstance(raw, dict) or canonical_op(str(raw.get("op"))) != "conv":
            continue
        padding = raw.get("padding", defaults.get("padding", "valid"))
        kernel = raw.get("kernel", defaults.get("kernel", 3))
        kernels = kernel if isinstance(kernel, list) else [kernel]
        if (padding in ("valid", 0) or padding == [0] * len(kernels)) and any(k != 1 for k in kernels):
            return True
    return False


def _channels(raw: Any, current: int) -> int:
    filters = raw.get("filters") if isinstance(raw, dict) else None
    return filters if isinstance(filters, int) and not isinstance(filters, bool) else current


def mirror_rows(
    encoder: list[tuple[Any, Pos]],
    pos: Pos,
    classes: int,
    in_channels: int,
    conv_defaults: dict[str, Any],
    settings: dict[str, Any] | None = None,
) -> list[tuple[Any, Pos]]:
    """The decoder rows that mirror ``encoder``: up-conv, skip, that level's rows again, then the head."""
    rows = [r for r, _ in encoder]
    names = auto_names(rows)
    downs = [i for i, r in enumerate(rows) if _is_down(r)]
    if not downs:
        return []
    crop = _unpadded(rows, conv_defaults) if settings is None or settings["crop"] is None else settings["crop"]
    skip_op = "concat" if settings is None else settings["skip"]
    up_kind = "upconv" if settings is None else settings["up"]
    align = "none" if settings is None else settings["align"]
    resume: dict[int, str] = {}  # decoder row index → the tensor it reads (after a deep-supervision head)
    # Each level: the rows from its start up to its downsampling row; its skip is the row before that.
    starts = [0, *downs]
    channels = in_channels
    level_channels: list[int] = []
    for start, down in zip(starts[:-1], downs, strict=True):
        for raw in rows[start:down]:
            channels = _channels(raw, channels)
        level_channels.append(channels)
    for raw in rows[downs[-1] :]:
        channels = _channels(raw, channels)
    decoder: list[tuple[Any, Pos]] = []
    for level in reversed(range(len(downs))):
        start, down = starts[level], downs[level]
        skip = names[down - 1] if down > 0 else "input"
        skip_channels = level_channels[level]
        # The up-sampling step gives the skip's channels (the 2015 U-Net's halving, MONAI's BasicUNet's first
        # level, nnU-Net's 320 → 320 alike); the 2015 template's `decoder: mirror` halved, the same there.
        up_filters = skip_channels if skip_op == "add" or settings is not None else max(1, channels // 2)
        stride = _down_stride(rows[down])
        if up_kind == "upconv":  # with its bias: `bias` is the levels' convs' (milesial's ConvTranspose2d has one)
            decoder.append((row(pos, op="upconv", filters=up_filters, kernel=stride), pos))
        else:
            decoder.append((row(pos, op="upsample", scale=stride), pos))
            decoder.append((row(pos, op="conv", filters=up_filters, kernel=1), pos))
        if align != "none":
            decoder.append((row(pos, op=align, to=skip), pos))
        join: dict[str, Any] = {"op": skip_op, "with": skip}
        if crop in (True, "center"):
            join["crop"] = "center"
        decoder.append((row(pos, **join), pos))
        level_rows = rows[start:down]  # a strided conv that opens the level is mirrored without its stride
        for raw in level_rows:
            if _is_down(raw) and canonical_op(str(raw.get("op") if isinstance(raw, dict) else raw)) != "conv":
                continue
            decoder.append((_copy_row(raw, pos), pos))
        channels = skip_channels if skip_op == "add" else up_filters + skip_channels
        for raw in level_rows:
            channels = _channels(raw, channels)
        if settings is not None and settings["heads"] == "all" and level > 0:  # deep supervision: a head here
            last = decoder[-1][0]
            if isinstance(last, dict):
                name = f"dec{level}"
                decoder[-1] = (row(pos, **{**last, "name": name}), pos)
            else:
                name = f"dec{level}"
                decoder[-1] = (row(pos, op=str(last), name=name), pos)
            decoder.append((row(pos, op="conv", filters=classes, kernel=1, padding=0, name=f"head{level}"), pos))
            resume[len(decoder)] = name  # the next level's first row reads the decoder, not the head
    for index in sorted(resume, reverse=True):
        if index < len(decoder) and isinstance(decoder[index][0], dict):
            decoder[index] = (row(pos, **{**decoder[index][0], "from": resume[index]}), pos)
    decoder.append((row(pos, op="conv", filters=classes, kernel=1, padding=0, name="head"), pos))
    if resume and len(decoder) - 1 in resume:
        decoder[-1] = (row(pos, **{**decoder[-1][0], "from": resume[len(decoder) - 1]}), pos)
    return decoder


def head_names(decoder: list[tuple[Any, Pos]]) -> list[str]:
    """`outputs:` of a template with a head at every level: the full-resolution head first, as nnU-Net."""
    names = [r.get("name") for r, _ in decoder if isinstance(r, dict) and str(r.get("name", "")).startswith("head")]
    return [str(n) for n in reversed(names)]


def _down_stride(raw: Any) -> Any:
    """The stride (or pool kernel) a level's downsampling row has: what its up-sampling step undoes."""
    if not isinstance(raw, dict):
        return 2
    if canonical_op(str(raw.get("op"))) in ("maxpool", "avgpool"):
        return raw.get("stride", raw.get("kernel", 2))
    return raw.get("stride", 2)


def _copy_row(raw: Any, pos: Pos) -> Any:
    """An encoder row for the decoder: no name, declared shapes, `from` or stride (the level's own work)."""
    if not isinstance(raw, dict):
        return raw
    values = {k: v for k, v in raw.items() if k not in ("name", "in", "out", "from", "stride")}
    return row(pos, **values)
