"""Regenerate the drawings in docs/ (the README shows them): python scripts/docs_images.py

Both come from the bundled 2015 U-Net with the commands the README gives. The box diagram uses the
WebAssembly Graphviz that installs with unetcalc, so every machine writes the same bytes;
tests/test_paper_figure.py checks that the committed files equal what these commands write today.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DRAWINGS = {  # file in docs/ → the arguments of `unetcalc draw` after the spec
    "unet-2015.svg": ["specs/unet-2015.yaml"],
    "unet-2015-paper.svg": ["specs/unet-2015.yaml", "--style", "paper"],
}


def draw(name: str, target: Path) -> None:
    args = DRAWINGS[name]
    env = {**os.environ, "UNETCALC_RENDERER": "wasm"}
    command = [sys.executable, "-m", "unetcalc", "draw", *args, "-o", str(target)]
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)


def main() -> int:
    for name in DRAWINGS:
        draw(name, ROOT / "docs" / name)
        print(f"wrote docs/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
