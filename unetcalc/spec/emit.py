"""A spec as YAML text, one flow-style row per layer: what `unetcalc expand` prints."""

from __future__ import annotations

from typing import Any

import yaml

from unetcalc.spec.model import Spec
from unetcalc.textsafe import printable

V2_ONLY_KEYS = ("version", "blocks", "unet", "decoder")


def _plain(value: Any) -> Any:
    """YMap/YList (and tuples) as plain dicts and lists, for the YAML dumper."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _flow(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=1 << 30, allow_unicode=True)
    return text.removesuffix("...\n").strip()  # a bare scalar ends with the document-end marker


def flat_yaml(spec: Spec) -> str:
    """The equivalent spec v1: blocks and templates expanded, every layer one row."""
    document = spec.expanded
    if document is None:
        return spec.text
    lines = [f"# {printable(spec.path)} expanded by unetcalc: spec v1, one row per layer"]
    if "name" not in document:
        lines.append(f"name: {_flow(spec.name)}")
    for key, value in document.items():
        if key in V2_ONLY_KEYS:
            continue
        if key == "layers":
            lines.append("layers:")
            lines += [f"  - {_flow(_plain(row))}" for row in value if row is not None]
        elif isinstance(value, dict):
            lines.append(f"{key}: {_flow(_plain(value))}")
        else:
            lines.append(yaml.safe_dump({str(key): _plain(value)}, sort_keys=False, allow_unicode=True).strip())
    return "\n".join(lines) + "\n"
