"""Which files `check` reads: files as given, directories scanned, globs expanded; sorted, stable."""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path

from unetcalc.catalogue import rules_by_code
from unetcalc.findings.config import Config, discover_config
from unetcalc.sourcelines import markdown_lines

SPEC_SUFFIXES = (".yaml", ".yml")
NOTE_SUFFIXES = (".md", ".markdown")
SKIP_DIRS = {".git", ".hg", ".venv", "venv", "node_modules", "__pycache__", ".tox", ".mypy_cache", "build", "dist"}
_LAYERS_KEY = re.compile(r"(^|[{,\s])layers\s*:", re.MULTILINE)


def _has_layer_table_header(head: str) -> bool:
    """A line with pipes whose cells name an operation column, or a layer column beside a shape or
    kernel column (a table whose layer names imply the operations), as the note reader's headers do:
    one pass over each line, no pattern that could backtrack over blank lines or pipes."""
    from unetcalc.spec.markdown import COLUMNS, normal_header

    for line in markdown_lines(head):
        if "|" not in line:
            continue
        cells = {normal_header(cell) for cell in line.split("|")}
        if cells & set(COLUMNS["op"]):
            return True
        if cells & set(COLUMNS["name"]) and cells & {*COLUMNS["dims"], *COLUMNS["out"], *COLUMNS["kernel"]}:
            return True
    return False


def looks_like_spec(path: Path) -> bool:
    """A YAML file with a `layers:` key, or a markdown note with a layer table (from its first 64 KiB)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(65536).decode("utf-8", errors="replace")
    except OSError:
        return False
    if path.suffix.lower() in NOTE_SUFFIXES:
        return _has_layer_table_header(head)  # other markdown is skipped without parsing it
    return bool(_LAYERS_KEY.search(head))


def _scan(directory: Path, config: Config, problems: list[str]) -> list[Path]:
    """Spec files under ``directory`` (links to folders are not followed); a folder that cannot be read
    is one problem for that folder, and the scan goes on."""
    root = Path(config.path).parent if config.path else directory
    found = []

    def unreadable(exc: OSError) -> None:
        problems.append(f"{exc.filename}: cannot read this folder ({exc.strerror}); the others are checked")

    for folder, folders, names in os.walk(directory, onerror=unreadable):
        folders[:] = sorted(f for f in folders if f not in SKIP_DIRS)
        for name in names:
            path = Path(folder, name)
            if (
                path.suffix.lower() in (*SPEC_SUFFIXES, *NOTE_SUFFIXES)
                and path.is_file()
                and not config.excludes(path, root)
                and looks_like_spec(path)
            ):
                found.append(path)
    return found


def _matches(pattern: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    """Does a relative path (its parts) match a glob (its parts, ``**`` for any number of folders)?"""
    if not pattern:
        return not parts
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return _matches(rest, parts) or (bool(parts) and _matches(pattern, parts[1:]))
    if not parts or (parts[0].startswith(".") and not head.startswith(".")):  # like glob: no hidden files
        return False
    return fnmatch.fnmatchcase(parts[0], head) and _matches(rest, parts[1:])


def glob_files(pattern: str) -> list[Path]:
    """The files a glob names, sorted. ``**`` follows symbolic links but enters each real folder once.

    glob.glob follows a link loop until the path is too long (minutes, the same file many times).
    """
    parts = Path(pattern).parts
    fixed = next((i for i, part in enumerate(parts) if any(ch in part for ch in "*?[")), len(parts))
    root = Path(*parts[:fixed]) if fixed else Path()
    wanted = tuple(parts[fixed:])
    found: list[Path] = []
    seen: set[str] = set()
    for folder, folders, names in os.walk(root, followlinks=True):
        real = os.path.realpath(folder)
        if real in seen:
            folders[:] = []
            continue
        seen.add(real)
        relative = Path(folder).relative_to(root).parts
        found += [Path(folder, name) for name in names if _matches(wanted, (*relative, name))]
        if "**" not in wanted:  # a fixed depth: go no deeper than the pattern
            folders[:] = [f for f in folders if len(relative) + 1 < len(wanted)]
    return sorted(found)


def expand_paths(
    arguments: list[str], config: Config | None = None, specs_only: bool = False
) -> tuple[list[Path], list[str]]:
    """The spec files named by ``arguments``, and a message for each argument that names nothing.

    With ``specs_only``, named files that are not specs are skipped (pre-commit passes every YAML file).
    """
    files: dict[Path, None] = {}
    problems: list[str] = []
    for argument in arguments:
        try:
            _expand_one(argument, config, specs_only, files, problems)
        except (OSError, RuntimeError) as exc:  # an unreadable folder, a symbolic link loop: that path only
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "a symbolic link loop"
            problems.append(f"{argument}: cannot read it ({reason}); the other paths are checked")
    return sorted(files, key=lambda p: p.as_posix()), problems


def _expand_one(
    argument: str, config: Config | None, specs_only: bool, files: dict[Path, None], problems: list[str]
) -> None:
    if any(ch in argument for ch in "*?["):
        matches = [p for p in glob_files(argument) if p.is_file()]
        if not matches:
            problems.append(f"{argument}: no file matches this pattern")
        files.update(dict.fromkeys(matches))
    elif Path(argument).is_dir():
        directory = Path(argument)
        found = _scan(directory, config or discover_config(directory, rules_by_code()), problems)
        if not found:
            problems.append(f"{argument}: no spec files (YAML with `layers:`) in this directory")
        files.update(dict.fromkeys(sorted(found)))
    elif specs_only and Path(argument).is_file() and not looks_like_spec(Path(argument)):
        return
    else:
        files[Path(argument)] = None  # an explicit file is checked as it is (missing: reported later)
