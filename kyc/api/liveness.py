"""The integrators' liveness endpoints (issue 19): a challenge, then the burst of frames answering it.

The selfie itself is a document side: ``POST /api/v1/cases/{id}/documents/`` with ``kind=selfie``
(the same validation, idempotency and rate limits as every side). Both need the ``biometric``
consent recorded first (``POST .../consents/`` with ``scope=biometric``).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from kyc.api.errors import ApiError
from kyc.api.services import integrator_actor
from kyc.api.views import (
    ERRORS,
    IDEMPOTENCY_HEADER,
    IntegratorUploadView,
    IntegratorView,
    idempotent,
)
from kyc.models import LivenessCapture
from kyc.services.liveness import (
    BurstFrame,
    burst_limits,
    liveness_challenge_issue,
    liveness_frames_attach,
)
from kyc.uploads.prepare import prepare_upload, refuse_too_large


class LivenessChallengeSerializer(serializers.Serializer):
    capture_id = serializers.UUIDField(source="id")
    challenge = serializers.CharField(
        help_text="What the applicant does while the frames are taken: turn_left_then_right or "
        "turn_right_then_left (the applicant's own left and right; send frames as the camera saw them, not mirrored)."
    )
    nonce = serializers.CharField(help_text="Send it with the frames.")
    min_frames = serializers.IntegerField()
    max_frames = serializers.IntegerField()
    max_duration_ms = serializers.IntegerField()


class LivenessFramesUploadSerializer(serializers.Serializer):
    nonce = serializers.CharField(max_length=64)
    frame = serializers.ListField(child=serializers.FileField(allow_empty_file=True),
                                  help_text="The frames in the order taken (repeat the field).")
    offset_ms = serializers.ListField(child=serializers.IntegerField(min_value=0, max_value=999_999_999),
                                      help_text="Each frame's time from the start of the challenge, in ms.")

    def validate(self, attrs):
        if len(attrs["frame"]) != len(attrs["offset_ms"]):
            raise serializers.ValidationError({"offset_ms": ["Send one offset_ms per frame, in the same order."]})
        return attrs


class LivenessCaptureSerializer(serializers.ModelSerializer):
    frame_count = serializers.SerializerMethodField()

    class Meta:
        model = LivenessCapture
        fields = ["id", "challenge", "is_current", "completed_at", "frame_count"]

    def get_frame_count(self, capture) -> int:
        return capture.frames.count()


def _challenge_body(capture: LivenessCapture) -> dict:
    limits = burst_limits()
    return LivenessChallengeSerializer({
        "id": capture.id, "challenge": capture.challenge, "nonce": capture.nonce,
        "min_frames": limits.min_frames, "max_frames": limits.max_frames, "max_duration_ms": limits.max_duration_ms,
    }).data


class CaseLivenessChallengeView(IntegratorView):
    @extend_schema(summary="Get the liveness challenge to answer (the open one, or a new one)", request=None,
                   parameters=[IDEMPOTENCY_HEADER],
                   responses={200: LivenessChallengeSerializer, **{k: ERRORS[k] for k in (400, 401, 404, 409, 429)}})
    @idempotent
    def post(self, request, case_id):
        case = self.get_case(case_id)
        capture = liveness_challenge_issue(case_id=case.id, actor=integrator_actor(request.user))
        return Response(_challenge_body(capture))


class CaseLivenessFramesView(IntegratorUploadView):

    @extend_schema(
        summary="Upload the burst of frames that answers the liveness challenge",
        request={"multipart/form-data": LivenessFramesUploadSerializer},
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: LivenessCaptureSerializer, **{k: ERRORS[k] for k in (400, 401, 404, 409, 410, 422, 429)}},
    )
    @idempotent
    def post(self, request, case_id):
        case = self.get_case(case_id)
        if getattr(request._request, "upload_too_large", False):
            raise refuse_too_large()
        # A QueryDict: the repeated fields as lists.
        data = {"nonce": request.data.get("nonce", ""), "frame": request.FILES.getlist("frame"),
                "offset_ms": request.data.getlist("offset_ms")}
        serializer = LivenessFramesUploadSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        if not serializer.validated_data["frame"]:
            raise ApiError("liveness_too_few_frames", "Send the frames of the burst as repeated 'frame' fields.")
        frames = [BurstFrame(image=prepare_upload(f), offset_ms=o) for f, o in
                  zip(serializer.validated_data["frame"], serializer.validated_data["offset_ms"], strict=True)]
        capture = liveness_frames_attach(case_id=case.id, nonce=serializer.validated_data["nonce"], frames=frames,
                                         actor=integrator_actor(request.user))
        return Response(LivenessCaptureSerializer(capture).data, status=status.HTTP_201_CREATED)
