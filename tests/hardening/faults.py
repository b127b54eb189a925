"""Helpers for the fault-injection tests: cases with webhooks, a webhook receiver, a private Redis,
waiting for cases to settle, and the promises every fault test checks at the end."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from celery import current_app
from django.core.files.uploadedfile import SimpleUploadedFile

from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.domain.workflow import CaseState
from kyc.models import Case, CheckFinding, Decision, Document, DocumentReading
from kyc.services.cases import case_submit
from kyc.services.documents import document_attach
from kyc.uploads.prepare import prepare_upload
from ocr_integration.documents.kinds import REQUIRED_KINDS, DocumentType
from tests.support.providers import GREEN, colour_image
from tests.support.worker import wait_for

SETTLED = {CaseState.READY_FOR_REVIEW, CaseState.NEEDS_ATTENTION, CaseState.APPROVED, CaseState.REJECTED}


# --- A webhook receiver: the notifications an integrator would get ---------------------------


class WebhookReceiver:
    """Records every webhook POST it receives (delivery id, case, previous and new state)."""

    def __init__(self) -> None:
        self.events: list[dict] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.events.append(json.loads(body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/kyc-events"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def transitions(self, case_id) -> list[tuple[str, str]]:
        """The state changes notified for a case: one per delivery id (a re-post counts once)."""
        with self._lock:
            unique = {e["id"]: e for e in self.events if e["data"]["case_id"] == str(case_id)}
        return [(e["data"]["previous_state"], e["data"]["state"]) for e in unique.values()]

    def delivery_ids(self) -> list[str]:
        with self._lock:
            return [e["id"] for e in self.events]


def integrator_with_webhook(url: str):
    from kyc.api.models import Integrator
    from kyc.api.services import webhook_endpoint_create

    integrator = Integrator.objects.create(name=f"fault-tests-{Integrator.objects.count() + 1}")
    webhook_endpoint_create(integrator=integrator, url=url)
    return integrator


def integrator_case(integrator, document_type: str = "passport", colours: dict[str, tuple] | None = None) -> Case:
    """A draft case created through the integrator's path, with every side attached."""
    from kyc.api.services import integrator_actor, integrator_case_create

    case = integrator_case_create(
        integrator=integrator, email="applicant@example.test", document_type=document_type, consents=["processing"]
    )
    for kind in REQUIRED_KINDS[DocumentType(document_type)]:
        colour = (colours or {}).get(kind.value, GREEN)
        upload = SimpleUploadedFile("photo.png", colour_image(colour), content_type="image/png")
        document_attach(case_id=case.id, kind=kind.value, prepared=prepare_upload(upload), actor=integrator_actor(integrator))
    return case


def submit(case: Case) -> None:
    case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))


def beat_sweep() -> None:
    """What Celery beat does every minute in production, compressed: queue lost reads and overdue
    webhook deliveries again (webhooks count as overdue after 5 s here, 120 s in production)."""
    from kyc.api import webhooks
    from kyc.api.tasks import deliver_webhook
    from kyc.tasks import requeue_stalled_reads

    requeue_stalled_reads()
    for delivery_id in webhooks.due_delivery_ids(grace_seconds=5):
        deliver_webhook.delay(str(delivery_id))


def wait_settled(cases, *, timeout: float, sweep: bool = False) -> dict:
    ids = [c.id for c in cases]
    last_sweep = [time.monotonic()]

    def all_settled():
        if sweep and time.monotonic() - last_sweep[0] > 2:
            beat_sweep()
            last_sweep[0] = time.monotonic()
        states = dict(Case.objects.filter(id__in=ids).values_list("id", "state"))
        return states if all(states[i] in SETTLED for i in ids) else None

    try:
        return wait_for(all_settled, timeout=timeout, what="every case to settle")
    except AssertionError:
        states = dict(Case.objects.filter(id__in=ids).values_list("id", "state"))
        raise AssertionError(f"cases did not settle in {timeout}s: {states}") from None


def only_document(case: Case) -> Document:
    return Document.objects.get(case=case, is_current=True)


