"""Persistence: one SQLite database (WAL) in the data dir."""

from llmos.storage.conversations import Conversation, ConversationStore, StoredMessage
from llmos.storage.database import CallRecord, Database
from llmos.storage.files import FileStore, StoredFile

__all__ = [
    "CallRecord",
    "Conversation",
    "ConversationStore",
    "Database",
    "FileStore",
    "StoredFile",
    "StoredMessage",
]
