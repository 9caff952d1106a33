"""Stored results: atomic writes, run directories, run identity, the DuckDB catalog and
its queries."""
