"""Telling the applicant about a decision, by email, in their language.

The texts are kept here, per language, rather than in gettext catalogues: they are few, they
must never fall back silently to English for a supported language, and a test reads them.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail

from kyc.models import Decision
from ocr_integration.documents.kinds import KIND_LABELS, DocumentKind

logger = logging.getLogger(__name__)

_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "subject": "Your identity verification {reference}",
        "approve": "Good news: your identity has been verified. You can continue where you left off.",
        "reject": "We could not verify your identity with the documents you sent, so your application was not approved.",
        "request_resubmission": "We need new images of: {sides}.\nWhy: {note}\nPlease open your verification page and upload them again.",
        "footer": "Reference: {reference}. Please quote it if you contact us.",
    },
    "ar": {
        "subject": "التحقق من هويتك {reference}",
        "approve": "أخبار سارة: تم التحقق من هويتك. يمكنك المتابعة من حيث توقفت.",
        "reject": "تعذر علينا التحقق من هويتك بالمستندات التي أرسلتها، لذلك لم تتم الموافقة على طلبك.",
        "request_resubmission": "نحتاج إلى صور جديدة لـ: {sides}.\nالسبب: {note}\nيرجى فتح صفحة التحقق وتحميلها مرة أخرى.",
        "footer": "الرقم المرجعي: {reference}. يرجى ذكره عند التواصل معنا.",
    },
    "zh-hans": {
        "subject": "您的身份验证 {reference}",
        "approve": "好消息：您的身份已通过验证。您可以继续之前的操作。",
        "reject": "我们无法用您提交的证件验证您的身份，因此您的申请未获批准。",
        "request_resubmission": "我们需要以下证件面的新照片：{sides}。\n原因：{note}\n请打开您的验证页面重新上传。",
        "footer": "编号：{reference}。联系我们时请提供此编号。",
    },
}


def email_language(language: str) -> str:
    """The supported language closest to the applicant's (``zh``, ``zh-CN`` → ``zh-hans``; ``ar-AE`` → ``ar``)."""
    code = (language or "en").lower().replace("_", "-")
    if code in _TEXTS:
        return code
    if code.startswith("zh"):
        return "zh-hans"
    base = code.split("-")[0]
    return base if base in _TEXTS else "en"


def decision_email_send(*, decision_id) -> bool:
    """Send the applicant the email for a final decision. False when there is nothing to send."""
    decision = Decision.objects.select_related("case__applicant").filter(id=decision_id).first()
    if decision is None or decision.status != Decision.Status.FINAL:
        return False
    case = decision.case
    texts = _TEXTS[email_language(case.applicant.language)]
    # Side names stay in English labels for now; the note is the reviewer's own words.
    sides = ", ".join(KIND_LABELS[DocumentKind(kind)] for kind in decision.requested_kinds)
    body = "\n\n".join([
        texts[decision.outcome].format(sides=sides, note=decision.note),
        texts["footer"].format(reference=case.reference),
    ])
    send_mail(
        subject=texts["subject"].format(reference=case.reference),
        message=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[case.applicant.email],
    )
    logger.info("decision email sent for case %s", case.reference)
    return True
