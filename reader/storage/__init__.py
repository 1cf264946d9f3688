"""SQLite storage: the source of truth."""
