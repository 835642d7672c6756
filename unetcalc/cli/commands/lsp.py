"""`unetcalc lsp`: the language server on stdio."""

from __future__ import annotations

from unetcalc.cli.common import fail
from unetcalc.cli.console import EXIT_OK


def lsp() -> int:
    """Run the language server on stdio: shapes at the end of each row, findings while you type, fixes.

    Needs pygls: pip install 'unetcalc[lsp]'. Editor setup: README, "In your editor".
    """
    try:
        from unetcalc.lsp.server import serve
    except ImportError:
        raise fail("the language server needs pygls: pip install 'unetcalc[lsp]'") from None
    serve()
    return EXIT_OK
