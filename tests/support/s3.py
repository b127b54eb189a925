"""A real S3 API server for tests: moto's server mode in a process of its own, on loopback.

Also the two ways S3 fails that the product must survive: down (a port nothing answers on: the
connection is refused) and hanging (a server that accepts connections and never answers).
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass

import boto3

ACCESS_KEY, SECRET_KEY, REGION = "testing-access-key", "testing-secret-key", "us-east-1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class S3Server:
    process: subprocess.Popen
    endpoint_url: str

    def client(self, endpoint_url: str | None = None):
        return boto3.client(
            "s3", endpoint_url=endpoint_url or self.endpoint_url, region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
        )

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def start_s3_server() -> S3Server:
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    server = S3Server(process=process, endpoint_url=f"http://127.0.0.1:{port}")
    for _ in range(600):  # 60 s at most for the server to listen
        if process.poll() is not None:
            raise RuntimeError(f"the S3 test server exited at start (status {process.returncode})")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError("the S3 test server did not start listening")


class ClosedPort:
    """A loopback port bound but not listening: every connection to it is refused (S3 is down)."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"

    def close(self) -> None:
        self._socket.close()


class HangingServer:
    """Accepts every connection and never answers (an S3 endpoint that hangs)."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.connections: list[socket.socket] = []
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self.connections.append(connection)  # held open, never read, never answered

    def close(self) -> None:
        self._stopped.set()
        self._listener.close()
        for connection in self.connections:
            connection.close()


def storage_settings(*, endpoint_url: str, bucket: str) -> dict:
    """STORAGES for the product's S3 storage as settings.py builds it for STORAGE_BACKEND=s3, with
    timeouts short enough for tests and no retries (a failure shows at the first attempt)."""
    return {
        "BACKEND": "kyc.storage.s3.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "region_name": REGION,
            "access_key": ACCESS_KEY,
            "secret_key": SECRET_KEY,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": "AES256"},
            "connect_timeout": 1.0,
            "read_timeout": 1.0,
            "max_attempts": 1,
        },
    }


def new_bucket_name() -> str:
    return f"kyc-test-{uuid.uuid4().hex[:16]}"
