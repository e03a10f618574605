"""partykg: a linked-data knowledge graph of the debate on the revolutionary
party and spontaneous mass action."""

__version__ = "0.1.0"
