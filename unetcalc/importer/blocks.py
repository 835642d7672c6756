"""Imported rows → spec v2 blocks: repeated submodules of one class and structure become one block.

The rows of a module (``model.1.submodule.0``) are those named under its path. Modules of the same
class whose rows have the same structure (ops, local names, what reads what) are one block; the
values that differ between them become the block's parameters (values that always differ together,
such as a residual unit's three `filters`, are one parameter). The block's own rows are factored the
same way (MONAI's ResidualUnit holds two Convolutions). A module is a block only when its rows are
contiguous, read nothing of their module but the module's input and tensors outside it, and only its
last row is read from outside — then the block is exactly those rows.

Plain data in and out; the caller proves the result by expanding it and comparing with the flat rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from unetcalc.importer.writer import Layer, row_text
from unetcalc.ops.registry import OPS
from unetcalc.spec.emit import flow

MAX_DEPTH = 6  # spec v2 nests blocks at most 8 deep
REF_KEYS = ("with", "to")


@dataclass(slots=True)
class Use:
    """A row that uses a block: ``{block: NAME, name: N, from: T, P: value}``."""

    block: str
    name: str
    source: str
    args: dict[str, Any]


@dataclass(slots=True)
class Block:
    name: str
    params: list[str]
    items: list[Layer | Use]


@dataclass(slots=True)
class Factored:
    blocks: dict[str, Block] = field(default_factory=dict)
    items: list[Layer | Use] = field(default_factory=list)


Item = Layer | Use


def _refs(item: Item) -> list[str]:
    names = [item.source]
    params = item.params if isinstance(item, Layer) else item.args
    for key in REF_KEYS:
        value = params.get(key)
        if isinstance(value, str):
            names.append(value)
        elif isinstance(value, list):
            names += [v for v in value if isinstance(v, str)]
    return names


def _rename(value: Any, mapping: dict[str, str]) -> Any:
    if isinstance(value, str):
        return mapping.get(value, value)
    if isinstance(value, list):
        return [mapping.get(v, v) if isinstance(v, str) else v for v in value]
    return value


class _Factorer:
    def __init__(self, classes: dict[str, str]) -> None:
        self.classes = classes  # module path → class name
        self.out = Factored()
        self.signatures: dict[Any, str] = {}  # structure → block name

    def block_name(self, class_name: str, signature: Any) -> str:
        if signature in self.signatures:
            return self.signatures[signature]
        # ConvDropoutNormReLU → conv_dropout_norm_relu, ResidualUnit → residual_unit, UNet → unet.
        words = class_name.replace("ReLU", "Relu").replace("UNet", "Unet")
        base = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", words).lower() or "block"
        base = re.sub(r"[^a-z0-9_]", "_", base)
        name, n = base, 2
        while name in self.out.blocks or name in self.signatures.values():
            name, n = f"{base}_{n}", n + 1
        self.signatures[signature] = name
        return name

    def scope(self, items: list[Item], prefix: str, scope_input: str, depth: int) -> list[Item]:
        """Factor ``items`` (names relative to this scope; ``prefix`` is its module path)."""
        if depth >= MAX_DEPTH:
            return items
        spans = self._spans(items, prefix, scope_input)
        groups: dict[Any, list[tuple[str, int, int, list[Item]]]] = defaultdict(list)
        for path, (start, stop) in spans.items():
            template = self._template(items, path, start, stop, outside_refs=depth == 0)
            if template is None:
                continue
            signature = (self.classes.get(_join(prefix, path), "?"), _structure(template))
            groups[signature].append((path, start, stop, template))
        # The outermost repeated modules first; a chosen module's insides are its block's business.
        chosen: list[tuple[Any, str, int, int, list[Item]]] = []
        taken: list[tuple[int, int]] = []
        candidates = [
            (signature, path, start, stop, template)
            for signature, members in groups.items()
            if len(members) >= 2
            for path, start, stop, template in members
        ]
        for signature, path, start, stop, template in sorted(candidates, key=lambda c: (c[1].count("."), c[2])):
            if any(start < b and a < stop for a, b in taken):  # overlaps (or holds, or sits in) a chosen one
                continue
            chosen.append((signature, path, start, stop, template))
            taken.append((start, stop))
        if not chosen:
            return items
        by_signature: dict[Any, list[tuple[str, int, int, list[Item]]]] = defaultdict(list)
        for signature, path, start, stop, template in chosen:
            by_signature[signature].append((path, start, stop, template))
        replacements: dict[int, tuple[int, Use]] = {}
        for signature, members in by_signature.items():
            if len(members) < 2:
                continue
            uses = self._define(signature, members, items, prefix, depth)
            for (_, start, stop, _), use in zip(members, uses, strict=True):
                replacements[start] = (stop, use)
        result: list[Item] = []
        outputs: dict[str, str] = {}  # a replaced module's last row → the use, which stands for it
        index = 0
        while index < len(items):
            if index in replacements:
                stop, use = replacements[index]
                result.append(use)
                outputs[items[stop - 1].name] = use.name
                index = stop
            else:
                result.append(items[index])
                index += 1
        # Rows inside a use are not names of this scope (`0.adn.A`): what read its output reads the use.
        for item in result:
            item.source = outputs.get(item.source, item.source)
            params = item.params if isinstance(item, Layer) else item.args
            for key in REF_KEYS:
                if key in params:
                    params[key] = _rename(params[key], outputs)
        return result

    def _spans(self, items: list[Item], prefix: str, scope_input: str) -> dict[str, tuple[int, int]]:
        """Module paths (relative) whose rows are one contiguous run that only its last row leaves."""
        first: dict[str, int] = {}
        last: dict[str, int] = {}
        for index, item in enumerate(items):
            parts = item.name.split(".")
            for cut in range(1, len(parts)):
                path = ".".join(parts[:cut])
                if _join(prefix, path) not in self.classes:
                    continue
                first.setdefault(path, index)
                last[path] = index
        spans: dict[str, tuple[int, int]] = {}
        for path, start in first.items():
            stop = last[path] + 1
            inside = items[start:stop]
            if not all(item.name.startswith(path + ".") for item in inside):
                continue
            names = {item.name for item in inside}
            output = inside[-1].name
            outside = items[:start] + items[stop:]
            if any(name in names and name != output for item in outside for name in _refs(item)):
                continue
            spans[path] = (start, stop)
        return spans

    def _template(self, items: list[Item], path: str, start: int, stop: int, outside_refs: bool) -> list[Item] | None:
        """The module's rows with local names; its input is ``in``; None when it is no clean block.

        Only at the top may rows read tensors outside the module besides its input (a skip: a block
        parameter whose value is a full name); inside a block such a name would be a local one."""
        inside = items[start:stop]
        names = {item.name for item in inside}
        block_input = inside[0].source
        if block_input in names:
            return None
        if not outside_refs and any(r not in names and r != block_input for item in inside for r in _refs(item)):
            return None
        mapping = {name: name[len(path) + 1 :] for name in names}
        mapping[block_input] = "in"
        template: list[Item] = []
        for item in inside:
            local = mapping[item.name]
            source = mapping.get(item.source, item.source)
            if isinstance(item, Layer):
                params = {k: (_rename(v, mapping) if k in REF_KEYS else v) for k, v in item.params.items()}
                template.append(Layer(item.op, local, source, params))
            else:
                args = {k: (_rename(v, mapping) if k in REF_KEYS else v) for k, v in item.args.items()}
                template.append(Use(item.block, local, source, args))
        return template

    def _define(
        self,
        signature: Any,
        members: list[tuple[str, int, int, list[Item]]],
        items: list[Item],
        prefix: str,
        depth: int,
    ) -> list[Use]:
        """One block for ``members`` (same class and structure): its parameters, rows and the uses."""
        templates = [m[3] for m in members]
        slots: dict[tuple[int, str], list[Any]] = {}  # (row, key) → its value in each member
        for row_index, rows in enumerate(zip(*templates, strict=True)):
            keys = _value_keys(rows[0])
            for key in keys:
                values = [_value(row, key) for row in rows]
                # A value that differs is a parameter; so is an outer block's `$param`, which an inner
                # block cannot see.
                if any(v != values[0] for v in values[1:]) or any(_is_placeholder(v) for v in values):
                    slots[(row_index, key)] = values
        # Slots whose values always agree are one parameter, named for its key (or row and key).
        by_values: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for slot, values in slots.items():
            by_values[repr(values)].append(slot)
        params: dict[str, list[tuple[int, str]]] = {}
        key_counts: dict[str, int] = defaultdict(int)
        for group in by_values.values():
            key_counts[_param_base(group[0][1])] += 1
        for group in by_values.values():
            row_index, key = group[0]
            base = _param_base(key)
            name = base if key_counts[base] == 1 else f"{_identifier(templates[0][row_index].name)}_{base}"
            while name in params:
                name += "_"
            params[name] = group
        body = [_copy(item) for item in templates[0]]
        for name, group in params.items():
            for row_index, key in group:
                _set_value(body[row_index], key, f"${name}")
        path0 = members[0][0]
        inner = self.scope(body, _join(prefix, path0), "in", depth + 1)
        # One block per class, structure, parameters and rows: equal ones found in two places are one.
        identity = (signature, tuple(params), repr(inner))
        block_name = self.block_name(signature[0], identity)
        self.out.blocks[block_name] = Block(block_name, list(params), inner)
        uses = []
        for member_index, (path, start, _, _) in enumerate(members):
            args = {name: slots[group[0]][member_index] for name, group in params.items()}
            uses.append(Use(block_name, path, items[start].source, args))
        return uses


def _is_placeholder(value: Any) -> bool:
    if isinstance(value, list):
        return any(_is_placeholder(v) for v in value)
    return isinstance(value, str) and value.startswith("$")


def _param_base(key: str) -> str:
    """A parameter's name: a tensor it reads (`from`, `with`, `to` outside the block) is a skip."""
    return "skip" if key in ("source", *REF_KEYS) else _identifier(key)


