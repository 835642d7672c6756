"""One module per command; each command function returns its exit code (cli/app.py registers them)."""
