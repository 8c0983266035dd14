"""Feeds of trusted outlets, polled into a searchable table of source documents."""
