"""PlainConsole prints what rich prints to a non-terminal: same escaping, same markup removal."""

from __future__ import annotations

import io

from hypothesis import assume, given
from hypothesis import strategies as st
from rich.console import Console
from rich.errors import MarkupError
from rich.markup import escape as rich_escape

from unetcalc.cli.console import PlainConsole, escape, strip_markup

TEXT = st.text(alphabet=st.sampled_from(list("ab[]/\\#@=: x1")), max_size=30)


@given(TEXT)
def test_escape_matches_rich(text):
    assert escape(text) == rich_escape(text)


@given(st.lists(st.tuples(st.sampled_from(["", "bold", "bold red", "dim", "yellow"]), TEXT), max_size=4))
def test_plain_output_matches_rich_on_a_pipe(parts):
    markup = "".join(f"[{style}]{escape(text)}[/]" if style else escape(text) for style, text in parts)
    buffer = io.StringIO()
    try:
        Console(file=buffer, highlight=False, soft_wrap=True, emoji=False).print(markup)
    except MarkupError:  # rich's own escape() is not safe before a tag when text ends in backslashes
        assume(False)
    assert strip_markup(markup) + "\n" == buffer.getvalue()


def test_plain_console_writes_lines(capsys):
    PlainConsole().print("[bold]ok[/] \\[literal]")
    PlainConsole(stderr=True).print("[x]", markup=False)
    captured = capsys.readouterr()
    assert captured.out == "ok [literal]\n" and captured.err == "[x]\n"


@given(st.lists(st.text(alphabet="ab[]/\\\\ #dim", max_size=30), max_size=20))
def test_lines_stripped_in_one_pass_equal_each_line_stripped(lines):
    """A plain report is stripped of markup a block of lines at a time: the same text as line by line."""
    from unetcalc.report.markup import strip_markup, strip_markup_lines

    assert strip_markup_lines(lines) == "".join(f"{strip_markup(line)}\n" for line in lines)


def test_at_a_terminal_long_lines_wrap_between_words_and_into_a_pipe_they_do_not(monkeypatch):
    import io

    from unetcalc.cli import console as console_module

    words = " ".join(["peak"] * 40)
    monkeypatch.setattr(console_module.sys.stdout, "isatty", lambda: True, raising=False)
    terminal = console_module.out()
    terminal.file, terminal.width = io.StringIO(), 40
    terminal.print(words)
    lines = terminal.file.getvalue().splitlines()
    assert len(lines) > 1 and all(len(line) <= 40 and not line.endswith("pea") for line in lines)
    monkeypatch.setattr(console_module.sys.stdout, "isatty", lambda: False, raising=False)
    piped = console_module.out()
    piped.file, piped.width = io.StringIO(), 40
    piped.print(words)
    assert piped.file.getvalue().splitlines() == [words]
