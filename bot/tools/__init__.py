"""Build tools; nothing here runs in a server."""
