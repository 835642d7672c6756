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


class _SafeTextDumper(yaml.SafeDumper):
    """Strings holding a line break, a control, separator or bidi character are double-quoted, where
    YAML escapes them: a name with `\\n::error::` stays one line of output, never a CI command."""

    def represent_str(self, data: str) -> yaml.ScalarNode:
        if printable(data) != data:
            return self.represent_scalar("tag:yaml.org,2002:str", data, style='"')
        return super().represent_str(data)


_SafeTextDumper.add_representer(str, _SafeTextDumper.represent_str)


def flow(value: Any) -> str:
    """``value`` as one line of flow-style YAML that reads back to it, with nothing unsafe printed raw."""
    text = yaml.dump(
        value, Dumper=_SafeTextDumper, default_flow_style=True, sort_keys=False, width=1 << 30, allow_unicode=True
    )
    # What the dumper leaves raw inside double quotes (bidi and format characters) as YAML escapes.
    return printable(text.removesuffix("...\n").strip())  # a bare scalar ends with the document-end marker


def flat_yaml(spec: Spec) -> str:
    """The equivalent spec v1: blocks and templates expanded, every layer one row."""
    document = spec.expanded
    if document is None:  # a v1 spec: written again from its data, never its text as it is (see flow)
        from unetcalc.spec.yamlload import load_yaml_text

        document = load_yaml_text(spec.text).data
    lines = [f"# {printable(spec.path)} expanded by unetcalc: spec v1, one row per layer"]
    if "name" not in document:
        lines.append(f"name: {flow(spec.name)}")
    for key, value in document.items():
        if key in V2_ONLY_KEYS:
            continue
        if key == "layers":
            lines.append("layers:")
            lines += [f"  - {flow(_plain(row))}" for row in value if row is not None]
        elif isinstance(value, dict):
            lines.append(f"{key}: {flow(_plain(value))}")
        else:
            lines.append(f"{flow(str(key))}: {flow(_plain(value))}")
    return "\n".join(lines) + "\n"


def note_yaml(spec: Spec) -> str:
    """The spec v1 of a note's table (`unetcalc convert`): everything the note says, the Filters cells of rows
    that are not convs included, as declared channel counts (`out: ?x?x64`) the converted spec checks too."""
    document = spec.expanded
    if document is not None and spec.input is not None and spec.expected_channels:
        wildcard = "x".join("?" for _ in range(spec.input.rank))
        listed = {name: channels for name, channels, _ in spec.expected_channels}
        for row in document.get("layers") or []:
            if isinstance(row, dict) and row.get("name") in listed and "out" not in row:
                row["out"] = f"{wildcard}x{listed[row['name']]}"
    return flat_yaml(spec).replace(" expanded by unetcalc: spec v1", " converted by unetcalc: spec v1", 1)
