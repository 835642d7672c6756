"""ONNX export (needs the onnx package)."""

from __future__ import annotations

from pathlib import Path

import torch

from unetcalc.check import CheckResult
from unetcalc.outputs import write_atomically
from unetcalc.torch.builder import SpecModule
from unetcalc.torch.verify import verification_sizes


def export_onnx(result: CheckResult, model: SpecModule, path: str | Path) -> None:
    size = verification_sizes(result, count=1)[0]
    dummy = torch.zeros(1, result.input.channels, *size)  # type: ignore[union-attr]
    model.eval()
    write_atomically(path, lambda tmp: torch.onnx.export(model, (dummy,), str(tmp), dynamo=False))
