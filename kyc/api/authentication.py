"""``Authorization: Api-Key <key>``: the integrator behind a key, or a 401 that says what is wrong."""

from __future__ import annotations

import hmac

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from kyc.api.models import ApiKey, hash_key

KEYWORD = "Api-Key"


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = get_authorization_header(request).decode("latin-1").strip()
        if not header:
            return None
        scheme, _, raw_key = header.partition(" ")
        if scheme.lower() != KEYWORD.lower():
            raise exceptions.AuthenticationFailed(f"Send the key as 'Authorization: {KEYWORD} <key>'.")
        raw_key = raw_key.strip()
        if not raw_key or " " in raw_key:
            raise exceptions.AuthenticationFailed("The API key is missing or malformed.")
        hashed = hash_key(raw_key)
        key = ApiKey.objects.select_related("integrator").filter(hashed_key=hashed).first()
        # compare_digest keeps the final comparison constant-time even though the lookup is by hash.
        if key is None or not hmac.compare_digest(key.hashed_key, hashed):
            raise exceptions.AuthenticationFailed("This API key is not valid.")
        if key.revoked_at is not None:
            raise exceptions.AuthenticationFailed("This API key has been revoked.")
        if not key.integrator.is_active:
            raise exceptions.AuthenticationFailed("This integrator account is disabled.")
        now = timezone.now()
        if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
            # At most one write a minute per key: busy integrators must not serialise on this row.
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return key.integrator, key

    def authenticate_header(self, request):
        return KEYWORD


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "kyc.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": f"`{KEYWORD} <key>`; keys are created in the admin or with `manage.py create_api_key`.",
        }
