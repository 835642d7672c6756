"""The package layout shows the architecture: one-way imports, no circles, floors respected."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "unetcalc"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(name: str, path: Path) -> set[str]:
    """Every unetcalc module ``name`` imports, at the top or inside a function."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        found |= {t for t in targets if t in MODULES and t != name}
    return found


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _cycle_from(start: str) -> list[str] | None:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, trail = stack.pop()
        for target in GRAPH[node]:
            if target == start:
                return [*trail, start]
            if target not in seen:
                seen.add(target)
                stack.append((target, [*trail, target]))
    return None


def test_the_import_graph_has_no_circle():
    # A package imports its own __init__ implicitly; only module-to-module edges count.
    cycles = [c for name in GRAPH if (c := _cycle_from(name)) is not None and not name.endswith("unetcalc")]
    cycles = [c for c in cycles if "unetcalc" not in c]  # the package __init__ re-exports the library API
    assert not cycles, " → ".join(cycles[0])


# spec/ holds the spec's data (model, graph, parameter kinds) at the bottom and the reader above the op
# definitions: the reader validates against them, and they are built on the data and the shape step.
SPEC_READERS = frozenset(
    {
        "unetcalc.spec.parse",
        "unetcalc.spec.desugar",
        "unetcalc.spec.expand",
        "unetcalc.spec.templates",
        "unetcalc.spec.schema",
        "unetcalc.spec.markdown",  # a note's operation words are the op definitions'
        "unetcalc.spec.note_ops",
    }
)


# shapes/ likewise: the arithmetic and the shape step below the op definitions, the passes that run every
# op's definition (inference, valid inputs, costs) above them.
SHAPE_PASSES = frozenset({"unetcalc.shapes.infer", "unetcalc.shapes.validity", "unetcalc.shapes.cost"})


def _floor(name: str) -> str:
    if name in SPEC_READERS:
        return "reader"
    if name in SHAPE_PASSES:
        return "inference"
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "unetcalc"


def test_floors_import_only_downwards():
    ground = {"textsafe", "sourcelines", "collector"}
    below = {"textsafe": set(), "sourcelines": set(), "collector": set(), "findings": ground}
    below["spec"] = {"findings", *below["findings"]}
    below["shapes"] = {"spec", *below["spec"]}
    below["ops"] = {"shapes", *below["shapes"]}
    below["reader"] = {"ops", *below["ops"]}
    below["inference"] = {"reader", *below["reader"]}
    below["analysis"] = {"inference", *below["inference"]}
    below["check"] = {"analysis", *below["analysis"]}
    below["diff"] = {"check", *below["check"]}
    below["memory"] = {"check", *below["check"]}
    below["tiling"] = {"memory", *below["memory"]}
    below["report"] = {"catalogue", "diff", "tiling", *below["tiling"]}
    below["draw"] = {"report", *below["report"]}
    below["torch"] = {"check", *below["check"]}
    below["lsp"] = {"report", *below["report"]}  # the language server answers with what the reports read
    for name, targets in GRAPH.items():
        floor = _floor(name)
        if floor not in below:
            continue  # cli/ (the top floor), the package itself and __main__ may import anything
        for target in targets - {"unetcalc"}:  # the package root (`__version__`) is loaded first anyway
            other = _floor(target)
            assert other == floor or other in below[floor], f"{name} ({floor}) imports {target} ({other})"


def test_nothing_below_the_cli_imports_it():
    for name, targets in GRAPH.items():
        if _floor(name) not in ("cli", "__main__"):
            assert not any(t.startswith("unetcalc.cli") for t in targets), f"{name} imports the CLI"


def test_the_top_level_holds_only_the_library_entry_points():
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert loose == [
        "__init__.py",
        "__main__.py",
        "catalogue.py",
        "check.py",
        "collector.py",
        "diff.py",
        "sourcelines.py",
        "textsafe.py",
    ]


def test_every_check_format_has_one_registered_renderer_with_one_signature():
    from unetcalc import check_file
    from unetcalc.cli.commands.check import CheckFormat
    from unetcalc.report.formats import CHECK_FORMATS, RenderOptions

    assert [f.value for f in CheckFormat] == list(CHECK_FORMATS)
    results = [check_file(ROOT / "specs" / "seed-encoder.yaml")]
    for output in CHECK_FORMATS.values():
        text = output.render(results, RenderOptions(strict_for=(False,)))
        assert isinstance(text, str) and "seed-encoder" in text, output.name
