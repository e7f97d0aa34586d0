"""The window: a thin Qt layer over the engine in capture/ (see docs/architecture.md)."""
