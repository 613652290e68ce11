"""The embedded backend: one SQLite file in WAL mode, one writer thread with group commit,
reads on their own connections (WAL readers never wait for the writer)."""

from isanhub.store.sqlite.store import SqliteStore

__all__ = ["SqliteStore"]
