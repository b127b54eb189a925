"""The reviewer queue's counter table and the triggers that keep it, and the indexes that read
the queue over every state, and the waiting cases in each sortable order, in order (issue 21,
point 4).

See kyc/models/queue_count.py for why the database keeps it. The table starts with the current
count of every group, taken in the same transaction as the triggers are created.
"""

from django.db import migrations, models

from kyc.models.queue_count import drop_statements, trigger_statements

CASES, COUNTS = "kyc_case", "kyc_queuecount"


def install(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for statement in trigger_statements(connection.vendor, case_table=CASES, count_table=COUNTS):
            cursor.execute(statement)
        cursor.execute(
            f"INSERT INTO {COUNTS} (state, document_type, issuing_country, has_failed, has_warned, "
            f"awaiting_second_approval, assignee_id, n) "
            f"SELECT state, document_type, issuing_country, failed_findings_count > 0, warned_findings_count > 0, "
            f"awaiting_second_approval, COALESCE(assigned_to_id, 0), COUNT(*) FROM {CASES} GROUP BY 1, 2, 3, 4, 5, 6, 7"
        )


def uninstall(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for statement in drop_statements(schema_editor.connection.vendor, case_table=CASES):
            cursor.execute(statement)


class Migration(migrations.Migration):

    dependencies = [
        ("kyc", "0019_selfie_capture_and_liveness"),
    ]

    operations = [
        migrations.CreateModel(
            name="QueueCount",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("state", models.CharField(max_length=30)),
                ("document_type", models.CharField(max_length=20)),
                ("issuing_country", models.CharField(max_length=3)),
                ("has_failed", models.BooleanField()),
                ("has_warned", models.BooleanField()),
                ("awaiting_second_approval", models.BooleanField()),
                ("assignee_id", models.BigIntegerField()),
                ("n", models.IntegerField()),
            ],
            options={
                "verbose_name": "queue count change",
            },
        ),
        migrations.RunPython(install, uninstall),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(fields=["submitted_at", "created_at", "id"], name="case_listing_order"),
        ),

        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('state__in', ['ready_for_review', 'needs_attention'])), fields=['document_type', 'issuing_country', 'submitted_at', 'id'], name='case_queue_by_document'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('state__in', ['ready_for_review', 'needs_attention'])), fields=['-document_type', '-issuing_country', 'submitted_at', 'id'], name='case_queue_by_document_desc'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('state__in', ['ready_for_review', 'needs_attention'])), fields=['-state', 'submitted_at', 'id'], name='case_queue_by_state_desc'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('state__in', ['ready_for_review', 'needs_attention'])), fields=['-failed_findings_count', '-warned_findings_count', 'submitted_at', 'id'], name='case_queue_by_checks'),
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(('state__in', ['ready_for_review', 'needs_attention'])), fields=['failed_findings_count', 'warned_findings_count', 'submitted_at', 'id'], name='case_queue_by_checks_asc'),
        ),
    ]
