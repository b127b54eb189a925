"""Encryption at rest, for both apps: ``crypto`` (Fernet keys, rotation), ``fields`` (model fields)
and ``stream`` (document files, encrypted in chunks).

It lives here rather than in ``kyc`` because ``ocr_integration`` stores secrets too (vendor
credentials, raw vendor responses) and must never import ``kyc``.
"""
