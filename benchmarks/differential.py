"""Differential benchmark: N random architectures checked against PyTorch (meta device).

Prints the agreement count; each disagreement is printed with its spec.
Run: python benchmarks/differential.py [--examples 5000] [--seed 0]
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from oracle import compare, valid_size  # noqa: E402

from strategies import unet_spec  # noqa: E402


def _features(spec: dict) -> dict[str, bool]:
    """Which of the exercised mechanisms a random spec contains (printed as counts)."""
    rows = [r for r in spec["layers"] if isinstance(r, dict)]
    ops = [r.get("op", "") for r in rows] + [r for r in spec["layers"] if isinstance(r, str)]
    v2 = "blocks" in spec or "outputs" in spec or any(op in ("pad", "resize", "multiply") for op in ops)
    return {
        "spec v2": v2,
        "blocks": "blocks" in spec,
        "outputs": "outputs" in spec,
        "pad to": any(r.get("op") == "pad" for r in rows),
        "resize to": any(r.get("op") == "resize" for r in rows),
        "multiply": "multiply" in ops,
        "prelu": "prelu" in str(spec.get("blocks", "")),
        "ceil_mode pools": any(r.get("ceil_mode") for r in rows),
        "round-up strided convs": any(
            r.get("op") == "conv" and r.get("stride") and r.get("padding") == 1 for r in rows
        ),
        "instance/group norm at the bottom": any(op in ("instancenorm",) for op in ops)
        or any(r.get("op") == "groupnorm" and r.get("groups") in (2, 4) for r in rows),
        "channel broadcast": any(r.get("name", "").startswith("gate") for r in rows),
        "unpadded strided windows": any(
            r.get("op") == "conv" and r.get("stride") and r.get("padding") == 0 and r.get("kernel") != r.get("stride")
            for r in rows
        ),
        "over-padded round-up layers": any(
            (
                r.get("op") == "conv"
                and r.get("kernel") in (1, 4)
                and r.get("stride") in (2, 3)
                and r.get("padding") != 0
            )
            or (r.get("kernel") == 1 and r.get("ceil_mode"))
            or (r.get("op") == "conv" and r.get("kernel") == 1 and r.get("stride") == 3)
            for r in rows
        ),
        "fractional upsample": any(r.get("name") == "rescaled" for r in rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--examples", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    counts: collections.Counter[str] = collections.Counter()
    rank_counts: collections.Counter[int] = collections.Counter()
    outcomes: collections.Counter[str] = collections.Counter()
    features: collections.Counter[str] = collections.Counter()
    failures: list[tuple[str, str, tuple[int, ...]]] = []
    started = time.perf_counter()

    @seed(args.seed)
    @settings(max_examples=args.examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(
        text=unet_spec(max_rank=3, v2=True),
        sizes=st.lists(st.integers(1, 96), min_size=3, max_size=3),
        pick_valid=st.booleans(),
        k=st.integers(0, 3),
    )
    def run(text: str, sizes: list[int], pick_valid: bool, k: int) -> None:
        rank = len(yaml.safe_load(text)["input"]["size"])
        size = (valid_size(text, k) if pick_valid else None) or tuple(sizes[:rank])
        verdict = compare(text, size)
        counts[verdict.kind] += 1
        rank_counts[rank] += 1
        spec = yaml.safe_load(text)
        for feature, present in _features(spec).items():
            features[feature] += present
        outcomes["no finding" if not verdict.errors else "shape finding confirmed by PyTorch"] += (
            verdict.kind == "agree"
        )
        if verdict.kind == "disagree":
            failures.append((verdict.reason, text, size))
        if sum(counts.values()) % 500 == 0:
            print(f"  … {sum(counts.values())} examples", file=sys.stderr)

    run()
    total = sum(counts.values())
    elapsed = time.perf_counter() - started
    print(
        f"differential: {total} random architectures (1D {rank_counts[1]}, 2D {rank_counts[2]}, "
        f"3D {rank_counts[3]}) in {elapsed:.1f} s"
    )
    print(
        f"  agree     {counts['agree']}  ({outcomes['no finding']} with no finding, "
        f"{outcomes['shape finding confirmed by PyTorch']} with a shape finding PyTorch confirms)"
    )
    print(f"  disagree  {counts['disagree']}")
    print(f"  skipped   {counts['skipped']}  (spec cannot be built: channels)")
    print("  examples with: " + ", ".join(f"{name} {count}" for name, count in features.items()))
    for reason, text, size in failures[:5]:
        print(f"\nDISAGREEMENT at {size}: {reason}\n{text}")


if __name__ == "__main__":
    main()
