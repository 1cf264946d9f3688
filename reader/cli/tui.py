"""CLI commands: tui."""

COMMANDS: list = []
