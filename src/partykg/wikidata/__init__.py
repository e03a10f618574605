"""Finding, reviewing, verifying and enriching Wikidata links (network)."""
