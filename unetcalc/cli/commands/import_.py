"""`unetcalc import SOURCE`: the one command that runs user Python (the source it names, nothing else)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from unetcalc.cli.common import check_targets, fail, write_output
from unetcalc.cli.console import EXIT_FINDINGS, EXIT_OK, status, text_out

SAVED_SUFFIXES = (".pt", ".pth", ".pkl", ".ckpt")


def _kwargs(text: str | None, path: str | None) -> dict[str, Any]:
    from unetcalc.importer.sources import SourceError, read_mapping

    if text is not None and path is not None:
        raise fail("give --kwargs or --kwargs-file, not both")
    if path is not None:
        try:
            return read_mapping(Path(path))
        except SourceError as exc:
            raise fail(f"--kwargs-file: {exc}") from None
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(f"--kwargs is not JSON ({exc.msg}): write it as '{{\"spatial_dims\": 2}}'") from None
    if not isinstance(value, dict):
        raise fail("--kwargs must be a JSON object of constructor arguments")
    return value


def _input_size(text: str | None) -> tuple[int | None, tuple[int, ...] | None]:
    """``--input 1x256x256``: channels first, then 1 to 3 spatial sizes (PyTorch's order, no batch)."""
    if text is None:
        return None, None
    from unetcalc.spec.shapetext import whole_number

    parts = text.lower().replace("×", "x").replace(",", "x").split("x")
    if not 2 <= len(parts) <= 4 or not all((whole_number(p) or 0) >= 1 for p in parts):
        raise fail(f"--input {text!r}: write the channels, then the spatial sizes, in PyTorch's order: 1x256x256")
    numbers = [whole_number(p) or 0 for p in parts]
    if any(n > 100_000 for n in numbers):
        raise fail(f"--input {text!r}: sizes above 100,000 are not traced")
    return numbers[0], tuple(numbers[1:])


def import_command(
    source: Annotated[
        str,
        typer.Argument(
            help="package.module:Class, path/to/file.py:factory, an nnU-Net plans.json, a MONAI bundle config "
            "(configs/inference.json), or a saved whole model (.pt, with --trust).",
            show_default=False,
        ),
    ],
    output: Annotated[
        str | None, typer.Option("-o", "--output", help="Write the spec here (default NAME.yaml).")
    ] = None,
    input_size: Annotated[
        str | None, typer.Option("--input", help="Trace at this size: channels then sizes, 1x256x256.")
    ] = None,
    dims: Annotated[int | None, typer.Option("--dims", help="Spatial dimensions (default: the first conv's).")] = None,
    channels: Annotated[
        int | None, typer.Option("--channels", help="Input channels (default: the first conv's).")
    ] = None,
    kwargs: Annotated[str | None, typer.Option("--kwargs", help="Constructor arguments as a JSON object.")] = None,
    kwargs_file: Annotated[
        str | None, typer.Option("--kwargs-file", help="Constructor arguments, JSON or YAML.")
    ] = None,
    configuration: Annotated[
        str | None, typer.Option("--configuration", help="nnU-Net plans: the configuration (3d_fullres, 2d, …).")
    ] = None,
    classes: Annotated[
        int | None, typer.Option("--classes", help="nnU-Net plans: output channels (default: dataset.json's labels).")
    ] = None,
    trust: Annotated[
        bool, typer.Option("--trust", help="Load a pickled whole model (runs the code it holds: only files you made).")
    ] = False,
    check_only: Annotated[
        bool, typer.Option("--check-only", help="Print the check report of the imported spec; write nothing.")
    ] = False,
    train: Annotated[
        bool,
        typer.Option(
            "--train",
            help="Trace the training forward (DynUNet's stacked deep supervision) instead of eval's.",
        ),
    ] = False,
) -> int:
    """Import a PyTorch model, nnU-Net plans or a MONAI bundle: the spec that is exactly that network, proven.

    This runs the Python SOURCE names (and only that): check, draw and every other command never run Python.
    """
    input_channels, size = _input_size(input_size)
    if input_channels is not None and channels is not None and input_channels != channels:
        raise fail(f"--input gives {input_channels} channels and --channels {channels}")
    if size is not None and dims is not None and len(size) != dims:
        raise fail(f"--input has {len(size)} spatial sizes and --dims says {dims}")
    arguments = _kwargs(kwargs, kwargs_file)
    from unetcalc.importer.sources import SourceError

    plans = _plans_without_torch(source)
    if plans is not None:
        try:
            outcome = _import_plans(
                plans, source, configuration, input_channels or channels, classes, output, check_only
            )
        except SourceError as exc:
            raise fail(str(exc)) from None
        return _finish(
            outcome,
            None if check_only else (output or f"{outcome.result.spec.name if outcome.result else 'plans'}.yaml"),
        )
    from unetcalc.torch import TorchMissing, require_torch

    try:
        require_torch()
    except TorchMissing as exc:
        raise fail(str(exc)) from None
    from unetcalc.importer.run import import_model

    with status(f"importing {source}…"):
        try:
            loaded = _load(source, arguments, configuration, input_channels or channels, classes, trust)
            target = None if check_only else (output or f"{loaded.name}.yaml")
            if output is None and target is not None and Path(target).exists():
                raise fail(f"{target} exists: pass -o {target} to replace it, or another -o")
            if target is not None:
                check_targets([target], [])  # before the work: a directory or unwritable place fails at once
            outcome = import_model(
                loaded,
                source,
                channels=input_channels or channels,
                dims=dims,
                size=size,
                spec_path=target,
                train=train,
            )
        except (SourceError, ValueError) as exc:
            raise fail(str(exc)) from None
    return _finish(outcome, target)


def _finish(outcome: Any, target: str | None) -> int:
    """Print the findings (nothing written), or write the spec and print the proof and the report."""
    from unetcalc.cli.import_report import render_findings, render_proof

    console = text_out()
    if not outcome.ok or outcome.text is None or outcome.result is None:
        render_findings(console, outcome)
        return EXIT_FINDINGS
    if target is not None:
        text = outcome.text
        write_output(target, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    render_proof(console, outcome, target)
    from unetcalc.report.text import render_result

    render_result(console, outcome.result)
    return EXIT_OK if outcome.result.ok else EXIT_FINDINGS


def _plans_without_torch(source: str) -> dict[str, Any] | None:
    """nnU-Net plans, when torch or dynamic-network-architectures is not installed (else None: traced)."""
    import importlib.util

    path = Path(source)
    if path.suffix.lower() != ".json" or not path.is_file():
        return None
    if importlib.util.find_spec("torch") and importlib.util.find_spec("dynamic_network_architectures"):
        return None
    from unetcalc.importer.nnunet import is_plans
    from unetcalc.importer.sources import SourceError, read_mapping

    try:
        data = read_mapping(path)
    except SourceError as exc:
        raise fail(str(exc)) from None
    return data if is_plans(data) else None


def _import_plans(
    data: dict[str, Any],
    source: str,
    configuration: str | None,
    channels: int | None,
    classes: int | None,
    output: str | None,
    check_only: bool,
) -> Any:
    from unetcalc.importer.nnunet import plain_conv_unet
    from unetcalc.importer.run import import_plans_without_torch

    plans = plain_conv_unet(Path(source), data, configuration, channels, classes)
    target = None if check_only else (output or f"{plans.name}.yaml")
    if output is None and target is not None and Path(target).exists():
        raise fail(f"{target} exists: pass -o {target} to replace it, or another -o")
    if target is not None:
        check_targets([target], [])
    return import_plans_without_torch(plans, source, target)


def _load(
    source: str,
    kwargs: dict[str, Any],
    configuration: str | None,
    channels: int | None,
    classes: int | None,
    trust: bool,
) -> Any:
    from unetcalc.importer.sources import (
        SourceError,
        is_bundle_config,
        load_bundle,
        load_module_ref,
        load_saved,
        read_mapping,
    )

    path = Path(source)
    if ":" in source and not path.exists():
        return load_module_ref(source, kwargs)
    if not path.is_file():
        raise SourceError(
            f"{source}: no such file; SOURCE is package.module:Class, path/to/file.py:factory, a plans.json, "
            "a bundle config or a saved model"
        )
    if path.suffix.lower() in SAVED_SUFFIXES:
        return load_saved(path, trust)
    if path.suffix.lower() in (".json", ".yaml", ".yml"):
        from unetcalc.importer.nnunet import is_plans, load_plans

        data = read_mapping(path)
        if is_plans(data):
            return load_plans(path, data, configuration, channels, classes)
        if is_bundle_config(data):
            return load_bundle(path, data)
        raise SourceError(f"{source}: neither nnU-Net plans (`configurations`) nor a MONAI bundle (`network_def`)")
    raise SourceError(f"{source}: name the factory in the file, path/to/file.py:build_model")
