"""The ops: one definition each (base.py says what a definition holds), grouped by family; registry.py lists them."""
