"""Synthetic corpora, the benchmark and the server load test."""
