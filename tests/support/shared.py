"""A value computed once per test run and shared by every xdist worker of it.

A module-scoped fixture runs once per module *per worker*: the embedded reader's module fixtures
(a held-out page read by the engine, 1-4 s of CPU each) were computed by each of the run's four
workers, as every worker takes some of every module's tests (docs/performance.md, 10). Here the
first worker that asks computes it, under a lock, and writes it to the run's folder; the others
wait on the lock and read it back. Only for values the tests inspect and never change.

Also the run's migrated SQLite database, which the subprocesses that make a database of their own
(the bench smoke runs, the quick start) start from.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run_folder() -> Path:
    folder = Path(os.environ.get("KYC_TEST_RUN_DIR") or os.environ["KYC_DATA_DIR"]) / "computed-once"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def computed_once_per_run(key: str, compute):
    """``compute()``'s value, computed by one process of this test run; ``key`` names it within the run."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", key)
    folder = _run_folder()
    path = folder / f"{name}.pickle"
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if path.exists():
            return pickle.loads(path.read_bytes())  # noqa: S301 - written by this run's own processes
        value = compute()
        partial = folder / f"{name}.{os.getpid()}.partial"
        partial.write_bytes(pickle.dumps(value))
        os.replace(partial, path)  # whole: another process never reads half a value
        return value


def read_once_per_run(provider, kind, family: str, seed: int, **render_options):
    """A specimen rendered and read by the embedded engine once per test run: (specimen, reading)."""
    from ocr_integration.provider import ReadRequest
    from ocr_integration.specimens.families import render

    def compute():
        specimen = render(kind, family, seed, **render_options)
        return specimen, provider.read(ReadRequest(specimen.kind, specimen.image, specimen.media_type))

    options = ",".join(f"{name}={value}" for name, value in sorted(render_options.items()))
    return computed_once_per_run(f"read-{kind}-{family}-{seed}-{options}", compute)


def migrated_sqlite_template() -> Path:
    """One SQLite database migrated by ``manage.py migrate``, built once per test run. The bench
    scripts' smoke runs (bench/_common.py, BENCH_SQLITE_TEMPLATE) and the quick start's runs start
    from a copy of it, so they do not each apply every migration again; they still run ``migrate``
    themselves, which finds nothing to do. Its path is shared only once it is built, so a copy is
    never taken of a half-migrated database."""

    def build() -> Path:
        run_folder = Path(os.environ.get("KYC_TEST_RUN_DIR") or os.environ["KYC_DATA_DIR"])
        data_dir = Path(tempfile.mkdtemp(prefix="sqlite-template-", dir=run_folder))
        database = data_dir / "template.sqlite3"
        env = {**os.environ, "KYC_DATA_DIR": str(data_dir), "DATABASE_URL": f"sqlite:///{database}",
               "PYTHONPATH": str(REPO_ROOT)}
        done = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
        )
        assert done.returncode == 0, f"migrate failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
        return database

    return computed_once_per_run("migrated-sqlite-template", build)
