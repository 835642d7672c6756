"""Spec v2 blocks: named, parameterised groups of layers, expanded into the v1 layer list.

The expansion works on the YAML tree, so every expanded layer keeps the positions of its row in the
block definition and carries an :class:`Origin` naming the use it came from. The parser then reads
the flat list exactly as it reads a v1 spec; ``unetcalc expand`` prints it.

    blocks:
      double_conv:
        params: {filters: null, kernel: 3}     # null: required
        layers:
          - {op: conv, filters: $filters, kernel: $kernel, padding: same}
          - relu
    layers:
      - {block: double_conv, filters: 64, name: enc1}             # enc1.conv1, enc1.relu1
      - {block: basic_block, repeat: 3, filters: 64, name: layer1}  # layer1.0.conv1 … layer1.2.relu2

``$name`` is a parameter's value (any type; no quotes needed inside ``{…}``), ``${name}`` the same
inside a longer string (``"conv_${index}"``; ``index`` counts repetitions from 0).

Inside a block, ``from``/``with``/``to`` name the block's own layers or ``in`` (the block's input);
other names pass through (a parameter may carry an outer tensor's name). A layer with a false
``if:`` is left out and its name then stands for its input (a projection that only the first
repetition has). A block's output is its last layer, or the layer its ``output:`` names.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from unetcalc.findings.suggest import did_you_mean
from unetcalc.ops.registry import canonical_op
from unetcalc.spec.limits import MAX_LAYERS, MAX_SUBSTITUTED_CHARS
from unetcalc.spec.model import Origin
from unetcalc.spec.reporting import REPORTED, Report
from unetcalc.spec.rules import BAD_PARAMETER, MISSING_PARAMETER, UNKNOWN_KEY, UNKNOWN_OP
from unetcalc.spec.yamlload import Pos, YList, YMap

USE_KEYS = ("block", "name", "repeat", "first", "from")
BLOCK_KEYS = ("params", "layers", "output")
REF_KEYS = ("from", "with", "to")
MAX_BLOCK_DEPTH = 8
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_BARE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")  # `filters: $filters`: needs no quotes in a flow mapping
# A parameter and one operation with a number or another parameter: `$filters // 2`, `$a * $b`.
_ARITHMETIC = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*) ?(//|\*|\+|-) ?(\$[A-Za-z_][A-Za-z0-9_]*|[0-9]{1,9})")
_NOT = re.compile(r"not \$([A-Za-z_][A-Za-z0-9_]*)")
_NOT_AN_EXPRESSION = object()


@dataclass(slots=True)
class _Emitted:
    raw: YMap | str
    name: str  # the layer's name as the parser will give it (explicit, or its auto name)


class _Overflow(Exception):
    """Expansion passed a bound (reported where it happened): nothing more is expanded."""


class Expander:
    def __init__(self, blocks: dict[str, YMap], report: Report) -> None:
        self.blocks = blocks
        self.flat: list[tuple[Any, Pos]] = []
        self.emitted: list[_Emitted] = []
        self.counts: Counter[str] = Counter()  # the parser's auto-name counters, replayed
        self.aliases: dict[str, str] = {}  # instance name → its output layer
        self.block_counts: Counter[str] = Counter()
        self.pending_from: str | None = None  # a block whose output is not its last layer feeds the next row
        self.substituted = 0  # characters `${param}` substitution has produced: bounded
        self.reports = 0  # findings reported while expanding: rows left out for a reason already given

        def counted(*args: Any, **kwargs: Any) -> None:
            self.reports += 1
            report(*args, **kwargs)

        self.report: Report = counted

    # -- the top-level list ------------------------------------------------------------------
    def expand(self, layers: YList) -> YList:
        overflowed = False
        try:
            for raw, pos in zip(layers, layers.item_pos, strict=True):
                if isinstance(raw, YMap) and "block" in raw:
                    self.use(raw, pos, prefix="", origin_use=None, depth=0)
                else:
                    self.emit(self.outer_refs(raw), pos)
        except _Overflow:
            overflowed = True
        result = YList(item for item, _ in self.flat)
        # No rows left because every block use failed: why was said, "`layers` is empty" would say it again.
        result.unreadable = overflowed or (not self.flat and self.reports > 0)
        result.pos = layers.pos
        result.item_pos = [pos for _, pos in self.flat]
        return result

    def emit(self, raw: Any, pos: Pos) -> None:
        if len(self.flat) >= MAX_LAYERS:  # counted before each use; this catches what `if:` made uncountable
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("blocks-too-many", most=MAX_LAYERS),
                pos,
                hint="lower a `repeat`",
            )
            raise _Overflow
        if self.pending_from is not None and isinstance(raw, (YMap, str)):
            raw = _with_key(_as_map(raw, pos), "from", self.pending_from, pos)
            self.pending_from = None
        self.flat.append((raw, pos))
        op_raw = raw.get("op") if isinstance(raw, YMap) else raw
        op = canonical_op(op_raw) if isinstance(op_raw, str) else None
        self.counts[op or str(op_raw)] += 1
        name = raw.get("name") if isinstance(raw, YMap) else None
        auto = f"{op or op_raw}{self.counts[op or str(op_raw)]}"
        self.emitted.append(_Emitted(raw, name if isinstance(name, str) and name.strip() else auto))

    def previous(self) -> str:
        return self.emitted[-1].name if self.emitted else "input"

    def instance_outputs(self, names: Any) -> Any:
        """A name or list of names (`outputs:`) with each block use's name as its output layer."""
        return _map_names(names, lambda n: self.aliases.get(n, n))

    def outer_refs(self, raw: Any) -> Any:
        """A top-level row: names of block instances stand for their outputs."""
        if not isinstance(raw, YMap) or not any(_names(raw.get(k)) & self.aliases.keys() for k in REF_KEYS):
            return raw
        out = _copy(raw)
        for key in REF_KEYS:
            if key in raw:
                out[key] = _map_names(raw[key], lambda n: self.aliases.get(n, n))
        return out

    # -- one use of a block --------------------------------------------------------------------
    def use(self, use: YMap, pos: Pos, prefix: str, origin_use: Pos | None, depth: int) -> str | None:
        """Expand ``use``; return the name of its output layer (None when it could not be expanded)."""
        block_name = use.get("block")
        if not isinstance(block_name, str) or block_name not in self.blocks:
            self.report(
                UNKNOWN_OP,
                UNKNOWN_OP.says("block", block=block_name),
                use.value_pos.get("block", pos),
                hint=did_you_mean(str(block_name), list(self.blocks))
                or (f"blocks: {', '.join(self.blocks)}" if self.blocks else "define it under `blocks:`"),
            )
            return None
        if depth >= MAX_BLOCK_DEPTH:
            self.report(BAD_PARAMETER, BAD_PARAMETER.says("blocks-too-deep", most=MAX_BLOCK_DEPTH), pos)
            return None
        definition = self.blocks[block_name]
        params = definition.get("params") or YMap()
        self.block_counts[block_name] += 1
        name = use.get("name", f"{block_name}{self.block_counts[block_name]}")
        # A dotted name is a module path (`unit0.adn`, as a state_dict writes it): its rows are `unit0.adn.row`.
        if not isinstance(name, str) or not name.strip():
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("use-name", name=name),
                use.value_pos.get("name", pos),
            )
            return None
        full_name = f"{prefix}{name}"
        repeat = use.get("repeat", 1)
        if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("repeat", repeat=repeat),
                use.value_pos.get("repeat", pos),
            )
            return None
        args: dict[str, Any] = {}
        for key, value in use.items():
            if key in USE_KEYS:
                continue
            if key not in params:
                self.report(
                    UNKNOWN_KEY,
                    UNKNOWN_KEY.says("block-parameter", key=key, block=block_name),
                    use.key_pos[key],
                    hint=did_you_mean(str(key), [str(p) for p in params])
                    or f"`{block_name}` takes: {', '.join(map(str, params)) or 'no parameters'}",
                )
                continue
            args[key] = value
        first = use.get("first") or {}
        if not isinstance(first, dict):
            self.report(BAD_PARAMETER, BAD_PARAMETER.says("first"), use.value_pos["first"])
            first = {}
        missing = [str(k) for k, v in params.items() if v is None and k not in args and k not in first]
        if missing:
            self.report(
                MISSING_PARAMETER,
                MISSING_PARAMETER.says("block-needs", block=block_name, names=", ".join(f"`{m}`" for m in missing)),
                pos,
                hint=f"add {', '.join(f'`{m}:`' for m in missing)} to the use",
            )
            return None
        size = self.size_of(block_name, {**params, **args, **first}, depth)
        if len(self.flat) + repeat * size > MAX_LAYERS:
            count = f"more than {MAX_LAYERS:,}" if size > MAX_LAYERS else f"{repeat * size:,}"
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("repeat-too-many", repeat=repeat, block=block_name, count=count, most=MAX_LAYERS),
                use.value_pos.get("repeat", pos),
                hint="lower `repeat` (or the repeats inside the block)",
            )
            raise _Overflow
        origin_pos = origin_use or pos
        current = use.get("from")
        if current is not None and not isinstance(current, str):
            current = None
        current = self.aliases.get(current, current) if current is not None else None
        output: str | None = None
        for index in range(repeat):
            instance = full_name if repeat == 1 else f"{full_name}.{index}"
            values = _defaults_resolved(
                {**params, **args, **(first if index == 0 else {}), "index": index}, set(args) | set(first)
            )
            output = self.instance(definition, block_name, instance, values, current, origin_pos, depth)
            if output is None:
                return None
            current = output
        self.aliases[full_name] = current or self.previous()
        return current

    def instance(
        self,
        definition: YMap,
        block_name: str,
        instance: str,
        values: dict[str, Any],
        block_input: str | None,
        origin_use: Pos,
        depth: int,
    ) -> str | None:
        rows = definition.get("layers")
        if not isinstance(rows, YList) or not rows:
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("block-layers", block=block_name),
                definition.pos,
            )
            return None
        block_in = block_input or self.previous()
        # First pass: substitute, drop `if: false` rows, and name every row (local → full names).
        kept: list[tuple[Any, Pos]] = []
        local: dict[str, str] = {"in": block_in}
        counts: Counter[str] = Counter()
        last_local = "in"
        after_dropped = False  # the previous row was left out: the next one reads what it stood for
        for number, (raw, pos) in enumerate(zip(rows, rows.item_pos, strict=True)):
            row = self.substitute(raw, values, pos)
            if isinstance(row, YMap) and "if" in row:
                condition = row["if"]
                row = _without(row, "if")
                if not condition:
                    given, named = row.get("from"), row.get("name")
                    source: str = given if isinstance(given, str) else last_local
                    name: str = named if isinstance(named, str) else f"<row {number + 1}>"
                    local[name] = local.get(source, source)
                    last_local, after_dropped = name, True
                    continue
            if after_dropped and isinstance(row, (YMap, str)) and (not isinstance(row, YMap) or "from" not in row):
                row = _with_key(_as_map(row, pos), "from", last_local, pos)
            after_dropped = False
            if isinstance(row, YMap) and "block" in row:
                child = row.get("name")
                child = child if isinstance(child, str) else f"{row.get('block')}{counts[str(row.get('block'))] + 1}"
                counts[str(row.get("block"))] += 1
                local[child] = f"{instance}.{child}"
                last_local = child
                kept.append((_with_key(row, "name", child, pos), pos))
                continue
            op_raw = row.get("op") if isinstance(row, YMap) else row
            op = canonical_op(op_raw) if isinstance(op_raw, str) else None
            counts[op or str(op_raw)] += 1
            explicit = row.get("name") if isinstance(row, YMap) else None
            child = (
                explicit
                if isinstance(explicit, str) and explicit.strip()
                else f"{op or op_raw}{counts[op or str(op_raw)]}"
            )
            local[child] = f"{instance}.{child}"
            last_local = child
            kept.append((_with_key(_as_map(row, pos), "name", child, pos), pos))
        if not kept:
            self.report(BAD_PARAMETER, BAD_PARAMETER.says("block-all-left-out", block=block_name), definition.pos)
            return None
        # Second pass: full names and references, then emit (nested blocks recurse).
        start = len(self.emitted)
        for position, (row, pos) in enumerate(kept):
            row = _copy(row)
            child = row["name"]
            for key in REF_KEYS:
                if key in row:  # the block's own names, then block instances above (`skip: layer3`)
                    row[key] = _map_names(row[key], lambda n: local.get(n, self.aliases.get(n, n)))
            if position == 0 and "from" not in row and block_input is not None and block_input != self.previous():
                row = _with_key(row, "from", block_in, pos)
            if "block" in row:
                row = _with_key(row, "name", child, pos)
                if self.use(row, pos, prefix=f"{instance}.", origin_use=origin_use, depth=depth + 1) is None:
                    return None
                local[child] = self.aliases.get(f"{instance}.{child}", local[child])
                continue
            row = _with_key(row, "name", f"{instance}.{child}", pos)
            row.origin = Origin(instance, block_name, (origin_use.line, origin_use.column))  # type: ignore[attr-defined]
            self.emit(row, pos)
        output = definition.get("output")
        if output is not None:
            if not isinstance(output, str) or output not in local or output == "in":
                self.report(
                    BAD_PARAMETER,
                    BAD_PARAMETER.says("block-output", block=block_name, output=output),
                    definition.value_pos.get("output", definition.pos),
                )
                return None
            if local[output] != self.previous():
                self.pending_from = local[output]
            return local[output]
        return self.previous() if len(self.emitted) > start else block_in

    def size_of(self, block_name: str, values: dict[str, Any], depth: int) -> int:
        """How many layers one instance of ``block_name`` would emit with ``values`` (rows an `if:` may
        leave out are counted), without expanding it: at most MAX_LAYERS + 1, found in as many steps."""
        definition = self.blocks.get(block_name)
        rows = definition.get("layers") if definition is not None else None
        if not isinstance(rows, YList) or depth >= MAX_BLOCK_DEPTH:
            return 0  # use() reports it
        total = 0
        for raw in rows:
            if isinstance(raw, YMap) and "block" in raw:
                child = _quiet_value(raw.get("block"), values)
                repeat = _quiet_value(raw.get("repeat", 1), values)
                repeat = repeat if isinstance(repeat, int) and not isinstance(repeat, bool) and repeat > 0 else 1
                child_values = {key: _quiet_value(value, values) for key, value in raw.items()}
                child_params = (
                    self.blocks[child].get("params") if isinstance(child, str) and child in self.blocks else None
                )
                inner = {**(child_params or {}), **child_values}
                total += repeat * self.size_of(str(child), inner, depth + 1) if total <= MAX_LAYERS else 0
            else:
                total += 1
            if total > MAX_LAYERS:
                return MAX_LAYERS + 1
        return total

    # -- ${param} substitution -------------------------------------------------------------------
    def substitute(self, value: Any, values: dict[str, Any], pos: Pos) -> Any:
        if isinstance(value, YMap):
            out = _copy(value)
            for key, item in value.items():
                out[key] = self.substitute(item, values, value.value_pos.get(key, pos))
            return out
        if isinstance(value, YList):
            items = YList(self.substitute(item, values, p) for item, p in zip(value, value.item_pos, strict=True))
            items.pos, items.item_pos = value.pos, list(value.item_pos)
            return items
        if not isinstance(value, str) or "$" not in value:
            return value
        whole = _PLACEHOLDER.fullmatch(value) or _BARE.fullmatch(value)
        if whole:
            return self.lookup(whole.group(1), values, pos)
        computed = self.expression(value, values, pos)
        if computed is not _NOT_AN_EXPRESSION:
            return computed
        text = _PLACEHOLDER.sub(lambda m: str(self.lookup(m.group(1), values, pos)), value)
        self.substituted += len(text)
        if self.substituted > MAX_SUBSTITUTED_CHARS:  # `${p}${p}` a level doubles a string: bounded
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("substitution-too-long", most=MAX_SUBSTITUTED_CHARS),
                pos,
                hint="pass shorter strings to the block's parameters",
            )
            raise _Overflow
        return text

    def expression(self, text: str, values: dict[str, Any], pos: Pos) -> Any:
        """`$filters // 2`, `$filters * 2`, `$a + $b`, `not $project`: the arithmetic real blocks do on
        their widths (DoubleConv's mid channels, attention gates' inter channels), on whole numbers only."""
        negated = _NOT.fullmatch(text)
        if negated:
            value = self.lookup(negated.group(1), values, pos)
            return value if value is REPORTED else not value
        found = _ARITHMETIC.fullmatch(text)
        if not found:
            return _NOT_AN_EXPRESSION
        left = self.lookup(found.group(1), values, pos)
        right_text = found.group(3)
        right = self.lookup(right_text[1:], values, pos) if right_text.startswith("$") else int(right_text)
        operands = (left, right)
        if REPORTED in operands:
            return REPORTED
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in operands):
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("arithmetic", text=text, left=left, right=right),
                pos,
                hint="pass whole numbers to the block's parameters",
            )
            return REPORTED
        operator = found.group(2)
        if operator == "//" and right == 0:
            self.report(BAD_PARAMETER, BAD_PARAMETER.says("divides-by-zero", text=text), pos)
            return REPORTED
        return {"//": left // right, "*": left * right, "+": left + right, "-": left - right}[operator]

    def lookup(self, name: str, values: dict[str, Any], pos: Pos) -> Any:
        if name in values:
            return values[name]
        self.report(
            UNKNOWN_KEY,
            UNKNOWN_KEY.says("block-placeholder", name=name),
            pos,
            hint=did_you_mean(name, [str(k) for k in values]) or "declare it under the block's `params:`",
        )
        return REPORTED


def _defaults_resolved(values: dict[str, Any], given: set[str]) -> dict[str, Any]:
    """A default that names another parameter (`mid: $filters`, as DoubleConv's mid_channels defaults to
    its out_channels) takes that parameter's value; chains resolve, a cycle stays as written."""
    resolved = dict(values)
    for key, value in values.items():
        seen = {key}
        while key not in given and isinstance(value, str) and (whole := _BARE.fullmatch(value)):
            ref = whole.group(1)
            if ref in seen or ref not in values:
                break
            seen.add(ref)
            value = values[ref] if ref in given else resolved.get(ref, values[ref])
        resolved[key] = value
    return resolved


def _quiet_value(value: Any, values: dict[str, Any]) -> Any:
    """``$name`` as its value, without reporting (counting sizes; the expansion itself reports)."""
    if isinstance(value, str) and "$" in value:
        whole = _PLACEHOLDER.fullmatch(value) or _BARE.fullmatch(value)
        if whole:
            return values.get(whole.group(1))
    return value


def _names(value: Any) -> set[str]:
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {v for v in value if isinstance(v, str)}
    return set()


def _map_names(value: Any, rename: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return rename(value)
    if isinstance(value, YList):
        items = YList(rename(v) if isinstance(v, str) else v for v in value)
        items.pos, items.item_pos = value.pos, list(value.item_pos)
        return items
    return value


def _copy(raw: YMap) -> YMap:
    out = YMap(raw)
    out.pos, out.key_pos, out.value_pos = raw.pos, dict(raw.key_pos), dict(raw.value_pos)
    if hasattr(raw, "origin"):
        out.origin = raw.origin  # type: ignore[attr-defined]
    return out


def _as_map(raw: Any, pos: Pos) -> YMap:
    if isinstance(raw, YMap):
        return raw
    out = YMap({"op": raw})
    out.pos, out.key_pos, out.value_pos = pos, {"op": pos}, {"op": pos}
    return out


def _with_key(raw: YMap, key: str, value: Any, pos: Pos) -> YMap:
    out = _copy(raw)
    out[key] = value
    out.key_pos.setdefault(key, pos)
    out.value_pos.setdefault(key, pos)
    return out


def _without(raw: YMap, key: str) -> YMap:
    out = _copy(raw)
    out.pop(key, None)
    return out
