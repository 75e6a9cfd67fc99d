"""Benchmarks: each prints a table and writes --json FILE (see DESIGN.md, "Benchmark output")."""
