"""The `unetcalc` program: the check fast path first, otherwise the typer CLI."""

from __future__ import annotations

import gc
import os
import sys

from unetcalc.cli.console import EXIT_FINDINGS, EXIT_USAGE, err, escape


def run() -> None:
    """The program (console script and ``python -m unetcalc``): one command, then exit.

    A process that runs one command and ends needs neither the cyclic collector (its repeated passes
    over a big spec's millions of small objects, none in cycles worth collecting, cost a fifth of the
    run) nor the heap torn down object by object at exit (another 15 %): output is flushed and the
    process ends at once. Tests and library users call main(), which keeps both.
    """
    gc.disable()
    try:
        main()
        code = 0
    except SystemExit as exc:
        if isinstance(exc.code, str):
            sys.stderr.write(exc.code + "\n")
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BrokenPipeError:  # the reader left before the last bytes: as main() does
            code = code or EXIT_FINDINGS
        except (OSError, ValueError, AttributeError):  # a closed or missing stream: nothing more to write
            pass
    os._exit(code)


def main() -> None:
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
