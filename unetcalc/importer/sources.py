"""SOURCE on `unetcalc import`'s command line → the user's nn.Module.

This is the one place in unetcalc that runs the user's Python (and only for the source named on the
command line): ``package.module:Class``, ``path/to/file.py:factory``, a MONAI bundle config naming a
``network_def``, or — with ``--trust``, since unpickling runs code — a saved whole model.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class SourceError(Exception):
    """SOURCE could not be loaded or built: exit 2 with this message."""


@dataclass(slots=True)
class Loaded:
    model: Any  # torch.nn.Module
    name: str  # a name for the spec
    description: str  # what was imported, for the spec's header
    input_size: tuple[int, ...] | None = None  # a size the source suggests (a bundle's roi_size)
    notes: list[str] = field(default_factory=list)


_MODULE_REF = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_]\w*$")
_FILE_REF = re.compile(r"^(?P<file>.+\.py):(?P<attr>[A-Za-z_]\w*)$")


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "-", name).lower().replace("_", "-")


def _call(target: Any, kwargs: dict[str, Any], what: str) -> Any:
    from torch import nn

    if isinstance(target, nn.Module):
        if kwargs:
            raise SourceError(f"{what} is a module already; --kwargs do not apply to it")
        return target
    if not callable(target):
        raise SourceError(f"{what} is neither an nn.Module, a class nor a function")
    try:
        model = target(**kwargs)
    except Exception as exc:  # the user's constructor: its message is what they need
        raise SourceError(f"{what}({_kwargs_text(kwargs)}) raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(model, nn.Module):
        raise SourceError(f"{what} returned {type(model).__name__}, not a torch.nn.Module")
    return model


def _kwargs_text(kwargs: dict[str, Any]) -> str:
    text = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
    return text if len(text) < 200 else text[:197] + "…"


def load_module_ref(ref: str, kwargs: dict[str, Any]) -> Loaded:
    """``package.module:Class`` (imported as Python imports it) or ``file.py:factory``."""
    file_match = _FILE_REF.match(ref)
    if file_match:
        path = Path(file_match["file"])
        if not path.is_file():
            raise SourceError(f"{path}: no such file")
        module_name = f"unetcalc_import_{re.sub(r'[^0-9A-Za-z_]', '_', path.stem)}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise SourceError(f"{path}: cannot be loaded as Python")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        sys.path.insert(0, str(path.resolve().parent))  # its own imports of files beside it
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise SourceError(f"{path} raised {type(exc).__name__} while loading: {exc}") from exc
        finally:
            sys.path.remove(str(path.resolve().parent))
        attr = file_match["attr"]
        if not hasattr(module, attr):
            raise SourceError(f"{path} has no `{attr}`")
        model = _call(getattr(module, attr), kwargs, f"{path.name}:{attr}")
        return Loaded(model, _snake(attr if attr[0].isupper() else path.stem), f"{ref}({_kwargs_text(kwargs)})")
    if not _MODULE_REF.match(ref):
        raise SourceError(
            f"SOURCE {ref!r}: write package.module:Class, path/to/file.py:factory, an nnU-Net plans.json, "
            "a MONAI bundle config, or a saved model with --trust"
        )
    module_name, attr = ref.split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise SourceError(f"cannot import {module_name}: {exc} (is it installed in this environment?)") from exc
    except Exception as exc:  # the package's own code failed while importing (a broken install): not ours
        raise SourceError(
            f"importing {module_name} raised {type(exc).__name__}: {exc} (a problem of that package's install: "
            "does `python -c 'import " + module_name + "'` work?)"
        ) from exc
    if not hasattr(module, attr):
        raise SourceError(f"{module_name} has no `{attr}`")
    model = _call(getattr(module, attr), kwargs, f"{module_name}.{attr}")
    return Loaded(model, _snake(attr), f"{module_name}.{attr}({_kwargs_text(kwargs)})")


def load_saved(path: Path, trust: bool) -> Loaded:
    """A whole model saved with torch.save(model): unpickling runs code, so only with --trust."""
    if not trust:
        raise SourceError(
            f"{path} is a pickled file: loading it runs any code it holds. Pass --trust if you made it "
            "yourself, or import the class that builds it (package.module:Class)"
        )
    import torch
    from torch import nn

    try:
        model = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:
        raise SourceError(f"{path}: torch.load raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(model, nn.Module):
        raise SourceError(
            f"{path} holds a {type(model).__name__}, not a whole model (a state_dict has no architecture: "
            "import the class that builds it)"
        )
    return Loaded(model, _snake(type(model).__name__), f"{path} ({type(model).__name__})")


def read_mapping(path: Path) -> dict[str, Any]:
    """A JSON or YAML file as a mapping (YAML loaded safely)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError(f"{path}: cannot read it ({exc})") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SourceError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}") from exc
    if not isinstance(data, dict):
        raise SourceError(f"{path}: expected a mapping at the top")
    return data


def is_bundle_config(data: dict[str, Any]) -> bool:
    return isinstance(data.get("network_def"), dict) and "_target_" in data["network_def"]


MAX_RESOLVED_VALUES = 100_000  # `@a: [@b, @b]`, `@b: [@c, @c]` … doubles at each level: bound the work


def _resolve(value: Any, config: dict[str, Any], path: Path, budget: list[int] | None = None, depth: int = 0) -> Any:
    """A bundle config value with its `@key` references replaced; `$` expressions are refused."""
    budget = budget if budget is not None else [MAX_RESOLVED_VALUES]
    budget[0] -= 1
    if depth > 20 or budget[0] < 0:
        raise SourceError(f"{path}: references nest too deep or expand to too many values")
    if isinstance(value, str):
        if value.startswith("@"):
            key = value[1:]
            if key not in config:
                raise SourceError(f"{path}: `{value}` names no top-level key")
            return _resolve(config[key], config, path, budget, depth + 1)
        if value.startswith("$"):
            raise SourceError(
                f"{path}: `{value[:60]}` is a Python expression; unetcalc does not evaluate them — "
                "write the value, or import the class with --kwargs"
            )
        return value
    if isinstance(value, list):
        return [_resolve(v, config, path, budget, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, config, path, budget, depth + 1) for k, v in value.items()}
    return value


def load_bundle(path: Path, data: dict[str, Any]) -> Loaded:
    """A MONAI bundle's network_def (``_target_`` + arguments), and its inferer's roi_size when given."""
    network = _resolve(data["network_def"], data, path)
    target = network.pop("_target_")
    if not isinstance(target, str):
        raise SourceError(f"{path}: network_def._target_ must be a class name")
    ref = target if ":" in target else _monai_ref(target)
    loaded = load_module_ref(ref, network)
    inferer = data.get("inferer")
    roi = None
    if isinstance(inferer, dict) and "roi_size" in inferer:
        roi_value = _resolve(inferer["roi_size"], data, path)
        if isinstance(roi_value, list) and all(isinstance(v, int) for v in roi_value):
            roi = tuple(roi_value)
    loaded.input_size = roi
    loaded.description = f"{path} network_def: {loaded.description}"
    if roi is not None:
        loaded.notes.append(f"roi_size {list(roi)} from the bundle's inferer")
    return loaded


def _monai_ref(target: str) -> str:
    """`UNet` or `monai.networks.nets.UNet` → an importable module:Class."""
    if "." not in target:
        return f"monai.networks.nets:{target}"
    module, _, attr = target.rpartition(".")
    return f"{module}:{attr}"
