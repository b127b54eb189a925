"""Liveness captures: issuing a challenge, and storing the burst of frames that answers it.

The frames are images of the applicant's face: they need the biometric consent, are stored
encrypted under the case's folder like every image, and are erased with the case. The face engine
judges them after submission (``kyc.services.faces``); here only the shape of the burst is checked.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from kyc.core.audit import Actor, audit_record
from kyc.domain.liveness import BurstLimits, burst_refusal
from kyc.domain.workflow import EDITABLE_STATES, CaseState
from kyc.errors import CaseErased, CaseNotEditable, SelfieNotAsked, ValidationFailed
from kyc.models import Case, LivenessCapture, LivenessFrame
from kyc.services.cases import lock_case
from kyc.services.consent import require_biometric_consent
from kyc.uploads.prepare import PreparedImage, UploadNotKept
from ocr_integration.documents.kinds import LivenessChallenge

logger = logging.getLogger(__name__)

# One English msgid per refusal code of kyc.domain.liveness (translated where shown).
BURST_MESSAGES = {
    "liveness_too_few_frames": gettext_noop(
        "The check needs at least %(minimum)d photos; %(count)d arrived. Please do the head turn again."
    ),
    "liveness_too_many_frames": gettext_noop(
        "The check takes at most %(maximum)d photos; %(count)d arrived. Please do the head turn again."
    ),
    "liveness_frames_out_of_order": gettext_noop(
        "The photos of the check did not arrive in the order they were taken. Please do the head turn again."
    ),
    "liveness_too_long": gettext_noop(
        "The head turn took %(seconds).1f seconds; it should take no more than %(limit).0f. Please do it again."
    ),
}


@dataclass(frozen=True)
class BurstFrame:
    """One frame as received: the prepared image and its time from the start of the challenge."""

    image: PreparedImage
    offset_ms: int


def burst_limits() -> BurstLimits:
    return BurstLimits(
        min_frames=settings.LIVENESS_MIN_FRAMES,
        max_frames=settings.LIVENESS_MAX_FRAMES,
        max_duration_ms=settings.LIVENESS_MAX_DURATION_MS,
    )


def _refuse_unless_capturing(case: Case) -> None:
    if not case.asks_for_selfie:
        raise SelfieNotAsked()
    if CaseState(case.state) not in EDITABLE_STATES:
        raise CaseNotEditable()
    if case.personal_data_erased_at is not None:
        raise CaseErased()


@transaction.atomic
def liveness_challenge_issue(*, case_id, actor: Actor) -> LivenessCapture:
    """The challenge the applicant answers next: the open (unanswered) one if there is one, else a
    new one, picked at random. Reusing the open one means reloading the page cannot draw challenges
    until one matches a recording, and a case holds at most one unanswered challenge."""
    case = lock_case(case_id)
    _refuse_unless_capturing(case)
    open_capture = case.liveness_captures.filter(completed_at__isnull=True).order_by("-created_at").first()
    if open_capture is not None:
        return open_capture
    capture = LivenessCapture.objects.create(
        case=case, challenge=secrets.choice(list(LivenessChallenge)).value, nonce=secrets.token_urlsafe(32)
    )
    audit_record(
        actor=actor, action="liveness.challenge_issued", case_id=case.id, object_type="liveness_capture",
        object_id=capture.id, data={"challenge": capture.challenge},
    )
    return capture


def liveness_frames_attach(*, case_id, nonce: str, frames: list[BurstFrame], actor: Actor) -> LivenessCapture:
    """Store ``frames`` as the answer to the challenge ``nonce`` names and make it the case's current
    capture, or raise the ``KycError`` that says why not (nothing stored then).

    Sending the same answer again (same nonce, same frames) returns the stored capture: a client
    that lost the first response may retry. A different answer to a challenge already answered is
    refused: a new attempt starts with a new challenge.
    """
    refusal = burst_refusal([frame.offset_ms for frame in frames], burst_limits())
    if refusal is not None:
        raise ValidationFailed(refusal.code, refusal.params, message=BURST_MESSAGES[refusal.code], field="frames")
    hashes = [frame.image.sha256 for frame in frames]
    stored_names: list[str] = []
    try:
        with transaction.atomic():
            case = lock_case(case_id)
            capture = case.liveness_captures.select_for_update().filter(nonce=nonce).first()
            if capture is None:
                raise ValidationFailed(
                    "liveness_unknown_challenge",
                    message=gettext_noop("This head-turn check has expired. Please start it again."),
                    field="nonce",
                )
            if capture.completed_at is not None:
                if list(capture.frames.order_by("index").values_list("sha256", flat=True)) == hashes:
                    return capture  # the same answer sent again
                raise ValidationFailed(
                    "liveness_challenge_used",
                    message=gettext_noop("This head-turn check was already done. Please start a new one."),
                    field="nonce",
                )
            _refuse_unless_capturing(case)
            require_biometric_consent(case_id=case.id)
            previous = case.liveness_captures.filter(is_current=True).first()
            if previous is not None:
                previous.is_current = False
                previous.save(update_fields=["is_current"])
            capture.is_current = True
            capture.completed_at = timezone.now()
            capture.save(update_fields=["is_current", "completed_at"])
            if case.liveness_skipped_at is not None:  # done after all: the burst is what counts
                case.liveness_skipped_at = None
                case.save(update_fields=["liveness_skipped_at", "updated_at"])
            for index, frame in enumerate(frames):
                row = LivenessFrame(
                    capture=capture, index=index, sha256=frame.image.sha256, byte_size=frame.image.byte_size,
                    width=frame.image.width, height=frame.image.height, content_type=frame.image.content_type,
                    offset_ms=frame.offset_ms,
                )
                frame.image.file.seek(0)
                try:
                    row.file.save("frame", File(frame.image.file), save=False)
                except OSError as exc:
                    logger.error("could not store a liveness frame (%s)", type(exc).__name__)
                    raise UploadNotKept() from None
                stored_names.append(row.file.name)
                row.save(force_insert=True)
            audit_record(
                actor=actor, action="liveness.captured", case_id=case.id, object_type="liveness_capture",
                object_id=capture.id,
                data={"challenge": capture.challenge, "frames": len(frames),
                      "duration_ms": frames[-1].offset_ms - frames[0].offset_ms,
                      "replaces": str(previous.id) if previous else None},
            )
    except BaseException:
        # The rows are rolled back with the transaction; the files must go with them.
        for name in stored_names:
            LivenessFrame.file.field.storage.delete(name)
        raise
    return capture


@transaction.atomic
def liveness_skip(*, case_id, actor: Actor) -> Case:
    """The applicant cannot do the head-turn check (no camera, or a browser without JavaScript):
    the case may be submitted with the selfie alone. Nothing passes silently: the face checks then
    report LIVENESS as not performed (a warning the reviewer sees), and the audit trail records the
    applicant's statement. A burst sent later replaces the statement."""
    case = lock_case(case_id)
    _refuse_unless_capturing(case)
    require_biometric_consent(case_id=case.id)
    if case.liveness_skipped_at is None:
        case.liveness_skipped_at = timezone.now()
        case.save(update_fields=["liveness_skipped_at", "updated_at"])
        audit_record(actor=actor, action="liveness.skipped", case_id=case.id, object_type="case", object_id=case.id,
                     data={"had_capture": case.liveness_captures.filter(is_current=True).exists()})
    return case
