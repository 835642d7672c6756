"""Safe YAML loading that keeps the line and column of every key and value.

Only ``yaml.SafeLoader`` is used, so a spec can never construct Python
objects. Aliases are expanded with a node budget, so an alias bomb is
rejected quickly instead of exhausting memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml

from unetcalc.sourcelines import yaml_lines
from unetcalc.spec.limits import MAX_NUMBER_DIGITS
from unetcalc.spec.yamldata import INT_TAG, MAX_NODES, STR_TAG, Pos, YList, YMap, plain_decimal, plain_tag
from unetcalc.spec.yamllines import read_layer_lines

__all__ = ["MAX_NODES", "LoadedYaml", "Pos", "YList", "YMap", "YamlProblem", "load_yaml_text"]

# An alias bomb repeats a few written nodes through aliases: it is the repeated nodes that are
# counted and limited. A big honest file is limited by its bytes (parse.MAX_SPEC_BYTES) instead.
MAX_ALIAS_NODES = 200_000
MAX_DEPTH = 64
# YAML 1.1 (PyYAML's dialect) reads `010` as octal 8 and `1:20` as sexagesimal 80: nobody means that.
_SURPRISING_NUMBER = re.compile(r"[-+]?(0[0-7_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?)")
_NUMBER_TAGS = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float")
_MERGE_TAG = "tag:yaml.org,2002:merge"
_PLAIN_TAGS = ("tag:yaml.org,2002:map", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:omap")


# libyaml's parser when PyYAML was built with it (10× faster on large specs); both are safe loaders.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlProblem(Exception):
    """Raised only inside the loader; the caller turns it into a UC001 finding."""

    def __init__(self, message: str, pos: Pos | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos or Pos(1, 1)


def _pos(node: yaml.Node) -> Pos:
    return Pos(node.start_mark.line + 1, node.start_mark.column + 1)


class _Converter:
    def __init__(self, loader: yaml.SafeLoader | yaml.CSafeLoader, release: bool = False) -> None:
        self.loader = loader
        # Without anchors no node is read twice: each converted subtree can go at once, so a 100k-layer
        # spec never holds its node tree (~3 KB a layer) and its data at the same time.
        self.release = release
        self.count = 0
        self.alias_count = 0  # nodes converted again because an alias (or a merge key) repeats them
        self.seen: set[int] = set()
        self.inside_alias = 0
        self.duplicate_keys: list[tuple[str, Pos]] = []
        self.surprising_numbers: list[tuple[str, Any, Pos]] = []

    def convert(self, node: yaml.Node, depth: int = 0) -> Any:
        key = id(node)
        if key in self.seen:  # an alias (or merge key) repeats this node: its whole subtree counts
            self.inside_alias += 1
            try:
                return self._convert(node, depth)
            finally:
                self.inside_alias -= 1
        self.seen.add(key)
        return self._convert(node, depth)

    def _convert(self, node: yaml.Node, depth: int) -> Any:
        self.count += 1
        if type(node) is yaml.ScalarNode and node.tag == INT_TAG:
            _refuse_huge_number(node.value, _pos(node))
        if type(node) is yaml.ScalarNode and not self.inside_alias:
            # The common scalars without PyYAML's constructor machinery (a third of a big spec's time):
            # strings as written, plain decimal integers. Anything else takes the general path below.
            if node.tag == STR_TAG:
                return node.value
            text = node.value
            if node.tag == INT_TAG and plain_decimal(text):
                return int(text)
        self.alias_count += self.inside_alias > 0
        if self.alias_count > MAX_ALIAS_NODES:
            raise YamlProblem(
                f"aliases repeat more than {MAX_ALIAS_NODES:,} nodes (a YAML alias bomb?)",
                _pos(node),
            )
        if self.count > MAX_NODES:
            raise YamlProblem(f"the document has more than {MAX_NODES:,} nodes", _pos(node))
        if depth > MAX_DEPTH:
            raise YamlProblem(f"the document nests deeper than {MAX_DEPTH} levels", _pos(node))
        if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
            raise YamlProblem(f"the YAML tag {node.tag} is not allowed: a spec holds plain data only", _pos(node))
        if isinstance(node, yaml.MappingNode):
            written = sum(1 for key_node, _ in node.value if key_node.tag != _MERGE_TAG)
            self.loader.flatten_mapping(node)  # merge keys (<<) as PyYAML does: merged entries first
            merged = len(node.value) - written
            result = YMap()
            result.pos, result.key_pos, result.value_pos = _pos(node), {}, {}
            written_keys: set[Any] = set()
            for index, (key_node, value_node) in enumerate(node.value):
                key = self.convert(key_node, depth + 1)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    raise YamlProblem("a mapping key must be a plain value", _pos(key_node))
                if index >= merged:  # a key written here; one that overrides a merged key is no duplicate
                    if key in written_keys:
                        self.duplicate_keys.append((str(key), _pos(key_node)))
                    written_keys.add(key)
                result[key] = self.convert(value_node, depth + 1)
                result.key_pos[key] = _pos(key_node)
                result.value_pos[key] = _pos(value_node)
            return result
        if isinstance(node, yaml.SequenceNode):
            items = YList()
            items.pos, items.item_pos = _pos(node), []
            for index, item in enumerate(node.value):
                items.append(self.convert(item, depth + 1))
                items.item_pos.append(_pos(item))
                if self.release:
                    node.value[index] = None
            return items
        value = self.loader.construct_object(node, deep=True)
        if not getattr(node, "style", None) and node.tag in _NUMBER_TAGS and _SURPRISING_NUMBER.fullmatch(node.value):
            self.surprising_numbers.append((node.value, value, _pos(node)))
        return value


_BRACKETS = {"flow mapping": ("{", "}"), "flow sequence": ("[", "]")}


def _refuse_huge_number(text: str, pos: Pos) -> None:
    """An integer of more digits than any spec value needs (Python refuses to read 4,300 of them)."""
    if len(text) > MAX_NUMBER_DIGITS:
        raise YamlProblem(
            f"a number of {len(text):,} characters: a spec's numbers have at most {MAX_NUMBER_DIGITS} digits", pos
        )


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str) -> YamlProblem:
    """A parser error as people read it: where the unclosed bracket opened, what to quote."""
    context, problem = exc.context or "", exc.problem or exc.context or "invalid YAML"
    opened, found = exc.context_mark, exc.problem_mark
    for kind, (open_char, close_char) in _BRACKETS.items():
        if kind in context and opened is not None and found is not None and found.line > opened.line:
            # PyYAML reports an unclosed `{` or `[` where the file ends; the mistake is where it opened.
            return YamlProblem(
                f"invalid YAML: this `{open_char}` is never closed (expected `,` or `{close_char}` before line "
                f"{found.line + 1})",
                Pos(opened.line + 1, opened.column + 1),
            )
    mark = found or opened
    pos = Pos(mark.line + 1, mark.column + 1) if mark else Pos(1, 1)
    lines = yaml_lines(text)
    if "flow node" in context and mark is not None and mark.line < len(lines):
        token = re.match(r"[^,}\]\s]+", lines[mark.line][mark.column :])
        if token and token.group().startswith("?"):
            return YamlProblem(
                f"invalid YAML: a plain `?` starts a key inside {{…}}: quote the shape: '{token.group()}'", pos
            )
    if "\t" in problem or "tab" in problem.lower():
        problem += " (YAML indentation must use spaces, not tabs)"
    return YamlProblem(f"invalid YAML: {problem}", pos)


def _depth_bound(text: str) -> int:
    """An upper bound of the nesting depth, from the text alone (one pass, no parsing).

    A level needs an indentation step or an indicator (`- `, `: `, `? `, `[`, `{`) on its line, or an
    open flow bracket from an earlier line; counting all of them over-estimates, never under.
    """
    worst = balance = 0
    for line in yaml_lines(text):
        stripped = line.lstrip(" ")
        opens = stripped.count("[") + stripped.count("{")
        closes = stripped.count("]") + stripped.count("}")
        indicators = stripped.count("- ") + stripped.count(": ") + stripped.count("? ") + 1
        worst = max(worst, len(line) - len(stripped) + balance + opens + indicators)
        balance = max(0, balance + opens - closes)
    return worst


def _check_depth(text: str) -> None:
    """Reject deep nesting before composing: libyaml's composer recurses on the C stack."""
    if _Loader is yaml.SafeLoader:
        return  # the pure-Python composer raises RecursionError, handled by the caller
    if _depth_bound(text) <= MAX_DEPTH:
        return  # every ordinary spec: no need to parse it twice
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    raise YamlProblem(
                        f"the document nests deeper than {MAX_DEPTH} levels",
                        Pos(mark.line + 1, mark.column + 1) if mark is not None else None,
                    )
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return  # the composer reports syntax errors with their position


