"""The synthetic demo company used by `lodestar demo`, the benchmarks and the tests."""

from lodestar.demo.service import DEFAULT_TODAY, DemoError, DemoResult, generate_demo

__all__ = ["DEFAULT_TODAY", "DemoError", "DemoResult", "generate_demo"]
