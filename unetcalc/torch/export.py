"""ONNX export (needs the onnx package)."""

from __future__ import annotations

import errno
from pathlib import Path

import torch

from unetcalc.check import CheckResult
from unetcalc.torch.builder import SpecModule
from unetcalc.torch.verify import verification_sizes


def save_state_dict(model: SpecModule, path: Path) -> None:
    """torch.save of the state_dict; its RuntimeError for a failed write (a full disk) becomes an OSError."""
    try:
        torch.save(model.state_dict(), path)
    except RuntimeError as exc:
        raise OSError(errno.EIO, f"PyTorch could not write the file (is the disk full?): {str(exc).strip()}") from None


def export_onnx(result: CheckResult, model: SpecModule, path: str | Path) -> None:
    """Write the ONNX file at ``path`` (the caller makes the write atomic: unetcalc.cli.outputs)."""
    size = verification_sizes(result, count=1)[0]
    dummy = torch.zeros(1, result.input.channels, *size)  # type: ignore[union-attr]
    model.eval()
    torch.onnx.export(model, (dummy,), str(path), dynamo=False)
