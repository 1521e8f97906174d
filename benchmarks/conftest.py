"""Benchmarks run with `make benchmark` (pytest-benchmark); CI does not collect this folder."""
