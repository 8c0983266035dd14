"""The two services: the HTTP API and the worker (with the outbox relay)."""
