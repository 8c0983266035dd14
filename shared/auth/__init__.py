"""API keys and roles: who may call what."""
