"""ShotHook's tests, mirroring the packages they test; helpers in tests/support."""
