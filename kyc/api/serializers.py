"""Request validation and response shapes of the API (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kyc.api.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from kyc.domain.workflow import CaseState
from kyc.models import Case, CheckFinding, Decision, Document, DocumentReading
from kyc.services.consent import SCOPES
from ocr_integration.documents.kinds import DocumentKind, DocumentType

# ``kind`` + ``side`` as the issue names them, onto our document kinds. ``kind`` may also be a
# document kind itself (``emirates_id_front``), with no side.
_SIDES = {
    ("passport", ""): DocumentKind.PASSPORT,
    ("passport", "data_page"): DocumentKind.PASSPORT,
    ("emirates_id", "front"): DocumentKind.EMIRATES_ID_FRONT,
    ("emirates_id", "back"): DocumentKind.EMIRATES_ID_BACK,
    ("cn_resident_id", "portrait"): DocumentKind.CN_ID_PORTRAIT,
    ("cn_resident_id", "emblem"): DocumentKind.CN_ID_EMBLEM,
}
LANGUAGE_CODES = [code for code, _ in settings.LANGUAGES]
CASE_STATE_CHOICES = [(state.value, state.value) for state in CaseState]


class CaseCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    document_type = serializers.ChoiceField(choices=[t.value for t in DocumentType])
    issuing_country = serializers.RegexField(
        r"^[A-Za-z]{3}$", required=False, allow_blank=True, default="",
        error_messages={"invalid": "Use a three-letter ICAO code such as ARE, CHN or GBR."},
    )
    declared_full_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    declared_birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    language = serializers.ChoiceField(choices=LANGUAGE_CODES, required=False, default="en")
    external_reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="",
        help_text="Your own reference for the case; returned in responses and webhooks.",
    )
    consents = serializers.ListField(
        child=serializers.ChoiceField(choices=list(SCOPES)), allow_empty=True,
        help_text="Consents the applicant gave you: 'processing' is required; "
        "'sensitive_personal_information' before a Chinese resident ID is uploaded (PIPL); "
        "'biometric' before a selfie or liveness frames (PIPL, UAE PDPL).",
    )


class ConsentSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(choices=list(SCOPES))


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.CharField(
        max_length=40,
        help_text="A document kind (passport, emirates_id_front, cn_id_portrait, …) or a document type "
        "(passport, emirates_id, cn_resident_id) together with 'side'.",
    )
    side = serializers.ChoiceField(
        choices=["", "data_page", "front", "back", "portrait", "emblem"], required=False, default="", allow_blank=True
    )
    file = serializers.FileField(allow_empty_file=True, help_text="JPEG, PNG, BMP or TIFF image.")

    def validate(self, attrs):
        kind, side = attrs["kind"].strip(), attrs.get("side", "")
        resolved = _SIDES.get((kind, side))
        if resolved is None and not side:
            try:
                resolved = DocumentKind(kind)
            except ValueError:
                resolved = None
        if resolved is None:
            raise serializers.ValidationError(
                {"kind": [f"Unknown document side {kind!r}{' / ' + side if side else ''}. Use one of "
                          + ", ".join(k.value for k in DocumentKind) + "."]}
            )
        attrs["document_kind"] = resolved.value
        return attrs


class ReadingSerializer(serializers.ModelSerializer):
    class Meta:
        model = DocumentReading
        fields = ["role", "provider", "fields", "mrz_lines", "created_at"]


class DocumentSerializer(serializers.ModelSerializer):
    readings = ReadingSerializer(many=True, read_only=True)

    class Meta:
        model = Document
        fields = [
            "id", "kind", "read_state", "failure_reason", "sha256", "byte_size", "width", "height",
            "content_type", "created_at", "readings",
        ]


class DocumentSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Document
        fields = ["id", "kind", "read_state", "sha256", "byte_size", "width", "height", "content_type", "created_at"]


class FindingSerializer(serializers.ModelSerializer):
    class Meta:
        model = CheckFinding
        fields = ["code", "outcome", "message", "document_kind", "evidence"]


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = ["outcome", "reason_codes", "note", "requested_kinds", "created_at"]


class ApplicantSerializer(serializers.Serializer):
    email = serializers.EmailField()
    declared_full_name = serializers.CharField()
    declared_birth_date = serializers.DateField(allow_null=True)
    language = serializers.CharField()


class CaseSummarySerializer(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=CASE_STATE_CHOICES)
    external_reference = serializers.SerializerMethodField()
    missing_kinds = serializers.SerializerMethodField()
    optional_kinds = serializers.SerializerMethodField()

    class Meta:
        model = Case
        fields = [
            "id", "reference", "external_reference", "document_type", "issuing_country", "state", "state_label",
            "state_reason", "created_at", "submitted_at", "state_changed_at", "missing_kinds",
            "bank_card", "optional_kinds", "selfie_requirement",
        ]

    def get_external_reference(self, case) -> str:
        link = getattr(case, "integrator_link", None)
        return link.external_reference if link else ""

    def get_missing_kinds(self, case) -> list[str]:
        present = {d.kind for d in _current_documents(case)}
        # A selfie the case asks for is listed like a side (the liveness burst: ``liveness_missing``).
        wanted = [*case.required_kinds, *([DocumentKind.SELFIE] if case.asks_for_selfie else [])]
        return [k.value for k in wanted if k.value not in present]

    def get_optional_kinds(self, case) -> list[str]:
        """Sides the case may have but can be submitted without (a bank card the site does not insist on)."""
        return [k.value for k in case.optional_kinds]


def _current_documents(case):
    documents = getattr(case, "current_documents", None)
    return documents if documents is not None else list(case.documents.filter(is_current=True))


class CaseListItemSerializer(CaseSummarySerializer):
    documents = serializers.SerializerMethodField()

    class Meta(CaseSummarySerializer.Meta):
        fields = [*CaseSummarySerializer.Meta.fields, "documents"]

    @extend_schema_field(DocumentSummarySerializer(many=True))
    def get_documents(self, case):
        return DocumentSummarySerializer(_current_documents(case), many=True).data


class CaseDetailSerializer(CaseSummarySerializer):
    applicant = ApplicantSerializer(read_only=True)
    consents = serializers.SerializerMethodField()
    documents = serializers.SerializerMethodField()
    findings = serializers.SerializerMethodField()
    decision = serializers.SerializerMethodField()

    class Meta(CaseSummarySerializer.Meta):
        fields = [*CaseSummarySerializer.Meta.fields, "applicant", "consents", "documents", "findings", "decision",
                  "liveness_missing"]

    liveness_missing = serializers.SerializerMethodField(
        help_text="True while the case asks for a selfie and has no liveness burst yet (POST .../liveness/), unless "
                  "the applicant said in the web flow that they cannot do it (no camera); submitting is then allowed."
    )

    def get_liveness_missing(self, case) -> bool:
        return (case.asks_for_selfie and case.liveness_skipped_at is None
                and not case.liveness_captures.filter(is_current=True).exists())

    def get_consents(self, case) -> list[str]:
        return self.context["consents"]

    @extend_schema_field(DocumentSerializer(many=True))
    def get_documents(self, case):
        return DocumentSerializer(_current_documents(case), many=True).data

    @extend_schema_field(FindingSerializer(many=True))
    def get_findings(self, case):
        return FindingSerializer(self.context["findings"], many=True).data

    @extend_schema_field(DecisionSerializer(allow_null=True))
    def get_decision(self, case):
        # Only decisions in force: an approval still waiting for a second reviewer is not one.
        decisions = [d for d in case.decisions.all() if getattr(d, "status", "final") == "final"]
        return DecisionSerializer(decisions[-1]).data if decisions else None


class WebhookEndpointSerializer(serializers.ModelSerializer):
    disabled_reason = serializers.ChoiceField(
        choices=WebhookEndpoint.DisabledReason.choices, allow_blank=True, read_only=True,
        help_text="Why the endpoint no longer receives events; empty while it is active.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "is_active", "disabled_reason", "disabled_at", "created_at"]
        read_only_fields = ["id", "is_active", "disabled_reason", "disabled_at", "created_at"]


class WebhookEndpointCreatedSerializer(serializers.ModelSerializer):
    secret = serializers.CharField(help_text="Signs every delivery. Shown only in this response: keep it.")

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "is_active", "created_at", "secret"]


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "attempted_at", "status_code", "error", "duration_ms", "succeeded"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    attempt_log = WebhookAttemptSerializer(
        source="attempt_records", many=True, read_only=True,
        help_text="Every attempt so far, oldest first: HTTP status (null when none came), error, duration.",
    )

    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "event_type", "case_id", "state", "attempts", "last_status_code", "last_error",
            "next_attempt_at", "delivered_at", "created_at", "payload", "attempt_log",
        ]


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()
