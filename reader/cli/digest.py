"""CLI commands: digest."""

COMMANDS: list = []
