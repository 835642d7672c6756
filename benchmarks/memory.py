"""Predicted peak memory against the H100 measurements (issue 14): every row, its error, median and max.

Ground truth: benchmarks/h100-training-memory.json (a copy of ../shared/ground-truth/, measured with
../shared/ground-truth/measure_memory.py). Targets: training within max(10 %, 64 MiB) per row, median
≤ 5 %; inference within max(15 %, 64 MiB). Prints, asserts nothing.
Run: python benchmarks/memory.py [--truth FILE] [--measure] (--measure re-runs measure_memory.py on a CUDA GPU).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from unetcalc.check import check_file  # noqa: E402
from unetcalc.memory.estimate import estimate_memory  # noqa: E402

MiB = 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", type=Path, default=ROOT / "benchmarks" / "h100-training-memory.json")
    parser.add_argument("--measure", action="store_true", help="measure again on this machine's GPU first")
    args = parser.parse_args()
    truth = args.truth
    if args.measure:
        truth = measure_again()
    rows = json.loads(truth.read_text())["results"]
    print(
        f"{'spec':<20}{'size':<16}{'batch':>5} {'prec':<5}{'train MiB':>11}{'pred':>10}{'err':>8} "
        f"{'infer MiB':>11}{'pred':>10}{'err':>8}"
    )
    train_errors, infer_errors, misses = [], [], 0
    for row in rows:
        if "error" in row:
            continue
        spec = ROOT / "specs" / f"{row['spec']}.yaml"
        if not spec.exists():
            print(f"{row['spec']:<20}(no such spec here: skipped)")
            continue
        est = estimate_memory(check_file(spec, tuple(row["size"])), row["batch"], row["precision"])
        train, infer = est.training.peak / MiB, est.inference.activations / MiB  # type: ignore[operator]
        t_true, i_true = row["train_peak_steady_mib"], row["infer_peak_over_base_mib"]
        t_err, i_err = (train - t_true) / t_true, (infer - i_true) / i_true
        t_ok = abs(train - t_true) <= max(0.10 * t_true, 64)
        i_ok = abs(infer - i_true) <= max(0.15 * i_true, 64)
        misses += (not t_ok) + (not i_ok)
        train_errors.append(abs(t_err))
        infer_errors.append(abs(i_err))
        size = "x".join(map(str, row["size"]))
        print(
            f"{row['spec']:<20}{size:<16}{row['batch']:>5} {row['precision']:<5}{t_true:>11.1f}{train:>10.1f}"
            f"{t_err:>+8.1%}{'' if t_ok else '!'} {i_true:>10.1f}{infer:>10.1f}{i_err:>+8.1%}{'' if i_ok else '!'}"
        )
    print(
        f"\n{len(train_errors)} rows; training |error| median {statistics.median(train_errors):.2%} "
        f"max {max(train_errors):.2%}; inference |error| median {statistics.median(infer_errors):.2%} "
        f"max {max(infer_errors):.2%}; outside the targets: {misses} (marked !)"
    )
    return 0


def measure_again() -> Path:
    """Run the measurement script on this machine's GPU with the bundled specs."""
    script = ROOT.parent / "shared" / "ground-truth" / "measure_memory.py"
    work = Path(os.environ.get("OUT", "/tmp/unetcalc-memory"))
    (work / "specs").mkdir(parents=True, exist_ok=True)
    for spec in (ROOT / "specs").glob("*.yaml"):
        (work / "specs" / spec.name).write_text(spec.read_text())
    (work / "measure_memory.py").write_text(script.read_text())
    subprocess.run([sys.executable, "measure_memory.py"], cwd=work, check=True, env={**os.environ, "OUT": str(work)})
    return work / "memory.json"


if __name__ == "__main__":
    sys.exit(main())
