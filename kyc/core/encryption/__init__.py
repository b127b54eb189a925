"""Encryption at rest, for both apps: ``crypto`` (Fernet keys, rotation), ``fields`` (model fields)
and ``stream`` (document files, encrypted in chunks).

It lives in the shared app because ``ocr_integration`` stores secrets too (vendor credentials,
raw vendor responses) and imports nothing of ``kyc`` but ``kyc.core``.
"""
