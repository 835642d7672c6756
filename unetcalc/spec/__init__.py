"""Reading specs: YAML with line marks → validated ``Spec``."""

from unetcalc.spec.parse import parse_bytes, parse_text

__all__ = ["parse_bytes", "parse_text"]
