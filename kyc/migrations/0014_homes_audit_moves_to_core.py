"""The audit trail's models now belong to ``kyc_core`` (issue 18, point 4): state only, no table
changes (``kyc_core.0001`` adopts the same tables by name)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('kyc', '0013_capture_gate_thresholds'),
        ('kyc_core', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name='AuditChain'),
                migrations.DeleteModel(name='AuditCheckpoint'),
                migrations.DeleteModel(name='AuditEvent'),
            ],
        ),
    ]
