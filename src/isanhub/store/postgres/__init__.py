"""The production backend: PostgreSQL 15+ with PostGIS."""

from isanhub.store.postgres.store import PostgresStore

__all__ = ["PostgresStore"]
