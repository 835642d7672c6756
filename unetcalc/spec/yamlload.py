"""Safe YAML loading that keeps the line and column of every key and value: one reader, libyaml's events.

The data is built straight from the parser's events (``yaml.CSafeLoader`` when PyYAML has libyaml, else
the pure-Python ``SafeLoader``; both are safe), without a node tree and without recursion, so nothing in
a spec can construct a Python object or nest deeper than the C stack. Anchors and aliases are read (each
alias copies its anchor's data, counted against a budget, so an alias bomb stops early), merge keys as
PyYAML merges them, explicit tags are refused, and a second document is a finding. The result equals
``yaml.safe_load(text)`` (tests/test_spec_parsing.py checks it on generated documents).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import yaml

from unetcalc.sourcelines import yaml_lines
from unetcalc.spec.limits import MAX_NUMBER_DIGITS

__all__ = ["MAX_NODES", "LoadedYaml", "Pos", "YList", "YMap", "YamlProblem", "load_yaml_text"]

MAX_NODES = 5_000_000  # the most nodes a document may have (aliases are limited separately)
# An alias bomb repeats a few written nodes through aliases: it is the repeated nodes that are
# counted and limited. A big honest file is limited by its bytes (parse.MAX_SPEC_BYTES) instead.
MAX_ALIAS_NODES = 200_000
MAX_DEPTH = 64
# YAML 1.1 (PyYAML's dialect) reads `010` as octal 8 and `1:20` as sexagesimal 80: nobody means that.
_SURPRISING_NUMBER = re.compile(r"[-+]?(0[0-7_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?)")
STR_TAG = "tag:yaml.org,2002:str"
INT_TAG = "tag:yaml.org,2002:int"
_NUMBER_TAGS = (INT_TAG, "tag:yaml.org,2002:float")
_MERGE_TAG = "tag:yaml.org,2002:merge"
_IMPLICIT = yaml.resolver.Resolver.yaml_implicit_resolvers  # first character → the resolvers that may apply

# libyaml's parser when PyYAML was built with it (10× faster on large specs); both are safe loaders.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Pos(NamedTuple):  # a NamedTuple: a big spec makes a million of them, at half a frozen dataclass's cost
    line: int
    column: int


class YMap(dict):  # type: ignore[type-arg]
    """A mapping that remembers where it, its keys and its values stand."""

    pos: Pos
    key_pos: dict[Any, Pos]
    value_pos: dict[Any, Pos]


class YList(list):  # type: ignore[type-arg]
    pos: Pos
    item_pos: list[Pos]
    unreadable = False  # rows that could not be made (an expansion past a bound, a bad template), reported


class YamlProblem(Exception):
    """Raised only inside the loader; the caller turns it into a UC001 finding."""

    def __init__(self, message: str, pos: Pos | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos or Pos(1, 1)


@dataclass
class LoadedYaml:
    data: Any
    duplicate_keys: list[tuple[str, Pos]]
    surprising_numbers: list[tuple[str, Any, Pos]]  # (as written, as YAML 1.1 reads it, where)


def plain_tag(text: str, implicit: tuple[bool, bool], resolve: Callable[..., str]) -> str:
    """The tag YAML 1.1 gives a plain scalar; a first character no resolver starts with (most names) is a
    string without asking the resolver."""
    return resolve(yaml.ScalarNode, text, implicit) if _IMPLICIT.get(text[:1]) else STR_TAG


def plain_decimal(text: str) -> bool:
    """An int-tagged scalar written as plain decimal digits (no sign, underscore, base or leading zero)."""
    return text.isascii() and text.isdigit() and (text[0] != "0" or text == "0")


def _mark_pos(mark: Any) -> Pos:
    return Pos(mark.line + 1, mark.column + 1)


class _Merge:
    """A mapping's `<<` entries, kept until the mapping ends: merged entries first, written keys override."""

    __slots__ = ("sources",)

    def __init__(self) -> None:
        self.sources: list[YMap] = []  # in the order PyYAML applies them (later ones override earlier)


_NO_KEY = object()  # a mapping waiting for its next key


