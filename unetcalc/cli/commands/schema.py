"""`unetcalc schema`: the JSON Schema of spec v1."""

from __future__ import annotations

import sys

from unetcalc.cli.console import EXIT_OK


def schema() -> int:
    """Print the JSON Schema of spec v1 (for editors: `# yaml-language-server: $schema=...`)."""
    from unetcalc.spec.schema import shipped_schema_text

    sys.stdout.write(shipped_schema_text())
    return EXIT_OK
