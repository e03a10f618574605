"""W3C Web Annotation export and import."""
