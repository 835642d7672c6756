"""`unetcalc rules`: every rule in one table."""

from __future__ import annotations

from unetcalc.catalogue import all_rules
from unetcalc.cli.console import EXIT_OK, out


def list_rules() -> int:
    """List every rule: code, name, severity, summary."""
    from rich.table import Table

    listing = Table()
    for column in ("code", "name", "severity"):
        listing.add_column(column, no_wrap=True)
    listing.add_column("summary")
    for entry in all_rules():
        listing.add_row(entry.code, entry.name, entry.severity.value, entry.summary)
    out().print(listing)
    return EXIT_OK
