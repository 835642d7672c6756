"""Reading specs: YAML with line marks → validated ``Spec`` (spec/parse.py: parse_text, parse_bytes)."""
