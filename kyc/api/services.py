"""Writes for the API: integrators' keys, cases and uploads, webhook endpoints, idempotency.

Each is atomic and audited like the foundation's services, which it calls for the case itself.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from kyc.api.models import (
    ApiKey,
    IdempotencyRecord,
    Integrator,
    IntegratorCase,
    WebhookDelivery,
    WebhookEndpoint,
    hash_key,
)
from kyc.api.webhooks import check_url
from kyc.core.audit import Actor, audit_record
from kyc.errors import ConsentMissing, KycError
from kyc.models import Case
from kyc.services.cases import case_create
from kyc.services.consent import PROCESSING, consent_record


def integrator_actor(integrator: Integrator) -> Actor:
    return Actor.integrator(integrator.id, integrator.name)


@transaction.atomic
def api_key_create(*, integrator: Integrator, name: str = "", actor: Actor | None = None) -> tuple[ApiKey, str]:
    """A new key for ``integrator``. Returns the row and the raw key, which is never stored."""
    raw_key, prefix = ApiKey.generate()
    key = ApiKey.objects.create(integrator=integrator, name=name, prefix=prefix, hashed_key=hash_key(raw_key))
    audit_record(
        actor=actor or Actor.system("create_api_key"),
        action="api_key.created",
        object_type="api_key",
        object_id=key.pk,
        data={"integrator": str(integrator.id), "prefix": prefix},
    )
    return key, raw_key


@transaction.atomic
def api_key_revoke(*, key: ApiKey, actor: Actor) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_key.revoked", object_type="api_key", object_id=key.pk,
                     data={"integrator": str(key.integrator_id), "prefix": key.prefix})
    return key


@transaction.atomic
def integrator_case_create(
    *,
    integrator: Integrator,
    email: str,
    document_type: str,
    consents: list[str],
    issuing_country: str = "",
    declared_full_name: str = "",
    declared_birth_date: date | None = None,
    language: str = "en",
    external_reference: str = "",
) -> Case:
    """Create a case for an integrator, with the consents it collected from the applicant."""
    if PROCESSING not in consents:
        raise ConsentMissing(
            message="The applicant's consent to processing is required: send consents: [\"processing\"] once they "
            "have accepted the privacy notice."
        )
    actor = integrator_actor(integrator)
    case = case_create(
        actor=actor,
        email=email,
        document_type=document_type,
        issuing_country=issuing_country,
        declared_full_name=declared_full_name,
        declared_birth_date=declared_birth_date,
        language=language,
    )
    IntegratorCase.objects.create(case=case, integrator=integrator, external_reference=external_reference)
    for scope in sorted(set(consents)):
        consent_record(case_id=case.id, scope=scope, actor=actor)
    return case


@transaction.atomic
def webhook_endpoint_create(*, integrator: Integrator, url: str) -> WebhookEndpoint:
    check_url(url)  # WebhookUrlRefused: a ValidationFailed, answered 400 as it is
    endpoint = WebhookEndpoint.objects.create(integrator=integrator, url=url)
    audit_record(actor=integrator_actor(integrator), action="webhook_endpoint.created", object_type="webhook_endpoint",
                 object_id=endpoint.id, data={})
    return endpoint


@transaction.atomic
def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, integrator: Integrator) -> WebhookEndpoint:
    # Disabled, not deleted: its deliveries stay on record.
    if endpoint.is_active:
        endpoint.is_active = False
        endpoint.disabled_reason = WebhookEndpoint.DisabledReason.INTEGRATOR
        endpoint.disabled_at = timezone.now()
        endpoint.save(update_fields=["is_active", "disabled_reason", "disabled_at"])
        audit_record(actor=integrator_actor(integrator), action="webhook_endpoint.disabled",
                     object_type="webhook_endpoint", object_id=endpoint.id,
                     data={"reason": WebhookEndpoint.DisabledReason.INTEGRATOR.value})
    return endpoint


# --- Idempotency ------------------------------------------------------------------------------
# A first request claims the key (a row with no answer yet); its answer is stored when it is done.
# A retry with the same key and the same request gets that answer again; the same key with another
# request is refused; a retry while the first is still running gets 409. A claim left without an
# answer for STALE_CLAIM (the process died) may be taken over.
STALE_CLAIM = timedelta(minutes=5)


@dataclass(frozen=True)
class IdempotencyClaim:
    record: IdempotencyRecord
    replay: bool  # True: answer with record.status_code / record.response_body


class IdempotencyInProgress(KycError):
    code = "idempotency_in_progress"
    http_status = 409


class IdempotencyKeyReused(KycError):
    code = "idempotency_key_reused"
    http_status = 422
    message = "This Idempotency-Key was already used for a different request. Use a new key for a new request."


def request_fingerprint(*, method: str, path: str, data, files) -> str:
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    items = []
    for name in sorted(data.keys()) if hasattr(data, "keys") else []:
        values = data.getlist(name) if hasattr(data, "getlist") else [data[name]]
        for value in values:
            if hasattr(value, "chunks"):
                continue
            items.append([name, value])
    digest.update(json.dumps(items, sort_keys=True, default=str).encode("utf-8"))
    for name in sorted(files.keys()):
        for upload in files.getlist(name):
            file_digest = hashlib.sha256()
            for chunk in upload.chunks():
                file_digest.update(chunk)
            upload.seek(0)
            digest.update(f"\n{name}:{file_digest.hexdigest()}".encode())
    return digest.hexdigest()


def idempotency_claim(*, integrator: Integrator, key: str, method: str, path: str, fingerprint: str) -> IdempotencyClaim:
    now = timezone.now()
    expired_before = now - timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)
    IdempotencyRecord.objects.filter(integrator=integrator, key=key, created_at__lt=expired_before).delete()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(
                integrator=integrator, key=key, method=method, path=path, request_fingerprint=fingerprint
            )
        return IdempotencyClaim(record=record, replay=False)
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.filter(integrator=integrator, key=key).first()
    if record is None:  # deleted between our insert and our read: treat as in flight, the client retries
        raise IdempotencyInProgress(message="A request with this Idempotency-Key is in progress.")
    if record.status_code == ERASED_CASE_STATUS and record.case_id is not None and not record.request_fingerprint:
        return IdempotencyClaim(record=record, replay=True)  # whatever was sent: the case is erased
    if record.method != method or record.path != path or record.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if record.status_code is None:
        if record.created_at < now - STALE_CLAIM:
            taken = IdempotencyRecord.objects.filter(pk=record.pk, status_code__isnull=True,
                                                     created_at=record.created_at).update(created_at=now)
            if taken:
                return IdempotencyClaim(record=record, replay=False)
        raise IdempotencyInProgress(
            message="A request with this Idempotency-Key is still being processed. Retry in a moment."
        )
    return IdempotencyClaim(record=record, replay=True)


def idempotency_finish(*, record: IdempotencyRecord, status_code: int, body, case_id=None) -> None:
    """Keep the answer to replay it; an answer that a retry could change (5xx, 429) frees the key."""
    if status_code >= 500 or status_code in (401, 403, 429):
        IdempotencyRecord.objects.filter(pk=record.pk).delete()
        return
    if case_id is not None and not Case.objects.filter(id=case_id).exists():
        case_id = None  # a request on a case that does not exist (404) belongs to no case
    IdempotencyRecord.objects.filter(pk=record.pk).update(status_code=status_code, response_body=body, case_id=case_id)


# The answer a replay gets once the case's personal data is erased: the stored answer quoted it.
ERASED_CASE_STATUS = 410
ERASED_CASE_BODY = {"error": {
    "code": "case_erased",
    "message": "The case this request created or changed has been erased; its answer is no longer kept. "
               "Use a new Idempotency-Key for a new request.",
}}


def idempotency_records_erase(*, case) -> int:
    """Erasure (kyc.privacy.personal_data): every idempotency record of the case keeps only its key, answering ``case_erased``.

    The record is not deleted: a replay of the case-creating POST would otherwise create the case
    again. What made it personal goes: the answer, and the fingerprint (a hash of the name, email
    and birth date sent, which a guess could confirm). It expires with the TTL like any record."""
    return IdempotencyRecord.objects.filter(case=case).update(
        status_code=ERASED_CASE_STATUS, response_body=ERASED_CASE_BODY, request_fingerprint=""
    )


def idempotency_records_purge_expired(*, now=None) -> int:
    """The retention run: records older than API_IDEMPOTENCY_TTL_HOURS are never replayed again."""
    expired_before = (now or timezone.now()) - timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=expired_before).delete()
    return deleted


def webhook_payloads_erase(*, case) -> None:
    """Erasure (kyc.privacy.personal_data): the case's webhook payloads keep their event (ids, states), not
    the reviewer's words nor the integrator's reference. Every payload is written again, so no
    ciphertext of what it held is left either."""
    for delivery in WebhookDelivery.objects.filter(case_id=case.id):
        payload = dict(delivery.payload)
        data = dict(payload.get("data") or {})
        if data.get("state_reason"):
            data["state_reason"] = "[erased]"
        if data.get("external_reference"):
            data["external_reference"] = ""
        payload["data"] = data
        delivery.payload = payload
        delivery.save(update_fields=["payload"])
