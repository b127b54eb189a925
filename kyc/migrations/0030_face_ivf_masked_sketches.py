# Written by hand: the face index becomes an IVF with masked keyed sketches (kyc.privacy.face_index):
# one entry per descriptor instead of one per LSH table, and the k-means centroids it is built on.

from django.db import migrations, models

import kyc.core.encryption.fields


def drop_face_entries(apps, schema_editor):
    """The LSH bucket rows cannot become list entries (there are 40 per descriptor and no sketch):
    they go first, so that the one-per-descriptor constraint and the sketch column go onto an
    empty table."""
    apps.get_model("kyc", "FaceIndexEntry").objects.using(schema_editor.connection.alias).all().delete()


def build_face_index(apps, schema_editor):
    """Train the centroids on the stored descriptors and write one entry per descriptor
    (kyc.services.faces.face_index_rebuild, streamed in batches of 2 000). Uses the current code on
    purpose: the entries must be what searches compute now. Also creates the centroids row (k = 1
    below a few thousand descriptors), which every later index write locks against a retraining."""
    from kyc.services.faces import face_index_rebuild

    face_index_rebuild(apps.get_model("kyc", "FaceDescriptor"), apps.get_model("kyc", "FaceIndexEntry"),
                       apps.get_model("kyc", "FaceCentroids"), using=schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('kyc', '0029_face_bucket_bigint'),
    ]

    operations = [
        migrations.RunPython(drop_face_entries, migrations.RunPython.noop),
        migrations.RemoveConstraint(
            model_name='faceindexentry',
            name='one_face_bucket_per_descriptor',
        ),
        migrations.RemoveIndex(
            model_name='faceindexentry',
            name='face_bucket_descriptor',
        ),
        migrations.AddField(
            model_name='faceindexentry',
            name='sketch',
            field=models.BinaryField(default=b''),
            preserve_default=False,
        ),
        migrations.AddConstraint(
            model_name='faceindexentry',
            constraint=models.UniqueConstraint(fields=('descriptor',), name='one_face_entry_per_descriptor'),
        ),
        migrations.AddIndex(
            model_name='faceindexentry',
            index=models.Index(fields=['bucket'], include=['descriptor', 'sketch'], name='face_list_entries'),
        ),
        migrations.CreateModel(
            name='FaceCentroids',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ('version', models.PositiveIntegerField()),
                ('k', models.PositiveIntegerField()),
                ('centroids', kyc.core.encryption.fields.EncryptedTextField(blank=True)),
                ('trained_at', models.DateTimeField()),
                ('cases_counted', models.PositiveIntegerField()),
                ('last_descriptor_id', models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(build_face_index, migrations.RunPython.noop),
    ]
