"""CLI commands: library."""

COMMANDS: list = []
