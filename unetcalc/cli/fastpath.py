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

from unetcalc.cli.check_command import CheckFormat, run_check


class _NotForUs(Exception):
    """argparse found something it should not decide: let typer handle the command line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _NotForUs(message)


def check_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="unetcalc check", add_help=False, allow_abbrev=False)
    parser.add_argument("specs", nargs="+")
    parser.add_argument("--format", "-f", dest="output_format", choices=[f.value for f in CheckFormat])
    parser.add_argument("--input", "-i", dest="input_size")
    parser.add_argument("--strict", action="store_true")
    parser.add_argument("--config", dest="config_file")
    parser.add_argument("--specs-only", action="store_true")
    parser.add_argument("--quiet", "-q", action="store_true")
    return parser


def fast_check(argv: list[str]) -> int | None:
    """The exit code of `unetcalc check …` run here, or None to leave the command line to typer."""
    if not argv or argv[0] != "check" or os.environ.get("UNETCALC_NO_FASTPATH"):
        return None
    try:
        options = check_parser().parse_args(argv[1:])
    except _NotForUs:
        return None
    output_format = CheckFormat(options.output_format) if options.output_format else None
    return run_check(
        options.specs,
        output_format,
        options.input_size,
        options.strict,
        options.config_file,
        options.specs_only,
        options.quiet,
    ).exit_code
