"""The bombs table: hostile specs and notes under the size limit, each answered with a finding.

Each input is checked by `unetcalc check` in a fresh process; the table prints the wall time, the
peak resident memory of that process, the exit code and the first finding. Targets: every bomb in
under a second, the plain 20 MB spec and the 200,000-row note linear and under 1 GiB.

Run: python benchmarks/bombs.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAD = "name: bomb\nversion: 2\ninput: {channels: 1, size: [64, 64]}\n"
TABLE = "| Layers | Dimensions | Operation | Filters |\n|---|---|---|---|\n| Input | 16 x 16 | | 1 |\n"


def _nested(levels: int, repeat: int) -> str:
    blocks = "blocks:\n  b0:\n    layers: [relu]\n"
    for i in range(1, levels):
        blocks += f"  b{i}:\n    layers:\n      - {{block: b{i - 1}, repeat: {repeat}}}\n"
    return HEAD + blocks + f"layers:\n  - {{block: b{levels - 1}, repeat: {repeat}}}\n"


def _doubling(levels: int) -> str:
    blocks = "blocks:\n  s0:\n    params: {p: null}\n    layers: [{op: relu, name: '${p}'}]\n"
    for i in range(1, levels):
        blocks += f"  s{i}:\n    params: {{p: null}}\n    layers:\n      - {{block: s{i - 1}, p: '{'${p}' * 8}'}}\n"
    return HEAD + blocks + f"layers:\n  - {{block: s{levels - 1}, p: '{'x' * 1000}'}}\n"


BOMBS: list[tuple[str, str, str]] = [
    (
        "repeat: 10**9",
        "yaml",
        HEAD + "blocks:\n  one:\n    layers: [relu]\nlayers:\n  - {block: one, repeat: 1000000000}\n",
    ),
    ("20^7 nested repeats", "yaml", _nested(7, 20)),
    ("${p} x8 per level, 8 levels", "yaml", _doubling(8)),
    ("unet: {levels: 10**9}", "yaml", HEAD + "unet: {levels: 1000000000}\n"),
    ("unet: {levels: 100000}", "yaml", HEAD + "unet: {levels: 100000}\n"),
    ("unet: {convs: 10**9}", "yaml", HEAD + "unet: {convs: 1000000000}\n"),
    ("a 5,000-digit number", "yaml", HEAD + f"layers:\n  - {{op: conv, filters: {'9' * 5000}}}\n"),
    ("heading + 500,000 spaces", "md", "# a" + " " * 500_000 + "b\n\n" + TABLE),
    ("separator of 600,000 spaces", "md", "| a | b |\n" + " " * 600_000 + "\n" + TABLE),
    (
        "plain 20 MB spec (2.2M layers)",
        "yaml",
        "name: p\ninput: {channels: 1, size: [64, 64]}\nlayers:\n" + "  - relu\n" * 2_200_000,
    ),
    ("note of 199,000 rows", "md", TABLE + "| c | 16 x 16 | Relu | 1 |\n" * 199_000),
]


def run(path: Path) -> tuple[float, int, int, str]:
    """Wall seconds, peak RSS in MiB, exit code and the first finding line of `unetcalc check PATH`."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "unetcalc", "check", str(path)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    out = proc.stdout.read() if proc.stdout else b""
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    lines = [line.strip() for line in out.decode("utf-8", "replace").splitlines()]
    finding = next((line for line in lines if " UC" in line), lines[0] if lines else "")
    return seconds, usage.ru_maxrss // 1024, os.waitstatus_to_exitcode(status), finding


def main() -> None:
    print(f"{'input':34} {'size':>9} {'seconds':>8} {'peak MiB':>9} {'exit':>5}  finding")
    with tempfile.TemporaryDirectory() as folder:
        for name, suffix, text in BOMBS:
            path = Path(folder) / f"bomb.{suffix}"
            path.write_text(text, encoding="utf-8")
            seconds, peak, code, finding = run(path)
            size = f"{len(text.encode()) / 1e6:.1f} MB" if len(text) > 100_000 else f"{len(text)} B"
            shown = finding.split(" UC", 1)[-1][:90] if " UC" in finding else finding[:90]
            print(
                f"{name:34} {size:>9} {seconds:8.2f} {peak:9d} {code:5d}  UC{shown}"
                if " UC" in finding
                else f"{name:34} {size:>9} {seconds:8.2f} {peak:9d} {code:5d}  {shown}"
            )


if __name__ == "__main__":
    main()