def assert_settled_once(
    cases, *, receiver: WebhookReceiver | None = None, sweep: bool = False, killed_mid_flight: bool = False
) -> None:
    """Every case final or 'needs attention'; one reading per read document; checks run once; no
    duplicate decision; each state change notified by exactly one delivery (when a receiver listens).

    ``killed_mid_flight``: a process was SIGKILLed at an arbitrary moment, possibly between posting
    a webhook and recording it as delivered; that one delivery may then be posted again with the
    same event id (at-least-once, receivers dedupe on ``KYC-Event-Id``), but never as a new event.
    """
    for case in cases:
        case.refresh_from_db()
        assert case.state in SETTLED, (case.id, case.state)
        documents = list(Document.objects.filter(case=case, is_current=True))
        events = list(AuditEvent.objects.filter(case_id=case.id).values_list("action", "object_id", "data"))
        for document in documents:
            readings = DocumentReading.objects.filter(document=document, role="primary").count()
            if document.read_state == Document.ReadState.READ:
                assert readings == 1, f"{document.kind} of {case.id}: {readings} readings"
            else:
                assert document.read_state == Document.ReadState.FAILED and readings == 0, document.read_state
            mine = [e[0] for e in events if e[1] == str(document.id)]
            read_ok = document.read_state == Document.ReadState.READ
            assert mine.count("document.read") == (1 if read_ok else 0), f"{document.kind} of {case.id}: {mine}"
            retries = sum(1 for e in events if e[0] == "case.state_changed" and e[2].get("retry"))
            assert mine.count("document.unreadable") <= retries + (0 if read_ok else 1), mine
        transitions = [(e[2]["before"], e[2]["after"]) for e in events if e[0] == "case.state_changed"]
        duplicates = [t for t, n in Counter(transitions).items() if n > 1]
        assert not duplicates, f"case {case.id} went through {duplicates} more than once"
        if case.state == CaseState.READY_FOR_REVIEW:
            assert case.check_run == 1, f"checks ran {case.check_run} times for {case.id}"
            assert CheckFinding.objects.filter(case=case, check_run=1).exists()
        assert Decision.objects.filter(case=case).count() == 0, "the pipeline made a decision"
        if receiver is not None:
            expected = sorted(transitions)

            def notified(case=case, expected=expected):
                if sweep:
                    beat_sweep()
                return sorted(receiver.transitions(case.id)) == expected

            wait_for(notified, timeout=30, what=f"webhooks of case {case.id}")
    if receiver is not None and not killed_mid_flight:
        ids = receiver.delivery_ids()
        assert len(ids) == len(set(ids)), "a webhook delivery was posted twice"


# --- Processes ---------------------------------------------------------------------------------


def child_pids(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            continue
    return children


def kill_tree(pid: int) -> None:
    """SIGKILL a worker and its pool processes at once: no chance to requeue or ack anything."""
    for target in [pid, *child_pids(pid)]:
        try:
            os.kill(target, signal.SIGKILL)
        except ProcessLookupError:
            pass


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test's own (never the shared one on 6379), persisted with an
    append-only file so that a restart keeps the queued messages, as a production broker would."""

    def __init__(self, folder: Path) -> None:
        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server is not installed")
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as connection:
                    connection.sendall(b"PING\r\n")
                    if connection.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: redis shuts down cleanly, flushing the AOF
            self.process.wait(timeout=10)
        self.process = None


@contextmanager
def publishing_to(broker_url: str):
    """Make this process's Celery app publish to ``broker_url`` for the duration.

    ``CELERY_BROKER_URL`` in the environment outranks the app's configuration, so it is switched
    too. The app's connection and producer pools are set aside and put back untouched: kombu
    shares pools per URL, and closing one would leave the app publishing into a closed pool.
    """
    app = current_app._get_current_object()
    saved = (app.conf.broker_url, app._pool, app.amqp._producer_pool, os.environ.get("CELERY_BROKER_URL"))
    os.environ["CELERY_BROKER_URL"] = broker_url
    app.conf.broker_url = broker_url
    app._pool = None
    app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.broker_url, app._pool, app.amqp._producer_pool, environ_url = saved
        if environ_url is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = environ_url


def stalled_ids() -> set:
    from kyc.services.readings import stalled_document_ids

    return set(stalled_document_ids())


def specimen_case(integrator, document_type: str, seed: int) -> Case:
    """A draft case whose sides are synthetic specimens: the vendor simulator reads their ground truth."""
    from kyc.api.services import integrator_actor, integrator_case_create
    from ocr_integration.specimens import generate_specimen

    case = integrator_case_create(
        integrator=integrator, email="applicant@example.test", document_type=document_type, consents=["processing"]
    )
    for kind in REQUIRED_KINDS[DocumentType(document_type)]:
        specimen = generate_specimen(kind, seed)
        upload = SimpleUploadedFile("photo.png", specimen.image, content_type=specimen.content_type)
        document_attach(case_id=case.id, kind=kind.value, prepared=prepare_upload(upload), actor=integrator_actor(integrator))
    return case


def vendor_attempts(cases) -> Counter:
    """(outcome) -> count of the OCR calls recorded for these cases' documents."""
    from ocr_integration.models import OcrAttempt

    refs = [str(d) for d in Document.objects.filter(case__in=cases).values_list("id", flat=True)]
    rows = OcrAttempt.objects.filter(subject_ref__in=refs, endpoint__startswith="ocr/")  # not IAM token calls
    return Counter(rows.values_list("outcome", flat=True))
