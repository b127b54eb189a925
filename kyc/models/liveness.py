"""A liveness capture: the burst of frames the applicant's camera took while they followed a challenge.

The frames are images of the applicant's face (biometric data): stored encrypted in the case's
storage folder like every document image, erased with the case (kyc.privacy.personal_data), and only
ever read by the face checks and, through the access-checked views, by reviewers.
"""

import uuid

from django.db import models

from kyc.models.document import case_storage_prefix
from ocr_integration.documents.kinds import LivenessChallenge


def liveness_frame_upload_path(frame: "LivenessFrame", filename: str) -> str:
    # Under the case's folder, so that erasing the folder erases the frames; ids only, no client name.
    extension = {"image/jpeg": "jpg", "image/png": "png"}.get(frame.content_type, "bin")
    return f"{case_storage_prefix(frame.capture.case_id)}liveness/{frame.capture_id}/{frame.index:02d}.{extension}"


class LivenessCapture(models.Model):
    """One challenge issued to the applicant, and (once the frames arrived) the answer to it.

    The server issues the challenge and a nonce when the liveness step opens; the frames are sent
    with the nonce, which makes the upload idempotent (a repeated send of the same capture is the
    same capture) and ties the frames to the challenge they answer. A capture becomes current when
    its frames are stored; a new current capture makes the earlier one not current (kept for the
    audit trail until erasure).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey("kyc.Case", on_delete=models.CASCADE, related_name="liveness_captures")
    challenge = models.CharField(max_length=40, choices=[(c.value, c.value.replace("_", " ")) for c in LivenessChallenge])
    nonce = models.CharField(max_length=64, unique=True)
    is_current = models.BooleanField(default=False)
    # When the frames were stored (None: issued, not answered yet).
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(is_current=True), name="one_current_liveness_capture_per_case"
            )
        ]

    def __str__(self) -> str:
        return f"liveness capture {self.id} of case {self.case_id}"


class LivenessFrame(models.Model):
    """One frame of a liveness burst, in the order the camera took it."""

    capture = models.ForeignKey("kyc.LivenessCapture", on_delete=models.CASCADE, related_name="frames")
    index = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=liveness_frame_upload_path, max_length=255)
    sha256 = models.CharField(max_length=64)
    byte_size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    content_type = models.CharField(max_length=50)
    # The frame's time from the start of the challenge, as the client reports it (not trusted for
    # anything but the order and spacing the checks look at).
    offset_ms = models.PositiveIntegerField()

    class Meta:
        ordering = ["capture", "index"]
        constraints = [models.UniqueConstraint(fields=["capture", "index"], name="one_liveness_frame_per_index")]

    def __str__(self) -> str:
        return f"frame {self.index} of {self.capture_id}"
