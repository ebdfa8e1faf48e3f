"""Benchmarks of Guildhall's hot paths; see bench/README.md. Not imported by the project."""
