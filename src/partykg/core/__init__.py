"""Names, paths, errors and file helpers every stage shares."""