def _identifier(text: str) -> str:
    name = re.sub(r"[^0-9A-Za-z_]", "_", text).strip("_") or "p"
    return name if not name[0].isdigit() else f"p{name}"


def _value_keys(item: Item) -> list[str]:
    """The values a row's text shows (a Layer's keys the spec language has; a use's arguments)."""
    if isinstance(item, Layer):
        known = OPS.get(item.op, {})
        return ["source", *(k for k in item.params if k in known)]
    return ["source", *item.args]


def _value(item: Item, key: str) -> Any:
    if key == "source":
        return item.source
    params = item.params if isinstance(item, Layer) else item.args
    return params.get(key)


def _set_value(item: Item, key: str, value: Any) -> None:
    if key == "source":
        item.source = value
    elif isinstance(item, Layer):
        item.params[key] = value
    else:
        item.args[key] = value


def _copy(item: Item) -> Item:
    if isinstance(item, Layer):
        return Layer(item.op, item.name, item.source, dict(item.params))
    return Use(item.block, item.name, item.source, dict(item.args))


def _structure(template: list[Item]) -> Any:
    """What must be equal for two modules to be one block: ops, names, keys and the local wiring."""
    locals_ = {item.name for item in template} | {"in"}
    shape = []
    for item in template:
        refs = tuple(r if r in locals_ else "<outside>" for r in _refs(item))
        keys = tuple(sorted(_value_keys(item)))
        kind = item.op if isinstance(item, Layer) else f"block:{item.block}"
        shape.append((kind, item.name, keys, refs))
    return tuple(shape)


