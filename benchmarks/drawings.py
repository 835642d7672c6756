"""The public networks of benchmarks/import.py drawn: a row per network — the default drawing's size in px
(target: no wider than 2,500), and the paper figure at 17 cm and 8.5 cm (text size in pt, bars).

Each network is imported (as `unetcalc import` does), then drawn from its spec; networks whose library
is missing are listed as skipped. Prints figures; asserts nothing.

Run: python benchmarks/drawings.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _import_benchmark() -> Any:
    """benchmarks/import.py (its name is a keyword: loaded by path) — the networks and their loaders."""
    spec = importlib.util.spec_from_file_location("import_benchmark", ROOT / "benchmarks" / "import.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def default_px(spec: Path, out: Path) -> tuple[int, int]:
    """The default (box) drawing's size in px at 96 dpi, as `unetcalc draw SPEC -o x.svg` writes it."""
    from typer.testing import CliRunner

    from unetcalc.cli.app import app

    CliRunner().invoke(app, ["draw", str(spec), "-o", str(out)])
    found = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', out.read_text()[:3000])
    assert found is not None
    width, height = (float(v) for v in found.groups())
    return round(width * 4 / 3), round(height * 4 / 3)


def paper(spec: Path, width_cm: float) -> tuple[float, int]:
    from unetcalc import check_file
    from unetcalc.draw.paper import paper_figure

    figure = paper_figure(check_file(spec), width_cm)
    return figure.text_size, sum(1 for r in figure.rects if r.role == "bar")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", default=None, help="names containing any of these words")
    args = parser.parse_args()
    bench = _import_benchmark()
    from unetcalc.importer.run import import_model

    print(f"{'network':34} {'default px':>12}  {'paper 17 cm':>16}  {'paper 8.5 cm':>16}")
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        for name, module, load in bench.cases(tmp):
            if args.only and not any(word.lower() in name.lower() for word in args.only):
                continue
            if not bench.available(module):
                print(f"{name:34} skipped: {module} does not import")
                continue
            outcome = import_model(load(), name, prove=False)
            if not outcome.ok or not outcome.text:
                print(f"{name:34} {bench.verdict(outcome)}")
                continue
            spec = tmp / "net.yaml"
            spec.write_text(outcome.text)
            width, height = default_px(spec, tmp / "net.svg")
            wide_text, wide_bars = paper(spec, 17.0)
            narrow_text, _ = paper(spec, 8.5)
            print(
                f"{name:34} {width:>5}×{height:<6}  {wide_text:>5.1f} pt {wide_bars:>3} bars  "
                f"{narrow_text:>5.1f} pt{'' if narrow_text >= 7 else ' (shrunk)':>9}"
            )


if __name__ == "__main__":
    main()
