"""Predicted GPU memory against the H100 measurements: every row, three errors, their medians.

Ground truth: benchmarks/h100-training-memory.json (a copy of ../shared/ground-truth/, measured with
../shared/ground-truth/measure_memory.py: 66 rows, four of them public networks written as specs in
benchmarks/specs/). Per row: the training step's allocated peak (max_memory_allocated), the reserved peak
(max_memory_reserved, from the caching allocator's simulation) and the tensors saved for backward, each
measured, predicted and the error; `<` marks a prediction below the measurement (for planning, an
out-of-memory crash). Targets (#26): allocated never more than max(5 %, 64 MiB) below nor max(15 %, 64 MiB)
above, median |error| ≤ 3 %; reserved within max(15 %, 128 MiB), median ≤ 8 %. Prints, asserts nothing.
Run: python benchmarks/memory.py [--truth FILE]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from unetcalc.check import check_file  # noqa: E402
from unetcalc.memory.estimate import estimate_memory  # noqa: E402
from unetcalc.memory.reserved import reserved_peak  # noqa: E402

MiB = 2**20


def spec_path(name: str) -> Path | None:
    for folder in (ROOT / "specs", ROOT / "benchmarks" / "specs"):
        if (folder / f"{name}.yaml").exists():
            return folder / f"{name}.yaml"
    return None


def cell(measured: float, predicted: float) -> tuple[str, float]:
    error = (predicted - measured) / measured if measured else 0.0
    below = "<" if predicted < measured else " "
    return f"{measured:>9.0f}{predicted:>9.0f}{error:>+8.1%}{below}", error


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", type=Path, default=ROOT / "benchmarks" / "h100-training-memory.json")
    args = parser.parse_args()
    rows = json.loads(args.truth.read_text())["results"]
    print(
        f"{'spec':<27}{'size':<14}{'batch':>5} {'prec':<5}{'optimizer':<13}"
        f"{'allocated MiB':>14}{'pred':>9}{'err':>9} {'reserved MiB':>12}{'pred':>9}{'err':>9} "
        f"{'saved MiB':>9}{'pred':>9}{'err':>9}"
    )
    errors: dict[str, list[float]] = {"allocated": [], "reserved": [], "saved": []}
    outside = {"allocated": 0, "reserved": 0}
    below = {"allocated": 0, "reserved": 0}
    for row in rows:
        path = spec_path(row["spec"])
        if path is None:
            print(f"{row['spec']:<27}(no such spec here: skipped)")
            continue
        optimizer = row.get("optimizer", "adam")
        result = check_file(path, tuple(row["size"]))
        estimate = estimate_memory(result, row["batch"], row["precision"], optimizer)
        reserved = reserved_peak(result, row["batch"], row["precision"], optimizer)
        allocated_true, reserved_true = row["train_peak_steady_mib"], row["reserved_peak_mib"]
        saved_true = row["saved_after_forward_mib"]
        allocated_pred = estimate.training.peak / MiB  # type: ignore[operator]
        reserved_pred = reserved.peak / MiB
        saved_pred = estimate.training.saved / MiB  # type: ignore[operator]
        texts = []
        for kind, measured, predicted in (
            ("allocated", allocated_true, allocated_pred),
            ("reserved", reserved_true, reserved_pred),
            ("saved", saved_true, saved_pred),
        ):
            text, error = cell(measured, predicted)
            texts.append(text)
            errors[kind].append(abs(error))
        gap = allocated_pred - allocated_true
        outside["allocated"] += gap < -max(0.05 * allocated_true, 64) or gap > max(0.15 * allocated_true, 64)
        outside["reserved"] += abs(reserved_pred - reserved_true) > max(0.15 * reserved_true, 128)
        below["allocated"] += allocated_pred < allocated_true
        below["reserved"] += reserved_pred < reserved_true
        size = "x".join(map(str, row["size"]))
        print(
            f"{row['spec']:<27}{size:<14}{row['batch']:>5} {row['precision']:<5}{optimizer:<13}"
            f"{texts[0]:>33} {texts[1]:>30} {texts[2]:>30}"
        )
    count = len(errors["allocated"])
    print(f"\n{count} rows; median |error|:", end="")
    for kind in ("allocated", "reserved", "saved"):
        print(f" {kind} {statistics.median(errors[kind]):.2%} (max {max(errors[kind]):.1%})", end=";")
    print(
        f"\nbelow the measurement (<): allocated {below['allocated']}, reserved {below['reserved']}; outside the "
        f"targets: allocated {outside['allocated']}, reserved {outside['reserved']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
