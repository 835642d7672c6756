"""YAML text → Spec, with a UC0xx finding for everything that is not spec v1."""

from __future__ import annotations

import dataclasses
import functools
import re
from collections import Counter
from pathlib import Path
from typing import Any

from unetcalc.findings.diagnostic import Diagnostic, Fix
from unetcalc.findings.rules import Rule, Said, in_block_uses
from unetcalc.findings.suggest import closest, did_you_mean
from unetcalc.ops import registry
from unetcalc.ops.base import COMMON_KEYS
from unetcalc.ops.registry import OPS, all_op_names, canonical_op
from unetcalc.spec.desugar import Desugar
from unetcalc.spec.limits import MAX_LAYERS
from unetcalc.spec.model import DeclaredShape, InputSpec, Layer, Spec
from unetcalc.spec.params import Param, ParamError, validate
from unetcalc.spec.reporting import REPORTED
from unetcalc.spec.rules import (
    BAD_PARAMETER,
    BAD_SHAPE,
    DUPLICATE_NAME,
    MISSING_PARAMETER,
    UNKNOWN_KEY,
    UNKNOWN_OP,
    YAML_SYNTAX,
)
from unetcalc.spec.shapetext import ShapeTextError, parse_declared, split_shape
from unetcalc.spec.yamlload import Pos, YamlProblem, YList, YMap, load_yaml_text
from unetcalc.textsafe import whole

NO_INPUT = Fix("input", "{channels: 1, size: [572, 572]}")  # the fix of a spec without `input`
TOP_KEYS = ("version", "name", "description", "input", "defaults", "blocks", "unet", "layers", "decoder", "outputs")
SYMBOL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_SPEC_BYTES = 20_000_000


MAX_FINDINGS_PER_RULE = 1_000  # of one rule in one file; the rest are counted in one more finding


