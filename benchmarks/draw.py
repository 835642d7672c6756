"""Drawing time for a 200-layer spec, per renderer, detail level and style (target: under 2 s).

Each figure is a fresh process running `unetcalc draw` end to end (start-up,
check, layout, render, write), so the WebAssembly compile is included.
Run: python benchmarks/draw.py
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def deep_unet(n_layers: int = 200, levels: int = 4) -> str:
    """A U-Net whose levels hold long conv/bn/relu runs, padded out to ``n_layers`` layers."""
    per_level = max(1, (n_layers - 6 * levels) // (6 * levels + 3))
    layers: list[object] = []
    for level in range(levels):
        for _ in range(per_level):
            layers += [{"op": "conv", "filters": 16 * 2**level}, "batchnorm", "relu"]
        layers += [{"op": "relu", "name": f"enc{level}"}, "maxpool"]
    for _ in range(per_level):
        layers += [{"op": "conv", "filters": 16 * 2**levels}, "batchnorm", "relu"]
    for level in reversed(range(levels)):
        layers += [{"op": "upconv", "filters": 16 * 2**level}, {"op": "concat", "with": f"enc{level}"}]
        for _ in range(per_level):
            layers += [{"op": "conv", "filters": 16 * 2**level}, "batchnorm", "relu"]
    while len(layers) < n_layers - 1:
        layers.append("identity")
    layers.append({"op": "conv", "filters": 2, "kernel": 1, "name": "head"})
    spec = {
        "name": f"deep-unet-{len(layers)}",
        "input": {"channels": 1, "size": [256, 256]},
        "defaults": {"conv": {"padding": "same"}},
        "layers": layers,
    }
    return yaml.safe_dump(spec, sort_keys=False)


def timed(cmd: list[str], env: dict[str, str], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.run(cmd, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
        if proc.returncode != 0:
            raise SystemExit(proc.stderr.decode())
    return statistics.median(times)


def main() -> None:
    work = Path(tempfile.mkdtemp())
    spec = work / "deep.yaml"
    spec.write_text(deep_unet())
    n = len(yaml.safe_load(spec.read_text())["layers"])
    routes = ["wasm"] + (["dot"] if shutil.which("dot") else [])
    unetcalc = shutil.which("unetcalc") or sys.executable
    base = [unetcalc] if unetcalc != sys.executable else [sys.executable, "-m", "unetcalc"]
    print(f"draw: {n}-layer spec, median of 3 runs (whole process; target < 2 s)")
    for route in routes:
        env = dict(os.environ, UNETCALC_RENDERER=route)
        for detail in ("blocks", "layers"):
            seconds = timed([*base, "draw", str(spec), "--detail", detail, "-o", str(work / "out.svg")], env)
            print(f"  svg  {route:5} --detail {detail:7} {seconds:6.2f} s")
    env = dict(os.environ)
    seconds = timed([*base, "draw", str(spec), "-f", "dot", "-o", str(work / "out.dot")], env)
    print(f"  dot  (no renderer)            {seconds:6.2f} s")
    for fmt in ("svg", "pdf", "png"):  # --style paper: written directly (PNG through resvg-py)
        if fmt == "png" and importlib.util.find_spec("resvg_py") is None:
            print("  png  paper: resvg-py not installed")
            continue
        seconds = timed([*base, "draw", str(spec), "--style", "paper", "-o", str(work / f"out.{fmt}")], env)
        print(f"  {fmt}  paper (no Graphviz)        {seconds:6.2f} s")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
