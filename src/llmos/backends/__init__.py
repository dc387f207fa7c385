"""Runtimes, one file each. Heavy libraries are imported only when a model loads."""
