"""The fusion layer: answers that take several models, each called through the kernel."""
