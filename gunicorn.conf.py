"""gunicorn's configuration for the web process: `gunicorn kyc.project.wsgi` reads this file from the working
directory (or name it with `-c`). Every value can be overridden from the environment.

Behind a TLS-terminating proxy (nginx, a cloud load balancer) that buffers uploads: the proxy absorbs
slow clients, so a few threads per process are enough and a request never waits for a slow network.
"""

import os
from pathlib import Path


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# The web processes do not load the OCR models (workers do): 2 per core is cheap.
workers = _int("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1))
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
# An upload of 15 MB is cleaned (kyc/uploads/prepare.py) in a few seconds; 60 s leaves room and still kills a hung request.
timeout = _int("GUNICORN_TIMEOUT", 60)
# On SIGTERM (a deploy, a pod stopping) requests in flight get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle a process now and then, jittered so that they never all restart at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# The per-process heartbeat file on tmpfs: a slow disk cannot make gunicorn think its workers hung.
# gunicorn creates its files there with mkstemp (private, unpredictable names): S108 does not apply.
_SHM = "/dev/shm"  # noqa: S108
worker_tmp_dir = _SHM if Path(_SHM).is_dir() else None

# Forwarded headers: only the proxy's address may say the request came over HTTPS (X-Forwarded-Proto)
# or from which client. Django reads the scheme through SECURE_PROXY_SSL_HEADER (BEHIND_TLS_PROXY);
# the proxy must overwrite, never pass on, the client's own X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
secure_scheme_headers = {"X-FORWARDED-PROTO": "https"}
proxy_allow_ips = forwarded_allow_ips

# No access log: a request's path holds signed applicant links and case ids. The application logs
# one line per request instead (kyc/ops/logs.py), with the URL pattern, status and duration.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
if os.environ.get("LOG_FORMAT", "json" if os.environ.get("KYC_ENVIRONMENT") == "production" else "plain") == "json":
    # gunicorn's own lines (worker started, timeouts) as JSON objects, like the application's.
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "kyc.ops.logs.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {"gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False}},
    }
