"""One module per command; each command function returns its exit code (cli/app.py registers them)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import typer


def exits(command: Callable[..., int]) -> Callable[..., None]:
    """A command as typer runs it: its exit code becomes the process's (typer reads the wrapped signature)."""

    @functools.wraps(command)
    def run(*args: object, **kwargs: object) -> None:
        code = command(*args, **kwargs)
        if code:
            raise typer.Exit(code)

    return run
