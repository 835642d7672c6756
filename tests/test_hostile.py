"""Security and robustness: a spec never runs code, injects markup or commands, clobbers files, or crashes.

Each test is named after the defect it guards against (issue: security and robustness). The fuzz
test at the top sends names from a hostile alphabet through every output format; its example
count comes from the hypothesis profile (HYPOTHESIS_PROFILE=ci, or a profile of your own for a long run).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from unetcalc import check_file, check_text

from conftest import SPECS, run_unetcalc
from hostile import (
    FRAGMENTS,
    assert_safe_csv,
    assert_safe_markdown_table,
    assert_safe_svg,
    assert_safe_text,
    hostile_names,
    hostile_unet,
    unique,
)

runner = CliRunner()
HAS_DOT = shutil.which("dot") is not None


def invoke(*args: str) -> tuple[int, str, str]:
    """`unetcalc ARGS` through the program's entry point, as users run it."""
    return run_unetcalc(*args)


def write_spec(folder: Path, text: str, name: str = "spec.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# -- every output, hostile names ------------------------------------------------------------------------


@pytest.mark.slow
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(hostile_names, min_size=8, max_size=8), spec_name=hostile_names)
def test_every_output_treats_hostile_names_as_data(names, spec_name):
    text = hostile_unet(names, spec_name)
    with tempfile.TemporaryDirectory() as folder:
        spec = write_spec(Path(folder), text)
        plain = write_spec(Path(folder), hostile_unet([], "plain"), "plain.yaml")
        code, out, err = invoke("check", str(spec))
        assert code == 0, out + err  # a name is data: a hostile one is still a valid spec
        assert_safe_text(out + err, "text")
        for fmt in ("json", "sarif"):
            code, out, _ = invoke("check", str(spec), "--format", fmt)
            assert_safe_text(out, fmt)
            json.loads(out)
        code, out, _ = invoke("check", str(spec), "--format", "json")
        layers = json.loads(out)["files"][0]["layers"]
        assert [layer["name"] for layer in layers] == unique([*names])[:8]  # escaped, never altered
        assert json.loads(out)["files"][0]["name"] == yaml.safe_load(text)["name"]
        # findings quote names: make some (a wrong declared shape on every layer)
        broken = yaml.safe_load(text)
        for layer in broken["layers"]:
            layer["out"] = "1x1x1"
        bad = write_spec(Path(folder), yaml.safe_dump(broken), "bad.yaml")
        for fmt in ("text", "concise", "github", "sarif", "json"):
            code, out, err = invoke("check", str(bad), "--format", fmt)
            assert code == 1
            assert_safe_text(out, fmt)
            assert_safe_text(err, "text")
        for fmt, check in (("rich", assert_safe_text), ("markdown", assert_safe_markdown_table)):
            code, out, _ = invoke("table", str(bad), "--format", fmt)
            check(out, fmt) if check is assert_safe_text else check(out)
        code, out, _ = invoke("table", str(bad), "--format", "csv")
        assert_safe_csv(out)
        for fmt in ("text", "markdown", "json"):
            code, out, _ = invoke("diff", str(plain), str(bad), "--format", fmt)
            assert code == 0
            assert_safe_text(out, f"diff {fmt}")
        code, out, _ = invoke("sizes", str(spec))
        assert_safe_text(out, "sizes")
        code, out, err = invoke("draw", str(bad), "-f", "dot", "-o", "-")
        assert_safe_text(out + err, "dot")
        assert not [line for line in out.splitlines() if line.lstrip().startswith("<")]  # no HTML-like label


DOT_INJECTION = '<b> [URL="javascript:alert(document.domain)" target="_top"] <c>'


def _hostile_specs() -> list[tuple[list[str], str]]:
    """Deterministic hostile specs that together use every fragment (for the slow outputs)."""
    chunks = [FRAGMENTS[i : i + 8] for i in range(0, len(FRAGMENTS), 8)]
    specs = [([*chunk, *chunk][:8], chunk[0] + chunk[-1]) for chunk in chunks]
    specs.append(([DOT_INJECTION, "enc:1", "x\\", "<b>x</b>", "node", "edge", "graph", "strict"], DOT_INJECTION))
    return specs


