"""`unetcalc lsp` latency through the protocol: a keystroke (didChange) to published diagnostics; a keystroke
to the inlay hints of the screen (the first 60 lines, what an editor asks for), asked at once; and the hints
of the whole file once the buffer is checked.

The server runs as `python -m unetcalc lsp` and pygls's client talks to it over stdio, as an editor does.
Specs of 49, 1,000 and 10,000 layers; each figure is the median of 7 edits (after one warm-up edit).
Targets (#28): under 50 ms at 1,000 layers and under 500 ms at 10,000.

Run: python benchmarks/lsp.py
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from lsp_session import Session

EDITS = 7


def spec(layers: int) -> str:
    lines = ["input: {channels: 1, size: [256, 256]}", "defaults:", "  conv: {kernel: 3, padding: same}", "layers:"]
    for i in range(layers):
        lines.append(f"  - {{op: conv, filters: 8, name: c{i}}}" if i % 2 == 0 else f"  - {{op: relu, name: r{i}}}")
    return "\n".join(lines) + "\n"


async def measure(layers: int) -> tuple[float, float, float]:
    text = spec(layers)
    middle = 4 + (layers // 2 // 2) * 2  # a conv row in the middle
    row = text.split("\n")[middle]
    at = row.index("filters: 8") + len("filters: ")
    to_diagnostics, to_hints, to_file = [], [], []
    async with Session() as session:
        uri = session.open(Path(f"bench-{layers}.yaml").resolve(), text)
        await session.diagnostics(uri)
        for version in range(2, EDITS + 3):
            keystroke = str(8 + version % 2 * 8)[0]  # filters 8 ↔ 1
            start = time.perf_counter()
            session.edit(uri, middle, at, at + 1, keystroke, version)
            await session.diagnostics(uri, version)
            published = time.perf_counter()
            version += 100  # a second keystroke, and the editor asks for the screen's hints at once
            start_hints = time.perf_counter()
            session.edit(uri, middle, at, at + 1, "8" if keystroke == "1" else "1", version)
            await session.inlay_hints(uri, lines=60)
            hinted = time.perf_counter()
            await session.diagnostics(uri, version)
            checked = time.perf_counter()
            await session.inlay_hints(uri)
            whole = time.perf_counter()
            session.edit(uri, middle, at, at + 1, keystroke, version + 1)  # back to the first keystroke's text
            await session.diagnostics(uri, version + 1)
            if version > 102:  # the first round warms the server's caches
                to_diagnostics.append(published - start)
                to_hints.append(hinted - start_hints)
                to_file.append(whole - checked)
    return statistics.median(to_diagnostics), statistics.median(to_hints), statistics.median(to_file)


def main() -> None:
    print(f"{'layers':>7}  {'didChange → diagnostics':>24}  {'didChange → hints (screen)':>27}  {'hints (file)':>13}")
    for layers in (49, 1000, 10_000):
        diagnostics, hints, whole = asyncio.run(measure(layers))
        print(f"{layers:>7,}  {diagnostics * 1000:>21.1f} ms  {hints * 1000:>24.1f} ms  {whole * 1000:>10.1f} ms")


if __name__ == "__main__":
    main()