def _join(prefix: str, path: str) -> str:
    return f"{prefix}.{path}" if prefix else path


def factor(rows: list[Layer], classes: dict[str, str]) -> Factored:
    """Blocks for the repeated modules of ``rows`` (flat rows named by module path)."""
    factorer = _Factorer(classes)
    factorer.out.items = factorer.scope([_copy(row) for row in rows], "", "input", 0)  # rows stay as given
    return factorer.out


# -- YAML ------------------------------------------------------------------------------------------
def _items_yaml(items: list[Item], start: str, indent: str) -> list[str]:
    """Rows and uses; what reads the item before it says no `from` (a use's name stands for its output)."""
    lines = []
    previous = start
    for item in items:
        if isinstance(item, Layer):
            lines.append(indent + row_text(item, previous))
        else:
            row: dict[str, Any] = {"block": item.block, "name": item.name}
            if item.source != previous:
                row["from"] = item.source
            row.update(item.args)
            lines.append(indent + "- " + flow(row))
        previous = item.name
    return lines


def factored_body(factored: Factored) -> list[str]:
    """`version: 2`, the `blocks:` and the `layers:` of ``factored``."""
    lines = ["version: 2", "blocks:"]
    for block in factored.blocks.values():
        lines.append(f"  {block.name}:")
        if block.params:
            lines.append(f"    params: {flow(dict.fromkeys(block.params))}")
        lines.append("    layers:")
        lines += _items_yaml(block.items, "in", "      ")
    lines.append("layers:")
    lines += _items_yaml(factored.items, "input", "  ")
    return lines
