"""Synchronous services: the one code path the CLI and the TUI share."""
