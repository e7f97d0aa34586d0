"""ShotHook's benchmarks: each part of the engine's work timed against a bare floor doing the
same work, in the same run, printed as ratios. Run `python -m benchmarks [--quick]`."""
