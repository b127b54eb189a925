"""Reads. Views and API views fetch what they show through these functions."""
