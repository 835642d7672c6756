"""The real model: builder, meta-device verification, generated code, CLI (needs torch)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

torch = pytest.importorskip("torch")

from unetcalc import check_file, check_text  # noqa: E402
from unetcalc.cli.app import app  # noqa: E402
from unetcalc.torch.builder import SpecHasErrors, build_module  # noqa: E402
from unetcalc.torch.codegen import generate_code  # noqa: E402
from unetcalc.torch.verify import verify  # noqa: E402

from conftest import SPECS  # noqa: E402

runner = CliRunner()
CLEAN_SPECS = ["unet-2015", "seed-encoder-fixed", "unet-same", "unet-1d", "unet3d"]


def test_unet_2015_module_matches_inference():
    model = build_module(SPECS / "unet-2015.yaml")
    assert sum(p.numel() for p in model.parameters()) == 31_030_658
    assert isinstance(model.enc1a, torch.nn.Conv2d) and model.enc1a.out_channels == 64
    assert "enc1a.weight" in model.state_dict()  # the keys of the class `build --code` writes
    with torch.device("meta"):
        out = build_module(SPECS / "unet-2015.yaml")(torch.empty(1, 1, 572, 572))
    assert tuple(out.shape) == (1, 2, 388, 388)


@pytest.mark.parametrize("name", CLEAN_SPECS)
def test_param_counts_and_meta_verification_for_bundled_specs(name):
    result = check_file(SPECS / f"{name}.yaml")
    with torch.device("meta"):
        model = build_module(result)
    assert sum(p.numel() for p in model.parameters()) == result.inference.params
    checks = verify(result)
    assert checks and all(c.ok for c in checks), [(c.disagreements, c.torch_error) for c in checks]
    assert checks[0].layers == len(result.inference.layers)


def test_symbolic_input_verifies_three_smallest_valid_sizes():
    result = check_file(SPECS / "unet-2015.yaml", ("H", "W"))
    checks = verify(result)
    assert [c.input_size for c in checks] == [(188, 188), (204, 204), (220, 220)]
    assert all(c.ok for c in checks)


def test_spec_with_errors_is_refused_with_its_findings():
    with pytest.raises(SpecHasErrors) as caught:
        build_module(SPECS / "seed-encoder.yaml")
    assert [d.code for d in caught.value.diagnostics] == ["UC107", "UC107", "UC006", "UC107", "UC108"]


def test_every_op_builds_and_agrees():
    text = """
input: {channels: 4, size: [H, W]}
layers:
  - {op: pad, padding: [1, 2], name: padded}
  - {op: conv, filters: 8, kernel: [3, 5], groups: 2, dilation: [1, 2]}
  - {op: batchnorm}
  - {op: instancenorm}
  - {op: groupnorm, groups: 4}
  - {op: layernorm}
  - {op: leakyrelu, negative_slope: 0.2}
  - elu
  - gelu
  - silu
  - {op: dropout, p: 0.1, name: skip}
  - {op: avgpool, kernel: 3, stride: 2, padding: 1, ceil_mode: true, name: pooled}
  - {op: maxpool, kernel: 2, dilation: 2}
  - {op: upconv, filters: 8, kernel: 3, stride: 2, padding: 1, output_padding: 1}
  - {op: upsample, scale: 2, mode: bilinear}
  - {op: add, with: skip, crop: center}
  - {op: crop, to: pooled}
  - {op: crop, size: [5, 6]}
  - {op: linear, features: 6}
  - sigmoid
  - tanh
  - softmax
  - identity
