import secrets
import uuid
from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce

from kyc.core.encryption.fields import EncryptedTextField
from kyc.domain.workflow import STATE_LABELS, CaseState
from ocr_integration.documents.kinds import (
    DocumentKind,
    DocumentType,
    SelfieRequirement,
    SupportingRequirement,
    case_kinds,
)

# No 0/O, 1/I/L: references are read out over the phone.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def new_case_reference() -> str:
    return "K-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


# A case not yet submitted sorts after every submitted one in the queue's time filters: the queue
# compares COALESCE(submitted_at, NOT_YET_SUBMITTED) so that "submitted after the cutoff, or not
# yet" is one index range (an OR with IS NULL made PostgreSQL read the table instead of the index).
NOT_YET_SUBMITTED = datetime(9999, 12, 31, tzinfo=UTC)


def submitted_or_never():
    """The expression the queue's time filters compare (and index ``case_recent_counts`` holds)."""
    return Coalesce("submitted_at", models.Value(NOT_YET_SUBMITTED, output_field=models.DateTimeField()))


class Case(models.Model):
    """One onboarding attempt: an applicant, one identity document (all its sides), a decision."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    reference = models.CharField(max_length=12, unique=True, default=new_case_reference, editable=False)
    applicant = models.ForeignKey("kyc.Applicant", on_delete=models.PROTECT, related_name="cases")
    document_type = models.CharField(max_length=20, choices=[(t.value, t.value) for t in DocumentType])
    issuing_country = models.CharField(max_length=3, blank=True, help_text="ICAO code chosen by the applicant")
    # Whether this case asks for a bank card beside the identity document: the site configuration's
    # value for the document type when the case started, kept so that an admin's later change does
    # not move the goal posts of a case in flight.
    bank_card = models.CharField(
        max_length=10,
        choices=[(r.value, r.value.replace("_", " ")) for r in SupportingRequirement],
        default=SupportingRequirement.NOT_ASKED.value,
    )
    # Whether this case asks for a selfie and a liveness capture after its documents, kept from the
    # site configuration when the case started (like ``bank_card``).
    selfie_requirement = models.CharField(
        max_length=10,
        choices=[(r.value, r.value.replace("_", " ")) for r in SelfieRequirement],
        default=SelfieRequirement.NOT_ASKED.value,
    )
    # When the applicant said they cannot do the head-turn check (no camera, or no JavaScript): the
    # case may then be submitted with the selfie alone, and the face checks show LIVENESS as not
    # performed (a warning for the reviewer, never a pass). Cleared by a burst, or when a reviewer
    # asks for a new selfie.
    liveness_skipped_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(
        max_length=30,
        choices=[(s.value, STATE_LABELS[s]) for s in CaseState],
        default=CaseState.DRAFT.value,
        db_index=True,
    )
    # Why the case is in its state, in words a reviewer or applicant can act on.
    # (a reviewer's words may name the applicant: encrypted at rest)
    state_reason = EncryptedTextField(blank=True)
    state_changed_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    # Incremented each time the cross-checks run; findings of the latest run are the current ones.
    check_run = models.PositiveIntegerField(default=0)
    # The current check run's failed / warned findings, and whether an override approval waits for
    # its second reviewer: kept on the row so that the queue at 100 000 cases sorts and counts
    # without joining findings and decisions (written by the services that change them).
    failed_findings_count = models.PositiveIntegerField(default=0)
    warned_findings_count = models.PositiveIntegerField(default=0)
    awaiting_second_approval = models.BooleanField(default=False)
    # Staff member who created the case on an applicant's behalf (they may not decide it).
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_cases"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    # Set when retention or an erasure request removed the images and personal values.
    personal_data_erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["submitted_at", "created_at"]
        permissions = [
            ("review_case", "Can see the review queue and case workspaces"),
            ("decide_case", "Can approve, reject or ask for resubmission"),
            ("second_approve_case", "Can give the second approval of a case with failed checks"),
            ("assign_case", "Can assign cases to other reviewers and release their claims"),
            ("view_metrics", "Can see the review metrics page"),
            ("export_evidence", "Can export a case's evidence for a regulator"),
        ]
        indexes = [
            models.Index(fields=["state", "submitted_at"]),
            # The reviewer queue at 100 000 cases: its default page and its count read this small
            # partial index in order instead of sorting every waiting case.
            models.Index(
                fields=["submitted_at", "created_at", "id"],
                condition=models.Q(state__in=["ready_for_review", "needs_attention"]),
                name="case_review_queue_order",
            ),
            # The queue over every listable state, oldest first (the "all states" filter, a side
            # over all states): the first page is read in order instead of sorting every case.
            models.Index(fields=["submitted_at", "created_at", "id"], name="case_listing_order"),
            # The queue's sortable columns (issue 15 point 4) on the waiting cases: each order's
            # first page is read from its index instead of sorting every waiting case (20-30 ms
            # at 10 000 cases, ten times that at 100 000). "reference" has its unique index;
            # "state" ascending uses (state, submitted_at); "-waiting" reads case_review_queue_order backwards.
            *[
                models.Index(fields=[*fields, "submitted_at", "id"], condition=models.Q(
                    state__in=["ready_for_review", "needs_attention"]), name=name)
                for name, fields in (
                    ("case_queue_by_document", ["document_type", "issuing_country"]),
                    ("case_queue_by_document_desc", ["-document_type", "-issuing_country"]),
                    ("case_queue_by_state_desc", ["-state"]),
                    ("case_queue_by_checks", ["-failed_findings_count", "-warned_findings_count"]),
                    ("case_queue_by_checks_asc", ["failed_findings_count", "warned_findings_count"]),
                )
            ],
            # The queue's counts per state are answered from the index alone (PostgreSQL).
            models.Index(
                fields=["state"],
                include=["assigned_to", "failed_findings_count", "awaiting_second_approval", "document_type",
                         "issuing_country", "submitted_at"],
                name="case_state_counts",
            ),
            # The time filters' counts ("waiting longer than", over the SLA) subtract the cases
            # submitted after a cutoff from the counter table: an index range per state read from
            # the index alone (a week of cases was 23 000 heap rows, 114 ms at 100 000 cases).
            models.Index(
                models.F("state"), submitted_or_never(),
                include=["submitted_at", "assigned_to", "failed_findings_count", "warned_findings_count",
                         "awaiting_second_approval", "document_type", "issuing_country"],
                name="case_recent_counts",
            ),
            # The side filter's counts at 100 000 cases: the cases waiting for a resubmission of
            # one document type, with every column the counts read (the index alone answers; the
            # side's documents are then merged in case order instead of probed once per case).
            models.Index(
                fields=["document_type"],
                include=["id", "state", "assigned_to", "failed_findings_count", "warned_findings_count",
                         "awaiting_second_approval", "issuing_country", "submitted_at"],
                condition=models.Q(state="resubmission_requested"),
                name="case_resubmission_by_type",
            ),
            # "Waiting for a second approval" in the queue's order: a few per cent of the waiting
            # cases, which the queue's order index reached only by reading ~2 300 pages of others.
            models.Index(
                fields=["submitted_at", "created_at", "id"],
                condition=models.Q(state__in=["ready_for_review", "needs_attention"], awaiting_second_approval=True),
                name="case_awaiting_second_order",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def state_label(self) -> str:
        return STATE_LABELS[CaseState(self.state)]

    @property
    def required_kinds(self) -> tuple[DocumentKind, ...]:
        """The sides this case cannot be submitted without."""
        return case_kinds(DocumentType(self.document_type), SupportingRequirement(self.bank_card))[0]

    @property
    def optional_kinds(self) -> tuple[DocumentKind, ...]:
        """Sides the applicant may add (a bank card where the site asks for one but does not insist)."""
        return case_kinds(DocumentType(self.document_type), SupportingRequirement(self.bank_card))[1]

    @property
    def asks_for_selfie(self) -> bool:
        """Whether the applicant is asked for a selfie and a liveness capture (both required)."""
        return self.selfie_requirement == SelfieRequirement.REQUIRED.value

    @property
    def resubmittable_kinds(self) -> tuple[DocumentKind, ...]:
        """What a reviewer may ask the applicant to send again: the sides, and the selfie (with a new
        liveness burst) where the case asks for one."""
        return self.allowed_kinds + ((DocumentKind.SELFIE,) if self.asks_for_selfie else ())

    @property
    def allowed_kinds(self) -> tuple[DocumentKind, ...]:
        return self.required_kinds + self.optional_kinds
