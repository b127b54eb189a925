# Written by hand: the bucket digest became a keyed 64-bit integer (kyc.privacy.face_index), so the
# stored text digests are dropped, the column changes type, and every descriptor is re-digested.

from django.db import migrations, models


def drop_face_buckets(apps, schema_editor):
    """The old 128-bit hex digests cannot be cast to the new integers (they are other digests):
    they go first, so that the column can change type on an empty table."""
    apps.get_model("kyc", "FaceIndexEntry").objects.using(schema_editor.connection.alias).all().delete()


def rebuild_face_buckets(apps, schema_editor):
    """Re-digest the stored descriptors under the current scheme, in batches of 2 000
    (kyc.privacy.face_index.rebuild). Uses the current module on purpose: the digests must be what
    searches compute now."""
    from kyc.privacy import face_index

    face_index.rebuild(apps.get_model("kyc", "FaceDescriptor"), apps.get_model("kyc", "FaceIndexEntry"),
                       using=schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('kyc', '0028_face_index_rebuild'),
    ]

    operations = [
        migrations.RunPython(drop_face_buckets, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='faceindexentry',
            name='bucket',
            field=models.BigIntegerField(),
        ),
        migrations.RunPython(rebuild_face_buckets, migrations.RunPython.noop),
    ]
