"""Engine benchmarks: cold start beside yamllint's on the same file, and inference time vs spec size.

Prints figures; it asserts nothing (shared machines make timed asserts flaky).
Run: python benchmarks/engine.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from unetcalc.check import check_spec  # noqa: E402
from unetcalc.spec.parse import parse_text  # noqa: E402


def wall(cmd: list[str], runs: int) -> float:
    # Bytecode caching on, as on a user's machine; one warm-up run writes the caches.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=env)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def cpu_ratio(ours: list[str], theirs: list[str], pairs: int) -> tuple[float, float, float]:
    """The median ratio of CPU time (user + system) of ``ours`` to ``theirs``, run one after the other."""

    def cpu(cmd: list[str]) -> float:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000

    cpu(ours), cpu(theirs)  # bytecode caches written
    samples = [(cpu(ours), cpu(theirs)) for _ in range(pairs)]
    return (
        statistics.median(a / b for a, b in samples),
        statistics.median(a for a, _ in samples),
        statistics.median(b for _, b in samples),
    )


def generated_spec(n_layers: int) -> str:
    """A deep symbolic-input U-Net-like spec: conv/bn/relu blocks, pool/upconv pairs with concat skips."""
    layers: list[object] = []
    open_skips: list[str] = []
    block = 0
    while len(layers) < n_layers - 1:
        layers += [{"op": "conv", "filters": 16, "padding": "same"}, "batchnorm", "relu"]
        going_down = (block // 4) % 2 == 0
        if going_down:
            name = f"skip{block}"
            layers += [{"op": "relu", "name": name}, "maxpool"]
            open_skips.append(name)
        elif open_skips:
            layers += [
                {"op": "upconv", "filters": 16},
                {"op": "concat", "with": open_skips.pop()},
                {"op": "conv", "filters": 16, "kernel": 1},
            ]
        block += 1
    while open_skips:
        layers += [{"op": "upconv", "filters": 16}, {"op": "concat", "with": open_skips.pop()}]
    layers = layers[: n_layers - 1] if not open_skips else layers
    layers.append({"op": "conv", "filters": 2, "kernel": 1, "name": "head"})
    return yaml.safe_dump(
        {"name": f"gen{n_layers}", "input": {"channels": 1, "size": ["H", "W"]}, "layers": layers}, sort_keys=False
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()

    script = shutil.which("unetcalc")
    command = [script] if script else [sys.executable, "-m", "unetcalc"]
    base = wall([sys.executable, "-c", "import yaml"], args.runs)
    floor = wall([sys.executable, "-c", "import yaml, typer, rich.console"], args.runs)
    check = wall([*command, "check", "specs/unet-2015.yaml"], args.runs)
    print(f"cold start (median of {args.runs}, {'console script' if script else 'python -m unetcalc'}):")
    print(f"  python -c 'import yaml'                          {base * 1000:7.1f} ms")
    stack = f"({floor / base:.2f}x: the CLI stack alone)"
    print(f"  python -c 'import yaml, typer, rich.console'     {floor * 1000:7.1f} ms   {stack}")
    print(f"  unetcalc check specs/unet-2015.yaml              {check * 1000:7.1f} ms")
    print(f"  ratio to import yaml                             {check / base:7.2f}x")
    yamllint = shutil.which("yamllint")
    if yamllint:  # the linter people already run on the same files (pip install yamllint to compare)
        lint = wall([yamllint, "specs/unet-2015.yaml"], args.runs)
        print(f"  yamllint specs/unet-2015.yaml                    {lint * 1000:7.1f} ms")
        print(f"  unetcalc check / yamllint (wall)                 {check / lint:7.2f}x")
        # A shared machine's load swings more than the difference measured: runs in pairs, one of each, and
        # the median of the pairs' CPU-time ratios.
        pairs = max(args.runs * 3, 21)
        ratio, ours, theirs = cpu_ratio(
            [*command, "check", "specs/unet-2015.yaml"], [yamllint, "specs/unet-2015.yaml"], pairs
        )
        print(
            f"  … CPU time, {pairs} interleaved pairs: {ours:.0f} ms against {theirs:.0f} ms: {ratio:.2f}x"
            "   (target ≤ 1.3x)"
        )
    else:
        print("  (pip install yamllint to see unetcalc check beside yamllint's cold start)")
    if shutil.which("script"):  # the same at a (pseudo-)terminal, where rich draws colours
        shell_command = " ".join([*command, "check", "specs/unet-2015.yaml"])
        tty = wall(["script", "-qec", shell_command, "/dev/null"], args.runs)
        print(f"  … at a terminal (rich colours, via script(1))    {tty * 1000:7.1f} ms   {tty / base:.2f}x")
    print()
    print("inference (parse + graph + symbolic and concrete passes + lint), median of 3:")
    print(f"  {'layers':>7} {'parse ms':>9} {'check ms':>9} {'µs/layer':>9}")
    for n in (1_000, 5_000, 10_000):
        text = generated_spec(n)
        parse_times, check_times = [], []
        for _ in range(3):
            started = time.perf_counter()
            spec = parse_text(text, f"gen{n}.yaml")
            parsed = time.perf_counter()
            result = check_spec(spec)
            done = time.perf_counter()
            parse_times.append(parsed - started)
            check_times.append(done - parsed)
        assert result.inference is not None
        assert not result.errors, result.errors[:3]
        p, c = statistics.median(parse_times), statistics.median(check_times)
        count = len(result.inference.layers)
        print(f"  {count:>7} {p * 1000:9.1f} {c * 1000:9.1f} {(p + c) / count * 1e6:9.1f}")
    print("  (target: 10,000 layers checked in under 1 s, growing linearly)")


if __name__ == "__main__":
    main()
