"""Regenerate the drawings in docs/ (the README shows them): python scripts/docs_images.py [--png]

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


# Looked at before calling the figures done (issue 13): both styles of four kinds of network, as PNG.
# Not byte-checked by a test: rasterisers differ between machines.
FIGURE_SPECS = ("unet-2015", "unet3d", "unet-1d", "fcn8s")
# One column of a paper (--width 8.5cm): laid out for the width, text at 7 pt (tests/test_paper_figure.py).
ONE_COLUMN = {"unet-2015": "specs/unet-2015.yaml", "resnet34-unet": "specs/gallery/resnet34-unet.yaml"}


def pngs() -> None:
    out = ROOT / "docs" / "figures"
    out.mkdir(exist_ok=True)
    for spec in FIGURE_SPECS:
        for style in ("boxes", "paper"):
            target = out / f"{spec}-{style}.png"
            command = [
                sys.executable,
                "-m",
                "unetcalc",
                "draw",
                f"specs/{spec}.yaml",
                "--style",
                style,
                "-o",
                str(target),
            ]
            env = {**os.environ, "UNETCALC_RENDERER": "wasm"}
            subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
            print(f"wrote {target.relative_to(ROOT)}")
    for name, spec in ONE_COLUMN.items():
        target = out / f"{name}-paper-8.5cm.png"
        command = [sys.executable, "-m", "unetcalc", "draw", spec, "--style", "paper", "--width", "8.5cm"]
        subprocess.run([*command, "-o", str(target)], cwd=ROOT, check=True, capture_output=True)
        print(f"wrote {target.relative_to(ROOT)}")


def main() -> int:
    for name in DRAWINGS:
        draw(name, ROOT / "docs" / name)
        print(f"wrote docs/{name}")
    if "--png" in sys.argv:
        pngs()
    return 0


if __name__ == "__main__":
    sys.exit(main())