"""
    result = check_text(text)
    assert not result.errors, result.errors
    with torch.device("meta"):
        model = build_module(result)
    assert sum(p.numel() for p in model.parameters()) == result.inference.params
    checks = verify(result)
    assert all(c.ok for c in checks), [(c.disagreements, c.torch_error) for c in checks]


@pytest.mark.parametrize("name", CLEAN_SPECS)
def test_generated_code_runs_without_unetcalc(name, tmp_path):
    result = check_file(SPECS / f"{name}.yaml")
    path = tmp_path / "model.py"
    path.write_text(generate_code(result))
    size = [s.value for s in result.inference.input.size]
    program = (
        "import sys, runpy\n"
        "sys.modules['unetcalc'] = None  # importing unetcalc now fails\n"
        f"ns = runpy.run_path({str(path)!r})\n"
        "import torch\n"
        "cls = next(v for k, v in ns.items() if isinstance(v, type) and issubclass(v, torch.nn.Module)"
        " and v.__module__ == '<run_path>')\n"
        "with torch.device('meta'):\n"
        "    model = cls()\n"
        f"    out = model(torch.empty(1, {result.inference.input.channels}, *{size!r}))\n"
        "print(sum(p.numel() for p in model.parameters()), tuple(out.shape))\n"
    )
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = result.inference.output
    expected = (result.inference.params, (1, out.channels, *(s.value for s in out.size)))
    assert proc.stdout.strip() == f"{expected[0]} {expected[1]}"


def test_build_cli_verify_code_save(tmp_path):
    code, saved = tmp_path / "model.py", tmp_path / "model.pt"
    result = runner.invoke(
        app, ["build", "specs/unet-2015.yaml", "--verify", "--code", str(code), "--save", str(saved)]
    )
    assert result.exit_code == 0, result.output
    assert "31,030,658 params" in result.stdout
    assert "49/49 layers agree with PyTorch" in result.stdout
    state = torch.load(saved, weights_only=True)
    assert sum(t.numel() for k, t in state.items() if not k.endswith(("running_mean", "running_var"))) == 31_030_658
    assert "class Unet2015(nn.Module)" in code.read_text()
    assert not list(tmp_path.glob(".*.tmp"))  # no half-written temporaries left


def test_build_refuses_spec_with_errors_and_writes_nothing(tmp_path):
    code = tmp_path / "model.py"
    result = runner.invoke(app, ["build", "specs/seed-encoder.yaml", "--code", str(code)])
    assert result.exit_code == 1
    assert "UC108" in result.output and "nothing was built" in result.output
    assert not code.exists()


def test_check_verify_flag():
    result = runner.invoke(app, ["check", "specs/unet-1d.yaml", "--verify"])
    assert result.exit_code == 0 and "27/27 layers agree" in result.stdout


def test_onnx_needs_the_onnx_package(tmp_path):
    target = tmp_path / "m.onnx"
    result = runner.invoke(app, ["build", "specs/unet-1d.yaml", "--onnx", str(target)])
    try:
        import onnx
    except ImportError:
        assert result.exit_code == 2 and "pip install onnx" in result.output
        assert not target.exists()
    else:
        assert result.exit_code == 0, result.output
        model = onnx.load(str(target))
        onnx.checker.check_model(model)
        dims = [d.dim_value for d in model.graph.output[0].type.tensor_type.shape.dim]
        assert dims == [1, 4, 1024]


def test_without_torch_build_exits_2_with_install_hint():
    program = (
        "import sys; sys.modules['torch'] = None\n"
        "from unetcalc.cli.entry import main\n"
        "sys.argv = ['unetcalc', 'build', 'specs/unet-2015.yaml']\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "pip install 'unetcalc[torch]'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_macs_agree_with_torchinfo_for_conv_and_upconv():
    torchinfo = pytest.importorskip("torchinfo")
    from unetcalc.shapes.cost import compute_costs

    for name in ("unet-2015", "unet-same", "unet3d"):
        result = check_file(SPECS / f"{name}.yaml")
        model = build_module(result)
        size = tuple(s.value for s in result.inference.input.size)
        stats = torchinfo.summary(
            model,
            input_size=(1, result.inference.input.channels, *size),
            verbose=0,
            device="meta" if name == "unet3d" else "cpu",
        )
        ours = {
            e.layer.name: m.value
            for e, m in zip(
                result.inference.layers, compute_costs(result.inference, "torchinfo").per_layer_macs, strict=True
            )
        }
        theirs = {info.var_name: info.macs for info in stats.summary_list if info.depth == 1}
        for entry in result.inference.layers:
            if entry.layer.op in ("conv", "upconv"):
                assert ours[entry.layer.name] == theirs[entry.layer.name], (name, entry.layer.name)


def _generated_class(result, tmp_path):  # type: ignore[no-untyped-def]
    import runpy

    path = tmp_path / "model.py"
    path.write_text(generate_code(result))
    ns = runpy.run_path(str(path))
    return next(
        v
        for v in ns.values()
        if isinstance(v, type) and issubclass(v, torch.nn.Module) and v.__module__ == "<run_path>"
    )


def test_generated_forward_frees_every_tensor_after_its_last_reader(tmp_path):
    """Only the skips wait for their concat; every other intermediate is gone once read (issue 14)."""
    import weakref

    result = check_file(SPECS / "unet-2015.yaml", (188, 188))
    with torch.device("meta"):
        model = _generated_class(result, tmp_path)()
    outputs: list[weakref.ref] = []  # type: ignore[type-arg]
    most_alive = 0

    def hook(module, args, output):  # type: ignore[no-untyped-def]
        nonlocal most_alive
        most_alive = max(most_alive, sum(ref() is not None for ref in outputs))
        outputs.append(weakref.ref(output))

    for module in model.modules():
        if not list(module.children()):
            module.register_forward_hook(hook)
    with torch.device("meta"), torch.no_grad():  # with grad, autograd would keep what backward needs
        model(torch.empty(1, 1, 188, 188))
    # at worst: the four skips and the tensor being read (with the 49 intermediates kept, it would be ~40)
    assert most_alive <= 6, most_alive
    source = generate_code(result)
    assert "x = enc1 = self.enc1(x)" in source and "del enc1" in source


@pytest.mark.parametrize("path", sorted((SPECS / "gallery").glob("*.yaml")), ids=lambda p: p.stem)
def test_generated_forward_computes_what_the_builder_computes(path, tmp_path):
    result = check_file(path)
    size = [axis.min or 1 for axis in result.validity.axes]
    size = [max(s, 32) if len(size) < 3 else s for s in size]
    result = check_file(path, tuple(result.validity.axes[i].nearest(s - 1)[1] or s for i, s in enumerate(size)))
    torch.manual_seed(0)
    reference = build_module(result).eval()
    generated = _generated_class(result, tmp_path)().eval()
    generated.load_state_dict(reference.state_dict())
    x = torch.randn(1, result.inference.input.channels, *(s.value for s in result.inference.input.size))
    with torch.no_grad():
        want, got = reference(x), generated(x)
    want = want if isinstance(want, tuple) else (want,)
    got = got if isinstance(got, tuple) else (got,)
    assert len(want) == len(got)
    for a, b in zip(want, got, strict=True):
        assert torch.allclose(a, b)


SAVED_CASES = [
    ("unet-2015", (188, 188)),
    ("unet-same", (64, 64)),
    ("unet3d", None),
    ("unet-1d", None),
    ("fcn8s", (64, 64)),
    ("gallery/attention-unet", (64, 64)),
    ("gallery/resnet34-unet", (64, 64)),
    ("gallery/nnunet-3d-anisotropic", None),
    ("gallery/fcn8s-caffe", (64, 64)),
]


@pytest.mark.parametrize(("name", "size"), SAVED_CASES, ids=[c[0] for c in SAVED_CASES])
def test_memory_model_saves_what_autograd_saves(name, size):
    """`unetcalc memory`'s per-layer saved tensors against PyTorch's own: every tensor autograd packs for
    backward (saved_tensors_hooks), parameters aside, each storage once. CPU differs from CUDA only in
    small statistics and dropout's mask (a float on CPU, one byte on CUDA): within 2 %."""
    from unetcalc.memory.estimate import estimate_memory

    result = check_file(SPECS / f"{name}.yaml", size)
    if size is None and name == "unet3d":  # the smallest valid patch, not 116×132×132, on a CPU
        result = check_file(SPECS / f"{name}.yaml", tuple(axis.min for axis in result.validity.axes))
    elif not all(s.is_number for s in result.inference.input.size):  # symbolic: a small valid size
        result = check_file(SPECS / f"{name}.yaml", tuple(axis.nearest(31)[1] for axis in result.validity.axes))
    predicted = sum(layer.saved for layer in estimate_memory(result, batch=2).training.per_layer)
    torch.manual_seed(0)
    model = build_module(result).train()
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    saved: dict[int, int] = {}

    def pack(tensor):  # type: ignore[no-untyped-def]
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in params:
            saved[storage.data_ptr()] = storage.nbytes()
        return tensor

    x = torch.randn(2, result.inference.input.channels, *(int(s.const) for s in result.inference.input.size))
    with torch.autograd.graph.saved_tensors_hooks(pack, lambda tensor: tensor):
        model(x)
    measured = sum(saved.values())
    assert abs(predicted - measured) <= 0.02 * measured, (predicted, measured)


