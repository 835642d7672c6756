"""`unetcalc tile` speed: plans for the issue's images, timed as whole processes and in-process.

Target (#27): a 300×512×512 volume plan in under 1 s, in the start-up budget of `check` (no torch).
Each command runs in a fresh process (best of 3); the in-process column is the planning alone.

Run: python benchmarks/tile.py
"""

from __future__ import annotations

import subprocess
import sys
import time

from unetcalc import check_file
from unetcalc.memory.fit import parse_bytes
from unetcalc.tiling.plan import TileRequest, plan_tiles

CASES = [
    ("specs/unet-2015.yaml", (2048, 2048), "overlap-tile", "8GiB"),
    ("specs/unet3d.yaml", (300, 512, 512), "overlap-tile", "24GiB"),
    ("specs/unet3d.yaml", (300, 512, 512), "monai", "24GiB"),
    ("specs/unet3d.yaml", (300, 512, 512), "nnunet", "24GiB"),
    ("specs/unet-same.yaml", (40000, 40000), "overlap-tile", "16GiB"),
]


def best(seconds: list[float]) -> str:
    return f"{min(seconds):.2f} s"


def main() -> None:
    print(f"{'spec':24} {'image':>13} {'runtime':>12} {'budget':>6}  {'process':>8} {'planning':>9}  tiles")
    for spec, image, runtime, budget in CASES:
        size = "x".join(map(str, image))
        command = [sys.executable, "-m", "unetcalc", "tile", spec, "--image", size, "--runtime", runtime]
        command += ["--memory", budget]
        process = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run(command, capture_output=True, check=True)
            process.append(time.perf_counter() - start)
        planning = []
        for _ in range(3):
            start = time.perf_counter()
            plan = plan_tiles(check_file(spec), TileRequest(image, runtime, memory=parse_bytes(budget)))
            planning.append(time.perf_counter() - start)
        print(f"{spec:24} {size:>13} {runtime:>12} {budget:>6}  {best(process):>8} {best(planning):>9}  {plan.tiles}")


if __name__ == "__main__":
    main()
