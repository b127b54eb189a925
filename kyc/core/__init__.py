"""What both apps need and neither owns: the audit trail, encryption at rest, settings parsing.

Its own Django app (``kyc_core``); it imports neither ``kyc``'s domain nor ``ocr_integration``.
"""
