"""The review workflow: claim states, assignment, notes, and the audit trail of every change."""
