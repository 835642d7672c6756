"""nnU-Net plans (``nnUNetPlans.json`` + a configuration) → the network nnU-Net would train.

Reads the configuration (following ``inherits_from``), its ``architecture`` (the class and
``arch_kwargs`` nnU-Net ≥ 2.4 writes), the input channels (from the plans' intensity properties, or
``--channels``) and the classes (from ``dataset.json`` beside the plans, or ``--classes``), then builds
the network as nnU-Net's ``get_network_from_plans`` does, with deep supervision on, as in training.
The plan's ``patch_size`` becomes the spec's input and its ``batch_size`` a comment.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from unetcalc.importer.sources import Loaded, SourceError, load_module_ref


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
    architecture = config.get("architecture")
    if not isinstance(architecture, dict) or "network_class_name" not in architecture:
        raise SourceError(
            f"{path}: configuration {name!r} has no `architecture` (plans written by nnU-Net before 2.4 are not read; "
            "re-plan with a current nnU-Net, or import the network class with --kwargs)"
        )
    kwargs = dict(architecture.get("arch_kwargs") or {})
    for key in architecture.get("_kw_requires_import") or []:
        if isinstance(kwargs.get(key), str):
            kwargs[key] = _import_name(kwargs[key])
    properties = data.get("foreground_intensity_properties_per_channel")
    in_channels = channels or (len(properties) if isinstance(properties, dict) and properties else None)
    if in_channels is None:
        raise SourceError(f"{path}: the plans do not say how many input channels; pass --channels N")
    out_channels = _classes(path, classes)
    class_name = str(architecture["network_class_name"])
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
