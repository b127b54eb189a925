"""Where a case's personal data lives: the one list erasure walks.

Every model field that can hold text, JSON, an encrypted value or a file is classified here, as
personal (``PERSONAL``: erased with the case) or not (``NOT_PERSONAL``: with the reason it is not).
``kyc.services.retention.case_purge_personal_data`` erases by walking ``PERSONAL``, so a field
listed here is erased without anyone writing erasure code for it; and
``tests/kyc/test_personal_data.py`` fails when a model gains such a field that is in neither list,
so a new place for personal data cannot be forgotten. Stored files are the case's storage folder
(``kyc.models.document.case_storage_prefix``), deleted whole.

Plain Python: no Django import (the services apply it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ERASED = "[erased]"


@dataclass(frozen=True)
class PersonalTable:
    """The personal fields of one model, how its rows of a case are found, and how they are erased.

    ``erase`` is ``"blank"`` (each field is set to its value in ``fields``), ``"delete"`` (the rows
    go: nothing in them is worth keeping without the values) or ``"app"`` (values nested inside a
    kept record of an outer app, which erases them with the eraser it registered in
    ``kyc.services.hooks``; ``fields`` then says what goes).
    """

    model: str  # app label and model name, "kyc.Case"
    case_lookup: str  # the ORM lookup from the model to the case's id
    fields: dict[str, Any]
    erase: str = "blank"
    why: str = ""


PERSONAL: tuple[PersonalTable, ...] = (
    PersonalTable("kyc.Applicant", "cases__id",
                  {"email": "", "declared_full_name": "", "declared_birth_date": None},
                  why="what the applicant declared"),
    PersonalTable("kyc.Case", "id", {"state_reason": ""},
                  why="a reviewer's resubmission note or a reader's error, which may quote the name or number"),
    PersonalTable("kyc.Document", "case_id",
                  {"file": "", "sha256": "", "failure_reason": "", "width": 0, "height": 0, "byte_size": 0},
                  why="the image (its file is in the case folder), its hash, a reader's error about it"),
    PersonalTable("kyc.LivenessFrame", "capture__case_id",
                  {"file": "", "sha256": "", "width": 0, "height": 0, "byte_size": 0}, erase="delete",
                  why="frames of the applicant's face (biometric data; the files are in the case folder)"),
    PersonalTable("kyc.DocumentReading", "document__case_id",
                  {"fields": {}, "mrz_lines": [], "raw_response": {}}, erase="delete",
                  why="what the document says"),
    PersonalTable("kyc.CheckFinding", "case_id", {"message": ERASED, "evidence": {}},
                  why="checks quote the values they compared"),
    PersonalTable("kyc.Decision", "case_id", {"note": ERASED, "second_note": ""},
                  why="reviewers' words may name the applicant"),
    PersonalTable("kyc.CaseNote", "case_id", {"body": ERASED},
                  why="reviewers' words may name the applicant"),
    PersonalTable("kyc.CaseSearchDigest", "case_id", {"digest": ""}, erase="delete",
                  why="keyed digests of the name and document number: whoever holds the search key can"
                  " test a guess against them"),
    PersonalTable("kyc.FaceDescriptor", "case_id", {"descriptor": ""}, erase="delete",
                  why="the face in the selfie as 128 numbers (biometric data)"),
    PersonalTable("kyc.FaceIndexEntry", "case_id", {"bucket": "", "sketch": b""}, erase="delete",
                  why="the face's list digest and masked sketch: whoever holds the search key can test a face"
                  " against them"),
    PersonalTable("kyc_api.IntegratorCase", "case_id", {"external_reference": ""},
                  why="the integrator's own customer reference (an account number, an email)"),
    PersonalTable("kyc_api.WebhookDelivery", "case_id", {"payload": None}, erase="app",
                  why="the event posted keeps its type and state, not the state reason"),
    PersonalTable("kyc_api.IdempotencyRecord", "case_id", {"response_body": None, "request_fingerprint": ""},
                  erase="app",
                  why="a stored answer quotes the case; the fingerprint hashes the name, email and birth date sent"),
)



@dataclass(frozen=True)
class PersonalAggregate:
    """Personal data computed from many cases, which erasing one case cannot take out row by row:
    ``fields`` hold it, ``refreshed_by`` says what recomputes it without the erased cases and
    within what time (an erased case stays in it until then)."""

    model: str
    fields: tuple[str, ...]
    refreshed_by: str
    why: str = ""


PERSONAL_AGGREGATES: tuple[PersonalAggregate, ...] = (
    PersonalAggregate("kyc.FaceCentroids", ("centroids",),
                      refreshed_by="kyc.tasks.retrain_face_index (daily): retrains when more than 2 % of the faces"
                      " trained on are gone, and at the latest 30 days after the last training; each centroid"
                      " averages at least 20 faces",
                      why="k-means centroids of the stored face descriptors: averages of real faces (biometric"
                      " data), kept encrypted"),
)

# Fields that cannot hold an applicant's personal data, and why. Staff accounts are staff data,
# kept as long as the account (not a case's).
NOT_PERSONAL: dict[str, str] = {
    "kyc.CaseSearchDigest.field": "which kind of value a digest is of (name, document_number)",
    **{f"kyc.SiteConfiguration.bank_card_{t}": "a choice" for t in ("passport", "emirates_id", "cn_resident_id")},
    **{f"kyc.ReasonCode.{name}": "what applicants are told a reason code means, written by an admin" for name in (
        "applicant_text", "applicant_text_ar", "applicant_text_zh_hans")},
    # Django's own tables.
    "admin.LogEntry.object_id": "a primary key",
    "admin.LogEntry.object_repr": "str() of a row: every model's __str__ names ids and references, never values",
    "admin.LogEntry.change_message": "names the fields changed, never their values",
    "auth.Permission.name": "fixed text", "auth.Permission.codename": "fixed text",
    "auth.Group.name": "a role name",
    "auth.User.password": "a staff account's hash", "auth.User.username": "staff",
    "auth.User.first_name": "staff", "auth.User.last_name": "staff", "auth.User.email": "staff",
    "contenttypes.ContentType.app_label": "fixed text", "contenttypes.ContentType.model": "fixed text",
    "sessions.Session.session_key": "random",
    "sessions.Session.session_data": "case ids and access grants (kyc.access.applicants), never values",
    # kyc_core: the audit trail
    "kyc_core.AuditEvent.chain": "a case id", "kyc_core.AuditEvent.actor_kind": "a choice",
    "kyc_core.AuditEvent.actor_id": "an id", "kyc_core.AuditEvent.actor_label": "a staff username, an integrator, 'applicant'",
    "kyc_core.AuditEvent.action": "fixed text", "kyc_core.AuditEvent.object_type": "fixed text",
    "kyc_core.AuditEvent.object_id": "an id",
    "kyc_core.AuditEvent.data": "which fields changed, codes, counts and ids; never free text (the state change "
                           "names the decision whose encrypted note holds the reason)",
    "kyc_core.AuditEvent.prev_hash": "a hash of the above", "kyc_core.AuditEvent.hash": "a hash of the above",
    "kyc_core.AuditChain.key": "a case id", "kyc_core.AuditChain.last_hash": "a hash",
    "kyc_core.AuditCheckpoint.payload": "chain heads", "kyc_core.AuditCheckpoint.signature": "a signature",
    "kyc_core.AuditCheckpoint.key_id": "a key id",
    # kyc
    "kyc.Applicant.language": "a language code",
    "kyc.Case.reference": "random", "kyc.Case.document_type": "a choice",
    "kyc.Case.issuing_country": "a country code", "kyc.Case.state": "a choice",
    "kyc.Case.bank_card": "a choice", "kyc.Case.selfie_requirement": "a choice",
    **{f"kyc.SiteConfiguration.selfie_{t}": "a choice" for t in ("passport", "emirates_id", "cn_resident_id")},
    "kyc.LivenessCapture.challenge": "a choice", "kyc.LivenessCapture.nonce": "random",
    "kyc.LivenessFrame.content_type": "a MIME type",
    "kyc.Decision.outcome": "a choice", "kyc.Decision.status": "a choice",
    "kyc.Decision.reason_codes": "codes from the reason code list", "kyc.Decision.requested_kinds": "document kinds",
    "kyc.Document.kind": "a choice", "kyc.Document.content_type": "a MIME type",
    "kyc.Document.read_state": "a choice", "kyc.Document.claim_token": "a task id",
    "kyc.Document.failure_class": "an error class",
    "kyc.Document.card_number_masked_on_image": "a flag",
    "kyc.DocumentReading.role": "a choice", "kyc.DocumentReading.provider": "a provider name",
    "kyc.DocumentReading.vendor_request_id": "the vendor's id", "kyc.DocumentReading.claim_token": "a task id",
    "kyc.CheckFinding.code": "a finding code", "kyc.CheckFinding.outcome": "a choice",
    "kyc.CheckFinding.document_kind": "a document kind",
    "kyc.PendingFileDeletion.name": "a storage key made of ids", "kyc.PendingFileDeletion.last_error": "a storage error",
    "kyc.ReasonCode.code": "admin-kept list", "kyc.ReasonCode.label": "admin-kept list",
    "kyc.ReasonCode.applies_to": "a choice",
    "kyc.StaffLoginThrottle.username": "a name typed at the staff sign-in",
    "kyc.TotpDevice.secret": "a staff second factor",
    "kyc.TotpDevice.name": "the name of a staff member's authenticator (always the default)",
    "kyc.RateCounter.key": "an integrator id and a scope",
    "kyc.QueueCount.state": "a choice", "kyc.QueueCount.document_type": "a choice",
    "kyc.QueueCount.issuing_country": "a country code (a count of cases, no case)",
    "kyc.StaffPreferences.language": "a language code",
    # kyc_api
    "kyc_api.Integrator.name": "a company", "kyc_api.ApiKey.name": "what the key is for",
    "kyc_api.ApiKey.prefix": "random", "kyc_api.ApiKey.hashed_key": "a hash",
    "kyc_api.IdempotencyRecord.key": "the integrator's random key", "kyc_api.IdempotencyRecord.method": "an HTTP method",
    "kyc_api.IdempotencyRecord.path": "a URL made of ids",
    "kyc_api.WebhookEndpoint.url": "the integrator's endpoint", "kyc_api.WebhookEndpoint.secret": "a signing secret",
    "kyc_api.WebhookEndpoint.disabled_reason": "a choice",
    "kyc_api.WebhookDelivery.event_type": "fixed text", "kyc_api.WebhookDelivery.state": "a choice",
    "kyc_api.WebhookDelivery.last_error": "an HTTP status or a network error",
    "kyc_api.WebhookAttempt.error": "an HTTP status or a network error",
    # ocr_integration
    **{f"ocr_integration.VendorAccount.{name}": "vendor account settings and credentials" for name in (
        "name", "vendor", "region", "endpoint", "iam_endpoint", "project_id", "project_name", "auth_scheme",
        "clock_zone", "passport_api", "credential_access_key", "credential_secret_key", "credential_app_key",
        "credential_domain_name", "credential_username", "credential_password")},
    "ocr_integration.OcrAttempt.vendor": "a vendor", "ocr_integration.OcrAttempt.endpoint": "a vendor endpoint",
    "ocr_integration.OcrAttempt.outcome": "a choice", "ocr_integration.OcrAttempt.error_code": "a vendor code",
    "ocr_integration.OcrAttempt.vendor_request_id": "the vendor's id",
    "ocr_integration.OcrAttempt.subject_ref": "a document id",
    "ocr_integration.RoutingRule.document_kind": "a document kind", "ocr_integration.RoutingRule.primary": "a provider",
    "ocr_integration.RoutingRule.fallback": "a provider", "ocr_integration.RoutingRule.second_reader": "a provider",
}


def personal_field_names() -> set[str]:
    """``"app.Model.field"`` of every personal field."""
    return ({f"{table.model}.{name}" for table in PERSONAL for name in table.fields}
            | {f"{aggregate.model}.{name}" for aggregate in PERSONAL_AGGREGATES for name in aggregate.fields})


__all__ = ["ERASED", "NOT_PERSONAL", "PERSONAL", "PERSONAL_AGGREGATES", "PersonalAggregate", "PersonalTable",
           "personal_field_names"]