ROUTES = ["wasm", *(["dot"] if HAS_DOT else [])]


@pytest.mark.parametrize("route", ROUTES)
def test_svg_has_no_markup_from_names_on_either_renderer(route, tmp_path, monkeypatch):
    monkeypatch.setenv("UNETCALC_RENDERER", route)
    for index, (names, spec_name) in enumerate(_hostile_specs()[-3:]):
        spec = write_spec(tmp_path, hostile_unet(names, spec_name), f"s{index}.yaml")
        target = tmp_path / f"s{index}.svg"
        code, _, err = invoke("draw", str(spec), "-o", str(target))
        assert code == 0, err
        assert_safe_svg(target.read_bytes())
        svg = target.read_text()
        if spec_name == DOT_INJECTION:
            assert "javascript:alert" in svg  # the name is still shown, as text …
        assert 'href="javascript' not in svg and "xlink:href" not in svg  # … never as a link


def test_colon_name_stays_connected_and_no_phantom_node(tmp_path):
    from unetcalc.draw.dot import to_dot
    from unetcalc.draw.layout import build_diagram

    result = check_text(hostile_unet(["enc:1", "skip:2", "p", "q", "r", "s", "t", "u"], "n"), "colon.yaml")
    diagram = build_diagram(result, detail="layers")
    source = to_dot(result, diagram, "layers")
    declared = {line.split(" [")[0].strip() for line in source.splitlines() if " [label=" in line}
    used = {part.strip().split(" ")[0] for line in source.splitlines() if "->" in line for part in line.split("->")}
    assert used <= declared | {"input", "legend"}  # every edge end is a declared node: nothing phantom
    assert '"enc:1' not in source.replace('label="enc:1', "")  # the name appears only inside labels


@pytest.mark.parametrize("name", ["<b>x</b>", "x\\", "a\\\\", "\\l\\N", "graph", '"'])
def test_names_with_markup_or_backslashes_draw(name, tmp_path):
    spec = write_spec(tmp_path, hostile_unet([name, "b", "c", "d", "e", "f", "g", "h"], name))
    code, out, err = invoke("draw", str(spec), "-o", str(tmp_path / "x.svg"))
    assert code == 0, out + err
    assert_safe_svg((tmp_path / "x.svg").read_bytes())


# -- generated Python ------------------------------------------------------------------------------------


def _needs_torch():
    return pytest.importorskip("torch")


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(names=st.lists(hostile_names, min_size=8, max_size=8), spec_name=hostile_names)
def test_generated_code_compiles_and_matches_the_built_module(names, spec_name):
    torch = _needs_torch()
    from unetcalc.torch.builder import build_from_result
    from unetcalc.torch.codegen import class_name, generate_code

    result = check_text(hostile_unet(names, spec_name), "h.yaml")
    assert result.ok, result.diagnostics
    source = generate_code(result)
    assert_safe_text(source, "python")
    code = compile(source, "model.py", "exec")
    before = set(os.listdir())
    namespace: dict[str, object] = {"__name__": "generated"}
    exec(code, namespace)  # the module body only defines things; the file's own __main__ does not run
    assert set(os.listdir()) == before
    model = namespace[class_name(result.spec.name)]()
    built = build_from_result(result)
    model.load_state_dict(built.state_dict(), strict=True)  # --save loads into the --code class
    x = torch.randn(1, 1, 16, 16)
    model.eval()
    built.eval()
    assert torch.equal(model(x), built(x))


