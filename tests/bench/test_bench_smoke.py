"""Every benchmark script still runs: each in its tiny ``--smoke`` mode, as CI would run it.

The figures of a smoke run mean nothing (a handful of documents, SQLite, the on-disk broker,
a shared machine), so nothing here asserts a timing or a verdict: only that the script exits
cleanly and prints a verdict line for each of its targets. The targets themselves are checked
by running the scripts in full (docs/performance.md).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.shared import migrated_sqlite_template
from tests.support.worker import descendants

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow]

SCRIPTS = {
    "dashboard.py": ["dashboard"],
    "vendor_quota.py": ["vendor quota", "baseline"],
    "batching.py": ["batching"],
    "pipeline_overhead.py": ["overhead", "baseline"],
    "upload_memory.py": ["upload memory", "upload memory, 12 MP phone photo"],
    "local_ocr.py": ["local ocr"],
    "audit_writes.py": ["audit writes"],
    "face_match.py": ["face accuracy", "face compare time", "duplicate search 300"],
    "ocr_families.py": ["held-out document-exact", "false failures", "inconsistencies flagged", "read time", "ocr families"],
}
# A guard against a hang, not a speed check: a smoke run takes ~10-40 s of CPU, and minutes of
# wall time on a loaded machine.
SCRIPT_TIME_LIMIT_SECONDS = 1200
STARTS_WORKERS = {"vendor_quota.py", "batching.py", "pipeline_overhead.py", "local_ocr.py"}


@pytest.mark.parametrize(
    "script",
    [pytest.param(name, marks=[pytest.mark.worker] if name in STARTS_WORKERS else []) for name in SCRIPTS],
)
def test_script_runs_in_smoke_mode(script, tmp_path):
    # A data folder of the test run's own; the scripts make their own temporary folders inside it.
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(REPO),
           "BENCH_SQLITE_TEMPLATE": str(migrated_sqlite_template())}
    script_process = subprocess.Popen(
        [sys.executable, str(REPO / "bench" / script), "--smoke"],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        stdout, stderr = script_process.communicate(timeout=SCRIPT_TIME_LIMIT_SECONDS)
    except subprocess.TimeoutExpired:
        # The script's Celery workers run in sessions of their own (bench/_common.py): killed
        # alone, the script left them running.
        for pid in (*descendants(script_process.pid), script_process.pid):
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        stdout, stderr = script_process.communicate()
        pytest.fail(f"{script} did not end in {SCRIPT_TIME_LIMIT_SECONDS} s:\n{stdout[-2000:]}\n{stderr[-4000:]}")
    assert script_process.returncode == 0, f"{script} failed:\n{stdout[-2000:]}\n{stderr[-4000:]}"
    for target in SCRIPTS[script]:
        assert re.search(rf"^RESULT {target}: (PASS|MISS)\b", stdout, re.MULTILINE), (
            f"{script} printed no verdict for {target!r}:\n{stdout[-2000:]}"
        )
