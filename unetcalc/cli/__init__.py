"""The command line: argv, streams and exit codes (the top floor; nothing below imports it).

app.py is the one typer app; commands/ holds one module per command, each returning its exit code.
"""
