"""ShotHook's engine: sources, naming, encoding, storage, notification, webhook, journal.

Nothing in this package imports Qt (tests/test_architecture.py enforces it), so the same
engine runs under the window and headless.
"""
