"""Project configuration: `[tool.unetcalc]` in pyproject.toml or a `.unetcalc.yaml`.

Found by walking up from the checked file (the first directory holding either
wins; pyproject.toml files without a [tool.unetcalc] table are passed over),
or given with --config. Keys follow ruff/yamllint: `select`/`ignore` codes or
prefixes, per-rule `severity`, `strict`, and `exclude` globs for directory scans.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from unetcalc.findings.diagnostic import Diagnostic, Severity
from unetcalc.findings.suggest import did_you_mean

KEYS = ("select", "ignore", "severity", "strict", "exclude")
UNIGNORABLE = ("UC001",)  # a file that does not parse can never pass


class ConfigError(ValueError):
    """The configuration file is wrong (exit 2); the message names file and line."""


@dataclass(frozen=True, slots=True)
class Config:
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: dict[str, Severity] = field(default_factory=dict)
    strict: bool = False
    exclude: tuple[str, ...] = ()
    path: str | None = None  # where it was read from

    def wants(self, code: str) -> bool:
        if code in UNIGNORABLE:
            return True
        selected = not self.select or any(code.startswith(p) for p in self.select)
        return selected and not any(code.startswith(p) for p in self.ignore)

    def apply(self, diagnostics: list[Diagnostic]) -> list[Diagnostic]:
        kept = [d for d in diagnostics if self.wants(d.code)]
        return [replace(d, severity=self.severity[d.code]) if d.code in self.severity else d for d in kept]

    def excludes(self, path: Path, root: Path) -> bool:
        try:
            relative = path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            relative = path.as_posix()
        return any(fnmatch.fnmatch(relative, pattern) for pattern in self.exclude)


def _line_of(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip().startswith((f"{key} ", f"{key}=", f"{key}:")):
            return number
    return 1


def _codes(value: Any, key: str, where: str, known: Collection[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{where}: `{key}` must be a list of rule codes or prefixes (e.g. ["UC1", "UC203"])')
    for code in value:
        if not code.strip():
            raise ConfigError(f"{where}: `{key}` has an empty code, which would match every rule; remove it")
        if key == "ignore" and all(rule.startswith(code.strip().upper()) for rule in known):
            raise ConfigError(
                f"{where}: `ignore` has {code!r}, which matches every rule and would silently turn checking off; "
                'name the codes or families to ignore (e.g. ["UC2", "UC103"])'
            )
        if not any(rule.startswith(code.upper()) for rule in known):
            raise ConfigError(
                f"{where}: `{key}` names no rule: {code!r} ({did_you_mean(code.upper(), known)}"
                " see `unetcalc rules`)".replace("( ", "(")
            )
    return tuple(code.upper() for code in value)


def parse_config(data: Any, path: str, text: str, known: Collection[str]) -> Config:
    """The configuration in ``data``; ``known``: every rule code (the catalogue), to check the codes it names."""
    if data is None:
        return Config(path=path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: the unetcalc configuration must be a table of keys ({', '.join(KEYS)})")
    for key in data:
        if key not in KEYS:
            hint = did_you_mean(str(key), KEYS) or f"known keys: {', '.join(KEYS)}"
            raise ConfigError(f"{path}:{_line_of(text, str(key))}: unknown configuration key `{key}`; {hint}")

    def where(key: str) -> str:
        return f"{path}:{_line_of(text, key)}"

    severity: dict[str, Severity] = {}
    raw = data.get("severity", {})
    if not isinstance(raw, dict):
        raise ConfigError(f"{where('severity')}: `severity` maps rule codes to error, warning or info")
    for code, level in raw.items():
        if str(code).upper() not in known:
            raise ConfigError(
                f"{where('severity')}: `severity` names no rule {code!r}; {did_you_mean(str(code).upper(), known)}"
            )
        if level not in ("error", "warning", "info"):
            raise ConfigError(f"{where('severity')}: severity of {code} must be error, warning or info, not {level!r}")
        if str(code).upper() in UNIGNORABLE and level != "error":
            raise ConfigError(
                f"{where('severity')}: {str(code).upper()} stays an error: a file that does not parse never passes"
            )
        severity[str(code).upper()] = Severity(level)
    strict = data.get("strict", False)
    if not isinstance(strict, bool):
        raise ConfigError(f"{where('strict')}: `strict` must be true or false")
    exclude = data.get("exclude", [])
    if isinstance(exclude, str):
        exclude = [exclude]
    if not isinstance(exclude, list) or not all(isinstance(e, str) for e in exclude):
        raise ConfigError(f"{where('exclude')}: `exclude` must be a list of glob patterns")
    return Config(
        select=_codes(data.get("select", []), "select", where("select"), known),
        ignore=_codes(data.get("ignore", []), "ignore", where("ignore"), known),
        severity=severity,
        strict=strict,
        exclude=tuple(exclude),
        path=path,
    )


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration ({exc.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}:{line}: the configuration is not UTF-8 text; save it as UTF-8") from None


def _toml(path: Path, text: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None) or 1
        message = getattr(exc, "msg", str(exc))
        raise ConfigError(f"{path}:{line}: invalid TOML: {message}") from None


def _tool_table(path: Path, data: dict[str, Any], text: str) -> Any:
    """``data['tool']['unetcalc']``, or None; a `tool` that is not a table is a configuration error."""
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}:{_line_of(text, 'tool')}: `tool` must be a table ([tool.unetcalc])")
    return tool.get("unetcalc")


def load_config(path: str | Path, known: Collection[str]) -> Config:
    """Read a `.unetcalc.yaml`/`.yml` or a pyproject.toml (its [tool.unetcalc] table)."""
    path = Path(path)
    text = _read(path)
    if path.suffix == ".toml":
        return parse_config(_tool_table(path, _toml(path, text), text), str(path), text, known)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise ConfigError(f"{path}{line}: invalid YAML in the configuration") from None
    return parse_config(data, str(path), text, known)


def discover_config(start: str | Path, known: Collection[str]) -> Config:
    """The nearest configuration above ``start`` (a file or directory), or the defaults."""
    here = Path(start).resolve()
    directory = here if here.is_dir() else here.parent
    for folder in (directory, *directory.parents):
        for name in (".unetcalc.yaml", ".unetcalc.yml"):
            if (folder / name).is_file():
                return load_config(folder / name, known)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            # A pyproject.toml that cannot be read is an error, not a file to pass over: a config
            # further up would apply in its place without a word.
            text = _read(pyproject)
            table = _tool_table(pyproject, _toml(pyproject, text), text)
            if table is not None:
                return parse_config(table, str(pyproject), text, known)
    return Config()
