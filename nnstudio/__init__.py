"""nnstudio: build neural networks by drag and drop and watch them learn."""
from __future__ import annotations

__version__ = "0.1.0"
