"""SARIF 2.1.0: one run, the rule catalogue in tool.driver.rules, results with regions."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from unetcalc import __version__
from unetcalc.catalogue import all_rules
from unetcalc.check import CheckResult
from unetcalc.findings.diagnostic import Severity
from unetcalc.report.formats import DEFAULT_OPTIONS, RenderOptions
from unetcalc.report.rule_docs import manual_markdown
from unetcalc.textsafe import safe_json

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
INFORMATION_URI = "https://pypi.org/project/unetcalc/"


FAMILIES = {"UC0": "spec", "UC1": "shapes", "UC2": "design", "UC3": "import", "UC4": "tiling"}


def _rule(rule: Any) -> dict[str, Any]:
    markdown = manual_markdown(rule).rstrip("\n")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.what},
        "help": {"text": f"{rule.what} {rule.why} Fix: {rule.fix}", "markdown": markdown},
        "defaultConfiguration": {"level": LEVEL[rule.severity]},
        "properties": {"tags": [FAMILIES[rule.code[:3]]]},
    }


def _uri(path: str) -> str:
    """A URI reference for the file: relative and percent-encoded (RFC 3986), or an absolute file: URI."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            candidate = candidate.relative_to(Path.cwd())
        except ValueError:
            return candidate.as_uri()
    return quote(os.fsencode(candidate.as_posix()), safe="/")  # bytes: a file name need not be UTF-8


def sarif_log(results: Sequence[CheckResult]) -> dict[str, Any]:
    rules = all_rules()
    index = {rule.code: i for i, rule in enumerate(rules)}
    sarif_results = []
    for result in results:
        for d in result.diagnostics:
            region = {"startLine": max(d.line, 1), "startColumn": max(d.column, 1)}
            message = d.message + (f" Hint: {d.hint}" if d.hint else "")
            entry: dict[str, Any] = {
                "ruleId": d.code,
                "ruleIndex": index[d.code],
                "level": LEVEL[d.severity],
                "message": {"text": message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": _uri(d.file or result.path)},
                            "region": region,
                        }
                    }
                ],
            }
            if d.layer:
                entry["locations"][0]["logicalLocations"] = [{"name": d.layer, "kind": "member"}]
            sarif_results.append(entry)
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "unetcalc",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(rule) for rule in rules],
                    }
                },
                "results": sarif_results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }


def render_sarif(results: Sequence[CheckResult], options: RenderOptions = DEFAULT_OPTIONS) -> str:
    return safe_json(sarif_log(results)) + "\n"
