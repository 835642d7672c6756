from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

# Hypothesis profiles, not per-test settings: `ci` (CI=true) searches more, `dev` answers fast.
# No deadline in either: a first call that imports torch or warms a cache is not a failure.
settings.register_profile("ci", max_examples=200, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", help="rewrite tests/golden/* from current output")


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """Compare text with tests/golden/<name>; with --update-goldens, rewrite it instead."""
    update = request.config.getoption("--update-goldens")

    def compare(name: str, text: str) -> None:
        path = GOLDEN / name
        if update or not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            if not update:
                pytest.fail(f"golden file {path} did not exist; written now — review and commit it")
        assert text == path.read_text(encoding="utf-8"), f"output differs from {path} (run pytest --update-goldens)"

    return compare


def run_in_fresh_interpreter(*argv: str) -> tuple[int, set[str]]:
    """Run `unetcalc ARGV` in a new Python process; its exit code and the top-level packages it imported."""
    import json
    import subprocess
    import sys

    code = (
        "import sys, io, json, contextlib\nfrom unetcalc.cli.entry import main\n"
        f"sys.argv = ['unetcalc', *{list(argv)!r}]\ncode = 0\n"
        "try:\n    with contextlib.redirect_stdout(io.StringIO()):\n        main()\n"
        "except SystemExit as exc:\n    code = exc.code\n"
        "print(json.dumps([code, sorted({m.split('.')[0] for m in sys.modules})]))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    exit_code, modules = json.loads(proc.stdout.splitlines()[-1])
    return exit_code, set(modules)


@dataclass
class UserRun:
    """What `unetcalc ARGS` did: as typer's test Result, for the tests that read one."""

    exit_code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def invoke_as_user(*args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> UserRun:
    """Run `unetcalc ARGS` in this process the way users run it: through the program's entry point
    (the check fast path first, typer otherwise)."""
    import sys

    from typer.testing import CliRunner

    from unetcalc.cli.entry import main

    argv = sys.argv
    with CliRunner().isolation(input=stdin, env=env) as streams:
        sys.argv = ["unetcalc", *args]
        try:
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            sys.argv = argv
            sys.stdout.flush()  # the text wrappers buffer: flush them before reading the bytes
            sys.stderr.flush()
        out, err = streams[0].getvalue(), streams[1].getvalue()
    return UserRun(code, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def run_unetcalc(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    """`unetcalc ARGS` as users run it: exit code, stdout, stderr."""
    run = invoke_as_user(*args, stdin=stdin)
    return run.exit_code, run.stdout, run.stderr
