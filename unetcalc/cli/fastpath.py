"""Start-up fast path for `unetcalc check`, the command linters and pre-commit run most.

Importing typer costs more than the whole check of a spec, so a plain
`unetcalc check …` is parsed here with argparse and handed to the same
run_check the typer command calls. Anything this parser does not take exactly
(`--help`, `--verify`, a typo, another command) returns None, and the typer
CLI handles it with its usual help and errors. A test keeps the two option
sets equal, and another compares both paths' output.
"""

from __future__ import annotations

import argparse
import os

from unetcalc.cli.check_command import CHECK_OPTIONS, run_check


class _NotForUs(Exception):
    """argparse found something it should not decide: let typer handle the command line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _NotForUs(message)


def check_parser() -> argparse.ArgumentParser:
    """argparse for `unetcalc check`, generated from CHECK_OPTIONS (the one definition)."""
    parser = _Parser(prog="unetcalc check", add_help=False, allow_abbrev=False)
    parser.add_argument("specs", nargs="+")
    for option in CHECK_OPTIONS:
        if option.takes_value:
            parser.add_argument(*option.flags, dest=option.dest, choices=option.choices or None)
        else:
            parser.add_argument(*option.flags, dest=option.dest, action="store_true")
    return parser


def fast_check(argv: list[str]) -> int | None:
    """The exit code of `unetcalc check …` run here, or None to leave the command line to typer."""
    if not argv or argv[0] != "check" or os.environ.get("UNETCALC_NO_FASTPATH"):
        return None
    try:
        parsed = vars(check_parser().parse_args(argv[1:]))
    except _NotForUs:
        return None
    if any(parsed[option.dest] for option in CHECK_OPTIONS if not option.fast):
        return None
    values = {option.dest: parsed[option.dest] for option in CHECK_OPTIONS if option.fast}
    return run_check(parsed["specs"], **values).exit_code
