"""A worker keeps its database connection from one task to the next (within CONN_MAX_AGE) and
drops it after a task that did not succeed; a task run in the caller's process is left alone."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest
from django.db import connection

from kyc.ops import db_connections

pytestmark = pytest.mark.django_db(transaction=True)

IN_A_WORKER = SimpleNamespace(request=SimpleNamespace(is_eager=False))
IN_THE_CALLER = SimpleNamespace(request=SimpleNamespace(is_eager=True))


def _open_connection(*, close_at):
    connection.ensure_connection()
    connection.close_at = close_at  # what CONN_MAX_AGE set when it opened
    return connection.connection


def test_a_task_that_succeeded_leaves_its_connection_to_the_next_task():
    raw = _open_connection(close_at=time.monotonic() + 60)
    db_connections.task_finished(task=IN_A_WORKER, state="SUCCESS")
    db_connections.task_started(task=IN_A_WORKER)
    assert connection.connection is raw


@pytest.mark.parametrize("state", ["FAILURE", "RETRY"])
def test_a_task_that_did_not_succeed_closes_its_connection(state):
    _open_connection(close_at=time.monotonic() + 60)
    db_connections.task_finished(task=IN_A_WORKER, state=state)
    assert connection.connection is None


def test_a_connection_past_its_age_is_closed_between_tasks():
    _open_connection(close_at=time.monotonic() - 1)
    db_connections.task_finished(task=IN_A_WORKER, state="SUCCESS")
    assert connection.connection is None


def test_a_task_run_in_the_callers_process_leaves_the_callers_connection_alone():
    raw = _open_connection(close_at=time.monotonic() - 1)
    db_connections.task_started(task=IN_THE_CALLER)
    db_connections.task_finished(task=IN_THE_CALLER, state="FAILURE")
    assert connection.connection is raw
