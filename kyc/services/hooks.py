"""What the core tells the outer apps: the one way out of the core.

The core (the domain, its services, the pages) never imports an outer app such as the integrators'
API (``kyc.api``). An outer app registers receivers here from its ``AppConfig.ready()``, and the
core calls them at the moment it records what happened, inside its own transaction: a webhook
delivery row commits or rolls back with the state change that caused it, as an outbox row would,
without the core knowing webhooks exist. ``tests/kyc/test_layers.py`` keeps the direction.

Receivers are registered by name, so registering again (a second ``ready()`` in a test run) replaces
rather than doubles. A receiver that raises rolls back the core's change: receivers write rows,
they do not post anything (a webhook is posted by a task, on commit).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

# event -> {receiver name -> receiver}
_receivers: dict[str, dict[str, Callable[..., Any]]] = {}
# "app_label.Model" -> the receiver that erases that model's personal data of one case
_erasers: dict[str, Callable[..., Any]] = {}

CASE_STATE_CHANGED = "case_state_changed"  # receiver(*, case, before: str); inside the transaction
RETENTION_RUN = "retention_run"  # receiver(); the periodic run, for copies an app keeps past their time
METRICS = "metrics"  # receiver() -> iterable of Prometheus metric families, at each scrape


def receiver_register(event: str, receiver: Callable[..., Any]) -> None:
    """Call ``receiver`` at each ``event`` from now on (from an outer app's ``ready()``)."""
    if event not in (CASE_STATE_CHANGED, RETENTION_RUN, METRICS):
        raise ValueError(f"No such event {event!r}.")
    _receivers.setdefault(event, {})[f"{receiver.__module__}.{receiver.__qualname__}"] = receiver


def eraser_register(model: str, eraser: Callable[..., Any]) -> None:
    """``eraser(case=...)`` erases the personal data of one case held by ``model`` ("app_label.Model",
    listed in kyc.privacy.personal_data with ``erase="app"``): the app that owns a table erases it."""
    _erasers[model] = eraser


def eraser_for(model: str) -> Callable[..., Any] | None:
    return _erasers.get(model)


def _receivers_of(event: str) -> Iterable[Callable[..., Any]]:
    return list(_receivers.get(event, {}).values())


def case_state_changed(*, case, before: str) -> None:
    """Called by ``case_transition`` once the new state is saved, in the same transaction."""
    for receiver in _receivers_of(CASE_STATE_CHANGED):
        receiver(case=case, before=before)


def retention_run() -> None:
    for receiver in _receivers_of(RETENTION_RUN):
        receiver()


def metric_families() -> Iterable[Any]:
    for receiver in _receivers_of(METRICS):
        yield from receiver()
