"""The digest: windows, sections, summaries, polish, sending."""
