"""unetcalc: shape inference and linting for fully convolutional encoder–decoder specs.

The library API the CLI is built on::

    from unetcalc import check_file
    result = check_file("specs/unet-2015.yaml")
    result.ok, result.diagnostics, result.inference.output
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from unetcalc.check import Analysis, CheckResult, SpecFileError, check_file, check_spec, check_text, read_spec
from unetcalc.findings.diagnostic import Diagnostic, Severity

__version__ = "0.1.0"

if TYPE_CHECKING:
    from unetcalc.torch.builder import SpecModule


def build_module(spec_or_path: str | Path | CheckResult) -> SpecModule:
    """The spec's torch.nn.Module (needs torch); raises SpecHasErrors when the spec has errors.

    See unetcalc.torch.builder.build_module. torch is imported here, not when unetcalc is; without it,
    TorchMissing (an ImportError) says how to install it.
    """
    from unetcalc.torch import require_torch

    require_torch()
    from unetcalc.torch.builder import build_module as build

    return build(spec_or_path)


__all__ = [
    "Analysis",
    "CheckResult",
    "Diagnostic",
    "Severity",
    "SpecFileError",
    "build_module",
    "check_file",
    "check_spec",
    "check_text",
    "read_spec",
]
