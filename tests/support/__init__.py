"""Helpers shared by the test folders (real servers on loopback, never mocks)."""
