# Written by hand: the bucket digest became a keyed 64-bit integer (kyc.privacy.face_index), so the
# stored text digests are dropped, the column changes type, and every descriptor is re-digested.

from django.db import migrations, models


def drop_face_buckets(apps, schema_editor):
    """The old 128-bit hex digests cannot be cast to the new integers (they are other digests):
    they go first, so that the column can change type on an empty table."""
    apps.get_model("kyc", "FaceIndexEntry").objects.using(schema_editor.connection.alias).all().delete()


def rebuild_face_buckets(apps, schema_editor):
    """The index changed again after this migration (one entry per descriptor: the keyed digest of
    its k-means list and its masked sketch): migration 0030 trains the centroids and builds the
    entries under the scheme the code uses now. Doing it here too would only double the work of
    an upgrade."""


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