def test_generated_files_run_in_a_subprocess_that_creates_no_file(tmp_path):
    _needs_torch()
    outputs = tmp_path / "out"
    outputs.mkdir()
    hostile_file = tmp_path / 'x"""; __import__("os").system("touch PWNED"); """.yaml'
    specs = [(hostile_file, hostile_unet(["a", "b", "c", "d", "e", "f", "g", "h"], "ok"))]
    specs += [(tmp_path / f"s{i}.yaml", hostile_unet(n, s)) for i, (n, s) in enumerate(_hostile_specs())]
    for index, (path, text) in enumerate(specs):
        path.write_text(text, encoding="utf-8")
        code, out, err = invoke(
            "build", str(path), "--code", str(outputs / f"m{index}.py"), "--save", str(outputs / f"m{index}.pt")
        )
        assert code == 0, out + err
    script = (
        "import glob, runpy, sys, torch\n"
        "for path in sorted(glob.glob(sys.argv[1] + '/m*.py')):\n"
        "    namespace = runpy.run_path(path, run_name='__main__')\n"  # runs the file's own example
        "    model = namespace['model']\n"
        "    model.load_state_dict(torch.load(path[:-3] + '.pt'), strict=True)\n"
        "print('ran', len(glob.glob(sys.argv[1] + '/m*.py')))\n"
    )
    sandbox = tmp_path / "sandbox"
    sandbox.mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", script, str(outputs)], cwd=sandbox, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert f"ran {len(specs)}" in proc.stdout
    assert list(sandbox.iterdir()) == []  # no file created: nothing in a name ran
    assert not any(p.name == "PWNED" for p in tmp_path.rglob("*"))


def test_onnx_export_of_hostile_names(tmp_path):
    _needs_torch()
    pytest.importorskip("onnx")
    spec = write_spec(tmp_path, hostile_unet(_hostile_specs()[0][0], "onnx"))
    code, out, err = invoke("build", str(spec), "--onnx", str(tmp_path / "m.onnx"))
    assert code == 0, out + err


@pytest.mark.parametrize("value", ["~", "true", "None", "class", "''"])
def test_spec_name_that_is_no_string_is_a_finding_not_class_none(value, tmp_path):
    text = hostile_unet(["a", "b", "c", "d", "e", "f", "g", "h"], "x").replace("name: x", f"name: {value}", 1)
    result = check_text(text, "named.yaml")
    if value in ("None", "class"):  # strings: valid names, and the class avoids the keyword
        assert result.ok
        pytest.importorskip("torch")
        from unetcalc.torch.codegen import class_name

        assert class_name(result.spec.name) in ("NetNone", "NetClass", "Class")
    else:
        assert [d.code for d in result.errors] == ["UC005"] and result.spec.name == "named"


def test_layer_names_that_are_module_attributes_or_imports_build(tmp_path):
    torch = _needs_torch()
    from unetcalc import build_module

    names = ["to", "type", "training", "forward", "eval", "keys", "state_dict", "_modules"]
    model = build_module(check_text(hostile_unet(names, "attrs"), "attrs.yaml"))
    assert model(torch.zeros(1, 1, 16, 16)).shape == (1, 2, 16, 16)
    names = ["torch", "nn", "F", "x", "self", "center_crop", "x²", "ℌ"]
    spec = write_spec(tmp_path, hostile_unet(names, "imports"))
    code, out, err = invoke("build", str(spec), "--code", str(tmp_path / "m.py"))
    assert code == 0, out + err
    namespace: dict[str, object] = {"__name__": "m"}
    exec(compile((tmp_path / "m.py").read_text(), "m.py", "exec"), namespace)
    assert namespace["Imports"]()(torch.zeros(1, 1, 16, 16)).shape == (1, 2, 16, 16)


def test_nfkc_lookalikes_stay_distinct_layers():
    pytest.importorskip("torch")
    from unetcalc.torch.plan import make_plan

    result = check_text(hostile_unet(["H", "ℌ", "Ｈ", "x²", "x2", "a", "b", "c"], "nfkc"), "nfkc.yaml")
    keys = [step.key for step in make_plan(result).steps]
    assert len(set(keys)) == len(keys) and all(k.isascii() and k.isidentifier() for k in keys)
    assert keys[0] == "H" and keys[4] == "x2"  # names that are identifiers keep themselves


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan"])
def test_non_finite_numbers_are_findings(value):
    for layer in (f"{{op: batchnorm, eps: {value}}}", f"{{op: upsample, scale: {value}}}"):
        result = check_text(f"input: {{channels: 1, size: [8, 8]}}\nlayers:\n  - {layer}\n", "nf.yaml")
        assert [(d.code, d.line) for d in result.errors] == [("UC005", 3)]


# -- text, tables, CI formats ----------------------------------------------------------------------------