class _NotPlain(Exception):
    """The event reader met something it leaves to the node path: an anchor, alias, tag, merge key or error."""


_MAP_EVENTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)


def _events_to_data(loader: yaml.SafeLoader | yaml.CSafeLoader) -> LoadedYaml:
    """Build the data straight from the parser's events, without a node tree.

    Most specs are plain data (no anchors, aliases, tags or merge keys): for them this does what
    _Converter does on composed nodes at about half the cost, and never holds the node tree. Anything
    else raises _NotPlain and the caller composes nodes; errors, too, are left to that path so that
    every message comes from one place.
    """
    get: Callable[[], Any] = loader.get_event
    resolve: Callable[..., str] = loader.resolve
    if type(get()) is not yaml.StreamStartEvent or type(get()) is not yaml.DocumentStartEvent:
        raise _NotPlain
    # A plain scalar's text → its tag and the first string of that text: most keys and values repeat.
    resolved: dict[str, tuple[str, str]] = {}
    duplicates: list[tuple[str, Pos]] = []
    surprising: list[tuple[str, Any, Pos]] = []
    # Open containers, innermost last: (container, key waiting for its value, where that key stands).
    stack: list[tuple[Any, Any, Pos]] = []
    no_key = stack  # a sentinel: no key read yet
    count = 0
    root: Any = no_key
    while True:
        event = get()
        kind = type(event)
        if kind is yaml.ScalarEvent:
            if event.anchor is not None or event.tag not in (None, "!"):
                raise _NotPlain
            text = event.value
            if not event.implicit[0]:  # quoted: a string
                value: Any = text
                tag = STR_TAG
            else:
                known = resolved.get(text)
                if known is None:
                    tag = plain_tag(text, event.implicit, resolve)
                    if len(resolved) < 4096:
                        resolved[text] = (tag, text)
                else:  # the first string of this text is shared: every layer's `op`, `filters`, `conv` is one
                    tag, text = known
                if tag == INT_TAG:
                    _refuse_huge_number(text, _mark_pos(event.start_mark))
                if tag == STR_TAG:
                    value = text
                elif tag == INT_TAG and plain_decimal(text):
                    value = int(text)
                elif tag == _MERGE_TAG:
                    raise _NotPlain
                else:
                    node = yaml.ScalarNode(tag, text, event.start_mark, event.end_mark, event.style)
                    value = loader.construct_object(node, deep=True)
                    if not event.style and tag in _NUMBER_TAGS and _SURPRISING_NUMBER.fullmatch(text):
                        surprising.append((text, value, _mark_pos(event.start_mark)))
            pos = _mark_pos(event.start_mark)
        elif kind in _MAP_EVENTS:
            if event.anchor is not None or event.tag not in (None, "!"):
                raise _NotPlain
            count += 1
            if len(stack) > MAX_DEPTH or (stack and type(stack[-1][0]) is YMap and stack[-1][1] is no_key):
                raise _NotPlain  # too deep, or a mapping or list as a key: the node path says so
            container: Any = YMap() if kind is yaml.MappingStartEvent else YList()
            container.pos = _mark_pos(event.start_mark)
            if kind is yaml.MappingStartEvent:
                container.key_pos, container.value_pos = {}, {}
            else:
                container.item_pos = []
            stack.append((container, no_key, container.pos))
            continue
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            value, _, _ = stack.pop()
            pos = value.pos
        elif kind is yaml.DocumentEndEvent:
            if root is no_key or type(get()) is not yaml.StreamEndEvent:
                raise _NotPlain  # several documents: the node path reports it
            return LoadedYaml(root, duplicates, surprising)
        else:  # an alias, or anything unexpected
            raise _NotPlain
        count += 1
        if count > MAX_NODES:
            raise _NotPlain
        if not stack:
            root = value
            continue
        parent, key, key_pos = stack[-1]
        if type(parent) is YList:
            parent.append(value)
            parent.item_pos.append(pos)
        elif key is no_key:
            if value is not None and not isinstance(value, (str, int, float, bool)):
                raise _NotPlain
            stack[-1] = (parent, value, pos)
        else:
            if key in parent.key_pos:
                duplicates.append((str(key), key_pos))
            parent[key] = value
            parent.key_pos[key] = key_pos
            parent.value_pos[key] = pos
            stack[-1] = (parent, no_key, key_pos)


