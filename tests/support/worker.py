"""Starting a real Celery worker process against this test run's database and broker."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    """The URL of the test database pytest-django created, for another process to open."""
    name = connection.settings_dict["NAME"]
    if connection.vendor == "sqlite":
        return f"sqlite:///{name}"
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@contextmanager
def celery_worker(*, env_overrides: dict[str, str] | None = None, log_path: Path, ready_timeout: float = 90):
    env = os.environ.copy()
    env.update(
        {
            "DATABASE_URL": test_database_url(),
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_TASK_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "KYC_DATA_DIR": str(settings.DATA_DIR),
            "PYTHONPATH": str(REPO_ROOT),
        }
    )
    env.update(env_overrides or {})
    command = [
        sys.executable, "-m", "celery", "-A", "kyc.project", "worker",
        "--pool=prefork", "--concurrency=2", "--loglevel=INFO",
        "-Q", settings.CELERY_TASK_DEFAULT_QUEUE, "-n", f"test-{os.getpid()}@%h", "--without-mingle", "--without-gossip",
    ]
    log = open(log_path, "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + ready_timeout
        while " ready." not in log_path.read_text():
            if process.poll() is not None:
                raise RuntimeError(f"the Celery worker exited early:\n{log_path.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker was not ready in time:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def wait_for(predicate, *, timeout: float, interval: float = 0.25, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def descendants(pid: int) -> set[int]:
    """Every living descendant of ``pid``, also those in sessions or process groups of their own."""
    found, pending = set(), [pid]
    while pending:
        parent = pending.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = [int(child) for child in (task / "children").read_text().split()]
            except OSError:
                continue
            pending += [child for child in children if child not in found]
            found.update(children)
    return found
