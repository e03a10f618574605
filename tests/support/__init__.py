"""Test and benchmark support: real stores, Jena, local servers, expected results."""
