"""The one list of where personal data lives (kyc.privacy.personal_data) covers every model field that
could hold it: a new text, JSON, encrypted or file field must be classified before tests pass."""

from django.apps import apps
from django.db import models

from kyc.privacy.personal_data import NOT_PERSONAL, PERSONAL, personal_field_names


def _could_hold_personal_data(field) -> bool:
    return isinstance(field, (models.CharField, models.TextField, models.JSONField, models.FileField)) or (
        "Encrypted" in type(field).__name__
    )


def test_every_text_json_encrypted_or_file_field_of_every_model_is_classified():
    personal = personal_field_names()
    unclassified = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if _could_hold_personal_data(field)
        and f"{model._meta.label}.{field.name}" not in personal
        and f"{model._meta.label}.{field.name}" not in NOT_PERSONAL
    ]
    assert unclassified == [], (
        "Classify these in kyc/privacy/personal_data.py: PERSONAL (erased with the case) or NOT_PERSONAL (say why)"
    )


def test_the_list_names_only_fields_that_exist_and_each_once():
    existing = {f"{m._meta.label}.{f.name}" for m in apps.get_models() for f in m._meta.concrete_fields}
    personal = personal_field_names()
    assert sorted(personal - existing) == [] and sorted(set(NOT_PERSONAL) - existing) == []
    assert sorted(personal & set(NOT_PERSONAL)) == []
    for table in PERSONAL:  # each table's rows of a case can be found by its lookup
        apps.get_model(table.model)._base_manager.filter(**{table.case_lookup: "00000000-0000-0000-0000-000000000000"})
