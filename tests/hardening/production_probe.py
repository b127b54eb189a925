"""Run in a subprocess under production settings (``python -m tests.hardening.production_probe``):
request a few pages through Django's full stack and print what the browser would get, as JSON.

Production settings are decided when ``kyc.project.settings`` is imported, so they cannot be switched on
inside the pytest process; this probe is how test_headers.py sees real production responses.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path


def _cookies(response) -> dict:
    return {
        name: {
            "secure": bool(morsel["secure"]),
            "httponly": bool(morsel["httponly"]),
            "samesite": morsel["samesite"],
            "path": morsel["path"],
            "domain": morsel["domain"],
        }
        for name, morsel in response.cookies.items()
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kyc.project.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    # The production static storage serves hashed names from a manifest: build it as a deploy does,
    # unless the test run built it already (tests/support/static.py: once per run, ~50 s of CPU).
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)
    host = settings.ALLOWED_HOSTS[0]
    plain = Client(HTTP_HOST=host)
    tls = Client(HTTP_HOST=host, HTTP_X_FORWARDED_PROTO="https", enforce_csrf_checks=True)
    report: dict = {"settings": {"DEBUG": settings.DEBUG, "SESSION_COOKIE_NAME": settings.SESSION_COOKIE_NAME}}

    response = plain.get("/")
    report["http"] = {"status": response.status_code, "location": response.get("Location", "")}

    response = tls.get("/")
    report["start_page"] = {"status": response.status_code, "headers": dict(response.headers), "cookies": _cookies(response)}
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content)

    refused = tls.post("/", {"email": "applicant@example.test", "document_type": "passport", "consent_processing": "on"},
                       HTTP_REFERER=f"https://{host}/")
    report["post_without_token"] = {"status": refused.status_code}

    accepted = tls.post(
        "/",
        {"email": "applicant@example.test", "document_type": "passport", "consent_processing": "on",
         "csrfmiddlewaretoken": token.group(1).decode() if token else ""},
        HTTP_REFERER=f"https://{host}/",
    )
    report["post_with_token"] = {"status": accepted.status_code, "cookies": _cookies(accepted),
                                 "headers": dict(accepted.headers)}
    json.dump(report, sys.stdout)


if __name__ == "__main__":
    main()
