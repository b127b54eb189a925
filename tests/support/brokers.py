"""The machine's shared brokers (Redis on 6379, RabbitMQ on 5672) that the worker end-to-end test
runs on, when they answer (tests/integration/test_worker_e2e.py)."""

from __future__ import annotations

import os

from kombu import Connection

REDIS_URL = os.environ.get("KYC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("KYC_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")
ANSWERING = "KYC_TEST_ANSWERING_BROKERS"


def _answers(url: str) -> bool:
    try:
        with Connection(url, connect_timeout=2) as connection:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
            connection.default_channel  # noqa: B018 - a channel proves the broker speaks, not just listens
    except Exception:
        return False
    return True


def answering_brokers() -> str:
    """The names of the machine's shared brokers that answer now ("redis,amqp"), asked once per
    run: tests/conftest.py asks before pytest-xdist starts its workers, which inherit the answer,
    because every worker must collect the same variants."""
    if ANSWERING not in os.environ:
        os.environ[ANSWERING] = ",".join(
            name for name, url in (("redis", REDIS_URL), ("amqp", RABBITMQ_URL))
            if os.environ.get("KYC_CI") or _answers(url)
        )
    return os.environ[ANSWERING]
