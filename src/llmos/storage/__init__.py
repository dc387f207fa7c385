"""Persistence: one SQLite database (WAL) in the data dir."""

from llmos.storage.conversations import Conversation, ConversationStore, StoredMessage
from llmos.storage.database import CallRecord, Database

__all__ = ["CallRecord", "Conversation", "ConversationStore", "Database", "StoredMessage"]
