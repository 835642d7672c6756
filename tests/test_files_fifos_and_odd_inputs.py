"""Odd inputs (FIFOs, link loops, unreadable folders, merge lists, bare ignore prefixes): each a finding or
a clear exit, never a hang, an internal error, a silent no-op or an unlabelled answer."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from unetcalc import check_text
from unetcalc.cli.files import expand_paths

from conftest import ROOT, invoke_as_user

SPEC = ROOT / "specs" / "unet-2015.yaml"


def test_merge_lists_merge_without_a_duplicate_key_finding():
    text = (
        "name: m\ninput: {channels: 1, size: [8, 8]}\ndefaults: {conv: &a {kernel: 3}}\n"
        "layers:\n  - &b {op: relu, name: r0}\n  - {<<: [*a, *b], op: conv, filters: 4, name: c1}\n"
    )
    result = check_text(text, "m.yaml")
    assert result.ok, [(d.code, d.message) for d in result.diagnostics]
    conv = result.spec.layers[1]
    assert conv.op == "conv" and conv.name == "c1" and conv.params["kernel"] == (3, 3)


def test_a_fifo_with_nothing_writing_is_refused_not_waited_on(tmp_path):
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    done: list[object] = []
    worker = threading.Thread(target=lambda: done.append(invoke_as_user("check", str(fifo))))
    worker.start()
    worker.join(timeout=30)
    assert done, "check waited on a FIFO nobody writes to"
    run = done[0]
    assert run.exit_code == 2 and "is a FIFO with nothing writing to it" in run.stderr  # type: ignore[attr-defined]


def test_a_fifo_with_a_writer_is_read(tmp_path):
    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)

    def write() -> None:
        with fifo.open("wb") as handle:
            handle.write(SPEC.read_bytes())

    writer = threading.Thread(target=write)
    fd = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # lets the writer open at once
    writer.start()
    writer.join(timeout=10)
    try:
        from unetcalc.check import check_file

        result = check_file(fifo)
    finally:
        os.close(fd)
    assert result.ok and result.spec.name == "unet-2015"


def test_ignoring_every_rule_by_a_bare_prefix_is_refused(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.unetcalc]\nignore = ["UC"]\n')
    spec = tmp_path / "s.yaml"
    spec.write_text(SPEC.read_text().replace("[572, 572]", "[570, 570]"))
    run = invoke_as_user("check", str(spec))
    assert run.exit_code == 2 and "matches every rule and would silently turn checking off" in run.stderr


def test_a_symbolic_link_loop_is_one_message_and_the_other_files_are_checked(tmp_path):
    (tmp_path / "loop.yaml").symlink_to(tmp_path / "loop.yaml")
    good = tmp_path / "good.yaml"
    good.write_text(SPEC.read_text())
    run = invoke_as_user("check", str(tmp_path / "loop.yaml"), str(good))
    assert run.exit_code == 2
    assert "is a symbolic link loop" in run.stderr and "internal error" not in run.stderr
    assert "✓ OK" in run.stdout and "good.yaml" in run.stdout


def test_an_unreadable_folder_is_one_problem_and_the_scan_goes_on(tmp_path, monkeypatch):
    (tmp_path / "locked").mkdir()
    (tmp_path / "open").mkdir()
    (tmp_path / "open" / "a.yaml").write_text(SPEC.read_text())
    real = os.scandir

    def scandir(path: object = ".") -> object:
        if Path(str(path)).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    files, problems = expand_paths([str(tmp_path)])
    assert [p.name for p in files] == ["a.yaml"]
    assert len(problems) == 1 and "locked: cannot read this folder (Permission denied)" in problems[0]


def test_fit_answers_at_the_search_bound_say_so(tmp_path):
    tiny = tmp_path / "tiny.yaml"
    tiny.write_text("name: t\ninput: {channels: 1, size: [8, 8]}\nlayers:\n  - {op: conv, filters: 1, kernel: 1}\n")
    run = invoke_as_user("fit", str(tiny), "--memory", "80GiB", "--size", "8x8")
    assert run.exit_code == 0 and "the search stops at 1,048,576: a larger one may fit as well" in run.stdout
    normal = invoke_as_user("fit", str(SPEC), "--memory", "24GiB", "--size", "572x572")
    assert "the search stops" not in normal.stdout


def test_outputs_may_name_a_block_use_as_from_and_with_do():
    text = (
        "name: o\nversion: 2\ninput: {channels: 1, size: [8, 8]}\nblocks:\n  dc:\n    params: {f: null}\n"
        "    layers:\n      - {op: conv, filters: $f, kernel: 3, padding: 1}\n      - relu\n"
        "layers:\n  - {block: dc, f: 4, name: enc}\n  - {op: conv, filters: 2, kernel: 1, name: head, from: enc}\n"
        "outputs: [head, enc]\n"
    )
    result = check_text(text, "o.yaml")
    assert result.ok, [(d.code, d.message) for d in result.diagnostics]
    assert [name for name, _ in result.spec.outputs] == ["head", "enc.relu1"]


@pytest.mark.parametrize("scale", ["0.3333333333333333", "0.6666666666666666"])
def test_a_third_has_no_huge_moduli(scale):
    text = f"name: t\ninput: {{channels: 1, size: [H]}}\nlayers:\n  - {{op: upsample, scale: {scale}}}\n"
    result = check_text(text, "t.yaml")
    assert result.validity is not None and not result.validity.axes[0].classes
    assert "binary floating point" in result.errors[0].message
