"""The library's schema, built by sqlite-utils Migrations (append-only, applied on open)."""

from migrations.migrations import migrations

__all__ = ["migrations"]
