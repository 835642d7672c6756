"""Peak GPU memory of a training step and of inference, predicted from the inferred shapes (no torch)."""