class _Reader:
    """The events of one document → plain data with positions; every problem a YamlProblem."""

    def __init__(self, loader: Any) -> None:
        self.get: Callable[[], Any] = loader.get_event
        self.resolve: Callable[..., str] = loader.resolve
        self.loader = loader
        self.count = 0
        self.alias_count = 0
        self.anchors: dict[str, tuple[Any, int]] = {}  # anchor → (its data, how many nodes it holds)
        # A plain scalar's text → its tag and the first string of that text: most keys and values repeat.
        self.resolved: dict[str, tuple[str, str]] = {}
        self.duplicates: list[tuple[str, Pos]] = []
        self.surprising: list[tuple[str, Any, Pos]] = []

    def read(self) -> LoadedYaml:
        get = self.get
        if type(get()) is not yaml.StreamStartEvent:
            raise YamlProblem("invalid YAML: no stream")
        start = get()
        if type(start) is yaml.StreamEndEvent:
            raise YamlProblem("the file holds no YAML document (only comments?)")
        root = self._document()
        following = get()
        if type(following) is not yaml.StreamEndEvent:
            raise YamlProblem(
                "the file holds a second YAML document (after `---` or `...`): a spec is one document",
                _mark_pos(following.start_mark),
            )
        return LoadedYaml(root, self.duplicates, self.surprising)

    def _document(self) -> Any:
        """One document's data, read without recursion: open containers on a stack."""
        get = self.get
        # Open containers, innermost last: [container, key waiting for its value, where that key stands,
        # the anchor it will be known by, its node count at its start, its merge entries].
        stack: list[list[Any]] = []
        root: Any = _NO_KEY
        while True:
            event = get()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                value = self._scalar(event)
                pos = _mark_pos(event.start_mark)
                if event.anchor is not None:
                    self._anchor(event.anchor, value, 1)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                self._refuse_tag(event)
                self._count(event)
                if len(stack) > MAX_DEPTH:
                    raise YamlProblem(f"the document nests deeper than {MAX_DEPTH} levels", _mark_pos(event.start_mark))
                if stack and type(stack[-1][0]) is YMap and stack[-1][1] is _NO_KEY:
                    raise YamlProblem("a mapping key must be a plain value", _mark_pos(event.start_mark))
                container: Any = YMap() if kind is yaml.MappingStartEvent else YList()
                container.pos = _mark_pos(event.start_mark)
                if kind is yaml.MappingStartEvent:
                    container.key_pos, container.value_pos = {}, {}
                else:
                    container.item_pos = []
                stack.append([container, _NO_KEY, container.pos, event.anchor, self.count, None])
                continue
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                value, _, _, anchor, started, merge = stack.pop()
                if merge is not None:
                    value = _merged(value, merge)
                pos = value.pos
                if anchor is not None:
                    self._anchor(anchor, value, self.count - started + 1)
            elif kind is yaml.AliasEvent:
                pos = _mark_pos(event.start_mark)
                value = self._alias(event.anchor, pos)
            elif kind is yaml.DocumentEndEvent:
                return None if root is _NO_KEY else root
            else:  # pragma: no cover - the parser emits nothing else inside a document
                raise YamlProblem(f"invalid YAML: unexpected {kind.__name__}", _mark_pos(event.start_mark))
            if type(value) is _MergeKey and (not stack or type(stack[-1][0]) is YList or stack[-1][1] is not _NO_KEY):
                raise YamlProblem("invalid YAML: `<<` merges into a mapping; quote it ('<<') to mean the text", pos)
            if not stack:
                root = value
                continue
            top = stack[-1]
            parent, key, key_pos = top[0], top[1], top[2]
            if type(parent) is YList:
                parent.append(value)
                parent.item_pos.append(pos)
            elif key is _NO_KEY:
                if value is not None and not isinstance(value, (str, int, float, bool, _MergeKey)):
                    raise YamlProblem("a mapping key must be a plain value", pos)
                top[1], top[2] = value, pos
            elif type(key) is _MergeKey:
                if top[5] is None:
                    top[5] = _Merge()
                top[5].sources.extend(_merge_sources(value, pos))  # a later `<<` overrides an earlier one
                top[1] = _NO_KEY
            else:
                if key in parent.key_pos:
                    self.duplicates.append((str(key), key_pos))
                parent[key] = value
                parent.key_pos[key] = key_pos
                parent.value_pos[key] = pos
                top[1] = _NO_KEY

    def _scalar(self, event: Any) -> Any:
        self._refuse_tag(event)
        self._count(event)
        text = event.value
        if not event.implicit[0]:  # quoted (or the non-specific `!`): a string
            return text
        known = self.resolved.get(text)
        if known is None:
            tag = plain_tag(text, event.implicit, self.resolve)
            if len(self.resolved) < 4096:
                self.resolved[text] = (tag, text)
        else:  # the first string of this text is shared: every layer's `op`, `filters`, `conv` is one
            tag, text = known
        if tag == STR_TAG:
            return text
        if tag == INT_TAG:
            _refuse_huge_number(text, _mark_pos(event.start_mark))
            if plain_decimal(text):
                return int(text)
        if tag == _MERGE_TAG:
            return _MergeKey()
        node = yaml.ScalarNode(tag, text, event.start_mark, event.end_mark, event.style)
        value = self.loader.construct_object(node, deep=True)
        if not event.style and tag in _NUMBER_TAGS and _SURPRISING_NUMBER.fullmatch(text):
            self.surprising.append((text, value, _mark_pos(event.start_mark)))
        return value

    def _refuse_tag(self, event: Any) -> None:
        if event.tag not in (None, "!"):
            raise YamlProblem(
                f"the YAML tag {event.tag} is not allowed: a spec holds plain data only", _mark_pos(event.start_mark)
            )

    def _count(self, event: Any) -> None:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlProblem(f"the document has more than {MAX_NODES:,} nodes", _mark_pos(event.start_mark))

    def _anchor(self, name: str, value: Any, nodes: int) -> None:
        self.anchors[name] = (value, nodes)

    def _alias(self, name: str, pos: Pos) -> Any:
        found = self.anchors.get(name)
        if found is None:
            raise YamlProblem(f"invalid YAML: the alias *{name} names no anchor written before it", pos)
        value, nodes = found
        self.alias_count += nodes
        self.count += nodes  # an anchor holding aliases is as large as their copies make it
        if self.alias_count > MAX_ALIAS_NODES:
            raise YamlProblem(f"aliases repeat more than {MAX_ALIAS_NODES:,} nodes (a YAML alias bomb?)", pos)
        return _copy(value)


