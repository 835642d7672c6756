"""The one switch for Python's cyclic garbage collector, for each kind of run.

Parsing and inference allocate millions of small objects (Fractions, dataclasses, positions) and make no
reference cycles worth collecting; the collector's repeated passes over them made a 10,000-layer check
superlinear (95 µs/layer against 72). So: paused around that work in the library, off for a process that
runs one command and ends (the CLI), back on for a process that lives on (the language server).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block, as it was after (library calls: parsing, inference)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def off_for_one_command() -> None:
    """A process that runs one command and exits (cli/entry.py): no collection at all."""
    gc.disable()


def on_for_a_long_run() -> None:
    """A process that serves until its client leaves (the language server): cycles are collected again."""
    gc.enable()
