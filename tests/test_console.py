"""The one writer of styled lines: text shown as it is, ANSI only where colour is wanted, wrapping at a
terminal's width between words, and never a markup language in between."""

from __future__ import annotations

import io
import re

from hypothesis import given
from hypothesis import strategies as st

from unetcalc.cli import console as console_module
from unetcalc.cli.console import Writer
from unetcalc.report.styled import Line, Lines

TEXT = st.text(alphabet=st.sampled_from(list("ab[]/\\#@=: x1\n\x1b")), max_size=30)
STYLES = st.sampled_from(["", "bold", "bold red", "dim", "yellow", "green", "cyan"])
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _written(line: Line | str, color: bool = False, width: int = 0) -> str:
    buffer = io.StringIO()
    Writer(buffer, color, width).print(line)
    return buffer.getvalue()


@given(st.lists(st.tuples(TEXT, STYLES), max_size=5))
def test_plain_output_is_the_text_and_colour_only_adds_escape_codes(parts):
    line = Line.of(parts)
    plain = _written(line)
    # Every span's text as written, on one line (newlines and control characters as escapes).
    expected = "".join(text for text, _ in parts).replace("\n", "\\n").replace("\x1b", "\\x1b") + "\n"
    assert plain == expected
    assert ANSI.sub("", _written(line, color=True)) == plain  # colour adds codes, never text


def test_user_text_that_looks_like_markup_is_shown_as_written():
    name = "[bold red]enc1[/] \\[x] [link=file:///etc/passwd]y"
    assert _written(Line("✓ OK", "bold green") + f"  {name}") == f"✓ OK  {name}\n"
    assert _written(Line("✓ OK", "bold green") + f"  {name}", color=True) == f"\x1b[1;32m✓ OK\x1b[0m  {name}\n"


def test_control_characters_are_shown_as_escapes_not_sent_to_the_terminal():
    assert _written("enc\x1b[2Jx\r::error::y") == "enc\\x1b[2Jx\\r::error::y\n"
    lines = Lines()
    lines.print(Line("a\x07", "bold") + "\n::error::b")
    assert lines.lines == ["a\\x07\\n::error::b"]


def test_long_lines_wrap_between_words_at_the_width_and_keep_their_styles():
    words = " ".join(["peak"] * 40)
    rows = _written(Line("live:", "bold") + f" {words}", color=True, width=40).splitlines()
    assert len(rows) > 1 and all(len(ANSI.sub("", row)) <= 40 for row in rows)
    assert rows[0].startswith("\x1b[1mlive:\x1b[0m") and not any(ANSI.sub("", r).endswith("pea") for r in rows)
    assert _written(words, width=0).splitlines() == [words]  # into a pipe: one line, whatever its length


def test_colour_follows_the_stream_and_the_color_option(monkeypatch):
    stream = io.StringIO()
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    assert console_module.wants_color(stream) is False  # a pipe or a file: plain text
    monkeypatch.setattr(stream, "isatty", lambda: True, raising=False)
    assert console_module.wants_color(stream) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert console_module.wants_color(stream) is False
    try:
        console_module.set_color("always")
        assert console_module.wants_color(io.StringIO()) is True
        console_module.set_color("never")
        monkeypatch.delenv("NO_COLOR")
        assert console_module.wants_color(stream) is False
    finally:
        console_module.set_color("auto")


def test_batched_lines_are_written_in_blocks_in_order():
    buffer = io.StringIO()
    writer = Writer(buffer)
    with writer.batched() as printer:
        for n in range(5000):
            printer.print(f"line {n}")
        assert buffer.getvalue().count("\n") == 4096  # two full blocks so far, the rest at the end
    assert buffer.getvalue().splitlines() == [f"line {n}" for n in range(5000)]
