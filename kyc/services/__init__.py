"""Writes. Every function here is atomic, keyword-only, and records its audit event in the same
transaction as the change it makes. Views, API views, tasks and commands change state only
through these functions."""
