# Written by hand: a data migration (the bucket scheme of kyc.privacy.face_index changed).

from django.db import migrations


def rebuild_face_buckets(apps, schema_editor):
    """Re-digest the stored descriptors under the current scheme (18 projections of width 1.6 per table; the
    stored rows are still one per table). Uses the current module on purpose: the digests must be
    what searches compute now. Streams the descriptors in batches (2 000 per batch)."""
    from kyc.privacy import face_index

    face_index.rebuild(apps.get_model("kyc", "FaceDescriptor"), apps.get_model("kyc", "FaceIndexEntry"),
                       using=schema_editor.connection.alias)


class Migration(migrations.Migration):

    dependencies = [
        ('kyc', '0027_liveness_skipped'),
    ]

    operations = [
        migrations.RunPython(rebuild_face_buckets, migrations.RunPython.noop),
    ]
