"""The worker: the dramatiq broker and its actors, and the outbox relay."""
