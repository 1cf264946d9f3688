"""reader: a terminal-first reading companion."""

__version__ = "0.1.0"