def test_newline_and_ansi_in_names_cannot_start_a_workflow_command(tmp_path):
    names = ["a\n::error file=x::pwned", "\x1b[2J", "b\r::add-mask::x", "c\u2028::x", "d", "e", "f", "g"]
    spec = write_spec(tmp_path, hostile_unet(names, "x\n::warning::y"))
    for args in (["check"], ["table"], ["table", "--format", "markdown"], ["table", "--format", "csv"], ["sizes"]):
        _code, out, err = invoke(*args, str(spec))
        assert_safe_text(out + err, " ".join(args))
        if args[0] == "table":
            assert "\\n" in out and "\\x1b" in out  # shown, escaped


def test_csv_cells_that_look_like_formulas_are_quoted(tmp_path):
    spec = write_spec(tmp_path, hostile_unet(["=1+1", "+cmd", "-2", "@SUM(A1)", "e", "f", "g", "h"], "csv"))
    code, out, _ = invoke("table", str(spec), "--format", "csv")
    assert code == 0
    assert_safe_csv(out)
    assert "'=1+1" in out and "'@SUM(A1)" in out


def test_sarif_uris_are_percent_encoded(tmp_path):
    spec = write_spec(tmp_path, "input: {size: [8]}\nlayers: [{op: conv}]\n", "a b#%?.yaml")
    _code, out, _ = invoke("check", str(spec), "--format", "sarif")
    uri = json.loads(out)["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert " " not in uri and "#" not in uri.split("/")[-1] and "a%20b%23%25%3F.yaml" in uri


# -- output targets ----------------------------------------------------------------------------------


@pytest.fixture
def spec_2015(tmp_path) -> Path:
    path = tmp_path / "unet.yaml"
    shutil.copy(SPECS / "unet-2015.yaml", path)
    return path


def test_a_fifo_is_written_into_not_replaced(spec_2015, tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    code, _, err = invoke("draw", str(spec_2015), "-o", str(fifo), "-f", "dot")
    data = reader.communicate(timeout=30)[0]
    assert code == 0, err
    assert data.startswith(b"digraph") and fifo.is_fifo()


def test_a_character_device_is_written_into_not_replaced(spec_2015, tmp_path):
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | 0o020000, os.makedev(1, 3))  # our own /dev/null, never the real one
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here ({exc}): needs root")
    code, _, err = invoke("draw", str(spec_2015), "-o", str(device), "-f", "svg")
    assert code == 0, err
    assert device.is_char_device() and not list(tmp_path.glob(".null.*"))


def test_stdout_dash_writes_the_drawing(spec_2015):
    code, out, _ = invoke("draw", str(spec_2015), "-o", "-", "-f", "dot")
    assert code == 0 and out.startswith("digraph")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("{dir}", "is a directory"),
        ("{spec}", "the spec being read"),
        ("{file}/x.svg", "is a file, not a directory"),
    ],
)
def test_bad_output_targets_are_refused(target, message, spec_2015, tmp_path):
    (tmp_path / "dir").mkdir()
    (tmp_path / "file").write_text("x")
    path = target.format(dir=tmp_path / "dir", spec=spec_2015, file=tmp_path / "file")
    before = spec_2015.read_bytes()
    code, _out, err = invoke("draw", str(spec_2015), "-o", path, "-f", "svg")
    assert code == 2 and message in err and "internal error" not in err
    assert spec_2015.read_bytes() == before


def test_two_outputs_of_one_command_to_one_path_are_refused(spec_2015, tmp_path):
    _needs_torch()
    code, _, err = invoke("build", str(spec_2015), "--code", str(tmp_path / "m"), "--save", f"{tmp_path}/./m")
    assert code == 2 and "two outputs" in err and not (tmp_path / "m").exists()


def _mount_tmpfs(where: Path, options: str) -> bool:
    where.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True, check=False
    )
    return proc.returncode == 0


