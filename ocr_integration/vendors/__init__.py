"""OCR vendor clients: one package per vendor (``huawei`` covers Huawei Cloud and G42, ``ctyun``).

Shared pieces: ``errors`` (every documented error code -> ErrorClass), ``http`` (the pooled,
time-limited httpx client), ``ratelimit`` (per-account limits shared by all worker processes),
``images`` (re-encoding to each API's limits) and ``attempts`` (one record per vendor HTTP call).
"""
