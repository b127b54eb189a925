"""The one error of encryption at rest, apart from Django so that the file format code can raise it."""


class DecryptionFailed(Exception):
    """Stored ciphertext that no configured key opens: a key was dropped too early, or the data is damaged."""
