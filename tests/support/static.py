"""One production ``collectstatic`` per test run, shared by every test that starts the site with
production settings (tests/integration/test_gunicorn.py, tests/hardening/production_probe.py).

The production static storage (WhiteNoise's compressed manifest) hashes and compresses every file,
the Swagger UI's included: about 50 s of CPU each time. The files are the same for every test of a
run, so the first test to ask builds them (as the README's deploy step does: ``manage.py
collectstatic --noinput`` under production settings) and the others, in any xdist worker, wait
for it under a file lock and reuse them through a ``staticfiles`` symlink in their data folder.
"""

from __future__ import annotations

import fcntl
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

from cryptography.fernet import Fernet

from tests.support.worker import REPO_ROOT


def _run_folder() -> Path:
    # Set by tests/pytest_env.py before xdist starts its workers: one folder for the whole run.
    return Path(os.environ.get("KYC_TEST_RUN_DIR") or os.environ["KYC_DATA_DIR"])


def production_static_root() -> Path:
    """STATIC_ROOT as ``manage.py collectstatic`` builds it under production settings, built once per run."""
    run_folder = _run_folder()
    collected = run_folder / "production-static"
    with open(run_folder / "production-static.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not (collected / "staticfiles.json").exists():
            data_dir = Path(tempfile.mkdtemp(prefix="static-build-", dir=run_folder))
            env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "DEBUG"}}
            env.update({
                "KYC_ENVIRONMENT": "production",
                "SECRET_KEY": secrets.token_urlsafe(64),
                "KYC_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                "ALLOWED_HOSTS": "kyc.example.com",
                "KYC_DATA_DIR": str(data_dir),
                "PYTHONPATH": str(REPO_ROOT),
            })
            done = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
                [sys.executable, "manage.py", "collectstatic", "--noinput"],
                cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600,
            )
            assert done.returncode == 0, f"collectstatic failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
            # Renamed whole once complete: a test never sees a half-built folder.
            os.rename(data_dir / "staticfiles", collected)
    return collected


def use_production_static(data_dir: Path) -> None:
    """Give a production process whose KYC_DATA_DIR is ``data_dir`` this run's collected static files."""
    link = data_dir / "staticfiles"
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_dir() and not link.is_symlink():
        link.rmdir()  # the empty folder the settings make at start (an earlier migrate); never a full one
    link.symlink_to(production_static_root(), target_is_directory=True)
