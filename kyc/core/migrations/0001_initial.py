"""The audit trail's three models move here from ``kyc`` (issue 18, point 4): state only.

Their tables were created by kyc's migrations 0001, 0009 and 0010 and keep their names
(``Meta.db_table``), so no row moves and nothing is locked: this migration adds the models to
``kyc_core``'s state, ``kyc.0014`` removes them from ``kyc``'s. The content types are renamed in
place, so the permissions that point at them (the admin role's ``view_auditevent``) and the admin
log entries stay attached.
"""

from django.db import migrations, models

MODELS = ("auditevent", "auditchain", "auditcheckpoint")


def _move_content_types(apps, schema_editor, source: str, target: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        # A content type created for the target by an earlier run (migrate back and forth) holds no
        # permission we need: the source's, which roles and admins point at, is the one we keep.
        if ContentType.objects.using(db).filter(app_label=source, model=model).exists():
            ContentType.objects.using(db).filter(app_label=target, model=model).delete()
            ContentType.objects.using(db).filter(app_label=source, model=model).update(app_label=target)


def content_types_to_core(apps, schema_editor):
    _move_content_types(apps, schema_editor, "kyc", "kyc_core")


def content_types_back_to_kyc(apps, schema_editor):
    _move_content_types(apps, schema_editor, "kyc_core", "kyc")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('kyc', '0013_capture_gate_thresholds'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='AuditChain',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('key', models.CharField(max_length=40, unique=True)),
                        ('last_sequence', models.PositiveBigIntegerField(default=0)),
                        ('last_hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', max_length=64)),
                        ('checkpointed_sequence', models.PositiveBigIntegerField(default=0)),
                    ],
                    options={
                        'db_table': 'kyc_auditchain',
                    },
                ),
                migrations.CreateModel(
                    name='AuditCheckpoint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('created_at', models.DateTimeField()),
                        ('last_sequence', models.PositiveBigIntegerField(db_index=True)),
                        ('payload', models.TextField()),
                        ('signature', models.CharField(max_length=128)),
                        ('key_id', models.CharField(max_length=32)),
                    ],
                    options={
                        'db_table': 'kyc_auditcheckpoint',
                        'ordering': ['last_sequence', 'created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='AuditEvent',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('sequence', models.PositiveBigIntegerField(unique=True)),
                        ('chain', models.CharField(default='global', max_length=40)),
                        ('chain_sequence', models.PositiveBigIntegerField(default=0)),
                        ('hash_version', models.PositiveSmallIntegerField(default=2)),
                        ('occurred_at', models.DateTimeField()),
                        ('actor_kind', models.CharField(choices=[('staff', 'Staff member'), ('applicant', 'Applicant'), ('integrator', 'Integrator (API key)'), ('system', 'System')], max_length=20)),
                        ('actor_id', models.CharField(blank=True, max_length=64)),
                        ('actor_label', models.CharField(blank=True, max_length=150)),
                        ('action', models.CharField(db_index=True, max_length=60)),
                        ('case_id', models.UUIDField(blank=True, db_index=True, null=True)),
                        ('object_type', models.CharField(blank=True, max_length=60)),
                        ('object_id', models.CharField(blank=True, max_length=64)),
                        ('data', models.JSONField(default=dict)),
                        ('prev_hash', models.CharField(max_length=64)),
                        ('hash', models.CharField(max_length=64, unique=True)),
                    ],
                    options={
                        'db_table': 'kyc_auditevent',
                        'ordering': ['sequence'],
                        'constraints': [models.UniqueConstraint(fields=('chain', 'chain_sequence'), name='audit_event_chain_position')],
                    },
                ),
            ],
        ),
        migrations.RunPython(content_types_to_core, content_types_back_to_kyc),
    ]
