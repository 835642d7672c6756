"""Bad input never gives a traceback: a finding (exit 1) or a clear message (exit 2)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from conftest import ROOT, invoke_as_user

runner = CliRunner()


def _bomb() -> str:
    text = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    previous = "a"
    for i in range(1, 10):
        name = chr(ord("a") + i)
        text += f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]\n"
        previous = name
    return text + f"layers: *{previous}\n"


CASES: dict[str, tuple[bytes, str]] = {
    "empty": (b"", "empty"),
    "top-level-list": (b"- conv\n- relu\n", "must be a mapping"),
    "binary": (bytes(range(256)) * 4, "not UTF-8"),
    "nul": (b"name: x\x00\n", "binary"),
    "tabs": (b"input:\n\tchannels: 1\n", "tabs"),
    "unclosed": (b"layers: [{op: conv, filters: 64}\n", "invalid YAML"),
    "alias-bomb": (_bomb().encode(), "alias bomb"),
    "deep": (b"layers: " + b"[" * 50_000 + b"]" * 50_000, "nest"),
    "strings-for-numbers": (
        b"input: {channels: 1, size: [64, 64]}\nlayers:\n  - {op: conv, filters: '64', kernel: three}\n",
        "must be a whole number",
    ),
    "huge-filters": (
        b"input: {channels: 1, size: [64, 64]}\nlayers:\n  - {op: conv, filters: " + b"1" + b"0" * 30 + b"}\n",
        "larger than",
    ),
    "python-tag": (b"input: !!python/object/apply:os.system ['echo pwned']\nlayers: [relu]\n", "not allowed"),
    "no-layers": (b"input: {channels: 1, size: [64, 64]}\n", "no `layers`"),
    "bad-size": (b"input: {channels: 1, size: [0, -3]}\nlayers: [relu]\n", "input size"),
    "bad-rank": (b"input: {channels: 1, size: [1, 2, 3, 4]}\nlayers: [relu]\n", "1 to 3"),
    "layer-is-number": (b"input: {channels: 1, size: [8]}\nlayers: [3]\n", "a layer must be"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_spec_is_a_finding_not_a_traceback(name, tmp_path):
    content, expected = CASES[name]
    spec = tmp_path / f"{name}.yaml"
    spec.write_bytes(content)
    started = time.perf_counter()
    result = invoke_as_user("check", str(spec))
    elapsed = time.perf_counter() - started
    assert "internal error" not in result.output, result.output  # the entry point turns a crash into that
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert f"{spec}:" in result.output  # names the file and line
    if name == "alias-bomb":
        assert elapsed < 5  # generous: the point is "not exponential"; benchmarks measure it


def test_missing_file_and_directory_exit_2(tmp_path):
    missing = invoke_as_user("check", str(tmp_path / "nope.yaml"))
    assert missing.exit_code == 2 and "no such file" in missing.output
    directory = invoke_as_user("check", str(tmp_path))
    assert directory.exit_code == 2 and "directory" in directory.output


@pytest.mark.parametrize("option", ["570x", "abc!", "1x2x3x4", "0x5"])
def test_bad_input_option_exits_2(option):
    result = invoke_as_user("check", "specs/unet-2015.yaml", "--input", option)
    assert result.exit_code == 2 and "--input" in result.output


def test_input_option_of_wrong_rank_exits_2():
    result = invoke_as_user("check", "specs/unet-2015.yaml", "--input", "572")
    assert result.exit_code == 2 and "2D network" in result.output


def test_unknown_option_exits_2():
    result = invoke_as_user("check", "specs/unet-2015.yaml", "--no-such-option")
    assert result.exit_code == 2


def test_real_process_prints_no_traceback(tmp_path):
    spec = tmp_path / "garbage.yaml"
    spec.write_bytes(bytes(range(256)))
    proc = subprocess.run([sys.executable, "-m", "unetcalc", "check", str(spec)], capture_output=True, text=True)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr


def test_broken_pipe_is_quiet(tmp_path):
    seed = (ROOT / "specs" / "seed-encoder.yaml").read_text()
    for n in range(80):  # ~150 KB of report: more than a pipe buffer holds
        (tmp_path / f"s{n:02d}.yaml").write_text(seed)
    proc = subprocess.Popen(
        [sys.executable, "-m", "unetcalc", "check", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.readline()
    proc.stdout.close()  # the reader goes away, like `| head -1`
    stderr = proc.stderr.read().decode()
    assert proc.wait() == 1
    assert "Traceback" not in stderr and "internal error" not in stderr and "Exception ignored" not in stderr


def test_a_spec_past_the_size_limit_or_not_utf8_is_one_finding_with_its_message():
    from unetcalc.spec.parse import MAX_SPEC_BYTES, parse_bytes

    (too_large,) = parse_bytes(b"#" * (MAX_SPEC_BYTES + 1), "big.yaml").diagnostics
    assert (too_large.code, too_large.line) == ("UC001", 1)
    assert too_large.message == "the file is larger than 20,000,000 bytes, the most a spec may be"
    (binary,) = parse_bytes(b"name: caf\xe9\n", "latin1.yaml").diagnostics
    assert binary.message == "the file is not UTF-8 text (bad byte at offset 9)"