class _Parser:
    def __init__(self, path: str) -> None:
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        self.counts: Counter[str] = Counter()
        self.more: dict[str, tuple[Rule, Pos | tuple[int, int]]] = {}

    def report(
        self,
        rule: Rule,
        message: Said,
        pos: Pos | tuple[int, int],
        hint: str = "",
        layer: str | None = None,
        fix: Fix | None = None,
    ) -> None:
        self.counts[rule.code] += 1
        if self.counts[rule.code] > MAX_FINDINGS_PER_RULE:  # 200,000 rows of one mistake: kept bounded
            self.more.setdefault(rule.code, (rule, pos))
            return
        line, column = (pos.line, pos.column) if isinstance(pos, Pos) else pos
        self.diagnostics.append(
            rule.finding(message, hint=hint, file=self.path, line=line, column=column, layer=layer, fix=fix)
        )

    def finished(self) -> list[Diagnostic]:
        """The findings, with one more for each rule reported more often than MAX_FINDINGS_PER_RULE."""
        for code, (rule, pos) in self.more.items():
            line, column = (pos.line, pos.column) if isinstance(pos, Pos) else pos
            extra = self.counts[code] - MAX_FINDINGS_PER_RULE
            self.diagnostics.append(
                rule.finding(
                    rule.says_more(extra, MAX_FINDINGS_PER_RULE),
                    hint="fix the ones shown: the others are likely the same mistake",
                    file=self.path,
                    line=line,
                    column=column,
                )
            )
        self.more.clear()
        return self.diagnostics

    # -- top level ---------------------------------------------------------
    def parse(self, data: Any) -> Spec:
        stem = Path(self.path).stem
        if not isinstance(data, YMap):
            pos = getattr(data, "pos", Pos(1, 1))
            kind = "a list" if isinstance(data, list) else f"a {type(data).__name__} value"
            self.report(
                YAML_SYNTAX,
                YAML_SYNTAX.says("top-level", kind=kind),
                pos,
                hint="start the file with `name:`, `input:` and `layers:` keys",
            )
            return Spec(self.path, stem, None, [], self.finished())
        self._unknown_keys(data, TOP_KEYS, "top-level", "spec keys")
        version = data.get("version", 1)
        if version not in (1, 2):
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("version", version=version),
                data.value_pos.get("version", data.pos),
            )
        name = data.get("name", stem)
        if isinstance(name, (int, float)) and not isinstance(name, bool):
            name = str(name)  # `name: 2015`
        elif not isinstance(name, str) or not name.strip():
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("name", name=name),
                data.value_pos.get("name", data.pos),
                hint=f"write e.g. `name: {stem}`, or leave `name` out to use the file name",
            )
            name = stem
        spec_input = self._input(data)
        rank = spec_input.rank if spec_input else None
        defaults = self._defaults(data.get("defaults"), rank, data.value_pos.get("defaults", data.pos))
        v2 = Desugar(self.report, self._unknown_keys)
        expanded = v2.templates(v2.blocks(data), spec_input)
        layers = self._layers(expanded, rank, defaults)
        self._merge_block_findings(layers)
        spec = Spec(self.path, name, spec_input, layers, self.finished())
        spec.expanded = expanded if expanded is not data else None
        spec.outputs, spec.outputs_stacked = self._outputs(expanded)
        return spec

    def _outputs(self, data: YMap) -> tuple[tuple[tuple[str, tuple[int, int]], ...], bool]:
        """`outputs: [seg, ds1, ds2]` (or one name): the tensors the network returns, in that order;
        `outputs: {stack: [seg, ds1, ds2]}`: returned as one tensor, stacked along a new axis 1."""
        value = data.get("outputs")
        if value is None:
            return (), False
        pos = data.value_pos["outputs"]
        stacked = isinstance(value, YMap)
        if stacked:
            if list(value) != ["stack"] or not isinstance(value["stack"], YList) or len(value["stack"]) < 2:
                self.report(
                    BAD_PARAMETER,
                    BAD_PARAMETER.says("outputs-stack"),
                    pos,
                    hint="e.g. `outputs: {stack: [seg, ds1, ds2]}` (DynUNet's deep supervision in training)",
                )
                return (), False
            pos, value = value.value_pos["stack"], value["stack"]
        items = value if isinstance(value, YList) else YList([value])
        positions = value.item_pos if isinstance(value, YList) else [pos]
        if not items or not all(isinstance(v, str) and v for v in items):
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("outputs"),
                pos,
                hint="e.g. `outputs: [seg, ds1, ds2]` (deep supervision)",
            )
            return (), False
        return tuple((name, (p.line, p.column)) for name, p in zip(items, positions, strict=True)), stacked

    def _unknown_keys(self, mapping: YMap, allowed: tuple[str, ...], variant: str, listing: str) -> None:
        """UC003 for each key of ``mapping`` not in ``allowed``, with a did-you-mean or the list."""
        for key in mapping:
            if key not in allowed:
                self.report(
                    UNKNOWN_KEY,
                    UNKNOWN_KEY.says(variant, key=key),
                    mapping.key_pos[key],
                    hint=did_you_mean(str(key), allowed) or f"{listing}: {', '.join(allowed)}",
                )

    def _merge_block_findings(self, layers: list[Layer]) -> None:
        """A finding in a block definition is one finding, however many times the block is used."""
        origin = {layer.name: layer.origin for layer in layers if layer.origin is not None}
        if not origin:
            return
        kept: list[Diagnostic] = []
        groups: dict[tuple[str, int, int], list[Diagnostic]] = {}
        for finding in self.diagnostics:
            if finding.layer not in origin:
                kept.append(finding)
                continue
            key = (finding.code, finding.line, finding.column)
            if key not in groups:
                groups[key] = []
                kept.append(finding)
            groups[key].append(finding)
        for index, finding in enumerate(kept):
            group = groups.get((finding.code, finding.line, finding.column))
            if not group or group[0] is not finding:
                continue
            origins = [o for f in group if (o := origin.get(f.layer or "")) is not None]
            uses = sorted({o.use[0] for o in origins})
            kept[index] = dataclasses.replace(
                finding,
                message=in_block_uses(Said(finding.message), origins[0].block, uses, [o.instance for o in origins]),
            )
        self.diagnostics[:] = kept

    def _input(self, data: YMap) -> InputSpec | None:
        value = data.get("input")
        if value is None:
            self.report(
                MISSING_PARAMETER,
                MISSING_PARAMETER.says("no-input"),
                data.pos,
                hint=NO_INPUT.phrase(),
                fix=NO_INPUT,
            )
            return None
        pos = data.value_pos["input"]
        if not isinstance(value, YMap):
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("input"),
                pos,
                hint="e.g. `input: {channels: 1, size: [572, 572]}`",
            )
            return None
        for key in value:
            if key not in ("channels", "size", "multiple_of"):
                self.report(
                    UNKNOWN_KEY,
                    UNKNOWN_KEY.says("input-key", key=key),
                    value.key_pos[key],
                    hint=did_you_mean(str(key), ("channels", "size", "multiple_of")),
                )
        channels = value.get("channels", 1)
        try:
            channels = validate(Param("count"), channels, None, "input channels")
        except ParamError as exc:
            self.report(
                BAD_PARAMETER, BAD_PARAMETER.says("value", problem=str(exc)), value.value_pos.get("channels", pos)
            )
            channels = None
        size = value.get("size")
        size_pos = value.value_pos.get("size", pos)
        sizes = self._input_size(size, size_pos)
        if sizes is None or channels is None:
            return None
        multiple: tuple[int, ...] = ()
        if "multiple_of" in value:
            multiple_pos = value.value_pos.get("multiple_of", pos)
            try:
                multiple = validate(Param("axes_pos"), value["multiple_of"], len(sizes), "`input.multiple_of`")
            except ParamError as exc:
                self.report(BAD_PARAMETER, BAD_PARAMETER.says("value", problem=str(exc)), multiple_pos)
                return None
            return InputSpec(channels, sizes, multiple, (multiple_pos.line, multiple_pos.column))
        return InputSpec(channels, sizes)

    def _input_size(self, size: Any, pos: Pos) -> tuple[int | str, ...] | None:
        if size is None:
            self.report(
                MISSING_PARAMETER,
                MISSING_PARAMETER.says("no-size"),
                pos,
                hint="e.g. `size: [572, 572]` or `size: [H, W]`",
            )
            return None
        if isinstance(size, str):  # "572x572" written as a shape
            try:
                declared = parse_declared(size, len(split_shape(size)))
                size = list(declared.size or ())
            except ShapeTextError:
                size = [size]
        if isinstance(size, int) and not isinstance(size, bool):
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("scalar-size", size=whole(size)),
                pos,
                hint=f"write `[{whole(size)}]` for 1D or `[{whole(size)}, {whole(size)}]` for 2D",
            )
            return None
        if not isinstance(size, list) or not 1 <= len(size) <= 3:
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("rank"),
                pos,
                hint="e.g. `[572, 572]` (2D), `[128, 128, 128]` (3D), or symbols `[H, W]`",
            )
            return None
        out: list[int | str] = []
        for entry in size:
            is_symbol = isinstance(entry, str) and SYMBOL.match(entry)
            is_size = isinstance(entry, int) and not isinstance(entry, bool) and 1 <= entry <= 10_000_000
            if is_symbol or is_size:
                out.append(entry)
            elif isinstance(entry, int) and not isinstance(entry, bool) and entry > 10_000_000:
                self.report(
                    BAD_PARAMETER,
                    BAD_PARAMETER.says("size-too-large", size=whole(entry)),
                    pos,
                    hint="write the size of one tile or patch, or a symbol such as `H` for any size",
                )
                return None
            else:
                self.report(
                    BAD_PARAMETER,
                    BAD_PARAMETER.says("size-entry", entry=entry),
                    pos,
                    hint="sizes are whole numbers ≥ 1; a symbol is a name such as `H`",
                )
                return None
        return tuple(out)

    def _defaults(self, value: Any, rank: int | None, pos: Pos) -> dict[str, dict[str, Any]]:
        if value is None:
            return {}
        if not isinstance(value, YMap):
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("defaults"),
                pos,
                hint="e.g. `defaults: {conv: {kernel: 3, padding: same}}`",
            )
            return {}
        result: dict[str, dict[str, Any]] = {}
        for op_name, params in value.items():
            op = canonical_op(str(op_name))
            if op is None:
                self.report(
                    UNKNOWN_OP,
                    UNKNOWN_OP.says("defaults-op", op=op_name),
                    value.key_pos[op_name],
                    hint=did_you_mean(str(op_name), all_op_names()),
                )
                continue
            if not isinstance(params, YMap):
                self.report(BAD_PARAMETER, BAD_PARAMETER.says("defaults-entry", op=op_name), value.value_pos[op_name])
                continue
            result[op] = {}
            for key, raw in params.items():
                schema = OPS[op].get(key)
                if schema is None:
                    self.report(
                        UNKNOWN_KEY,
                        UNKNOWN_KEY.says("parameter", key=key, op=op),
                        params.key_pos[key],
                        hint=did_you_mean(str(key), OPS[op]) or self._params_hint(op),
                    )
                    continue
                try:
                    result[op][key] = validate(schema, raw, rank, f"`{key}`")
                except ParamError as exc:
                    self.report(BAD_PARAMETER, BAD_PARAMETER.says("value", problem=str(exc)), params.value_pos[key])
        return result

    # -- layers ------------------------------------------------------------
    def _layers(self, data: YMap, rank: int | None, defaults: dict[str, dict[str, Any]]) -> list[Layer]:
        raw_layers = data.get("layers")
        if raw_layers is None:
            self.report(
                MISSING_PARAMETER,
                MISSING_PARAMETER.says("no-layers"),
                data.pos,
                hint="add `layers:` with one entry per layer",
            )
            return []
        if isinstance(raw_layers, YList) and raw_layers.unreadable:
            return []  # the rows could not be made, and why was reported
        if not isinstance(raw_layers, YList) or not raw_layers:
            self.report(BAD_PARAMETER, BAD_PARAMETER.says("layers"), data.value_pos["layers"])
            return []
        if len(raw_layers) > MAX_LAYERS:
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("too-many-layers", count=len(raw_layers), most=MAX_LAYERS),
                raw_layers.item_pos[MAX_LAYERS],
                hint="split the network into several specs",
            )
            return []
        counts: Counter[str] = Counter()
        layers: list[Layer] = []
        for index, (raw, pos) in enumerate(zip(raw_layers, raw_layers.item_pos, strict=True)):
            layer = self._layer(index, raw, pos, rank, defaults, counts)
            layers.append(layer)
        self._check_names(layers)
        return layers

    def _layer(
        self,
        index: int,
        raw: Any,
        pos: Pos,
        rank: int | None,
        defaults: dict[str, dict[str, Any]],
        counts: Counter[str],
    ) -> Layer:
        if isinstance(raw, str):
            raw_map = YMap({"op": raw})
            raw_map.pos, raw_map.key_pos, raw_map.value_pos = pos, {"op": pos}, {"op": pos}
            raw = raw_map
        if not isinstance(raw, YMap):
            self.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("layer"),
                pos,
                hint="e.g. `- {op: conv, filters: 64}` or `- relu`",
            )
            return Layer(index, "?", f"layer{index + 1}", pos.line, pos.column, valid=False)
        key_lines = {str(k): (p.line, p.column) for k, p in raw.value_pos.items()}
        op_raw = raw.get("op")
        op = canonical_op(op_raw) if isinstance(op_raw, str) else None
        counts[op or str(op_raw)] += 1
        default_name = f"{op or op_raw}{counts[op or str(op_raw)]}"
        name = raw.get("name", default_name)
        explicit = "name" in raw
        if not isinstance(name, str) or not name.strip():
            self.report(BAD_PARAMETER, BAD_PARAMETER.says("layer-name", name=name), raw.value_pos["name"])
            name, explicit = default_name, False
        layer = Layer(
            index,
            op or str(op_raw),
            name,
            pos.line,
            pos.column,
            key_lines=key_lines,
            explicit_name=explicit,
            origin=getattr(raw, "origin", None),
        )
        if REPORTED in (op_raw, name) or any(raw.get(key) is REPORTED for key in ("from", "run")):
            layer.valid = False  # a value the block expansion could not compute, and reported
            return layer
        if op_raw is None:
            self.report(MISSING_PARAMETER, MISSING_PARAMETER.says("no-op"), pos, hint="add e.g. `op: conv`", layer=name)
            layer.valid = False
            return layer
        if op is None:
            self.report(
                UNKNOWN_OP,
                UNKNOWN_OP.says("unknown", op=op_raw),
                raw.value_pos["op"],
                hint=did_you_mean(str(op_raw), all_op_names()) or f"ops: {', '.join(all_op_names())}",
                layer=name,
            )
            layer.valid = False
            return layer
        self._layer_params(layer, raw, rank, defaults.get(op, {}))
        if "run" in raw:
            if isinstance(raw["run"], bool):
                layer.runs = raw["run"]
            else:
                self.report(
                    BAD_PARAMETER,
                    BAD_PARAMETER.says("run", value=raw["run"]),
                    raw.value_pos["run"],
                    hint="`run: false` keeps a layer's module (its parameters) without running it",
                    layer=name,
                )
        return layer

    def _params_hint(self, op: str) -> str:
        names = ", ".join(OPS[op]) or "none"
        return f"`{op}` takes: {names}"

    def _layer_params(self, layer: Layer, raw: YMap, rank: int | None, op_defaults: dict[str, Any]) -> None:
        schema = OPS[layer.op]
        misspelt: set[str] = set()  # required keys that a typo'd key stands for: one finding, not two
        for key in raw:
            if key in COMMON_KEYS or key in schema:
                continue
            other = [o for o, ps in OPS.items() if key in ps]
            match = closest(str(key), [*schema, *COMMON_KEYS])
            if match:
                misspelt.add(match)
            hint = f"did you mean `{match}`?" if match else ""
            if not hint and other:
                hint = f"`{key}` belongs to {', '.join(other[:3])}; {self._params_hint(layer.op)}"
            self.report(
                UNKNOWN_KEY,
                UNKNOWN_KEY.says("parameter", key=key, op=layer.op),
                raw.key_pos[key],
                hint=hint or self._params_hint(layer.op),
                layer=layer.name,
            )
        for key, param in schema.items():
            if raw.get(key) is REPORTED:
                layer.valid = False  # the block expansion could not compute it, and said why
            elif key in raw:
                try:
                    layer.params[key] = _validated(param, raw[key], rank, key)
                except ParamError as exc:
                    self.report(
                        BAD_PARAMETER,
                        BAD_PARAMETER.says("value", problem=str(exc)),
                        raw.value_pos[key],
                        layer=layer.name,
                    )
                    layer.valid = False
            elif key in op_defaults:
                layer.params[key] = op_defaults[key]
                layer.defaulted.add(key)
            elif param.required:
                if key not in misspelt:
                    self.report(
                        MISSING_PARAMETER,
                        MISSING_PARAMETER.says("needs", op=layer.op, key=key),
                        raw.pos,
                        layer=layer.name,
                        hint=f"add `{key}:` to the layer (or to `defaults.{layer.op}`)",
                    )
                layer.valid = False
            elif param.default is not None:
                layer.params[key] = _validated(param, param.default, rank, key)
            else:
                layer.params[key] = None
        for key, param in schema.items():  # defaults that are another parameter's value (stride = kernel)
            if param.default_from is not None and layer.params.get(key) is None:
                layer.params[key] = layer.params.get(param.default_from)
        if layer.valid:
            self._between_parameters(layer, rank)
        self._references(layer, raw)
        for key in ("in", "out"):
            if key in raw and rank is not None:
                try:
                    shape: DeclaredShape = parse_declared(raw[key], rank)
                except ShapeTextError as exc:
                    self.report(
                        BAD_SHAPE,
                        BAD_SHAPE.says("unreadable", key=key, value=raw[key], problem=exc),
                        raw.value_pos[key],
                        layer=layer.name,
                    )
                    continue
                if key == "in":
                    layer.declared_in = shape
                else:
                    layer.declared_out = shape

    def _between_parameters(self, layer: Layer, rank: int | None) -> None:
        """Checks between the parameters of one layer that PyTorch makes when it builds or runs the module."""
        for check in registry.definition(layer.op).checks:
            problem = check(layer.params, rank)
            if problem is not None:
                message, key, hint = problem
                self.report(
                    BAD_PARAMETER,
                    BAD_PARAMETER.says("between", problem=message),
                    layer.where(key),
                    hint=hint,
                    layer=layer.name,
                )
                layer.valid = False
                return

    def _references(self, layer: Layer, raw: YMap) -> None:
        source = raw.get("from")
        if source is not None:
            if isinstance(source, str) and source:
                layer.source = source
            else:
                self.report(
                    BAD_PARAMETER,
                    BAD_PARAMETER.says("from", source=source),
                    raw.value_pos["from"],
                    layer=layer.name,
                )
                layer.valid = False
        op = registry.definition(layer.op)
        if op.joins and layer.params.get("with"):
            layer.refs = tuple(layer.params["with"])
        if op.exactly_one_of is not None:
            keys, example = op.exactly_one_of.keys, op.exactly_one_of.example
            given = [k for k in keys if layer.params.get(k) is not None]
            if len(given) != 1:
                self.report(
                    MISSING_PARAMETER,
                    MISSING_PARAMETER.says(
                        "one-of" if given else "one-of-none",
                        op=layer.op,
                        keys=", ".join(f"`{k}`" for k in keys),
                        **({"given": " and ".join(f"`{k}`" for k in given)} if given else {}),
                    ),
                    raw.pos,
                    layer=layer.name,
                    hint=f"e.g. {example}",
                )
                layer.valid = False
            elif given == ["to"]:
                layer.refs = (layer.params["to"],)

    def _check_names(self, layers: list[Layer]) -> None:
        seen: dict[str, Layer] = {}
        for layer in layers:
            if layer.name == "input":
                self.report(
                    DUPLICATE_NAME,
                    DUPLICATE_NAME.says("reserved"),
                    layer.where("name"),
                    layer=layer.name,
                    hint="choose another name",
                )
            elif layer.name in seen:
                first = seen[layer.name]
                layer.id = f"{layer.name}@{layer.line}"
                self.report(
                    DUPLICATE_NAME,
                    DUPLICATE_NAME.says("twice", name=layer.name, line=first.line),
                    layer.where("name"),
                    layer=layer.name,
                    hint="rename one of the two layers",
                )
            else:
                seen[layer.name] = layer


