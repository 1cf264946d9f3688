"""Themes: training the SAE, labelling, keeping ids, timelines."""
