"""The local SPARQL endpoint with its query page and entity pages."""
