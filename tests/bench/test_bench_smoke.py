"""Every benchmark script still runs: each in its tiny ``--smoke`` mode, as CI would run it.

The figures of a smoke run mean nothing (a handful of documents, SQLite, the on-disk broker,
a shared machine), so nothing here asserts a timing or a verdict: only that the script exits
cleanly and prints a verdict line for each of its targets. The targets themselves are checked
by running the scripts in full (docs/performance.md).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.slow]

SCRIPTS = {
    "dashboard.py": ["dashboard"],
    "vendor_quota.py": ["vendor quota", "baseline"],
    "batching.py": ["batching"],
    "pipeline_overhead.py": ["overhead", "baseline"],
    "upload_memory.py": ["upload memory"],
    "local_ocr.py": ["local ocr"],
    "audit_writes.py": ["audit writes"],
    "face_match.py": ["face accuracy", "face compare time", "duplicate search 300"],
    "ocr_families.py": ["held-out document-exact", "false failures", "inconsistencies flagged", "read time", "ocr families"],
}
STARTS_WORKERS = {"vendor_quota.py", "batching.py", "pipeline_overhead.py", "local_ocr.py"}


@pytest.mark.parametrize(
    "script",
    [pytest.param(name, marks=[pytest.mark.worker] if name in STARTS_WORKERS else []) for name in SCRIPTS],
)
def test_script_runs_in_smoke_mode(script, tmp_path):
    # A data folder of the test run's own; the scripts make their own temporary folders inside it.
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / script), "--smoke"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, f"{script} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    for target in SCRIPTS[script]:
        assert re.search(rf"^RESULT {target}: (PASS|MISS)\b", done.stdout, re.MULTILINE), (
            f"{script} printed no verdict for {target!r}:\n{done.stdout[-2000:]}"
        )
