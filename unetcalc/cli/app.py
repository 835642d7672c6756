"""The command line: one typer app, one module per command (cli/commands/), each returning its exit code."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from unetcalc import __version__
from unetcalc.cli.commands import (
    build,
    check,
    convert,
    diff,
    draw,
    exits,
    expand,
    explain,
    fit,
    import_,
    lsp,
    memory,
    rf,
    rules,
    schema,
    sizes,
    table,
    tile,
)
from unetcalc.cli.console import set_color

app = typer.Typer(
    help="Shape inference and linting for U-Net / FCN layer specs written in YAML.",
    no_args_is_help=True,
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish, PowerShell
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"unetcalc {__version__}")
        raise typer.Exit()


class Color(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", "-V", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    color: Annotated[
        Color,
        typer.Option(
            "--color", help="auto: colour at a terminal (none with NO_COLOR set); always; never.", show_default=True
        ),
    ] = Color.auto,
) -> None:
    """unetcalc infers every tensor shape of a U-Net/FCN spec and flags dimension errors."""
    set_color(color.value)


# In the order `unetcalc --help` lists them.
for name, command in (
    ("check", check.check),
    ("table", table.table),
    ("sizes", sizes.sizes),
    ("build", build.build),
    ("draw", draw.draw),
    ("memory", memory.memory),
    ("fit", fit.fit),
    ("rf", rf.rf),
    ("tile", tile.tile),
    ("diff", diff.diff),
    ("expand", expand.expand),
    ("convert", convert.convert),
    ("schema", schema.schema),
    ("import", import_.import_command),
    ("rules", rules.list_rules),
    ("lsp", lsp.lsp),
    ("explain", explain.explain),
):
    app.command(name)(exits(command))
