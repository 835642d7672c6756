"""Memory and time of meta-device verification, beside torchinfo's summary().

Each measurement runs in its own process so peak RSS (ru_maxrss) is its own.
Run: python benchmarks/verify_memory.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def unet_same_5level(filters: tuple[int, ...] = (64, 128, 256, 512, 1024)) -> str:
    """A same-padded U-Net with 5 levels, 64 → 1024 filters, symbolic input."""
    layers: list[object] = []
    for level, f in enumerate(filters[:-1]):
        layers += [
            {"op": "conv", "filters": f},
            "batchnorm",
            "relu",
            {"op": "conv", "filters": f},
            "batchnorm",
            {"op": "relu", "name": f"enc{level}"},
            "maxpool",
        ]
    layers += [{"op": "conv", "filters": filters[-1]}, "relu", {"op": "conv", "filters": filters[-1]}, "relu"]
    for level in reversed(range(len(filters) - 1)):
        f = filters[level]
        layers += [
            {"op": "upconv", "filters": f},
            {"op": "concat", "with": f"enc{level}"},
            {"op": "conv", "filters": f},
            "relu",
            {"op": "conv", "filters": f},
            "relu",
        ]
    layers.append({"op": "conv", "filters": 2, "kernel": 1, "name": "head"})
    spec = {
        "name": "unet-same-1024",
        "input": {"channels": 1, "size": ["H", "W"]},
        "defaults": {"conv": {"padding": "same"}},
        "layers": layers,
    }
    return yaml.safe_dump(spec, sort_keys=False)


def run(code: str) -> dict[str, object]:
    program = "\n".join(
        [
            "import json, resource, time",
            "started = time.perf_counter()",
            textwrap.dedent(code).strip(),
            "elapsed = time.perf_counter() - started",
            "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024",
            'print(json.dumps({"seconds": elapsed, "peak_rss_mib": rss, **extra}))',
        ]
    )
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    spec = Path(tempfile.mkdtemp()) / "unet-same-1024.yaml"
    spec.write_text(unet_same_5level())
    baseline = run("import torch\nextra = {}")
    ours = run(f"""
        from unetcalc.check import check_file
        from unetcalc.torch.verify import verify_size
        result = check_file({str(spec)!r}, (8192, 8192))
        check = verify_size(result, (8192, 8192))
        assert check.ok, (check.disagreements, check.torch_error)
        extra = {{"layers": check.layers, "params": result.inference.params}}
    """)
    ours_2015 = run("""
        from unetcalc.check import check_file
        from unetcalc.torch.verify import verify
        checks = verify(check_file("specs/unet-2015.yaml"))
        assert all(c.ok for c in checks)
        extra = {"layers": checks[0].layers}
    """)
    theirs = run("""
        import torch, torchinfo
        from unetcalc.torch.builder import build_module
        model = build_module("specs/unet-2015.yaml")
        stats = torchinfo.summary(model, input_size=(1, 1, 572, 572), verbose=0)
        extra = {"mult_adds": stats.total_mult_adds}
    """)
    spec.unlink()
    print("meta-device verification vs torchinfo.summary (one process each, peak RSS):")
    print(f"  python -c 'import torch' (baseline)                    {_fmt(baseline)}")
    print(f"  unetcalc verify: 1024-filter 5-level U-Net at 8192²    {_fmt(ours)}   (target: < 1024 MiB)")
    print(f"  unetcalc verify: 2015 U-Net at 572²                    {_fmt(ours_2015)}")
    print(f"  torchinfo.summary(): 2015 U-Net at 572² (real tensors) {_fmt(theirs)}")


def _fmt(figures: dict[str, object]) -> str:
    if "error" in figures:
        return f"not measured: {figures['error']}"
    return f"{figures['seconds']:6.2f} s  {figures['peak_rss_mib']:8.1f} MiB"


if __name__ == "__main__":
    main()
