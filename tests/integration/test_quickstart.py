"""`manage.py quickstart` stopped as a process manager (SIGTERM) or a terminal (Ctrl-C, SIGINT)
stops it: no worker, pool process or embedded beat outlives it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import SCRIPTED
from tests.hardening.faults import free_port
from tests.support.shared import migrated_sqlite_template
from tests.support.worker import REPO_ROOT, descendants, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.slow]

# The test run's service URLs (PostgreSQL and Redis in CI) must not reach the demo: it makes its own.
SERVICE_VARIABLES = {"DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "STORAGE_BACKEND", "CELERY_TASK_QUEUE"}


@contextmanager
def sigint_as_from_a_terminal():
    """The quick start as a newcomer runs it, in a terminal's foreground, where Ctrl-C is not ignored.

    A program started with SIGINT ignored keeps it ignored (exec keeps an ignored signal ignored,
    and Python then installs no KeyboardInterrupt handler), and a shell ignores SIGINT in what it
    starts in the background (``pytest &``, nohup, some CI runners): the SIGINT variant then waited
    60 s for a quick start that never saw the signal, whatever the load. A signal with a handler is
    reset to its default by exec, so the test process handles SIGINT while it starts the quick start."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_quickstart_stops_everything_it_started(tmp_path, stop_signal):
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
    # The scripted reader: the demo's reads need no OCR models in this test.
    env.update({"KYC_DATA_DIR": str(tmp_path / "var"), "OCR_DEFAULT_PROVIDER": SCRIPTED, "PYTHONPATH": str(REPO_ROOT)})
    # Its database starts migrated (the run's template, as the bench smoke runs'): the quick start
    # still runs ``migrate``, which finds nothing to apply. Applying every migration from nothing
    # is what each xdist worker's test database and the template itself do; here it cost ~3 s of
    # CPU per variant and is not what this test is about.
    (tmp_path / "var").mkdir()
    shutil.copyfile(migrated_sqlite_template(), tmp_path / "var" / "kyc.sqlite3")
    log_path = tmp_path / "quickstart.log"
    with open(log_path, "w") as log, sigint_as_from_a_terminal():
        quickstart = subprocess.Popen(
            [sys.executable, "manage.py", "quickstart", "--port", str(port)],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        def serving_with_worker():
            if quickstart.poll() is not None:
                raise AssertionError(f"quickstart exited early:\n{log_path.read_text()[-3000:]}")
            try:
                answered = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                return None
            # The worker, its pool process and the embedded beat.
            started = descendants(quickstart.pid)
            return started if answered and len(started) >= 3 else None

        started = wait_for(serving_with_worker, timeout=120, what="quickstart to serve with its worker running")
        quickstart.send_signal(stop_signal)
        assert quickstart.wait(timeout=60) == 0
        wait_for(lambda: not any(alive(pid) for pid in started), timeout=30, what="every started process to end")
        assert "Stopped" in log_path.read_text() or "Quit the server" in log_path.read_text()
    finally:
        if quickstart.poll() is None:
            quickstart.kill()
        # Left over only when the test failed: ours (a celery command line), never a reused pid.
        for pid in descendants(quickstart.pid) | locals().get("started", set()):
            try:
                if alive(pid) and b"celery" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