@pytest.mark.parametrize(("options", "message"), [("ro,size=64k", "Read-only file system"), ("size=64k", "")])
def test_read_only_or_full_file_system(options, message, spec_2015, tmp_path):
    mount = tmp_path / "mnt"
    if shutil.which("mount") is None or not _mount_tmpfs(mount, options):
        pytest.skip("cannot mount a small tmpfs here (needs root): read-only and full-disk cases not exercised")
    try:
        if not message:  # full: fill it, leaving less than a drawing needs
            (mount / "fill").write_bytes(b"\0" * (64 * 1024 - 4096))
            message = "No space left on device"
        code, _, err = invoke("draw", str(spec_2015), "-o", str(mount / "u.svg"))
        assert code == 2 and message in err and "nothing was written" in err
        assert not (mount / "u.svg").exists() and not list(mount.glob(".u.svg.*"))
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_terminated_write_leaves_no_temporary_file(tmp_path):
    script = (
        "import os, signal, sys\n"
        "from unetcalc.cli.outputs import write_output\n"
        "def write(tmp):\n"
        "    tmp.write_bytes(b'x' * 1000)\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "write_output(sys.argv[1], write)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script, str(tmp_path / "m.pt")], capture_output=True, check=False)
    assert proc.returncode == 128 + 15
    assert list(tmp_path.iterdir()) == []


# -- crashes on realistic input ----------------------------------------------------------------------


@pytest.mark.parametrize("typo", ["filter: 64", "filters: 64, stride: two"])
def test_typo_in_a_table_style_spec_gives_findings_not_a_crash(typo):
    text = (SPECS / "seed-encoder.yaml").read_text()
    for row in ("Conv1", "Conv4", "Conv8", "Conv9"):  # rows whose neighbours declare shapes
        start = text.index(f"name: {row},")
        head = text.rindex("filters: ", 0, start)
        end = text.index(",", head)
        broken = text[:head] + typo + text[end:]
        result = check_text(broken, "typo.yaml")  # must not raise
        assert any(d.code in ("UC003", "UC005") and d.layer == row for d in result.errors), row


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["check", "{spec}", "--input", "²x²"], "neither a size nor a symbol"),
        (["sizes", "{spec}", "--range", "²..٣"], "LOW..HIGH"),
        (["check", "{spec}", "--input", "٣x٣"], "neither a size nor a symbol"),
    ],
)
def test_non_ascii_digits_in_options_are_clear_errors(args, expected, spec_2015):
    code, _, err = invoke(*[a.format(spec=spec_2015) for a in args])
    assert code == 2 and expected in err


@pytest.mark.parametrize("shape", ['out: "8x8x¹"', 'in: "²x²"', "out: {channels: '³'}"])
def test_non_ascii_digits_in_shapes_are_findings(shape):
    result = check_text(f"input: {{channels: 1, size: [8, 8]}}\nlayers:\n  - {{op: relu, {shape}}}\n", "d.yaml")
    assert [(d.code, d.line) for d in result.errors] == [("UC008", 3)]
    result = check_text("input: {channels: 1, size: '²x²'}\nlayers: [relu]\n", "s.yaml")
    assert [d.code for d in result.errors] == ["UC005"]


def test_one_unreadable_path_does_not_abort_the_run(spec_2015, tmp_path):
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "nowhere")
    code, out, err = invoke("check", str(spec_2015), str(tmp_path / "dangling.yaml"), str(SPECS / "unet-same.yaml"))
    assert code == 2 and "no such file" in err
    assert out.count("✓ OK") == 2


def test_file_names_that_are_not_utf8_are_shown_escaped(tmp_path):
    name = os.fsdecode(b"bad\xff name.yaml")
    shutil.copy(SPECS / "seed-encoder.yaml", tmp_path / name)
    for fmt in ("text", "json", "github", "sarif"):
        code, out, err = invoke("check", str(tmp_path / name), "--format", fmt)
        assert code == 1, err
        assert_safe_text(out, fmt)


def test_huge_valid_size_moduli_print_summarised(tmp_path):
    spec = write_spec(tmp_path, "input: {channels: 1, size: [H]}\nlayers:\n" + "  - maxpool\n" * 15_000)
    code, out, err = invoke("check", str(spec))
    assert code == 0, err
    assert "mod 2^15000" in out
    code, out, _ = invoke("check", str(spec), "--format", "json")
    assert json.loads(out)["files"][0]["valid_input"][0]["modulus"] == "2^15000"
    code, out, _ = invoke("sizes", str(spec), "--near", "5")
    assert code == 0 and "2^15000" in out


