"""Logs as data: one JSON object per line, with the request, case and task each event belongs to.

The context (request id, case reference, task id, and the document a read is for) lives in context variables set by the request
middleware and the Celery task signals below, so a log call anywhere in the code carries it without
being passed it. Nothing here ever reads a form, a reading or a model field: only ids, routes,
durations and outcomes are added, so no personal data reaches a log line through this module.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from ocr_integration.vendors.attempts import current_subject  # pure Python: no Django at import

request_id_var: ContextVar[str | None] = ContextVar("kyc_request_id", default=None)
case_ref_var: ContextVar[str | None] = ContextVar("kyc_case_ref", default=None)
# The case's reference (the short code staff and the applicant see): random, not personal data.
case_reference_var: ContextVar[str | None] = ContextVar("kyc_case_reference", default=None)
task_id_var: ContextVar[str | None] = ContextVar("kyc_task_id", default=None)
task_name_var: ContextVar[str | None] = ContextVar("kyc_task_name", default=None)

# Fields a caller may pass with ``extra=`` that are copied into the JSON object.
STRUCTURED_FIELDS = (
    "vendor", "outcome", "duration_ms", "method", "route", "status", "check", "error_class", "document_id",
)
# The vendor layer writes its attempts as "key=value" text (ocr_integration/vendors/attempts.py);
# these keys are lifted into fields so that vendor and outcome can be filtered on like any other.
_KEY_VALUE = re.compile(r"\b(vendor|outcome|duration_ms)=([\w.\-]+)")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._\-]{8,64}$")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, context ids and structured fields."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        event: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": message,
        }
        for key, variable in (
            ("request_id", request_id_var), ("case", case_ref_var), ("case_reference", case_reference_var),
            ("task_id", task_id_var), ("task", task_name_var),
        ):
            value = getattr(record, key, None) or variable.get()
            if value:
                event[key] = value
        document = current_subject()  # the document being read, set by ocr_integration around a read
        if document:
            event["document"] = document
        for key, value in _KEY_VALUE.findall(message):
            event.setdefault(key, int(value) if value.isdigit() else value)
        for key in STRUCTURED_FIELDS:
            if hasattr(record, key):
                event[key] = getattr(record, key)
        if record.exc_info:
            event["exception"] = self.formatException(record.exc_info)
        return json.dumps(event, default=str, ensure_ascii=False)


def new_request_id(offered: str | None) -> str:
    """The proxy's X-Request-ID when it looks like one (so logs join up across hops), else a new one."""
    if offered and _REQUEST_ID.match(offered):
        return offered
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """Gives each request an id (echoed in X-Request-ID) and logs one line when it is answered.

    The line names the URL pattern, never the path: paths hold signed applicant links.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.logger = logging.getLogger("kyc.requests")

    def __call__(self, request):
        request_id = new_request_id(request.META.get("HTTP_X_REQUEST_ID"))
        request_token = request_id_var.set(request_id)
        case_token = case_ref_var.set(None)
        reference_token = case_reference_var.set(None)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            match = getattr(request, "resolver_match", None)
            self.logger.info(
                "request answered",
                extra={
                    "method": request.method,
                    "route": match.route if match else "unresolved",
                    "status": response.status_code,
                    "outcome": "error" if response.status_code >= 500 else "ok",
                    "duration_ms": round((time.monotonic() - started) * 1000),
                },
            )
            return response
        finally:
            request_id_var.reset(request_token)
            case_ref_var.reset(case_token)
            case_reference_var.reset(reference_token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        case_id = view_kwargs.get("case_id")
        if case_id:
            case_ref_var.set(str(case_id))


def bind_case(*, case_id, reference: str | None) -> None:
    """Name the case on every later line of this task or request: its id (as request lines name
    it) and its reference. Tasks call it once they have reloaded their row (kyc/tasks.py)."""
    case_ref_var.set(str(case_id))
    case_reference_var.set(reference)


# --- Celery: the task id and name on every line a task logs, and one line per task run. ------------
_task_started: dict[str, float] = {}


def task_started(task_id=None, task=None, **_kwargs) -> None:
    task_id_var.set(task_id)
    task_name_var.set(getattr(task, "name", None))
    case_ref_var.set(None)  # a pool process runs one task after another: no case from the last one
    case_reference_var.set(None)
    if task_id:
        _task_started[task_id] = time.monotonic()


def task_finished(task_id=None, task=None, state=None, **_kwargs) -> None:
    started = _task_started.pop(task_id, None) if task_id else None
    logging.getLogger("kyc.tasks.runs").info(
        "task finished",
        extra={
            "outcome": (state or "unknown").lower(),
            "duration_ms": round((time.monotonic() - started) * 1000) if started is not None else None,
        },
    )
    task_id_var.set(None)
    task_name_var.set(None)
    case_ref_var.set(None)
    case_reference_var.set(None)
