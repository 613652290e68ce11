"""Snapshots of known rows for the farmer-insight tests: each insight is checked against
an independent calculation over the same rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from isanhub.insight.agri.snapshot import Meta, Snapshot, write_tables


def snapshot_of(tmp_path: Path, **tables: list[dict[str, Any]]) -> duckdb.DuckDBPyConnection:
    """A served snapshot holding exactly ``tables`` (missing tables are empty), opened."""
    snap = Snapshot(tmp_path / "agri", "")
    gen = snap.new_generation()
    rows = write_tables(gen, tables)
    snap.publish(gen, Meta("2026-11-24T12:00:00", 0.0, rows))
    return snap.connect()
