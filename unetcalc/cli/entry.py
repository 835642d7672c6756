"""The `unetcalc` program: the check fast path first, otherwise the typer CLI."""

from __future__ import annotations

import gc
import os
import sys

from unetcalc.cli.console import EXIT_FINDINGS, EXIT_USAGE, err, escape


def main() -> None:
    # One command, then exit: the cyclic collector's repeated passes over a big spec's millions of small
    # objects (none in cycles worth collecting) cost a fifth of the run. Library users keep theirs.
    gc.disable()
    try:
        from unetcalc.cli.fastpath import fast_check

        code = fast_check(sys.argv[1:])
        if code is None:
            from unetcalc.cli.app import app

            app()
        else:
            sys.exit(code)
    except BrokenPipeError:  # `unetcalc check … | head`: the reader left; stop quietly like other CLIs
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_FINDINGS)
    except Exception as exc:  # a bug in unetcalc, not bad input: say so without a wall of traceback
        if os.environ.get("UNETCALC_DEBUG"):
            raise
        err().print(
            f"[bold red]internal error:[/] {escape(type(exc).__name__)}: {escape(str(exc))}\n"
            "This is a bug in unetcalc. Run again with UNETCALC_DEBUG=1 for the traceback and please report it."
        )
        sys.exit(EXIT_USAGE)
