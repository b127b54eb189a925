"""A worker on Redis keeps running through a broker restart instead of exiting.

kombu 5.7's Redis transport, on losing the broker, closes its channel and tries to hand the
unacknowledged messages back to the queue. When the transport was already detached from its
connection, that attempt fails with an AttributeError (`conninfo.hostname` of None) instead of a
connection error; Celery treats an AttributeError as a bug and stops the whole worker
("Unrecoverable error"), where a connection error makes it reconnect (celery/kombu#582, #970 report
the same path). Raising the connection error the transport would have raised had it been attached
lets Celery do what it does for every other broker outage: retry until the broker is back.

Nothing is lost by the failed hand-back: the messages stay in Redis' unacknowledged set and come
back after the visibility timeout, and a read in flight is claimed atomically, so a second delivery
of an already-read document does nothing (kyc/services/readings.py).
"""

from __future__ import annotations

import logging

from kombu.transport import redis as kombu_redis

logger = logging.getLogger(__name__)

_original_connparams = kombu_redis.Channel._connparams


def _connparams(self, asynchronous=False):
    if self.connection is None or self.connection.client is None:
        logger.warning("the broker connection closed before unacknowledged messages could be handed back; "
                       "they return after the visibility timeout")
        raise kombu_redis.redis.exceptions.ConnectionError("the broker connection is closed")
    return _original_connparams(self, asynchronous=asynchronous)


def install() -> None:
    """Idempotent: safe to call from every process that imports the Celery app."""
    kombu_redis.Channel._connparams = _connparams
