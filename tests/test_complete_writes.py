"""Output is written whole or the run fails: a short or failed write is exit 2 with a message, never
exit 0 with a cut document; outputs never go through a symbolic link. Run as users run it (a child
process with the program's own exit path), with a file-size limit, a full device or a closed stdout."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, invoke_as_user

SPEC = str(ROOT / "specs" / "unet-2015.yaml")
COMMANDS = [
    ["check", SPEC, "--format", "json"],
    ["check", SPEC, "--format", "sarif"],
    ["expand", SPEC],
    ["memory", SPEC, "--format", "json"],
    ["table", SPEC, "--format", "markdown"],
]


def _run(argv: list[str], stdout: object, limit: int | None = None) -> subprocess.CompletedProcess[bytes]:
    def preexec() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "unetcalc", *argv],
        stdout=stdout,  # type: ignore[arg-type]
        stderr=subprocess.PIPE,
        preexec_fn=preexec,
        cwd=ROOT,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:1] + a[2:]))
def test_a_file_size_limit_that_cuts_the_output_is_exit_2(tmp_path, argv):
    target = tmp_path / "out.txt"
    with target.open("wb") as handle:
        proc = _run(argv, handle, limit=1024)
    assert target.stat().st_size == 1024  # the limit cut it …
    assert proc.returncode == 2, proc.stderr  # … and the run says so
    assert b"could not be written in full (File too large)" in proc.stderr
    with (tmp_path / "whole.txt").open("wb") as handle:
        assert _run(argv, handle).returncode == 0  # the same command, unlimited


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full here")
@pytest.mark.parametrize("argv", COMMANDS[:3], ids=lambda a: " ".join(a[:1] + a[2:]))
def test_a_full_device_is_exit_2_not_an_internal_error(argv):
    with open("/dev/full", "wb") as handle:
        proc = _run(argv, handle)
    assert proc.returncode == 2 and b"No space left on device" in proc.stderr
    assert b"internal error" not in proc.stderr and b"Traceback" not in proc.stderr


@pytest.mark.parametrize("argv", [["table", SPEC], ["check", SPEC]], ids=["table", "check"])
def test_a_closed_stdout_is_exit_2(argv):
    proc = subprocess.run(
        [sys.executable, "-m", "unetcalc", *argv],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        timeout=120,
        check=False,
        preexec_fn=lambda: os.close(1),
    )
    assert proc.returncode == 2 and b"standard output is closed" in proc.stderr


def test_outputs_never_go_through_a_symbolic_link(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    link = tmp_path / "unet-2015.svg"
    link.symlink_to(victim)
    note = tmp_path / "n.md"
    note.write_text("| Layer | Dimensions | Operation | Filters |\n|---|---|---|---|\n| Input | 8 x 8 | | 1 |\n")
    for argv in (["draw", SPEC, "-o", str(link)], ["convert", str(note), "-o", str(link)]):
        run = invoke_as_user(*argv)
        assert run.exit_code == 2 and "is a symbolic link" in run.stderr, argv
        assert victim.read_text() == "keep" and link.is_symlink()


def test_convert_of_several_tables_to_an_existing_file_says_to_name_a_directory(tmp_path):
    note = tmp_path / "two.md"
    table = (
        "| Layer | Dimensions | Operation | Filters |\n|---|---|---|---|\n"
        "| Input | 8 x 8 | | 1 |\n| r | 8 x 8 x 1 | Relu | 1 |\n"
    )
    note.write_text("## a\n\n" + table + "\n## b\n\n" + table)
    existing = tmp_path / "out.yaml"
    existing.write_text("keep")
    run = invoke_as_user("convert", str(note), "-o", str(existing))
    assert run.exit_code == 2 and "is a file" in run.stderr and "names a directory" in run.stderr
    assert existing.read_text() == "keep"