def _validated(param: Param, value: Any, rank: int | None, key: str) -> Any:
    """validate(), remembered for plain values: a big spec repeats `filters: 64`, `kernel: 3` on every layer."""
    if type(value) is not int and type(value) is not str:
        return validate(param, value, rank, f"`{key}`")
    return _validated_plain(param, value, rank, key)


@functools.lru_cache(maxsize=4096)
def _validated_plain(param: Param, value: int | str, rank: int | None, key: str) -> Any:
    """An int or str (never a bool: it does not come here) validates to an int, a str or a tuple of them:
    immutable, so one result is shared. A ParamError is raised each time, never kept."""
    return validate(param, value, rank, f"`{key}`")


def parse_text(text: str, path: str = "<spec>") -> Spec:
    """Parse spec text; never raises for bad input, findings are in ``spec.diagnostics``."""
    parser = _Parser(path)
    try:
        loaded = load_yaml_text(text)
    except YamlProblem as exc:
        parser.report(
            YAML_SYNTAX, YAML_SYNTAX.says("syntax", problem=exc.message), exc.pos, hint="fix the YAML at this line"
        )
        return Spec(path, Path(path).stem, None, [], parser.diagnostics, text=text)  # the line is shown
    for key, pos in loaded.duplicate_keys:
        parser.report(
            UNKNOWN_KEY,
            UNKNOWN_KEY.says("duplicate-key", key=key),
            pos,
            hint="remove one of them",
        )
    for written, value, pos in loaded.surprising_numbers:
        kind = "an octal" if ":" not in written else "a base-60 (sexagesimal)"
        parser.report(
            BAD_PARAMETER,
            BAD_PARAMETER.says("yaml11-number", written=written, kind=kind, value=value),
            pos,
            hint="write the number without a leading zero or colon (or quote it if it is text)",
        )
    spec = parser.parse(loaded.data)
    spec.text = text
    return spec


