"""The staff TOTP device becomes a django-otp ``Device`` (issue 18, point 7): it gains the
device's ``name``. The secrets stay where and as they are (base32, encrypted at rest), so every
enrolled authenticator goes on working without re-enrolment."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('kyc', '0014_homes_audit_moves_to_core'),
    ]

    operations = [
        migrations.AddField(
            model_name='totpdevice',
            name='name',
            field=models.CharField(default='authenticator app', max_length=64),
        ),
    ]
