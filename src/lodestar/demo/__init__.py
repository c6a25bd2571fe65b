"""The synthetic demo company used by `lodestar demo`, the benchmarks and the tests."""
