"""The Redis transport's close after a lost broker raises a connection error (which Celery retries
on), not an AttributeError (which stops the worker), and the unacknowledged message is not lost.

The lost-broker state is set up directly on a private redis-server: the transport detached from
its connection while a message is delivered and unacknowledged, which a real restart reaches only
by chance of timing (tests/integration/test_worker_e2e.py restarts a broker under a real worker).
"""

from __future__ import annotations

import shutil

from kombu import Connection, Exchange, Queue
from kombu.common import ignore_errors

from kyc.ops import kombu_redis
from tests.hardening.faults import PrivateRedis


def test_closing_a_detached_channel_keeps_the_unacknowledged_message(tmp_path):
    kombu_redis.install()  # as the Celery app does at import
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    try:
        queue = Queue("reads", Exchange("reads"), "reads")
        connection = Connection(redis.url)
        channel = connection.default_channel
        connection.Producer(channel).publish({"document_id": "d-1"}, exchange=queue.exchange,
                                             routing_key="reads", declare=[queue])
        delivered = queue(channel).get(no_ack=False)
        assert delivered is not None
        # What a broker restart leaves behind: pools dropped, transport detached from its connection.
        channel._disconnect_pools()
        connection.transport.client = None
        ignore_errors(connection, connection.close)  # Celery's own call; an AttributeError escapes it

        with Connection(redis.url, transport_options={"visibility_timeout": 0}) as again:
            fresh = again.default_channel
            fresh.qos.restore_visible()  # what the visibility timeout does, without waiting for it
            redelivered = queue(fresh).get(no_ack=False)
            assert redelivered is not None and redelivered.payload == {"document_id": "d-1"}
            redelivered.ack()
    finally:
        redis.stop()


if shutil.which("redis-server") is None:
    # Collected only where a private redis-server can be started (CI installs Redis).
    del test_closing_a_detached_channel_keeps_the_unacknowledged_message