class _MergeKey:
    """The plain key `<<`: what follows is merged into the mapping, not stored under a key."""

    __slots__ = ()


def _merge_sources(value: Any, pos: Pos) -> list[YMap]:
    """The mappings a `<<` merges, in the order they apply (later override earlier), as PyYAML reads them."""
    if type(value) is YMap:
        return [value]
    if type(value) is YList and all(type(item) is YMap for item in value):
        return list(reversed(value))  # the first listed mapping wins
    raise YamlProblem("invalid YAML: `<<` merges a mapping or a list of mappings", pos)


def _merged(written: YMap, merge: _Merge) -> YMap:
    """The mapping PyYAML builds: merged entries first, then the keys written here (which override them)."""
    result = YMap()
    result.pos, result.key_pos, result.value_pos = written.pos, {}, {}
    for source in [*merge.sources, written]:
        for key, value in source.items():
            result[key] = value
            result.key_pos[key] = source.key_pos[key]
            result.value_pos[key] = source.value_pos[key]
    return result


def _copy(value: Any) -> Any:
    """An alias's own copy of its anchor's data (positions kept: they point at what was written)."""
    if type(value) is YMap:
        copied = YMap((k, _copy(v)) for k, v in value.items())
        copied.pos, copied.key_pos, copied.value_pos = value.pos, dict(value.key_pos), dict(value.value_pos)
        return copied
    if type(value) is YList:
        items = YList(_copy(v) for v in value)
        items.pos, items.item_pos = value.pos, list(value.item_pos)
        return items
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


def load_yaml_text(text: str) -> LoadedYaml:
    """Parse one YAML document; raise YamlProblem with a position on any failure."""
    if "\x00" in text:
        raise YamlProblem("the file contains NUL bytes: it is binary, not a YAML spec")
    if not text.strip():
        raise YamlProblem("the file is empty: a spec needs at least `input` and `layers`")
    loader = _Loader(text)
    try:
        return _Reader(loader).read()
    except yaml.MarkedYAMLError as exc:
        raise _syntax_problem(exc, text) from None
    except yaml.YAMLError as exc:  # ReaderError: control characters, bad encoding
        pos = Pos(getattr(exc, "line", 0) + 1, getattr(exc, "column", 0) + 1)
        if isinstance(getattr(exc, "position", None), int):  # a ReaderError knows the character's index only
            before = yaml_lines(text[: exc.position])  # type: ignore[attr-defined]
            pos = Pos(len(before), len(before[-1]) + 1)
        raise YamlProblem(f"invalid YAML: {exc}".splitlines()[0], pos) from None
    finally:
        loader.dispose()
