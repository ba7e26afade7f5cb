"""Benchmarks of the real `pulumi` CLI against the emulator: `python -m bench.scale` (issue 7) and
`python -m bench.faults` (issue 9). Not tests: they print figures; tests/bench only checks that they run."""
