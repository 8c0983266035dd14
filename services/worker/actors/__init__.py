"""One actor module per domain."""
