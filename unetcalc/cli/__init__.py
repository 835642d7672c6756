"""The command line: argv, streams and exit codes (the top floor; nothing below imports it).

Kept empty on purpose: `unetcalc check` imports cli.entry and cli.fastpath without typer or rich.
"""