def test_dev_zero_is_read_with_a_bound():
    code, out, _ = invoke("check", "/dev/zero")
    assert code == 1 and "UC001" in out and "larger than" in out


def test_glob_over_a_symlink_loop_checks_each_file_once(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    shutil.copy(SPECS / "unet-2015.yaml", tmp_path / "a" / "b" / "u.yaml")
    (tmp_path / "a" / "b" / "up").symlink_to("..")
    (tmp_path / "a" / "b" / "up2").symlink_to("../..")
    code, out, _ = invoke("check", f"{tmp_path}/**/*.yaml")
    assert code == 0 and out.count("✓ OK") == 1


# -- config can never turn failures off ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("pyproject", "message"),
    [
        (b'[tool.unetcalc]\nseverity = {UC001 = "info"}\n', "UC001 stays an error"),
        (b'[tool.unetcalc]\nignore = [""]\n', "empty code"),
        (b"tool = 5\n", "`tool` must be a table"),
        (b"[tool.unetcalc\n", "invalid TOML"),
        (b"[tool.unetcalc]\n# caf\xe9\nstrict = true\n", "not UTF-8"),
    ],
)
def test_bad_configuration_is_exit_2_with_file_and_line(pyproject, message, tmp_path):
    (tmp_path / "pyproject.toml").write_bytes(pyproject)
    spec = write_spec(tmp_path, "layers: [")  # would be UC001
    code, _, err = invoke("check", str(spec))
    assert code == 2 and message in err and f"{tmp_path / 'pyproject.toml'}:" in err


def test_unparsable_spec_fails_whatever_the_config_ignores(tmp_path):
    (tmp_path / ".unetcalc.yaml").write_text("ignore: [UC0]\n")
    spec = write_spec(tmp_path, "layers: [")
    code, out, _ = invoke("check", str(spec))
    assert code == 1 and "UC001" in out


# -- YAML 1.1 surprises ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "value"), [("010", 8), ("1:20", 80), ("0o10", None), ("'010'", None)])
def test_octal_and_sexagesimal_numbers_are_findings(written, value):
    result = check_text(f"input: {{channels: 1, size: [64, 64]}}\nlayers:\n  - {{op: conv, filters: {written}}}\n")
    messages = [d.message for d in result.errors if "YAML 1.1" in d.message]
    if value is None:
        assert not messages
    else:
        assert len(messages) == 1 and str(value) in messages[0]


def test_merge_keys_are_not_duplicate_keys():
    text = (
        "input: {channels: 1, size: [16, 16]}\n"
        "defaults: {conv: {kernel: 3}}\n"
        "layers:\n"
        "  - &base {op: conv, filters: 8, padding: same}\n"
        "  - {<<: *base, filters: 32}\n"
        "  - {<<: *base, filters: 32, filters: 16}\n"
    )
    result = check_text(text, "merge.yaml")
    duplicates = [d for d in result.diagnostics if "appears twice" in d.message]
    assert [(d.line, d.code) for d in duplicates] == [(6, "UC003")]
    assert [e.layer.params["filters"] for e in result.inference.layers] == [8, 32, 16]


def test_check_file_never_raises_on_hostile_text(tmp_path):
    for index, fragment in enumerate(FRAGMENTS):
        path = tmp_path / f"f{index}.yaml"
        quoted = json.dumps(fragment)
        path.write_text(f"name: {quoted}\ninput: {{size: [{quoted}]}}\nlayers: [{{op: {quoted}}}]\n")
        result = check_file(path)  # never raises
        assert result.errors and all(d.line >= 1 for d in result.errors)


def test_a_file_named_like_a_workflow_command_starts_no_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(SPECS / "seed-encoder.yaml", tmp_path / "::warning::pwned.yaml")
    for args in (["check", "."], ["check", "::warning::pwned.yaml"], ["table", "::warning::pwned.yaml"]):
        code, out, err = invoke(*args)
        assert code == 1, err
        assert_safe_text(out + err, " ".join(args))
        assert "./::warning::pwned.yaml:" in out or args[0] == "table"
