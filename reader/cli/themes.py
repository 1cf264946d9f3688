"""CLI commands: themes."""

COMMANDS: list = []
