"""The reviewer queue's side filter: current documents by kind, with their case (issue 21, point 4)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("kyc", "0017_capture_outcomes_and_gate"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="document",
            index=models.Index(
                condition=models.Q(("is_current", True)), fields=["kind", "case"], name="document_current_kind_case"
            ),
        ),
    ]
