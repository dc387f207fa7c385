"""The ``llmos`` command."""
