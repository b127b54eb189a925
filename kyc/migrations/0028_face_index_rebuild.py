# Written by hand: a data migration (the bucket scheme of kyc.privacy.face_index changed).

from django.db import migrations


def rebuild_face_buckets(apps, schema_editor):
    """The bucket digest changed again after this migration (a keyed 64-bit integer, not 128-bit hex text):
    migration 0029 drops the rows, changes the column and re-digests every stored descriptor under
    the scheme the code uses now. Doing it here too would only double the work of an upgrade."""


class Migration(migrations.Migration):

    dependencies = [
        ('kyc', '0027_liveness_skipped'),
    ]

    operations = [
        migrations.RunPython(rebuild_face_buckets, migrations.RunPython.noop),
    ]
