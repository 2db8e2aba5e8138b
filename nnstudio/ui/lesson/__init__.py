"""The magnifying glass: one sample through one training step, with the engine's own numbers."""
