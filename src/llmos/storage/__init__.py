"""Persistence: one SQLite database (WAL) in the data dir."""

from llmos.storage.database import CallRecord, Database

__all__ = ["CallRecord", "Database"]
