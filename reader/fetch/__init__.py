"""fetch layer."""
