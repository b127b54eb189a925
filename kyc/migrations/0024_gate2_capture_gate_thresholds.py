"""The upload quality gate's newer rules get admin thresholds like the others (issue 14 follow-up):
too dark (refuse, warn), too far away (print span), edges running into the frame. Empty: the
gate's tested defaults, so existing installs behave as before. Number 0024 as the brief asks;
the lead renumbers at merge (it follows 0022 in this tree)."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('kyc', '0023_faces2_bucket_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='siteconfiguration',
            name='capture_dark_refuse',
            field=models.FloatField(blank=True, help_text="Upload gate: a photo whose brightest part (a page's white, grey level 0 to 255) is darker than this is refused as too dark (default 90; 0 turns the refusal off).", null=True, validators=[django.core.validators.MinValueValidator(0.0), django.core.validators.MaxValueValidator(255.0)]),
        ),
        migrations.AddField(
            model_name='siteconfiguration',
            name='capture_dark_warn',
            field=models.FloatField(blank=True, help_text='Upload gate: a photo whose brightest part is darker than this (but not than the refusal level) is accepted with a warning (default 120; not below the refusal level; empty follows the refusal level up when that is set higher).', null=True, validators=[django.core.validators.MinValueValidator(0.0), django.core.validators.MaxValueValidator(255.0)]),
        ),
        migrations.AddField(
            model_name='siteconfiguration',
            name='capture_edges_into_frame_refuse',
            field=models.PositiveIntegerField(blank=True, help_text="Upload gate: a photo is refused as cut off when this many of the document's edges beside its print run on into the photo's edge (default 2; 1 refuses more; 0 turns the check off). Empty: off when the open-sides check is 0.", null=True, validators=[django.core.validators.MaxValueValidator(2)]),
        ),
        migrations.AddField(
            model_name='siteconfiguration',
            name='capture_min_print_span',
            field=models.FloatField(blank=True, help_text="Upload gate: a document whose print spans less than this share of the photo's width or height is refused as too far away (default 0.26; higher refuses more; 0 turns the check off).", null=True, validators=[django.core.validators.MinValueValidator(0.0), django.core.validators.MaxValueValidator(0.6)]),
        ),
    ]
