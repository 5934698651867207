"""Benchmarks (not tests): ``make bench`` prints figures and writes bench/results/latest.json."""
