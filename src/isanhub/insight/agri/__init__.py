"""Farmer insight: agriculture from the store as a columnar snapshot (snapshot, extract),
and insights over it in DuckDB, one module each."""
