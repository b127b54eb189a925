"""The staff roles (Django groups with their permissions) and the starting reason codes.

Created by migrations 0003 and 0005, and made whole again after every ``migrate`` (post_migrate:
permissions added here later reach existing installations at their next migrate),
so that a database flushed and re-migrated — a test run, a restored backup — always has them.
Idempotent: existing groups gain missing permissions; retired reason codes stay retired.
"""

from __future__ import annotations

REVIEWER = ["kyc.review_case", "kyc.decide_case", "kyc.add_casenote"]
SENIOR_REVIEWER = REVIEWER + [
    "kyc.second_approve_case", "kyc.assign_case", "kyc.view_metrics", "kyc.export_evidence",
]
# Admins configure the product and answer regulators; they read cases but do not decide them.
ADMIN = [
    "kyc.review_case", "kyc.view_metrics", "kyc.export_evidence",
    "kyc.view_reasoncode", "kyc.add_reasoncode", "kyc.change_reasoncode",
    "kyc.view_siteconfiguration", "kyc.add_siteconfiguration", "kyc.change_siteconfiguration",
    "kyc.view_staffloginthrottle", "kyc.change_staffloginthrottle",
    "kyc.view_totpdevice", "kyc.delete_totpdevice",
    "kyc_core.view_auditevent", "kyc.view_case", "kyc.view_decision", "kyc.view_checkfinding",
    "kyc.view_casenote",
    # Files an erasure could not delete yet: admins watch them go (retention retries them).
    "kyc.view_pendingfiledeletion",
    "auth.view_user", "auth.change_user", "auth.add_user", "auth.view_group",
    "kyc.view_applicant", "kyc.erase_applicant",
    "ocr_integration.view_vendoraccount", "ocr_integration.add_vendoraccount",
    "ocr_integration.change_vendoraccount",
    "ocr_integration.view_routingrule", "ocr_integration.add_routingrule",
    "ocr_integration.change_routingrule", "ocr_integration.delete_routingrule",
    "ocr_integration.view_ocrattempt",
    # Integrators: admins onboard them, issue and revoke keys, and can disable a webhook endpoint.
    "kyc_api.view_integrator", "kyc_api.add_integrator", "kyc_api.change_integrator",
    "kyc_api.view_apikey", "kyc_api.change_apikey",
    "kyc_api.view_webhookendpoint", "kyc_api.change_webhookendpoint",
    "kyc_api.view_webhookdelivery", "kyc_api.view_integratorcase",
]
ROLES = {"reviewer": REVIEWER, "senior reviewer": SENIOR_REVIEWER, "admin": ADMIN}

REASON_CODES = [
    ("documents-consistent", "Documents read cleanly and agree with each other", "approve"),
    ("manual-verification", "Verified by hand despite a failed automated check", "approve"),
    ("document-expired", "The document has expired", "reject"),
    ("document-tampered", "Signs that the document was altered", "reject"),
    ("data-mismatch", "The document's data disagree with each other or with the declaration", "any"),
    ("underage", "The applicant is below the minimum age", "reject"),
    ("unsupported-document", "This document type or issuer is not accepted", "reject"),
    ("image-unreadable", "An image is blurred, cropped or has glare", "request_resubmission"),
    ("wrong-side", "The wrong side or the wrong document was uploaded", "request_resubmission"),
]

# What a rejected applicant reads for each rejection reason, in English, Arabic and Chinese (issue 14);
# new rows get it, an admin's edits are kept (migration 0014 gave existing rows the same text).
REASON_APPLICANT_TEXTS = {
    "document-expired": (
        "The document you sent has expired. You can start a new verification with a valid document.",
        "الوثيقة التي أرسلتها منتهية الصلاحية. يمكنك بدء عملية تحقق جديدة باستخدام وثيقة سارية المفعول.",
        "您提交的证件已过期。您可以使用有效证件重新开始身份验证。",
    ),
    "document-tampered": (
        "We could not accept the document because parts of it appear to have been changed.",
        "تعذّر علينا قبول الوثيقة لأن أجزاءً منها تبدو معدَّلة.",
        "由于证件的部分内容似乎被改动过，我们无法接受该证件。",
    ),
    "data-mismatch": (
        "The details on the document do not match each other or the details you entered.",
        "البيانات الواردة في الوثيقة لا تتطابق فيما بينها أو مع البيانات التي أدخلتها.",
        "证件上的信息彼此不一致，或与您填写的信息不一致。",
    ),
    "underage": (
        "You must be of the minimum age for this service to be verified.",
        "يجب أن تكون قد بلغت الحد الأدنى للسن المطلوب لهذه الخدمة حتى يتم التحقق من هويتك.",
        "您必须达到本服务要求的最低年龄才能通过验证。",
    ),
    "unsupported-document": (
        "We cannot accept this type of document or documents from this issuing country. You can start again with another document.",
        "لا يمكننا قبول هذا النوع من الوثائق أو الوثائق الصادرة من بلد الإصدار هذا. يمكنك البدء من جديد باستخدام وثيقة أخرى.",
        "我们无法接受此类证件或该签发国家/地区的证件。您可以使用其他证件重新开始。",
    ),
}


def ensure_roles_and_reason_codes(*, using: str = "default", **_kwargs) -> None:
    from django.contrib.auth.models import Group, Permission

    from kyc.models import ReasonCode

    for name, perms in ROLES.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            permission = (
                Permission.objects.using(using).filter(content_type__app_label=app_label, codename=codename).first()
            )
            if permission is not None:  # a model of an app not installed here
                wanted.append(permission)
        group.permissions.add(*wanted)
    for position, (code, label, applies_to) in enumerate(REASON_CODES):
        english, arabic, chinese = REASON_APPLICANT_TEXTS.get(code, ("", "", ""))
        ReasonCode.objects.using(using).get_or_create(
            code=code,
            defaults={
                "label": label, "applies_to": applies_to, "position": (position + 1) * 10,
                "applicant_text": english, "applicant_text_ar": arabic, "applicant_text_zh_hans": chinese,
            },
        )
