"""Writing what a command produces: complete or absent, never half-written, never over the wrong thing.

- a regular file (or a new path) is written atomically: a temporary file beside it, renamed into place;
- a character device, a FIFO or ``-`` (stdout) is written straight into, never replaced by a file
  (renaming over ``/dev/null`` would swap a regular file in for the device);
- a directory, the spec being read, or one path named twice by a command is refused;
- a symbolic link is refused, whatever it points at: a pull request can add `unet.svg -> ~/.bashrc`
  or `-> /dev/sda` where `draw` writes by default, and following it would write there (use ``-`` for
  stdout rather than /dev/stdout, itself a link);
- the temporary file is removed when the write fails or the process is interrupted or terminated.
"""

from __future__ import annotations

import os
import shutil
import signal
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Writer = Callable[[Path], object]  # its return value is ignored


class OutputError(Exception):
    """An output cannot be written where it was asked for (exit 2); the message says why and what to do."""


def _describe(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_targets(targets: list[str], reads: list[str]) -> None:
    """Refuse before any work: a target that is a directory, one of the files read, or named twice."""
    seen: list[tuple[str, Path]] = []
    for target in targets:
        if target == "-":
            if any(name == "-" for name, _ in seen):
                raise OutputError("two outputs are both sent to stdout (-): send one of them to a file")
            seen.append((target, Path(target)))
            continue
        path = Path(target)
        _refuse_link(path)
        if path.is_dir():
            raise OutputError(f"{target}: is a directory; name a file in it")
        for read in reads:
            if _same_file(path, Path(read)) or path.resolve() == Path(read).resolve():
                raise OutputError(f"{target}: this is the spec being read; writing there would destroy it")
        for name, other in seen:
            if name != "-" and (path.resolve() == other.resolve() or _same_file(path, other)):
                raise OutputError(f"{target}: named for two outputs ({name} and {target}); give each its own file")
        seen.append((target, path))


def _refuse_link(path: Path) -> None:
    if path.is_symlink():
        try:
            where = f" (to {os.readlink(path)})"
        except OSError:
            where = ""
        raise OutputError(
            f"{path}: is a symbolic link{where}; unetcalc does not write through links: remove it or name another "
            "file (`-` writes to stdout)"
        )


@contextmanager
def _removed_on_termination(tmp: Path) -> Iterator[None]:
    """Remove ``tmp`` if the process is interrupted (Ctrl-C) or told to stop (SIGTERM, SIGHUP)."""

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)  # unwinds through the finally below

    previous: dict[signal.Signals, Any] = {}
    if hasattr(signal, "SIGHUP") and _in_main_thread():
        for signum in (signal.SIGTERM, signal.SIGHUP):
            previous[signum] = signal.signal(signum, stop)
    try:
        yield
    finally:
        tmp.unlink(missing_ok=True)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _is_stream(path: Path) -> bool:
    """A character device or FIFO: written into, never replaced."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)


def write_output(target: str | Path, write: Writer) -> None:
    """Produce an output with ``write(tmp)`` and put it at ``target`` (see the module docstring).

    Raises OutputError with a message naming the target and the reason.
    """
    text = str(target)
    path = Path(target)
    if text != "-":
        _refuse_link(path)
    try:
        if text == "-" or _is_stream(path):
            _write_through(text, write)
        else:
            _write_atomically(path, write)
    except OSError as exc:
        raise OutputError(f"cannot write {text}: {_describe(exc)}; nothing was written") from None


def _write_atomically(path: Path, write: Writer) -> None:
    if path.is_dir():
        raise OutputError(f"cannot write {path}: is a directory; name a file in it")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"cannot write {path}: {parent} is a file, not a directory")
            break
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    with _removed_on_termination(tmp):
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)


def _write_through(target: str, write: Writer) -> None:
    """Write into stdout, a device or a FIFO: produce the whole output in a temporary file first."""
    handle, tmp_name = tempfile.mkstemp(prefix=".unetcalc.", suffix=".tmp")
    os.close(handle)
    tmp = Path(tmp_name)
    with _removed_on_termination(tmp):
        write(tmp)
        _copy_into(tmp, target)


def _copy_into(tmp: Path, target: str) -> None:
    with tmp.open("rb") as source:
        if target == "-":
            sys.stdout.flush()
            shutil.copyfileobj(source, sys.stdout.buffer)
            sys.stdout.buffer.flush()
        else:
            with open(target, "wb") as sink:
                shutil.copyfileobj(source, sink)


def write_bytes(target: str | Path, data: bytes) -> None:
    write_output(target, lambda tmp: tmp.write_bytes(data))


def write_text(target: str | Path, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))
