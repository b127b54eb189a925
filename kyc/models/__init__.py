from kyc.models.applicant import Applicant
from kyc.models.audit import AuditChainHead, AuditEvent
from kyc.models.case import Case
from kyc.models.decision import Decision
from kyc.models.document import Document, DocumentReading
from kyc.models.finding import CheckFinding

__all__ = [
    "Applicant",
    "AuditChainHead",
    "AuditEvent",
    "Case",
    "CheckFinding",
    "Decision",
    "Document",
    "DocumentReading",
]
