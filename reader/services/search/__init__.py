"""Search: indexing passages, hybrid ranking, filters."""