def test_stacked_outputs_are_returned_stacked_by_the_module_and_by_its_generated_code():
    text = (
        "input: {channels: 1, size: [16, 16]}\nlayers:\n  - {op: conv, filters: 4, padding: same, name: enc}\n"
        "  - maxpool\n  - {op: conv, filters: 2, kernel: 1, name: head}\n  - {op: upconv, from: maxpool1, filters: 4}\n"
        "  - {op: conv, filters: 2, kernel: 1, name: seg}\n  - {op: resize, from: head, to: seg, name: ds1}\n"
        "outputs: {stack: [seg, ds1]}\n"
    )
    result = check_text(text)
    assert not result.errors, result.errors
    model = build_module(result)
    x = torch.randn(3, 1, 16, 16)
    out = model(x)
    assert out.shape == (3, 2, 2, 16, 16)
    namespace: dict = {}
    exec(compile(generate_code(result), "model.py", "exec"), namespace)
    generated = next(
        v
        for v in namespace.values()
        if isinstance(v, type) and issubclass(v, torch.nn.Module) and v is not torch.nn.Module
    )()
    generated.load_state_dict(model.state_dict())
    assert torch.equal(generated(x), out)
    layers = dict(model.trace(x))
    assert torch.equal(out[:, 0], layers["seg"]) and torch.equal(out[:, 1], layers["ds1"])
