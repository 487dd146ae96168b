"""Protocol library: one module per family, no Home Assistant imports (could live on PyPI)."""