def _read_plain(text: str) -> LoadedYaml | None:
    """Plain data without a node tree: one simple layer a line without YAML, the rest from events."""
    block = read_layer_lines(text)
    # No depth bound needed here: the event reader keeps no recursion and stops past MAX_DEPTH itself
    # (the node path then reports it); only the composer recurses on the C stack.
    loaded = _read_events(block.rest if block is not None else text)
    if block is None or loaded is None:
        return loaded
    data = loaded.data
    placeholder = data.get("layers") if isinstance(data, YMap) else None
    if not isinstance(placeholder, YList) or placeholder or data.value_pos["layers"].line != block.line:
        return _read_events(text)  # the block was not the top-level `layers:` after all
    data["layers"] = block.layers
    data.value_pos["layers"] = block.layers.pos
    loaded.duplicate_keys = sorted([*loaded.duplicate_keys, *block.duplicate_keys], key=lambda found: found[1])
    return loaded


def _read_events(text: str) -> LoadedYaml | None:
    loader = _Loader(text)
    try:
        return _events_to_data(loader)
    except (_NotPlain, yaml.YAMLError, RecursionError):
        return None  # composed by the caller, where every problem gets its message
    finally:
        loader.dispose()


def _mark_pos(mark: Any) -> Pos:
    return Pos(mark.line + 1, mark.column + 1)


