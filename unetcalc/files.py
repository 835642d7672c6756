"""Which files `check` reads: files as given, directories scanned, globs expanded; sorted, stable."""

from __future__ import annotations

import glob
import re
from pathlib import Path

from unetcalc.config import Config, discover_config

SPEC_SUFFIXES = (".yaml", ".yml")
SKIP_DIRS = {".git", ".hg", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".mypy_cache", "build", "dist"}
_LAYERS_KEY = re.compile(r"(^|[{,\s])layers\s*:", re.MULTILINE)


def looks_like_spec(path: Path) -> bool:
    """A YAML file with a `layers:` key (read from its first 64 KiB)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(65536).decode("utf-8", errors="replace")
    except OSError:
        return False
    return bool(_LAYERS_KEY.search(head))


def _scan(directory: Path, config: Config) -> list[Path]:
    root = Path(config.path).parent if config.path else directory
    found = []
    for path in directory.rglob("*"):
        if any(part in SKIP_DIRS for part in path.relative_to(directory).parts[:-1]):
            continue
        if (
            path.suffix in SPEC_SUFFIXES
            and path.is_file()
            and not config.excludes(path, root)
            and looks_like_spec(path)
        ):
            found.append(path)
    return found


def expand_paths(
    arguments: list[str], config: Config | None = None, specs_only: bool = False
) -> tuple[list[Path], list[str]]:
    """The spec files named by ``arguments``, and a message for each argument that names nothing.

    With ``specs_only``, named files that are not specs are skipped (pre-commit passes every YAML file).
    """
    files: dict[Path, None] = {}
    problems = []
    for argument in arguments:
        if any(ch in argument for ch in "*?["):
            matches = [Path(p) for p in sorted(glob.glob(argument, recursive=True)) if Path(p).is_file()]
            if not matches:
                problems.append(f"{argument}: no file matches this pattern")
            files.update(dict.fromkeys(matches))
        elif Path(argument).is_dir():
            directory = Path(argument)
            found = _scan(directory, config or discover_config(directory))
            if not found:
                problems.append(f"{argument}: no spec files (YAML with `layers:`) in this directory")
            files.update(dict.fromkeys(sorted(found)))
        elif specs_only and Path(argument).is_file() and not looks_like_spec(Path(argument)):
            continue
        else:
            files[Path(argument)] = None  # an explicit file is checked as it is (missing: reported later)
    return sorted(files, key=lambda p: p.as_posix()), problems
