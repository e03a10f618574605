"""Validation (SHACL + violation queries), the OWL reasoner, coverage."""
