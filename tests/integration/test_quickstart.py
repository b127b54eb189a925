"""`manage.py quickstart` stopped as a process manager (SIGTERM) or a terminal (Ctrl-C, SIGINT)
stops it: no worker, pool process or embedded beat outlives it; run again, it loads no demo twice."""

from __future__ import annotations

import os
import re
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


def start_and_stop(data_dir: Path, log_path: Path, stop_signal: int) -> str:
    """Start the quick start on ``data_dir``, wait until it serves with its worker running, stop
    it with ``stop_signal`` and check that every process it started has ended; its output."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if key not in SERVICE_VARIABLES}
    # The scripted reader: the demo's reads need no OCR models in this test.
    env.update({"KYC_DATA_DIR": str(data_dir), "OCR_DEFAULT_PROVIDER": SCRIPTED, "PYTHONPATH": str(REPO_ROOT)})
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
        output = log_path.read_text()
        assert "Stopped" in output or "Quit the server" in output
        return output
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


def test_quickstart_stops_everything_it_started_and_starts_again(tmp_path):
    """A newcomer's first run, stopped as a process manager stops it (SIGTERM); then the quick
    start run again on the same folder, stopped from the terminal (Ctrl-C, SIGINT). Each signal
    stops a whole quick start (web server, worker, pool process, embedded beat), as the two
    separate runs of this test did before; the second run finds the demo loaded and loads nothing
    again, which also spares the demo's set-up (~9 s of CPU) that a second fresh run repeated."""
    data_dir = tmp_path / "var"
    # Its database starts migrated (the run's template, as the bench smoke runs'): the quick start
    # still runs ``migrate``, which finds nothing to apply. Applying every migration from nothing
    # is what the template itself does; here it cost ~3 s of CPU per run and is not what this
    # test is about.
    data_dir.mkdir()
    shutil.copyfile(migrated_sqlite_template(), data_dir / "kyc.sqlite3")
    first = start_and_stop(data_dir, tmp_path / "quickstart-1.log", signal.SIGTERM)
    loaded = re.search(r"Demo data: (\d+) new demo cases", first)
    assert loaded and int(loaded.group(1)) > 0, first[-3000:]
    again = start_and_stop(data_dir, tmp_path / "quickstart-2.log", signal.SIGINT)
    assert "Demo data: 0 new demo cases" in again, again[-3000:]
