"""One pooled httpx client per process, with connect and read timeouts on every call.

Transport failures become ``OcrError(TRANSIENT)``; callers never see an httpx exception.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

import httpx
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from ..provider import ErrorClass, OcrError

_lock = threading.Lock()
_client: httpx.Client | None = None
_client_pid: int | None = None


def timeouts() -> httpx.Timeout:
    connect = settings.OCR_VENDOR_CONNECT_TIMEOUT
    read = settings.OCR_VENDOR_READ_TIMEOUT
    return httpx.Timeout(connect=connect, read=read, write=read, pool=connect)


def client() -> httpx.Client:
    """The process's pooled client (re-created after a fork: sockets must not be shared)."""
    global _client, _client_pid
    with _lock:
        if _client is None or _client_pid != os.getpid():
            _client = httpx.Client(
                timeout=timeouts(),
                limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
                # The vendors' gateways answer on HTTPS only; never follow a redirect to
                # somewhere else with our signed headers.
                follow_redirects=False,
                trust_env=False,
            )
            _client_pid = os.getpid()
        return _client


def reset_client() -> None:
    """Close the pooled client: the next call builds one with the current timeouts."""
    global _client
    with _lock:
        if _client is not None:
            _client.close()
        _client = None


@receiver(setting_changed)
def _reset_client_on_new_timeouts(*, setting: str, **kwargs) -> None:
    # override_settings (and pytest-django's settings fixture) send this; production never does.
    if setting in ("OCR_VENDOR_CONNECT_TIMEOUT", "OCR_VENDOR_READ_TIMEOUT"):
        reset_client()


@dataclass
class Exchange:
    """One HTTP call: the response (if any) and how long it took."""

    response: httpx.Response
    duration_ms: int


def post(url: str, *, content: bytes, headers: dict[str, str], timeout: httpx.Timeout | None = None) -> Exchange:
    started = time.monotonic()
    try:
        response = client().post(url, content=content, headers=headers, timeout=timeout or timeouts())
    except httpx.TimeoutException as exc:
        raise OcrError(
            ErrorClass.TRANSIENT,
            "The OCR service did not answer in time.",
            code="timeout",
            vendor_message=type(exc).__name__,
        ) from exc
    except httpx.TransportError as exc:
        raise OcrError(
            ErrorClass.TRANSIENT,
            "The OCR service could not be reached.",
            code="connection",
            vendor_message=type(exc).__name__,
        ) from exc
    return Exchange(response=response, duration_ms=int((time.monotonic() - started) * 1000))


def retry_after_seconds(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