@dataclass
class LoadedYaml:
    data: Any
    duplicate_keys: list[tuple[str, Pos]]
    surprising_numbers: list[tuple[str, Any, Pos]]  # (as written, as YAML 1.1 reads it, where)


def load_yaml_text(text: str) -> LoadedYaml:
    """Parse one YAML document; raise YamlProblem with a position on any failure."""
    if "\x00" in text:
        raise YamlProblem("the file contains NUL bytes: it is binary, not a YAML spec")
    if not text.strip():
        raise YamlProblem("the file is empty: a spec needs at least `input` and `layers`")
    if "&" not in text and "<<" not in text:  # no anchor or merge key can be in it: try the faster readers
        loaded = _read_plain(text)
        if loaded is not None:
            return loaded
    _check_depth(text)
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlProblem("the file holds no YAML document (only comments?)")
        converter = _Converter(loader, release="&" not in text)
        data = converter.convert(node)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_problem(exc, text) from None
    except yaml.YAMLError as exc:  # ReaderError: control characters, bad encoding
        pos = Pos(getattr(exc, "line", 0) + 1, getattr(exc, "column", 0) + 1)
        if isinstance(getattr(exc, "position", None), int):  # a ReaderError knows the character's index only
            before = yaml_lines(text[: exc.position])  # type: ignore[attr-defined]
            pos = Pos(len(before), len(before[-1]) + 1)
        raise YamlProblem(f"invalid YAML: {exc}".splitlines()[0], pos) from None
    except RecursionError:
        raise YamlProblem("the document nests too deeply to be a spec") from None
    finally:
        loader.dispose()
    return LoadedYaml(data, converter.duplicate_keys, converter.surprising_numbers)
