"""Linear on every input: time and peak RSS of each generated worst case at growing sizes (issue 15).

Every case runs `unetcalc …` in a process of its own (wait4 gives that process's peak RSS) on a
generated spec of 1k, 10k (and, with --full, 100k) layers; the growth exponent between sizes is
log(t2/t1)/log(n2/n1): 1.0 is linear. Prints figures, asserts nothing (shared machines make timed
asserts flaky). Run: python benchmarks/scaling.py [--full | --sizes N,...] [--only CASE] [--limit SECONDS]
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = "input: {channels: 1, size: [H, W]}\ndefaults: {conv: {kernel: 3, padding: same}}\nlayers:\n"


def chain(n: int, row: Callable[[int], str]) -> str:
    return HEADER + "".join(row(i) for i in range(n))


def misspelt(n: int) -> str:
    first = "  - {op: conv, filters: 4, name: layer0}\n"
    return HEADER + first + "".join(f"  - {{op: add, with: layr{i - 1}, name: layer{i}}}\n" for i in range(1, n))


def plain(n: int) -> str:
    return chain(n, lambda i: f"  - {{op: conv, filters: 4, name: l{i}}}\n" if i % 2 == 0 else "  - relu\n")


def unique_block(n: int) -> str:  # one long block with no repeating pattern (draw's run compression)
    ops = ["relu", "sigmoid", "tanh", "gelu", "silu", "elu", "identity"]
    # two layers a step: n layers in all
    return chain(
        n // 2, lambda i: f"  - {{op: conv, filters: {4 + i % 7}, kernel: {1 + 2 * (i % 2)}}}\n  - {ops[i % 7]}\n"
    )


def finding_everywhere(n: int) -> str:  # a warning on every layer (UC204: padding grows the size)
    return chain(n, lambda i: "  - {op: conv, filters: 4, kernel: 1, padding: 1}\n")


def suppressed_everywhere(n: int) -> str:
    return chain(n, lambda i: "  - {op: conv, filters: 4, kernel: 1, padding: 1}  # unetcalc: ignore[UC204]\n")


def deep_unet(n: int) -> str:  # n/2 pooling levels down, then back up: exact symbolic costs
    levels = max(1, n // 8)
    down = "".join(f"  - {{op: conv, filters: 4, name: e{i}}}\n  - maxpool\n" for i in range(levels))
    up = "".join(f"  - {{op: upconv, filters: 4}}\n  - {{op: concat, with: e{i}}}\n" for i in reversed(range(levels)))
    return HEADER + down + "  - {op: conv, filters: 4}\n" + up


def multilevel_unet(n: int, levels: int = 4) -> str:  # a 4-level symbolic U-Net of n layers (target: < 1 s at 10k)
    per = n // (2 * levels + 1)
    rows = []
    for level in range(levels):
        rows += ["  - {op: conv, filters: 8}\n"] * (per - 1) + [
            f"  - {{op: conv, filters: 8, name: e{level}}}\n",
            "  - maxpool\n",
        ]
    rows += ["  - {op: conv, filters: 8}\n"] * per
    for level in reversed(range(levels)):
        rows += ["  - {op: upconv, filters: 8}\n", f"  - {{op: concat, with: e{level}}}\n"]
        rows += ["  - {op: conv, filters: 8}\n"] * (per - 2)
    return HEADER + "".join(rows)


def renamed_pair(n: int, path: Path) -> list[Path]:
    old = path.with_suffix(".old.yaml")
    new = path.with_suffix(".new.yaml")
    old.write_text(plain(n))
    new.write_text(chain(n, lambda i: f"  - {{op: conv, filters: 4, name: r{i}}}\n" if i % 2 == 0 else "  - relu\n"))
    return [old, new]


SPEC_LAYERS_IN_DIRECTORY = 20  # the directory case: n layers as n/20 files (5,000 files at 100k)


def spec_directory(n: int, path: Path) -> Path:
    folder = path.with_suffix(".d")
    folder.mkdir(exist_ok=True)
    text = plain(SPEC_LAYERS_IN_DIRECTORY)
    for i in range(n // SPEC_LAYERS_IN_DIRECTORY):
        (folder / f"spec{i}.yaml").write_text(text.replace("layers:", f"name: s{i}\nlayers:"))
    return folder


def big_unet() -> str:
    return "input: {channels: 3, size: [8192, 8192]}\nunet: {levels: 4, filters: 1024, padding: same}\n"


CASES: dict[str, tuple[Callable[[int], str] | None, list[str]]] = {
    "misspelt references (check)": (misspelt, ["check", "{spec}"]),
    "plain big spec (check)": (plain, ["check", "{spec}"]),
    "unique long block (draw dot)": (unique_block, ["draw", "{spec}", "-o", "{out}.dot"]),
    "table rich": (plain, ["table", "{spec}"]),
    "table csv": (plain, ["table", "{spec}", "--format", "csv"]),
    "finding on every layer (table csv)": (finding_everywhere, ["table", "{spec}", "--format", "csv"]),
    "suppression on every line (check)": (suppressed_everywhere, ["check", "{spec}"]),
    "deep symbolic U-Net (check)": (deep_unet, ["check", "{spec}"]),
    "4-level symbolic U-Net (check)": (multilevel_unet, ["check", "{spec}"]),
    "diff, every other layer renamed": (None, ["diff", "{old}", "{new}"]),
    "directory of n/20 specs (check)": (None, ["check", "{folder}"]),
    "sizes --range 1..10^9": (plain, ["sizes", "{spec}", "--range", "1..1000000000"]),
    "memory (training replay)": (plain, ["memory", "{spec}"]),
    "deep U-Net drawn (dot)": (deep_unet, ["draw", "{spec}", "-o", "{out}.dot"]),
    "deep U-Net drawn (paper svg)": (deep_unet, ["draw", "{spec}", "-o", "{out}.svg", "--style", "paper"]),
    "misspelt refs, sizes (stderr report)": (misspelt, ["sizes", "{spec}"]),
}


def run(args: list[str], limit: float) -> tuple[float, float, int]:
    """Seconds, peak RSS in MiB and the exit code of `unetcalc ARGS` in its own process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "unetcalc", *args], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    timer = threading.Timer(limit, process.kill)  # a run past the limit is stopped (and shows as such)
    timer.start()
    _, status, usage = os.wait4(process.pid, 0)  # this child's own peak RSS, not every child's
    timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, process.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="also 100k layers")
    parser.add_argument("--only", help="run the cases whose name contains this")
    parser.add_argument("--limit", type=float, default=300, help="seconds before a run is stopped")
    parser.add_argument("--sizes", help="comma-separated layer counts instead (e.g. 100000): no growth then")
    args = parser.parse_args()
    sizes = [1_000, 10_000, 100_000] if args.full else [1_000, 10_000]
    if args.sizes:
        sizes = [int(n) for n in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"{'case':<38} " + "  ".join(f"{n:>7} layers: s / MiB" for n in sizes) + "   growth")
        for name, (generate, command) in CASES.items():
            if args.only and args.only not in name:
                continue
            times = []
            cells = []
            for n in sizes:
                spec = folder / f"case{n}.yaml"
                old = new = directory = spec
                if name.startswith("directory"):
                    directory = spec_directory(n, spec)
                elif generate is None:
                    old, new = renamed_pair(n, spec)
                else:
                    spec.write_text(generate(n))
                argv = [a.format(spec=spec, out=folder / "out", old=old, new=new, folder=directory) for a in command]
                seconds, rss, _ = run(argv, args.limit)
                times.append(seconds)
                cells.append(f"{seconds:>8.2f} / {rss:>5.0f}")
            measured = zip(sizes, times, strict=True)
            growth = [math.log(b / a) / math.log(m / n) for (n, a), (m, b) in itertools.pairwise(measured)]
            print(f"{name:<38} " + "  ".join(f"{c:>22}" for c in cells) + "   " + " ".join(f"{g:.2f}" for g in growth))
        if args.only and args.only not in "build/check --verify":
            return
        spec = folder / "big.yaml"
        spec.write_text(big_unet())
        for command in (["build", str(spec), "--verify"], ["check", str(spec), "--verify"]):
            seconds, rss, code = run(command, args.limit)
            what = " ".join(command[:1] + command[2:])
            print(f"{what} of a 7.9e9-parameter U-Net at 8192²: {seconds:.1f} s, {rss:.0f} MiB (exit {code})")


if __name__ == "__main__":
    main()
