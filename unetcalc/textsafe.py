"""Strings from a spec, a file name or a config are data: make them safe to print.

Every output format escapes user text at the one place it is written; this
module holds the shared pieces. A layer name may contain anything YAML can
hold — newlines, ANSI escape sequences, U+2028, bidi overrides — and none of
it may reach a terminal, a CI log or a file as anything but visible text.
"""

from __future__ import annotations

import math
import re
import unicodedata

# Unicode categories that must never be printed raw: control characters (C0, C1, DEL),
# format characters (bidi overrides, zero-width joiners), line/paragraph separators, surrogates.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def is_unsafe(char: str) -> bool:
    return unicodedata.category(char) in _UNSAFE_CATEGORIES


def _visible(char: str) -> str:
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` with every control, format and separator character shown as an escape (``\\n``, ``\\x1b``)."""
    if text.isprintable():  # no category isprintable() accepts is unsafe (it refuses Zs besides ours)
        return text
    if text.isascii():
        return "".join(_visible(c) if not c.isprintable() else c for c in text)
    return "".join(_visible(c) if is_unsafe(c) else c for c in text)


def path_text(path: str) -> str:
    """A file path to print at the start of a line: printable, and never read as a CI workflow command.

    GitHub Actions runs any log line that starts with ``::`` (after blanks) as a command; a file
    named ``::warning::x.yaml`` is shown as ``./::warning::x.yaml``, the same file.
    """
    safe = printable(path)
    return f"./{safe}" if safe.lstrip().startswith("::") else safe


def whole(value: int, grouping: bool = False) -> str:
    """An integer for people: ``1,234`` with ``grouping``; a huge one summarised as big_int does."""
    text = big_int(value)
    if grouping and text.lstrip("-").isdigit():
        return f"{value:,}"
    return text


def big_int(value: int, limit: int = 60) -> str:
    """An integer as text; one with more than ``limit`` digits is summarised (2^k, or ≈ m·10^e).

    Python refuses to print integers of over 4,300 digits, and nobody reads them: a
    100,000-layer spec's valid-size modulus is 2^50000.
    """
    if value.bit_length() <= limit * 3:  # ≤ ~270 bits: exact text is short enough to compute
        text = str(value)
        if len(text) <= limit:
            return text
    magnitude = abs(value)
    if magnitude & (magnitude - 1) == 0:
        return f"{'-' if value < 0 else ''}2^{magnitude.bit_length() - 1}"
    exponent = math.floor(math.log10(magnitude))
    mantissa = 10 ** (math.log10(magnitude) - exponent)
    return f"{'-' if value < 0 else ''}≈{mantissa:.3f}e{exponent}"


# Markdown punctuation that can start markup; `_` only where it is not inside a word (GFM ignores mid_word).
_MARKDOWN_SPECIAL = r"([\\`*\[\]<>|#!~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))"  # compiled on first use


def markdown_text(text: str) -> str:
    """User text inside markdown (a table cell, a list item): no markup, no HTML, no cell breaks."""
    return re.sub(_MARKDOWN_SPECIAL, r"\\\1", printable(text).replace("&", "&amp;"))


_FORMULA_START = ("=", "+", "-", "@")


def csv_cell(text: str) -> str:
    """A spreadsheet-safe CSV cell: printable, and a leading = + - @ quoted with ' (OWASP's advice)."""
    safe = printable(text)
    return f"'{safe}" if safe.startswith(_FORMULA_START) else safe


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def safe_json(data: object, indent: int | None = 2) -> str:
    """JSON text with non-ASCII kept readable but every unsafe character (U+2028, NEL, bidi) escaped.

    json.dumps escapes only C0 controls when ensure_ascii is off; the rest are legal JSON but
    reach a terminal or a log raw.
    """
    import json  # here, not at the top: the text report of `check` never needs it

    text = json.dumps(_printable_ints(data), indent=indent, ensure_ascii=False)
    if text.isascii():
        return text
    return re.sub(_NON_ASCII, lambda m: _json_escape(m) if is_unsafe(m.group()) else m.group(), text)


_NON_ASCII = r"[^\x00-\x7f]"


def markdown_code(text: str) -> str:
    """User text as a markdown code span: a fence longer than any run of backticks inside it.

    Nothing inside a code span is markup or HTML, so only the fence and line breaks need care.
    Not for table cells: there GitHub still splits a span at ``|`` (use markdown_text).
    """
    safe = printable(text)
    fence = "`" * (max((len(run) for run in re.findall("`+", safe)), default=0) + 1)
    pad = " " if safe.startswith("`") or safe.endswith("`") else ""
    return f"{fence}{pad}{safe}{pad}{fence}"


_JSON_INT_BITS = 14_000  # about 4,200 digits: Python refuses to print integers longer than 4,300


def _printable_ints(data: object) -> object:
    """Integers too long to print become their summary text (``"2^50000"``); everything else as it is."""
    if isinstance(data, int) and not isinstance(data, bool):
        return big_int(data) if data.bit_length() > _JSON_INT_BITS else data
    if isinstance(data, dict):
        return {key: _printable_ints(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_printable_ints(value) for value in data]
    return data
