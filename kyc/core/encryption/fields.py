"""Model fields whose values are encrypted at rest (see crypto.py beside this file).

The database holds ``enc1:<Fernet token>`` text; Python code sees plain values. Encrypted
columns cannot be filtered or sorted on: only personal values live in them, never keys or states.
"""

from __future__ import annotations

import json
from datetime import date

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from kyc.core.encryption import crypto


class EncryptedTextField(models.TextField):
    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return crypto.decrypt_text(value)

    def to_python(self, value):
        if value is None or not isinstance(value, str):
            return value
        return crypto.decrypt_text(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt_text(str(value))


class EncryptedDateField(models.TextField):
    """A date, encrypted: a birth date is personal data."""

    description = "Date encrypted at rest"

    def from_db_value(self, value, expression, connection):
        return self.to_python(value)

    def to_python(self, value):
        if value is None or value == "" or isinstance(value, date):
            return value or None
        return date.fromisoformat(crypto.decrypt_text(value))

    def get_prep_value(self, value):
        if value is None or value == "":
            return None
        if isinstance(value, str):
            value = date.fromisoformat(value)
        return crypto.encrypt_text(value.isoformat())

    def formfield(self, **kwargs):
        from django import forms

        return super(models.TextField, self).formfield(**{"form_class": forms.DateField, **kwargs})


class EncryptedJSONField(models.JSONField):
    """JSON (a dict or list), encrypted as one text value.

    A JSONField subclass so that forms, DRF serializers and the OpenAPI schema treat it as JSON;
    stored as text, so JSON lookups into it are (deliberately) impossible.
    """

    description = "JSON encrypted at rest"

    def db_type(self, connection):
        return "text"

    def db_check(self, connection):
        return None  # the stored text is ciphertext, never valid JSON

    def get_db_prep_value(self, value, connection, prepared=False):
        if value is None:
            return None
        return crypto.encrypt_text(json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True))

    def get_db_prep_save(self, value, connection):
        return self.get_db_prep_value(value, connection)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return json.loads(crypto.decrypt_text(value))

    def get_lookup(self, lookup_name):
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def get_transform(self, name):
        return None
