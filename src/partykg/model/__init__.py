"""The annotations and the registry read into checked Python objects (offline)."""
