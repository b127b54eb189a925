from kyc.models.applicant import Applicant
from kyc.models.case import Case
from kyc.models.configuration import SiteConfiguration
from kyc.models.decision import Decision
from kyc.models.document import Document, DocumentReading
from kyc.models.faces import FaceCentroids, FaceDescriptor, FaceIndexEntry
from kyc.models.finding import CheckFinding
from kyc.models.liveness import LivenessCapture, LivenessFrame
from kyc.models.queue_count import QueueCount
from kyc.models.retention import PendingFileDeletion
from kyc.models.reviewing import CaseNote, CaseSearchDigest, ReasonCode
from kyc.models.security import RateCounter, StaffLoginThrottle, TotpDevice
from kyc.models.staff_preferences import StaffPreferences

__all__ = [
    "Applicant",
    "Case",
    "CaseSearchDigest",
    "CaseNote",
    "CheckFinding",
    "Decision",
    "Document",
    "DocumentReading",
    "FaceCentroids",
    "FaceDescriptor",
    "FaceIndexEntry",
    "LivenessCapture",
    "LivenessFrame",
    "PendingFileDeletion",
    "QueueCount",
    "RateCounter",
    "ReasonCode",
    "SiteConfiguration",
    "StaffLoginThrottle",
    "StaffPreferences",
    "TotpDevice",
]
