"""nnU-Net plans (``nnUNetPlans.json`` + a configuration) → the network nnU-Net would train.

Reads the configuration (following ``inherits_from``), its ``architecture`` (the class and
``arch_kwargs`` nnU-Net ≥ 2.4 writes; older plans' ``UNet_class_name``, ``UNet_base_num_features`` …
are turned into the same entry, as nnU-Net 2.0–2.3 built them), the input channels (from the plans'
intensity properties, or ``--channels``) and the classes (from ``dataset.json`` beside the plans, or
``--classes``), then builds the network as nnU-Net's ``get_network_from_plans`` does, with deep
supervision on, as in training.
The plan's ``patch_size`` becomes the spec's input and its ``batch_size`` a comment.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from unetcalc.importer.sources import Loaded, SourceError, load_module_ref
from unetcalc.importer.writer import Layer


def is_plans(data: dict[str, Any]) -> bool:
    return isinstance(data.get("configurations"), dict)


def configuration(data: dict[str, Any], name: str | None, path: Path) -> dict[str, Any]:
    """The configuration's settings with everything it inherits (nnU-Net's ``inherits_from``)."""
    configs = data["configurations"]
    if name is None:
        raise SourceError(f"{path}: pass --configuration, one of {', '.join(configs)}")
    if name not in configs:
        raise SourceError(f"{path}: no configuration {name!r}; the plans have {', '.join(configs)}")
    chain: list[dict[str, Any]] = []
    current: str | None = name
    while current is not None:
        if current not in configs or len(chain) > len(configs):
            raise SourceError(f"{path}: configuration {name!r} inherits from a missing or circular {current!r}")
        entry = configs[current]
        chain.append(entry)
        current = entry.get("inherits_from")
    merged: dict[str, Any] = {}
    for entry in reversed(chain):
        merged.update(entry)
    return merged


LEGACY_CLASSES = {
    "PlainConvUNet": "dynamic_network_architectures.architectures.unet.PlainConvUNet",
    "ResidualEncoderUNet": "dynamic_network_architectures.architectures.unet.ResidualEncoderUNet",
}
LEGACY_KEYS = ("UNet_class_name", "UNet_base_num_features", "unet_max_num_features", "conv_kernel_sizes")


def architecture(config: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    """The configuration's ``architecture`` entry, in nnU-Net ≥ 2.4's form whatever version wrote it."""
    found = config.get("architecture")
    if isinstance(found, dict) and "network_class_name" in found:
        return found
    missing = [key for key in LEGACY_KEYS if key not in config]
    if missing:
        raise SourceError(
            f"{path}: configuration {name!r} has no `architecture` and no {', '.join(missing)} "
            "(not a plans file nnU-Net v2 wrote?); import the network class with --kwargs instead"
        )
    class_name = config["UNet_class_name"]
    if class_name not in LEGACY_CLASSES:
        raise SourceError(
            f"{path}: UNet_class_name {class_name!r} is not one nnU-Net builds from plans "
            f"({', '.join(LEGACY_CLASSES)}); import your network class with --kwargs"
        )
    kernels = config["conv_kernel_sizes"]
    stages = len(kernels)
    rank = len(kernels[0]) if stages and isinstance(kernels[0], list) else 0
    if rank not in (1, 2, 3):
        raise SourceError(f"{path}: conv_kernel_sizes {kernels!r} are not lists of 1, 2 or 3 sizes")
    base, most = int(config["UNet_base_num_features"]), int(config["unet_max_num_features"])
    per_stage = "n_blocks_per_stage" if class_name == "ResidualEncoderUNet" else "n_conv_per_stage"
    # As nnU-Net 2.0–2.3's get_network_from_plans: features double per stage up to the maximum.
    arch_kwargs = {
        "n_stages": stages,
        "features_per_stage": [min(base * 2**i, most) for i in range(stages)],
        "conv_op": f"torch.nn.modules.conv.Conv{rank}d",
        "kernel_sizes": kernels,
        "strides": config.get("pool_op_kernel_sizes"),
        per_stage: config.get("n_conv_per_stage_encoder", 2),
        "n_conv_per_stage_decoder": config.get("n_conv_per_stage_decoder", 2),
        "conv_bias": True,
        "norm_op": f"torch.nn.modules.instancenorm.InstanceNorm{rank}d",
        "norm_op_kwargs": {"eps": 1e-05, "affine": True},
        "dropout_op": None,
        "dropout_op_kwargs": None,
        "nonlin": "torch.nn.LeakyReLU",
        "nonlin_kwargs": {"inplace": True},
    }
    return {
        "network_class_name": LEGACY_CLASSES[class_name],
        "arch_kwargs": arch_kwargs,
        "_kw_requires_import": ["conv_op", "norm_op", "dropout_op", "nonlin"],
    }


def _import_name(dotted: str) -> Any:
    module, _, attr = dotted.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise SourceError(f"cannot import {dotted}: {exc}") from exc


def _classes(path: Path, classes: int | None) -> int:
    if classes is not None:
        return classes
    dataset = path.parent / "dataset.json"
    if dataset.is_file():
        try:
            labels = json.loads(dataset.read_text(encoding="utf-8")).get("labels")
        except (OSError, json.JSONDecodeError) as exc:
            raise SourceError(f"{dataset}: cannot read it ({exc})") from exc
        if isinstance(labels, dict) and labels:
            return len(labels)  # background included, as nnU-Net counts output channels (regions aside)
    raise SourceError(f"{path}: no dataset.json beside it to count the labels; pass --classes N")


def load_plans(path: Path, data: dict[str, Any], name: str | None, channels: int | None, classes: int | None) -> Loaded:
    config = configuration(data, name, path)
    assert name is not None  # configuration() asked for one
    entry = architecture(config, name, path)
    kwargs = dict(entry.get("arch_kwargs") or {})
    for key in entry.get("_kw_requires_import") or []:
        if isinstance(kwargs.get(key), str):
            kwargs[key] = _import_name(kwargs[key])
    properties = data.get("foreground_intensity_properties_per_channel")
    in_channels = channels or (len(properties) if isinstance(properties, dict) and properties else None)
    if in_channels is None:
        raise SourceError(f"{path}: the plans do not say how many input channels; pass --channels N")
    out_channels = _classes(path, classes)
    class_name = str(entry["network_class_name"])
    module, _, attr = class_name.rpartition(".")
    kwargs.update(input_channels=in_channels, num_classes=out_channels, deep_supervision=True)
    loaded = load_module_ref(f"{module}:{attr}", kwargs)
    patch = config.get("patch_size")
    loaded.name = f"{data.get('dataset_name', path.stem)}-{name}".lower().replace("_", "-")
    loaded.description = f"{path} configuration {name} ({attr}, deep supervision on)"
    if isinstance(patch, list) and all(isinstance(v, int) for v in patch):
        loaded.input_size = tuple(patch)
        loaded.notes.append(f"patch_size {patch} and batch_size {config.get('batch_size')} from the plan")
    return loaded


# -- without torch: nnU-Net's PlainConvUNet written from the plan, as dynamic-network-architectures builds it
PLAIN_CONV_UNET = "dynamic_network_architectures.architectures.unet.PlainConvUNet"
NORMS = {"InstanceNorm": "instancenorm", "BatchNorm": "batchnorm"}
NONLINS = {"LeakyReLU": "leakyrelu", "ReLU": "relu", "ELU": "elu", "GELU": "gelu", "SiLU": "silu"}


@dataclass(slots=True)
class PlansNetwork:
    """The rows, outputs and module classes of a plan's network, made without torch."""

    name: str
    description: str
    channels: int
    size: list[int | str]
    rows: list[Layer]
    outputs: list[str]
    classes: dict[str, str]
    notes: list[str]


