"""The search index's ingestion and queries: the retrieval capability over the kernel."""
