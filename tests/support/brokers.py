"""Brokers for the worker end-to-end tests (tests/integration/test_worker_e2e.py): the machine's
shared ones (Redis on 6379, RabbitMQ on 5672), used when they answer and never restarted, and a
private RabbitMQ node that a test may stop and start (the private Redis is tests/hardening/faults.py)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

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


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# Debian's /usr/sbin/rabbitmq-server re-runs itself as the rabbitmq user through su, which drops
# the environment that makes a node private; the script it calls takes the environment as given.
RABBITMQ_SERVER = next(
    (path for path in ("/usr/lib/rabbitmq/bin/rabbitmq-server", shutil.which("rabbitmq-server")) if path and Path(path).exists()),
    None,
)


class PrivateRabbitMQ:
    """A RabbitMQ node of this test's own, never the machine's shared one on 5672: its own node
    name, AMQP and distribution ports (free loopback ports), database folder (so a restart keeps
    durable queues and persistent messages, as a production broker does), logs, configuration, no
    plugins (the management plugin would take the shared node's port 15672) and, through HOME, its
    own Erlang cookie. It registers with the machine's epmd under its unique name, as any node does."""

    def __init__(self, folder: Path) -> None:
        if RABBITMQ_SERVER is None:
            raise RuntimeError("rabbitmq-server is not installed")
        self.folder = folder
        self.port, self.dist_port = free_port(), free_port()
        self.node = f"kyc-test-{self.port}@localhost"
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}//"
        self.process: subprocess.Popen | None = None

    def _environ(self) -> dict[str, str]:
        self.folder.mkdir(parents=True, exist_ok=True)
        config = self.folder / "rabbitmq.conf"
        # guest may connect from loopback only by default, which is where the test is.
        config.write_text(f"listeners.tcp.default = 127.0.0.1:{self.port}\n")
        (self.folder / "enabled_plugins").write_text("[].\n")
        (self.folder / "rabbitmq-env.conf").write_text("")  # not the machine's /etc/rabbitmq one
        return {
            **os.environ,
            "HOME": str(self.folder),
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.folder / "log"),
            "RABBITMQ_CONFIG_FILE": str(config),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
            "RABBITMQ_CONF_ENV_FILE": str(self.folder / "rabbitmq-env.conf"),
            "RABBITMQ_PID_FILE": str(self.folder / "node.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }

    def start(self, timeout: float = 120) -> None:
        environ = self._environ()
        log = open(self.folder / "server.log", "a")  # noqa: SIM115 - the child holds its own copy
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
            [RABBITMQ_SERVER], cwd=self.folder, env=environ, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the private RabbitMQ node exited at start:\n{self.log_tail()}")
            if _answers(self.url):
                return
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the private RabbitMQ node did not start in {timeout} s:\n{self.log_tail()}")

    def stop(self) -> None:
        """Stop the node as an operator's service manager does (SIGTERM: a clean shutdown that
        keeps durable queues and their messages), and wait until it is gone."""
        if self.process is None:
            return
        if self.process.poll() is None:
            pid_file = self.folder / "node.pid"
            try:
                os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)  # the Erlang VM itself
            except (OSError, ValueError):
                os.killpg(self.process.pid, signal.SIGTERM)  # not booted far enough to write it
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None

    def log_tail(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""
