"""Reason codes get the text a rejected applicant reads, in each applicant language, and the upload
quality gate two more admin thresholds (cut-off document, missing machine-readable lines); issue 14.

The seeded rejection reasons get a default text in English, Arabic and Chinese (the wording of
docs/glossary.md); admins change it in the admin. Reasons an admin added are left empty (not shown
to applicants) until someone writes a text for them.
"""

import django.core.validators
from django.db import migrations, models

DEFAULTS = {
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


def forwards(apps, schema_editor):
    ReasonCode = apps.get_model("kyc", "ReasonCode")
    for code, (english, arabic, chinese) in DEFAULTS.items():
        ReasonCode.objects.filter(code=code, applicant_text="").update(
            applicant_text=english, applicant_text_ar=arabic, applicant_text_zh_hans=chinese
        )


class Migration(migrations.Migration):
    dependencies = [("kyc", "0016_bank_card_supporting_document")]

    operations = [
        migrations.AddField(
            model_name="reasoncode",
            name="applicant_text",
            field=models.TextField(
                blank=True,
                help_text="Shown to a rejected applicant (English). Say what was wrong and what they can do; empty: not shown.",
            ),
        ),
        migrations.AddField(
            model_name="reasoncode",
            name="applicant_text_ar",
            field=models.TextField(blank=True, help_text="The same text in Arabic. Empty: the English text."),
        ),
        migrations.AddField(
            model_name="reasoncode",
            name="applicant_text_zh_hans",
            field=models.TextField(blank=True, help_text="The same text in Simplified Chinese. Empty: the English text."),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.AddField(
            model_name="siteconfiguration",
            name="capture_open_sides_refuse",
            field=models.PositiveIntegerField(
                blank=True, null=True,
                validators=[django.core.validators.MaxValueValidator(4)],
                help_text="Upload gate: a photo is refused as cut off when one side (up to this many) of the printed area has no document edge before the photo's edge (default 1; 0 turns the check off).",
            ),
        ),
        migrations.AddField(
            model_name="siteconfiguration",
            name="capture_mrz_min_lines",
            field=models.PositiveIntegerField(
                blank=True, null=True, validators=[django.core.validators.MaxValueValidator(3)],
                help_text="Upload gate: a passport page or Emirates ID back with fewer machine-readable lines found than this is refused as the wrong side (default 2; 0 only warns).",
            ),
        ),
    ]
