"""The `check` fast path behaves exactly like the typer command, and starts without typer."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import typer.main

from unetcalc.cli.app import app
from unetcalc.cli.check_command import CHECK_OPTIONS
from unetcalc.cli.fastpath import check_parser, fast_check

from conftest import ROOT, run_in_fresh_interpreter


def _typer_check_options() -> set[str]:
    command = typer.main.get_command(app).commands["check"]
    return {opt for param in command.params if param.param_type_name == "option" for opt in param.opts}


def test_both_command_lines_are_generated_from_the_one_option_table():
    table = {flag for option in CHECK_OPTIONS for flag in option.flags}
    fast = {opt for action in check_parser()._actions for opt in action.option_strings}
    assert fast == table  # argparse: every option (it hands --verify over to typer)
    assert _typer_check_options() - {"--help"} == table  # typer: the same, from the same table
    command = typer.main.get_command(app).commands["check"]
    helps = {param.opts[0]: param.help for param in command.params if param.param_type_name == "option"}
    assert all(helps[option.flags[0]] == option.help for option in CHECK_OPTIONS)


@pytest.mark.parametrize(
    "argv",
    [
        ["check", "--help"],
        ["check", "x.yaml", "--verify"],
        ["check", "x.yaml", "--bogus"],
        ["check"],
        ["draw", "x.yaml"],
        ["check", "x.yaml", "-f", "xml"],
    ],
)
def test_anything_unusual_goes_to_typer(argv):
    assert fast_check(argv) is None


def _run(args: list[str], fast: bool, cwd=ROOT) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("UNETCALC_NO_FASTPATH", "GITHUB_ACTIONS")}
    if not fast:
        env["UNETCALC_NO_FASTPATH"] = "1"
    proc = subprocess.run([sys.executable, "-m", "unetcalc", *args], capture_output=True, text=True, cwd=cwd, env=env)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["check", "specs/unet-2015.yaml"],
        ["check", "specs/seed-encoder.yaml", "-f", "json"],
        ["check", "specs/seed-encoder.yaml", "--format=github"],
        ["check", "specs/seed-encoder.yaml", "specs/unet-1d.yaml", "-f", "sarif"],
        ["check", "specs/unet-2015.yaml", "--input", "570x570"],
        ["check", "-i", "HxW", "specs/unet-2015.yaml"],
        ["check", "tests/fixtures/warning-only.yaml", "--strict"],
        ["check", "specs"],
        ["check", "specs/nope.yaml"],
        ["check", "specs/unet-2015.yaml", "--input", "57x"],
        ["check", "specs/unet-2015.yaml", "--config", "tests/fixtures/not-yaml.yaml"],
        ["check", "--specs-only", ".pre-commit-hooks.yaml", "specs/unet-1d.yaml"],
        ["check", "specs", "-q", "-f", "concise"],
    ],
    ids=lambda a: " ".join(a[1:]),
)
def test_fast_path_output_equals_typer_output(args):
    assert _run(args, fast=True) == _run(args, fast=False)


def test_fast_path_does_not_import_typer():
    code, modules = run_in_fresh_interpreter("check", "specs/unet-2015.yaml")
    assert code == 0 and "typer" not in modules and "rich" not in modules  # stdout is not a terminal here


def test_the_program_exits_at_once_with_every_byte_written_and_its_exit_code(tmp_path):
    """`python -m unetcalc` ends with os._exit after flushing: the output must be whole, the code right."""
    import json
    import subprocess
    import sys

    def program(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "unetcalc", *args], capture_output=True, text=True, cwd=ROOT)

    ok = program("check", "specs/unet-2015.yaml", "--format", "json")
    assert ok.returncode == 0 and json.loads(ok.stdout)["files"][0]["ok"] is True
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "input: {channels: 1, size: [65, 65]}\nlayers:\n  - {op: conv, filters: 4, kernel: 3}\n  - maxpool\n"
    )
    findings = program("check", str(bad))
    assert findings.returncode == 1 and "UC1" in findings.stdout and findings.stdout.endswith("\n")
    missing = program("check", str(tmp_path / "missing.yaml"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    typer_command = program("table", "specs/unet-2015.yaml", "--format", "csv")
    rows = typer_command.stdout.splitlines()
    assert typer_command.returncode == 0 and rows[0].startswith("#,layer") and rows[-1].startswith("49,head,")
