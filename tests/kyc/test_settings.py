"""Settings are parsed strictly from the environment; production refuses unsafe defaults."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

REPO = Path(__file__).resolve().parents[2]


def run_manage(*args, **env_overrides):
    # Only what a deployment would set: not the test run's own switches (DJANGO_ALLOW_ASYNC_UNSAFE ...).
    env = {
        k: v for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "KYC_ENVIRONMENT", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    if env_overrides.get("KYC_ENVIRONMENT") == "production":
        env.setdefault("KYC_ENCRYPTION_KEYS", Fernet.generate_key().decode())
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_the_development_secret_key():
    result = run_manage("check", KYC_ENVIRONMENT="production", ALLOWED_HOSTS="kyc.example.test")
    assert result.returncode != 0
    assert "KYC_ENVIRONMENT=production needs SECRET_KEY" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run_manage("check", KYC_ENVIRONMENT="production", SECRET_KEY="short", ALLOWED_HOSTS="x.test")
    assert result.returncode != 0
    assert "at least 50 characters" in result.stderr


@pytest.mark.parametrize(
    "variable,value,message",
    [
        ("DEBUG", "maybe", "DEBUG must be one of"),
        ("OCR_READ_MAX_RETRIES", "five", "OCR_READ_MAX_RETRIES must be a whole number"),
        ("STORAGE_BACKEND", "ftp", "STORAGE_BACKEND must be one of"),
        ("DATABASE_URL", "notadb://x", "DATABASE_URL is not a database URL"),
        ("CACHE_URL", "memcached://x", "CACHE_URL must be a redis://"),
        ("UPLOAD_SANITIZING", "strip", "UPLOAD_SANITIZING must be one of"),
        ("FILE_UPLOAD_TEMP_DIR", "/nonexistent/kyc-temp", "is not a folder"),
    ],
)
def test_bad_values_stop_start_up_and_name_the_variable(variable, value, message):
    result = run_manage("check", **{variable: value})
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_to_run_without_encryption_keys():
    result = run_manage(
        "check", KYC_ENVIRONMENT="production", SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="x.test", KYC_ENCRYPTION_KEYS="",
    )
    assert result.returncode != 0
    assert "needs KYC_ENCRYPTION_KEYS" in result.stderr


def test_secrets_can_come_from_files(tmp_path):
    key_file = tmp_path / "secret"
    key_file.write_text(secrets.token_urlsafe(64))
    result = run_manage(
        "check", KYC_ENVIRONMENT="production", SECRET_KEY_FILE=str(key_file), ALLOWED_HOSTS="kyc.example.test"
    )
    assert result.returncode == 0, result.stderr


def test_check_deploy_is_clean_under_production_settings():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING",
        KYC_ENVIRONMENT="production", SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="kyc.example.test",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_datetimes_are_aware_utc(settings):
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "UTC"
