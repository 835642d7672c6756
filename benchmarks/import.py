"""`unetcalc import` on real networks: a row per network — spec lines, layers, verdict, time.

Every import is proven by the importer itself (shapes at three valid sizes, state_dict, strict weights,
float64 CPU outputs); "exact" means that proof passed. Networks whose library is missing are listed as
skipped. Prints figures; asserts nothing.

Run: python benchmarks/import.py [--only NAME ...] [--process]   (--process also times whole
`unetcalc import` processes, torch import included)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / "tests" / "import_models"
sys.path.insert(0, str(ROOT))

sys.path.insert(0, str(MODELS))
from public_models import MONAI_ATTENTION_UNET, MONAI_UNET  # noqa: E402
from torchvision_shim import torchvision_importable  # noqa: E402

from unetcalc.importer.run import ImportResult, import_model  # noqa: E402
from unetcalc.importer.sources import Loaded, SourceError, load_module_ref  # noqa: E402


def nnunet_plans(tmp: Path) -> Loaded:
    from nnunet_plans import plain_conv_unet_plans

    from unetcalc.importer.nnunet import load_plans

    plans = plain_conv_unet_plans(  # ACDC's 3d_fullres plan
        "Dataset027_ACDC",
        features=[32, 64, 128, 256, 320, 320],
        kernels=[[1, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3], [3, 3, 3]],
        strides=[[1, 1, 1], [1, 2, 2], [1, 2, 2], [2, 2, 2], [2, 2, 2], [1, 2, 2]],
        patch_size=[20, 256, 224],
        batch_size=4,
    )
    path = tmp / "nnUNetPlans.json"
    path.write_text(json.dumps(plans))
    (tmp / "dataset.json").write_text(json.dumps({"labels": {"background": 0, "RV": 1, "MLM": 2, "LVC": 3}}))
    return load_plans(path, plans, "3d_fullres", None, None)


def resenc() -> Loaded:
    import torch

    kwargs = {
        "input_channels": 1,
        "n_stages": 6,
        "features_per_stage": [32, 64, 128, 256, 320, 320],
        "conv_op": torch.nn.Conv3d,
        "kernel_sizes": 3,
        "strides": [1, 2, 2, 2, 2, 2],
        "n_blocks_per_stage": [1, 3, 4, 6, 6, 6],
        "num_classes": 3,
        "n_conv_per_stage_decoder": [1, 1, 1, 1, 1],
        "conv_bias": True,
        "norm_op": torch.nn.InstanceNorm3d,
        "norm_op_kwargs": {"eps": 1e-5, "affine": True},
        "nonlin": torch.nn.LeakyReLU,
        "nonlin_kwargs": {"inplace": True},
        "deep_supervision": True,
    }
    return load_module_ref("dynamic_network_architectures.architectures.unet:ResidualEncoderUNet", kwargs)


def tv_fcn() -> Loaded:
    from torchvision.models.segmentation import fcn_resnet50

    return Loaded(fcn_resnet50(weights=None, weights_backbone=None, num_classes=21), "fcn-resnet50", "fcn_resnet50")


def cases(tmp: Path) -> list[tuple[str, str, Callable[[], Loaded]]]:
    """(name, library module needed, loader)."""
    m = "monai.networks.nets"

    def ref(target: str, **kwargs: Any) -> Callable[[], Loaded]:
        return lambda: load_module_ref(target, kwargs)

    return [
        ("MONAI BasicUNet 2D", "monai", ref(f"{m}:BasicUNet", spatial_dims=2)),
        (
            "MONAI UNet 2D, 2 res units",
            "monai",
            ref(f"{m}:UNet", **MONAI_UNET),
        ),
        (
            "MONAI AttentionUnet 2D",
            "monai",
            ref(f"{m}:AttentionUnet", **MONAI_ATTENTION_UNET),
        ),
        (
            "MONAI DynUNet 3D (deep sup.)",
            "monai",
            ref(
                f"{m}:DynUNet",
                spatial_dims=3,
                in_channels=1,
                out_channels=2,
                kernel_size=[3, 3, 3, 3],
                strides=[1, 2, 2, 2],
                upsample_kernel_size=[2, 2, 2],
                deep_supervision=True,
                deep_supr_num=2,
            ),
        ),
        ("MONAI SegResNet 3D", "monai", ref(f"{m}:SegResNet", spatial_dims=3, in_channels=1, out_channels=2)),
        ("MONAI VNet 3D", "monai", ref(f"{m}:VNet", spatial_dims=3, in_channels=1, out_channels=2)),
        (
            "MONAI SwinUNETR 2D",
            "monai",
            ref(f"{m}:SwinUNETR", in_channels=1, out_channels=2, spatial_dims=2, feature_size=12),
        ),
        ("nnU-Net plans 3d_fullres", "dynamic_network_architectures", lambda: nnunet_plans(tmp)),
        ("nnU-Net ResidualEncoderUNet", "dynamic_network_architectures", resenc),
        ("smp Unet resnet34", "torchvision", ref("segmentation_models_pytorch:Unet", encoder_weights=None)),
        (
            "smp UnetPlusPlus resnet34",
            "torchvision",
            ref("segmentation_models_pytorch:UnetPlusPlus", encoder_weights=None),
        ),
        ("smp FPN resnet34", "torchvision", ref("segmentation_models_pytorch:FPN", encoder_weights=None)),
        ("torchvision fcn_resnet50", "torchvision", tv_fcn),
        ("milesial UNet (transposed)", "", ref(f"{MODELS / 'milesial_unet.py'}:UNet")),
        ("milesial UNet (bilinear)", "", ref(f"{MODELS / 'milesial_unet.py'}:UNet", bilinear=True)),
        ("wolny UNet3D", "", ref(f"{MODELS / 'wolny_unet3d.py'}:UNet3D")),
        ("wolny ResidualUNet3D", "", ref(f"{MODELS / 'wolny_unet3d.py'}:ResidualUNet3D")),
        ("Caffe FCN-8s", "", ref(f"{MODELS / 'fcn8s_caffe.py'}:FCN8s")),
    ]


def verdict(outcome: ImportResult) -> str:
    if outcome.ok:
        extra = f", multiple_of {outcome.multiple_of}" if outcome.multiple_of is not None else ""
        return f"exact{extra}"
    codes = sorted({d.code for d in outcome.findings})
    return "refused " + "/".join(codes)


def available(module: str) -> bool:
    if not module:
        return True
    if module == "torchvision":
        return torchvision_importable() and _importable("segmentation_models_pytorch")
    return _importable(module)


def _importable(module: str) -> bool:
    import importlib

    try:
        importlib.import_module(module)
    except Exception:
        return False
    return True


SHIMMED_RUN = (
    "import sys; sys.path.insert(0, {models!r}); from torchvision_shim import torchvision_importable; "
    "torchvision_importable(); {body}"
)


def process_time(argv: list[str], *, shim: bool = False) -> float:
    """Seconds of a whole `unetcalc import … --check-only` process (shim: torchvision declared first,
    which this machine's CPU torch needs; it imports torch a moment earlier, nothing more)."""
    body = f"sys.argv = ['unetcalc', 'import', *{argv!r}, '--check-only']; from unetcalc.cli.entry import run; run()"
    command = (
        [sys.executable, "-c", SHIMMED_RUN.format(models=str(MODELS), body=body)]
        if shim
        else [sys.executable, "-m", "unetcalc", "import", *argv, "--check-only"]
    )
    return _timed(command)


def library_import_time(module: str) -> float:
    """Seconds of a process that imports torch and ``module`` only: the floor under an import of its models."""
    body = f"import torch, {module}"
    return _timed([sys.executable, "-c", SHIMMED_RUN.format(models=str(MODELS), body=body)])


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", nargs="*", default=None, help="names containing any of these words")
    parser.add_argument("--process", action="store_true", help="also time whole `unetcalc import` processes")
    args = parser.parse_args()
    import warnings

    warnings.simplefilter("ignore")
    print(f"{'network':32} {'layers':>6} {'lines':>6}  {'verdict':28} {'seconds':>7}")
    with tempfile.TemporaryDirectory() as folder:
        for name, needs, load in cases(Path(folder)):
            if args.only and not any(word.lower() in name.lower() for word in args.only):
                continue
            if not available(needs):
                print(f"{name:32} {'':>6} {'':>6}  {'skipped: no ' + needs:28}")
                continue
            started = time.perf_counter()
            try:
                loaded = load()
                outcome = import_model(loaded, name)
            except (SourceError, ValueError) as exc:
                print(f"{name:32} {'':>6} {'':>6}  error: {exc}")
                continue
            seconds = time.perf_counter() - started
            layers = len(outcome.result.spec.layers) if outcome.result is not None else 0
            lines = len(outcome.text.splitlines()) if outcome.text else 0
            print(f"{name:32} {layers or '':>6} {lines or '':>6}  {verdict(outcome):28} {seconds:7.1f}")
            for finding in outcome.findings[:1]:
                print(f"    {finding.code} {finding.message[:150]}")
    if args.process:
        unet = json.dumps(MONAI_UNET)
        seconds = min(process_time(["monai.networks.nets:UNet", "--kwargs", unet]) for _ in range(3))
        print(f"whole process, `unetcalc import` of MONAI UNet: {seconds:.1f} s (torch import included, best of 3)")
        if available("torchvision"):  # smp imports it (through timm)
            smp = [
                "segmentation_models_pytorch:Unet",
                "--kwargs",
                '{"encoder_name": "resnet34", "encoder_weights": null}',
            ]
            seconds = min(process_time(smp, shim=True) for _ in range(3))
            floor = min(library_import_time("segmentation_models_pytorch") for _ in range(3))
            print(f"whole process, `unetcalc import` of smp Unet resnet34: {seconds:.1f} s (best of 3)")
            print(f"    of which a process importing only torch and smp (timm, torchvision): {floor:.1f} s")


if __name__ == "__main__":
    main()
