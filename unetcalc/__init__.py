"""unetcalc: shape inference and linting for fully convolutional encoder–decoder specs.

The library API the CLI is built on::

    from unetcalc import check_file
    result = check_file("specs/unet-2015.yaml")
    result.ok, result.diagnostics, result.inference.output
"""

from unetcalc.check import CheckResult, SpecFileError, check_file, check_spec, check_text, read_spec
from unetcalc.findings.diagnostic import Diagnostic, Severity

__version__ = "0.1.0"


def build_module(spec_or_path: object) -> object:
    """The spec's torch.nn.Module (needs torch); see unetcalc.torch.builder.build_module."""
    from unetcalc.torch.builder import build_module as build

    return build(spec_or_path)  # type: ignore[arg-type]


__all__ = [
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
