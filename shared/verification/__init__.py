"""Verification tasks: the outbox between ingest and the workers, and the pipeline the workers run."""
