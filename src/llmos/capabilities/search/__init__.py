"""Cross-modal search over the user's files: ingestion, the index, hybrid ranking."""
