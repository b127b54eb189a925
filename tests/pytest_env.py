"""Loaded with ``-p tests.pytest_env`` before Django's settings: gives each test run its own data folder.

Each run (and each developer running tests at the same time on one machine) gets its own SQLite
test database, broker folder, cache and private media, so runs never see each other's files.
"""

import os
import tempfile

if "KYC_DATA_DIR" not in os.environ:
    os.environ["KYC_DATA_DIR"] = tempfile.mkdtemp(prefix="kyc-test-")
# A queue name of our own, so that a shared broker (Redis in CI) never hands this run's worker
# another run's messages.
os.environ.setdefault("CELERY_TASK_QUEUE", f"kyc-test-{os.getpid()}")
os.environ.setdefault("OCR_RETRY_BACKOFF_SECONDS", "0.2")
os.environ.setdefault("OCR_RETRY_BACKOFF_MAX_SECONDS", "1")
# Every test comes from 127.0.0.1 and a shared cache (Redis in CI) outlives a test: the applicant
# rate limits are tested with their own settings (tests/kyc/views/test_applicant.py).
os.environ.setdefault("APPLICANT_CASE_RATE", "100000/3600")
# Most tests upload plain synthetic images that drive the scripted OCR provider by colour; the
# quality gate would rightly refuse them. Its own tests turn it on (tests/kyc/views/test_capture_gate.py).
os.environ.setdefault("CAPTURE_GATE_ENABLED", "false")
os.environ.setdefault("APPLICANT_UPLOAD_RATE", "100000/3600")
