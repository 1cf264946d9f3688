"""The library: capture, fetch, reading state, notes, export."""