def parse_note(text: str, path: str, documents: bool = False) -> tuple[list[Spec], int]:
    """The layer tables of a markdown note as specs (one per table), and how many other tables it has.

    ``documents``: keep each table's spec document (``spec.expanded``, what `convert` and `expand`
    write); a check leaves it out, which halves the memory a note of 100,000 rows takes."""
    from unetcalc.spec.markdown import find_tables, table_document

    tables, skipped = find_tables(text)
    specs = []
    for table in tables:
        parser = _Parser(path)
        if table.names_no_operation:
            parser.report(
                UNKNOWN_OP,
                UNKNOWN_OP.says("note-no-operation"),
                Pos(table.header_line, 1),
                hint="add an `Operation` column (`Conv 3x3`, `Max Pooling 2x2`, `Up-conv 2x2`, `Concat with conv3`)",
            )
            specs.append(Spec(path, table.heading or Path(path).stem, None, [], parser.finished(), text=text))
            continue
        if len(table.rows) > MAX_LAYERS:  # before a row becomes a layer: the work stays bounded
            parser.report(
                BAD_PARAMETER,
                BAD_PARAMETER.says("too-many-rows", count=len(table.rows), most=MAX_LAYERS),
                table.rows[MAX_LAYERS][0].pos if table.rows[MAX_LAYERS] else Pos(table.header_line, 1),
                hint="split the network into several tables",
            )
            specs.append(Spec(path, table.heading or Path(path).stem, None, [], parser.diagnostics, text=text))
            continue
        document, expected = table_document(table, parser.report)
        table.rows.clear()  # the document holds what the cells said: the cells go before the layers are made
        spec = parser.parse(document)
        spec.text = text
        spec.expanded = document if documents else None
        spec.expected_channels = tuple((name, channels, (pos.line, pos.column)) for name, channels, pos in expected)
        spec.readings = tuple(table.readings)
        specs.append(spec)
    return specs, skipped


def parse_bytes(data: bytes, path: str) -> Spec:
    if len(data) > MAX_SPEC_BYTES:
        parser = _Parser(path)
        parser.report(YAML_SYNTAX, YAML_SYNTAX.says("too-large", most=MAX_SPEC_BYTES), Pos(1, 1))
        return Spec(path, Path(path).stem, None, [], parser.diagnostics)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        parser = _Parser(path)
        line = data[: exc.start].count(b"\n") + 1
        parser.report(
            YAML_SYNTAX,
            YAML_SYNTAX.says("not-utf8", offset=exc.start),
            Pos(line, 1),
            hint="save the spec as UTF-8 YAML",
        )
        return Spec(path, Path(path).stem, None, [], parser.diagnostics)
    return parse_text(text, path)
