"""Looking after a library: `doctor` checks and repairs it, `backup` copies it consistently."""
