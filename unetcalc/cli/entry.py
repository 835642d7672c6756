"""The `unetcalc` program: the typer CLI (cli/app.py) run once, output flushed, then exit."""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sys
from typing import Any, TextIO

from unetcalc.cli.console import EXIT_FINDINGS, EXIT_USAGE, Line, text_err
from unetcalc.collector import off_for_one_command


def run() -> None:
    """The program (console script and ``python -m unetcalc``): one command, then exit.

    A process that runs one command and ends needs neither the cyclic collector (its repeated passes
    over a big spec's millions of small objects, none in cycles worth collecting, cost a fifth of the
    run) nor the heap torn down object by object at exit (another 15 %): output is flushed and the
    process ends at once. Tests and library users call main(), which keeps both.

    The hard exit never hides a failed write: output that could not be written in full (a full disk,
    a file-size limit, a closed standard output) ends the run with exit 2 and says so; a reader that
    left early (``| head``) ends it quietly, with 1 — never 0 with a cut document.
    """
    off_for_one_command()
    if sys.stdout is None:  # started with standard output closed: nothing could be shown
        _say("error: standard output is closed: nothing can be written (run without `>&-`)")
        os._exit(EXIT_USAGE)
    sys.stdout = _complete_writes(sys.stdout)
    try:
        main()
        code = 0
    except SystemExit as exc:
        if isinstance(exc.code, str):
            sys.stderr.write(exc.code + "\n")
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # the reader left before the last bytes: as main() does
        code = code or EXIT_FINDINGS
    except (OSError, ValueError) as exc:  # a full disk, a file-size limit: the output is cut
        _say(f"error: the output could not be written in full ({_reason(exc)})")
        code = EXIT_USAGE
    with contextlib.suppress(OSError, ValueError):  # nowhere left to say anything
        sys.stderr.flush()
    os._exit(code)


class _AllOrError(io.RawIOBase):
    """A file descriptor that writes every byte or raises. CPython's buffered stdout takes a short
    write (a file-size limit reached mid-chunk) as done and drops the rest without an error."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def isatty(self) -> bool:
        return os.isatty(self.fd)

    def write(self, data: Any) -> int:
        view = memoryview(data).cast("B")
        done = 0
        while done < len(view):
            done += os.write(self.fd, view[done:])  # raises on EFBIG, ENOSPC, EPIPE …
        return done


def _complete_writes(stream: TextIO) -> TextIO:
    """``stream`` (standard output) re-opened over :class:`_AllOrError`, with its encoding and buffering."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):  # not a real file (a test's capture): left as it is
        return stream
    raw = _AllOrError(fd)
    return io.TextIOWrapper(
        io.BufferedWriter(raw),
        encoding=stream.encoding,
        errors=stream.errors,
        line_buffering=bool(stream.line_buffering),
    )


def _reason(exc: BaseException) -> str:
    return os.strerror(exc.errno) if isinstance(exc, OSError) and exc.errno else str(exc) or type(exc).__name__


def _say(message: str) -> None:
    """A last message on standard error, written directly (the streams may be what failed)."""
    with contextlib.suppress(OSError):
        os.write(2, (message + "\n").encode("utf-8", "replace"))


WRITE_ERRORS = {errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO, errno.EBADF}


def main() -> None:
    try:
        if sys.argv[1:2] == ["check"]:  # the command linters run on every commit: only it is built
            from unetcalc.cli.commands.check import check_only_app

            check_only_app()(args=sys.argv[2:], prog_name=f"{os.path.basename(sys.argv[0])} check")
        else:
            from unetcalc.cli.app import app

            app()
    except BrokenPipeError:  # `unetcalc check … | head`: the reader left; stop quietly like other CLIs
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_FINDINGS)
    except Exception as exc:  # a bug in unetcalc, not bad input: say so without a wall of traceback
        if isinstance(exc, OSError) and exc.errno in WRITE_ERRORS:
            # Writing the output failed (a full disk, a file-size limit): what was written is cut.
            with contextlib.suppress(OSError, ValueError, AttributeError):
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more is attempted
            _say(f"error: the output could not be written in full ({_reason(exc)})")
            sys.exit(EXIT_USAGE)
        if os.environ.get("UNETCALC_DEBUG"):
            raise
        console = text_err()
        console.print(Line("internal error:", "bold red") + f" {type(exc).__name__}: {exc}")
        console.print(
            "This is a bug in unetcalc. Run again with UNETCALC_DEBUG=1 for the traceback and please report it."
        )
        sys.exit(EXIT_USAGE)
