"""Loaded with ``-p tests.pytest_env`` before Django's settings: gives each test process its own data folder.

Each run (and each developer running tests at the same time on one machine) gets its own SQLite
test database, broker folder, cache and private media, so runs never see each other's files.

The README's command runs the suite on pytest-xdist workers (``-n`` in pyproject.toml). xdist
starts each worker with the controller's environment and names it in ``PYTEST_XDIST_WORKER``
("gw0", "gw1", ...) before this module loads, so each worker takes a sub-folder, a Celery queue and
a cache key prefix of its own: two workers never share a file, a queue or a rate-limit counter,
even on CI's shared Redis. (pytest-django suffixes the test database name per worker itself.)
"""

import os
import sys
import tempfile

# Bytecode is written (``__pycache__``, gitignored) even where PYTHONDONTWRITEBYTECODE is set (as in
# some containers), as Python does by default: without it every process of every run compiles the
# test modules and the project again. Rewriting and compiling the ~150 test modules (pytest's
# assertion rewriting) is ~9 s of CPU per xdist worker (collection 16 s -> 6.4 s of CPU); the
# project's modules ~0.2 s per process the tests start (Celery workers and their pools, gunicorn,
# quickstart). Cleared from the environment too, so that those processes write and reuse them.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

if "KYC_DATA_DIR" not in os.environ:
    os.environ["KYC_DATA_DIR"] = tempfile.mkdtemp(prefix="kyc-test-")
# The run's folder, before a worker takes a sub-folder of it: what the workers share
# (tests/support/static.py builds the production static files there once per run).
os.environ.setdefault("KYC_TEST_RUN_DIR", os.environ["KYC_DATA_DIR"])
# A queue name of our own, so that a shared broker (Redis in CI) never hands this run's worker
# another run's messages.
os.environ.setdefault("CELERY_TASK_QUEUE", f"kyc-test-{os.getpid()}")
os.environ.setdefault("CACHE_KEY_PREFIX", f"kyc-test-{os.getpid()}")

XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER and os.environ.get("KYC_TEST_WORKER_SCOPED") != XDIST_WORKER:
    # Guarded so that a process started by this worker (a Celery worker, a nested interpreter)
    # that loads this module again keeps the worker's folder instead of nesting another.
    os.environ["KYC_TEST_WORKER_SCOPED"] = XDIST_WORKER
    worker_dir = os.path.join(os.environ["KYC_DATA_DIR"], XDIST_WORKER)
    os.makedirs(worker_dir, exist_ok=True)
    os.environ["KYC_DATA_DIR"] = worker_dir
    for name in ("CELERY_TASK_QUEUE", "CACHE_KEY_PREFIX"):
        os.environ[name] = f"{os.environ[name]}-{XDIST_WORKER}"

os.environ.setdefault("OCR_RETRY_BACKOFF_SECONDS", "0.2")
os.environ.setdefault("OCR_RETRY_BACKOFF_MAX_SECONDS", "1")
# Every test comes from 127.0.0.1 and a shared cache (Redis in CI) outlives a test: the applicant
# rate limits are tested with their own settings (tests/kyc/views/test_applicant.py).
os.environ.setdefault("APPLICANT_CASE_RATE", "100000/3600")
# Most tests upload plain synthetic images that drive the scripted OCR provider by colour; the
# quality gate would rightly refuse them. Its own tests turn it on (tests/kyc/views/test_capture_gate.py).
os.environ.setdefault("CAPTURE_GATE_ENABLED", "false")
# Likewise cases ask for no selfie unless a test asks for one (tests/kyc/test_selfie*.py).
os.environ.setdefault("SELFIE_REQUIREMENT", "not_asked")
os.environ.setdefault("APPLICANT_UPLOAD_RATE", "100000/3600")

# Property tests (Hypothesis) judge the code, not the machine: its per-example deadline (200 ms) and
# its "data generation is too slow" health check both fire on a busy machine (seen: the Chinese ID
# digit-change property stopped after 13 s of generation at load ~20), so the suite's profile turns
# both off. The number of examples and every assertion stay as each test sets them.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("kyc-suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("kyc-suite")
