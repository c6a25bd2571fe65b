"""Benchmarks run by `make bench`; each prints the machine and its figures side by side."""
