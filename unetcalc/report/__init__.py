"""Renderers: they read results and never change them."""
