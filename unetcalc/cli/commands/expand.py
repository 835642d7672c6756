"""`unetcalc expand`: a v2 spec with its blocks and templates written out."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from unetcalc.cli.common import load, print_report
from unetcalc.cli.console import EXIT_FINDINGS, EXIT_OK


def expand(spec: Annotated[str, typer.Argument(help="Spec file (v2: blocks, templates).", show_default=False)]) -> int:
    """Print the equivalent flat spec v1: every block use and template expanded to its layers."""
    from unetcalc.spec.emit import flat_yaml

    result = load(spec, None, documents=True)
    if not result.ok:
        print_report(result)
        return EXIT_FINDINGS
    sys.stdout.write(flat_yaml(result.spec))
    return EXIT_OK