def _per_axis(value: Any, rank: int) -> list[int]:
    return [int(v) for v in value] if isinstance(value, list) else [int(value)] * rank


def _short(values: list[int]) -> int | list[int]:
    return values[0] if len(set(values)) == 1 else values


def _class_name(dotted: Any) -> str:
    return str(dotted).rpartition(".")[2] if dotted else ""


def plain_conv_unet(
    path: Path, data: dict[str, Any], name: str | None, channels: int | None, classes: int | None
) -> PlansNetwork:
    """nnU-Net's default network (PlainConvUNet, convolutions as pooling, deep supervision on), from the
    plan alone: what `dynamic-network-architectures` 0.4 builds, with its module paths as names."""
    config = configuration(data, name, path)
    assert name is not None  # configuration() asked for one
    entry = architecture(config, name, path)
    if entry.get("network_class_name") != PLAIN_CONV_UNET:
        raise SourceError(
            f"{path}: without torch only {PLAIN_CONV_UNET.rpartition('.')[2]} plans are read "
            f"({entry.get('network_class_name')} here); "
            "install torch and dynamic-network-architectures to import this one"
        )
    kw = entry.get("arch_kwargs") or {}
    if kw.get("pool", "conv") != "conv" or kw.get("nonlin_first"):
        raise SourceError(f"{path}: `pool` or `nonlin_first` set: install torch and dynamic-network-architectures")
    conv = _class_name(kw.get("conv_op"))
    rank = {"Conv1d": 1, "Conv2d": 2, "Conv3d": 3}.get(conv)
    if rank is None:
        raise SourceError(f"{path}: conv_op {kw.get('conv_op')!r} is not Conv1d, Conv2d or Conv3d")
    stages = int(kw["n_stages"])
    features = (
        _per_axis(kw["features_per_stage"], 1)
        if isinstance(kw["features_per_stage"], list)
        else [int(kw["features_per_stage"])] * stages
    )
    kernels = [
        _per_axis(k, rank)
        for k in (kw["kernel_sizes"] if isinstance(kw["kernel_sizes"], list) else [kw["kernel_sizes"]] * stages)
    ]
    strides = [
        _per_axis(s, rank) for s in (kw["strides"] if isinstance(kw["strides"], list) else [kw["strides"]] * stages)
    ]
    convs = (
        _per_axis(kw["n_conv_per_stage"], 1)
        if isinstance(kw["n_conv_per_stage"], list)
        else [int(kw["n_conv_per_stage"])] * stages
    )
    decoder_convs_raw = kw["n_conv_per_stage_decoder"]
    decoder_convs = (
        [int(v) for v in decoder_convs_raw]
        if isinstance(decoder_convs_raw, list)
        else [int(decoder_convs_raw)] * (stages - 1)
    )
    bias = bool(kw.get("conv_bias", False))
    norm_class = _class_name(kw.get("norm_op"))
    norm = next((op for prefix, op in NORMS.items() if norm_class.startswith(prefix)), None)
    if kw.get("norm_op") and norm is None:
        raise SourceError(f"{path}: norm_op {kw.get('norm_op')!r} is not read without torch")
    norm_kwargs = dict(kw.get("norm_op_kwargs") or {})
    nonlin_class = _class_name(kw.get("nonlin"))
    nonlin = NONLINS.get(nonlin_class)
    if kw.get("nonlin") and nonlin is None:
        raise SourceError(f"{path}: nonlin {kw.get('nonlin')!r} is not read without torch")
    nonlin_kwargs = dict(kw.get("nonlin_kwargs") or {})
    dropout = kw.get("dropout_op")
    dropout_p = float((kw.get("dropout_op_kwargs") or {}).get("p", 0.5)) if dropout else None
    properties = data.get("foreground_intensity_properties_per_channel")
    in_channels = channels or (len(properties) if isinstance(properties, dict) and properties else None)
    if in_channels is None:
        raise SourceError(f"{path}: the plans do not say how many input channels; pass --channels N")
    out_channels = _classes(path, classes)

    rows: list[Layer] = []
    module_classes: dict[str, str] = {
        "encoder": "PlainConvEncoder",
        "encoder.stages": "Sequential",
        "decoder": "UNetDecoder",
        "decoder.stages": "ModuleList",
        "decoder.transpconvs": "ModuleList",
        "decoder.seg_layers": "ModuleList",
    }
    conv_class, up_class = conv, f"ConvTranspose{rank}d"

    def block(prefix: str, count: int, filters: int, kernel: list[int], stride: list[int], source: str) -> str:
        module_classes[f"{prefix}.convs"] = "Sequential"
        for i in range(count):
            unit = f"{prefix}.convs.{i}"
            module_classes[unit] = "ConvDropoutNormReLU"
            padding = [(k - 1) // 2 for k in kernel]
            params: dict[str, Any] = {
                "filters": filters,
                "kernel": _short(kernel),
                "stride": _short(stride if i == 0 else [1] * rank),
                "padding": "valid" if not any(padding) else _short(padding),
                "dilation": 1,
                "groups": 1,
                "bias": bias,
            }
            rows.append(Layer("conv", f"{unit}.conv", source, params))
            module_classes[f"{unit}.conv"] = conv_class
            source = f"{unit}.conv"
            if dropout_p is not None:
                rows.append(Layer("dropout", f"{unit}.dropout", source, {"p": dropout_p}))
                source = f"{unit}.dropout"
            if norm is not None:
                norm_params = {
                    "eps": float(norm_kwargs.get("eps", 1e-5)),
                    "affine": bool(norm_kwargs.get("affine", norm == "batchnorm")),
                }
                if norm == "batchnorm":
                    norm_params["momentum"] = float(norm_kwargs.get("momentum", 0.1))
                rows.append(Layer(norm, f"{unit}.norm", source, norm_params))
                source = f"{unit}.norm"
            if nonlin is not None:
                act: dict[str, Any] = {"inplace": bool(nonlin_kwargs.get("inplace", False))}
                if nonlin == "leakyrelu":
                    act["negative_slope"] = float(nonlin_kwargs.get("negative_slope", 0.01))
                rows.append(Layer(nonlin, f"{unit}.nonlin", source, act))
                source = f"{unit}.nonlin"
        return source

    source = "input"
    skips = []
    for s in range(stages):
        module_classes[f"encoder.stages.{s}"] = "Sequential"
        module_classes[f"encoder.stages.{s}.0"] = "StackedConvBlocks"
        source = block(f"encoder.stages.{s}.0", convs[s], features[s], kernels[s], strides[s], source)
        skips.append(source)
    outputs = []
    for s in range(stages - 1):
        skip_index = stages - 2 - s
        up = f"decoder.transpconvs.{s}"
        stride = strides[stages - 1 - s]
        rows.append(
            Layer(
                "upconv",
                up,
                source,
                {"filters": features[skip_index], "kernel": _short(stride), "stride": _short(stride), "bias": bias},
            )
        )
        module_classes[up] = up_class
        cat = "decoder.cat" if s == 0 else f"decoder.cat_{s + 1}"
        rows.append(Layer("concat", cat, up, {"with": skips[skip_index]}))
        module_classes[f"decoder.stages.{s}"] = "StackedConvBlocks"
        source = block(
            f"decoder.stages.{s}", decoder_convs[s], features[skip_index], kernels[skip_index], [1] * rank, cat
        )
        seg = f"decoder.seg_layers.{s}"
        rows.append(
            Layer("conv", seg, source, {"filters": out_channels, "kernel": 1, "padding": "valid", "bias": True})
        )
        module_classes[seg] = conv_class
        outputs.append(seg)
    patch = config.get("patch_size")
    size: list[int | str] = list(patch) if isinstance(patch, list) else list(["D", "H", "W"][3 - rank :])
    plan_name = f"{data.get('dataset_name', path.stem)}-{name}".lower().replace("_", "-")
    notes = (
        [f"patch_size {patch} and batch_size {config.get('batch_size')} from the plan"]
        if isinstance(patch, list)
        else []
    )
    return PlansNetwork(
        plan_name,
        f"{path} configuration {name} (PlainConvUNet, deep supervision on; written from the plan without torch)",
        in_channels,
        size,
        rows,
        outputs[::-1],
        module_classes,
        notes,
    )
