"""The release: dumps, VoID/DCAT, ontology docs; loading into stores."""
