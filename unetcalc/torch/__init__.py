"""The real model: spec → torch.nn.Module, meta-device verification, standalone code.

Importing this package imports torch; nothing on the `check` path imports it.
"""

from __future__ import annotations


class TorchMissing(ImportError):
    """torch is not installed: `build` and `--verify` cannot run (exit 2)."""


INSTALL_HINT = "PyTorch is not installed: pip install 'unetcalc[torch]' (or pip install torch)"


def require_torch() -> None:
    try:
        import torch  # noqa: F401
    except ImportError as exc:
        raise TorchMissing(INSTALL_HINT) from exc
