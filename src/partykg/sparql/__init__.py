"""The embedded store, the ready-made queries and remote endpoints."""
