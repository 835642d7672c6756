"""unetcalc: shape inference and linting for fully convolutional encoder–decoder specs.

The library API the CLI is built on::

    from unetcalc import check_file
    result = check_file("specs/unet-2015.yaml")
    result.ok, result.diagnostics, result.inference.output
"""

from unetcalc.check import CheckResult, SpecFileError, check_file, check_spec, check_text, read_spec
from unetcalc.diagnostics import Diagnostic, Severity

__version__ = "0.1.0"

__all__ = [
    "CheckResult",
    "Diagnostic",
    "Severity",
    "SpecFileError",
    "check_file",
    "check_spec",
    "check_text",
    "read_spec",
]
