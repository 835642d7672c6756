"""A spec's layer list read line by line, when every layer is one simple line.

Big specs are written (and generated) one layer a line: ``- {op: conv, filters: 64, name: enc1}``
or ``- relu``. For such a list the YAML parser's work — an event and a mark object for every
key and value — is most of a check's time. When every line of the `layers:` block has exactly
that form (keys and values plain words, each value a string or a plain decimal integer as YAML
reads it), the block is read here with one regular expression a line, and the rest of the file
(with the block blanked out, so that lines keep their numbers) goes through the YAML reader.
Anything else — a quoted value, a list, a float, a comment inside the braces, another indent —
returns None and the whole file is read by the YAML reader: this is a shortcut, never a dialect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from unetcalc.spec.limits import MAX_NUMBER_DIGITS
from unetcalc.spec.yamldata import INT_TAG, MAX_NODES, STR_TAG, Pos, YList, YMap, plain_decimal, plain_tag

_WORD = r"[A-Za-z_][A-Za-z0-9_]*"
_VALUE = r"[A-Za-z0-9_][A-Za-z0-9_.]*"  # no quote, bracket, comma, colon, space, '#', '-' or '~'
_ENTRY = re.compile(rf"({_WORD}): ({_VALUE})")
_ITEM = re.compile(
    rf"(?P<indent> *)- (?:(?P<map>\{{ *(?P<entries>{_WORD}: {_VALUE}(?:, {_WORD}: {_VALUE})*) *\}})|(?P<bare>{_WORD}))"
    r"(?: +#.*)?[ ]*"
)
_LAYERS_KEY = re.compile(r"layers:(?:[ ]*|[ ]+#.*)")
# Text this reader's `\n` lines read as YAML does: printable characters (YAML 1.1's set) and tabs,
# without `\r` or NEL, LS, PS, which end a line for YAML even inside a comment.
_NOT_PLAIN_TEXT = re.compile("[^\t\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_tuple_new = tuple.__new__  # Pos(line, column) without the NamedTuple's Python-level __new__ (9 a line)


@dataclass
class LayerLines:
    rest: str  # the file with `layers: []` for the block and its lines blanked
    layers: YList
    line: int  # 1-based line of `layers:`
    duplicate_keys: list[tuple[str, Pos]]


def read_layer_lines(text: str) -> LayerLines | None:
    """The layer list of ``text`` when every line of its top-level `layers:` block is one simple layer."""
    if _NOT_PLAIN_TEXT.search(text):
        return None  # `\r`, a line break only YAML knows (NEL, LS, PS) or a character YAML refuses
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.startswith("layers:") and _LAYERS_KEY.fullmatch(line)), -1)
    if start < 0:
        return None
    layers = YList()
    layers.item_pos = []
    duplicates: list[tuple[str, Pos]] = []
    resolver = yaml.resolver.Resolver()
    words: dict[str, str | int] = {}  # text → its value, one object for each (keys and values repeat)
    indent: str | None = None
    end = len(lines)
    nodes = 0
    for index in range(start + 1, len(lines)):
        line = lines[index]
        stripped = line.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        match = _ITEM.fullmatch(line)
        if match is None:
            if line[0] not in " -#":  # the next top-level key: the block ended
                end = index
                break
            return None
        if indent is None:
            indent = match["indent"]
            layers.pos = Pos(index + 1, len(indent) + 1)
        elif match["indent"] != indent:
            return None
        number = index + 1
        if match["bare"] is not None:
            value = _scalar(match["bare"], resolver, words)
            if value is None:
                return None
            layers.append(value)
            layers.item_pos.append(_tuple_new(Pos, (number, match.start("bare") + 1)))
            nodes += 1
            continue
        layer = YMap()
        layer.pos = _tuple_new(Pos, (number, match.start("map") + 1))
        layer.key_pos, layer.value_pos = {}, {}
        for entry in _ENTRY.finditer(line, match.start("entries"), match.end("entries")):
            key = _scalar(entry[1], resolver, words)
            value = _scalar(entry[2], resolver, words)
            if key is None or value is None:
                return None
            key_pos = _tuple_new(Pos, (number, entry.start(1) + 1))
            if key in layer.key_pos:
                duplicates.append((str(key), key_pos))
            layer[key] = value
            layer.key_pos[key] = key_pos
            layer.value_pos[key] = _tuple_new(Pos, (number, entry.start(2) + 1))
            nodes += 2
        layers.append(layer)
        layers.item_pos.append(layer.pos)
        nodes += 1
    if indent is None or nodes > MAX_NODES:
        return None  # an empty block (the YAML reader says what `layers:` holds), or too big
    rest = [*lines[:start], "layers: []", *([""] * (end - start - 1)), *lines[end:]]
    return LayerLines("\n".join(rest), layers, start + 1, duplicates)


def _scalar(text: str, resolver: yaml.resolver.Resolver, words: dict[str, str | int]) -> str | int | None:
    """A plain scalar as YAML reads it, when that is a string or a plain decimal integer; else None."""
    known = words.get(text)
    if known is not None:
        return known
    tag = plain_tag(text, (True, False), resolver.resolve)
    value: str | int
    if tag == STR_TAG:
        value = text
    elif tag == INT_TAG and plain_decimal(text) and len(text) <= MAX_NUMBER_DIGITS:
        value = int(text)
    else:
        return None
    if len(words) < 4096:
        words[text] = value
    return value
