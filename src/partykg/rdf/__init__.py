"""The model turned into RDF: one named graph per source, the dumps."""
