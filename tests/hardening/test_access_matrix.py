"""The access matrix: every URL of the product × every persona, and zero access where none is due.

The URL list is the URL resolver itself (``test_every_url_is_in_the_matrix``): a pattern added to
any urls module, or a model registered in the admin, fails the suite until someone decides here
who may use it. Each cell sends a real request with path parameters filled with real objects
(the applicant's case, its document and pending decision, the first integrator's case and webhook
endpoint, one object of every admin-registered model) and checks the status code, where a
redirect goes, and that the body leaks nothing the persona may not see: no case reference, no
declared name, no email address, no name or number read from a document image.

Personas: anonymous; the applicant (the browser session that opened the case's signed link);
another applicant (a session holding another case); a reviewer, a senior reviewer and an admin
(the Django groups of migrations 0003 and 0005); an integrator's API key; another integrator's key.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from functools import partial

import pytest
from django.conf import settings
from django.contrib.admin import site as admin_site
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kyc.api.models import ApiKey, Integrator, IntegratorCase, WebhookDelivery
from kyc.api.services import api_key_create, integrator_case_create, webhook_endpoint_create
from kyc.core.audit import Actor
from kyc.core.models import AuditEvent
from kyc.models import (
    CheckFinding,
    DocumentReading,
    PendingFileDeletion,
    ReasonCode,
    SiteConfiguration,
    StaffLoginThrottle,
    TotpDevice,
)
from kyc.services.assignments import case_claim
from kyc.services.decisions import case_decide
from kyc.services.documents import document_attach
from kyc.services.notes import case_note_add
from kyc.services.staff_auth import staff_login_failed, totp_setup_begin
from kyc.uploads.prepare import prepare_upload
from kyc.views.applicant import resume_token
from ocr_integration.models import OcrAttempt, RoutingRule, VendorAccount
from tests.conftest import make_case, upload
from tests.kyc.reviewer.conftest import ready_case
from tests.support.module_world import built_once_and_rolled_back
from tests.support.personas import PASSWORD, ensure_roles, staff_member

PERSONAS = [
    "anonymous", "applicant", "other_applicant", "reviewer", "senior", "admin", "integrator", "other_integrator",
]
STAFF = ("reviewer", "senior", "admin")
BROWSER_NOT_STAFF = ("anonymous", "applicant", "other_applicant", "integrator", "other_integrator")

# Outcomes. A number is that status; "302" is a redirect that is not to a sign-in page (an action
# done, or a page moved); LOGIN is a redirect to the staff sign-in page.
LOGIN = "login"
REFUSED = {LOGIN, "401", "403", "404", "405"}

# Synthetic personal data, unlikely to appear anywhere by chance.
NAMES = {
    "applicant": "Ysolde Marchbanks",
    "other_applicant": "Quillon Ferreby",
    "integrator": "Tamsin Wollaston",
    "other_integrator": "Oriel Pennefather",
}
EMAILS = {"integrator": "tamsin.wollaston@example.test", "other_integrator": "oriel.pennefather@example.test"}
# What the scripted OCR provider reads from a passport specimen (tests/support/providers.py).
SPECIMEN_VALUES = ["X1234567", "TESTER"]


# --- the world: one case per owner, one object of every admin model ---------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module, rolled back at its end (tests/support/module_world.py)."""
    yield from built_once_and_rolled_back(django_db_blocker, _build_world)


def _build_world() -> dict:
    ensure_roles()
    users = {
        "reviewer": staff_member("reviewer", username="matrix-rita"),
        "proposer": staff_member("reviewer", username="matrix-oscar"),
        "senior": staff_member("senior", username="matrix-sam"),
        "admin": staff_member("admin", username="matrix-ada"),
    }
    # The applicant's case went through OCR and waits for a second senior reviewer's approval.
    case = ready_case(failed=True, declared_full_name=NAMES["applicant"])
    case_claim(case_id=case.id, actor=Actor.staff(users["proposer"]))
    decision = case_decide(case_id=case.id, actor=Actor.staff(users["proposer"]), outcome="approve",
                           reason_codes=["manual-verification"], note="Checked by eye.")
    note = case_note_add(case_id=case.id, actor=Actor.staff(users["reviewer"]), body="Looked at the MRZ.")
    other_case = make_case(declared_full_name=NAMES["other_applicant"])

    integrator = Integrator.objects.create(name="Matrix Bank")
    _key, integrator_key = api_key_create(integrator=integrator, name="matrix")
    api_case = integrator_case_create(integrator=integrator, email=EMAILS["integrator"], document_type="passport",
                                      declared_full_name=NAMES["integrator"], consents=["processing"])
    document_attach(case_id=api_case.id, kind="passport", prepared=prepare_upload(upload()), actor=Actor.integrator(integrator.id,
                                                                                                  integrator.name))
    endpoint = webhook_endpoint_create(integrator=integrator, url="https://hooks.example.test/matrix")
    delivery = WebhookDelivery.objects.create(
        endpoint=endpoint, event_type="case.state_changed", case_id=api_case.id,
        payload={"data": {"case_id": str(api_case.id), "reference": api_case.reference}},
    )
    other = Integrator.objects.create(name="Other Fintech")
    _key, other_key = api_key_create(integrator=other, name="matrix")
    other_api_case = integrator_case_create(integrator=other, email=EMAILS["other_integrator"], document_type="passport",
                                            declared_full_name=NAMES["other_integrator"], consents=["processing"])

    # Rows of the remaining admin models, made the way the product makes them where it can.
    staff_login_failed(username="matrix-rita")
    totp_setup_begin(user=users["senior"], password=PASSWORD)
    objects = {
        "auth.group": Group.objects.get(name="reviewer"),
        "auth.user": users["reviewer"],
        "kyc.applicant": case.applicant,
        "kyc.case": case,
        "kyc.document": case.documents.filter(is_current=True).first(),
        "kyc.documentreading": DocumentReading.objects.filter(document__case=case).first(),
        "kyc.checkfinding": CheckFinding.objects.filter(case=case).first(),
        "kyc.decision": decision,
        "kyc_core.auditevent": AuditEvent.objects.filter(case_id=case.id).order_by("-sequence").first(),
        "kyc.reasoncode": ReasonCode.objects.order_by("position").first(),
        "kyc.siteconfiguration": SiteConfiguration.objects.get_or_create(id=1)[0],
        "kyc.staffloginthrottle": StaffLoginThrottle.objects.get(username="matrix-rita"),
        "kyc.totpdevice": TotpDevice.objects.get(user=users["senior"]),
        "kyc.casenote": note,
        # What a failed erasure delete leaves (the product writes it inside an erasure).
        "kyc.pendingfiledeletion": PendingFileDeletion.objects.create(
            case=other_case, name=f"cases/{other_case.id}/", attempts=1, last_error="StorageUnavailable: S3 down"),
        "ocr_integration.vendoraccount": VendorAccount.objects.create(
            name="matrix-g42", vendor="g42", endpoint="https://ocr.example.test", auth_scheme="aksk"),
        "ocr_integration.routingrule": RoutingRule.objects.create(document_kind="bank_card", primary="local"),
        "ocr_integration.ocrattempt": OcrAttempt.objects.create(vendor="local", endpoint="read", outcome="success"),
        "kyc_api.integrator": integrator,
        "kyc_api.apikey": ApiKey.objects.filter(integrator=integrator).first(),
        "kyc_api.webhookendpoint": endpoint,
        "kyc_api.webhookdelivery": delivery,
        "kyc_api.integratorcase": IntegratorCase.objects.get(case=api_case),
    }
    assert all(obj is not None for obj in objects.values()), [k for k, v in objects.items() if v is None]

    # The applicants' sessions: each opened its own case's signed link, as from the email.
    sessions = {}
    for persona, owned in (("applicant", case), ("other_applicant", other_case)):
        browser = Client()
        response = browser.get(reverse("applicant:resume", args=[resume_token(owned)]))
        assert response.status_code == 302, response.status_code
        sessions[persona] = browser.cookies[settings.SESSION_COOKIE_NAME].value

    cases = {"applicant": case, "other_applicant": other_case, "integrator": api_case,
             "other_integrator": other_api_case}
    secrets = {}
    for owner, owned in cases.items():
        secrets[owner] = [owned.reference, NAMES[owner]] + ([EMAILS[owner]] if owner in EMAILS else [])
    secrets["applicant"] += SPECIMEN_VALUES  # only the applicant's case was read
    return {
        "users": users, "case": case, "decision": decision, "document": objects["kyc.document"],
        "api_case": api_case, "endpoint": endpoint, "objects": objects, "sessions": sessions,
        "keys": {"integrator": integrator_key, "other_integrator": other_key}, "secrets": secrets,
        "resume_token": resume_token(case),
    }


def client_as(persona: str, world: dict) -> Client:
    if persona in ("integrator", "other_integrator"):
        return Client(HTTP_AUTHORIZATION=f"Api-Key {world['keys'][persona]}")
    client = Client()
    if persona in ("applicant", "other_applicant"):
        client.cookies[settings.SESSION_COOKIE_NAME] = world["sessions"][persona]
    elif persona in STAFF:
        client.force_login(world["users"][persona])
    return client


def visible_owners(persona: str) -> set[str]:
    """Whose personal data the persona may see at all (on the pages it is allowed to use)."""
    if persona in STAFF:
        return {"applicant", "other_applicant", "integrator", "other_integrator"}
    if persona in ("applicant", "other_applicant", "integrator", "other_integrator"):
        return {persona}
    return set()


# --- the matrix -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    route: str  # the pattern as the resolver shows it, prefixes included
    method: str
    expect: dict[str, str]
    url: object  # world -> the concrete URL (str) or a callable taking the persona too
    data: object = None  # world -> request data
    multipart: bool = False
    # persona -> whose case reference an allowed answer must show (the page is not empty by mistake)
    shows: dict[str, str] = field(default_factory=dict)


def staff_only(reviewer: str, senior: str, admin: str) -> dict[str, str]:
    return {**dict.fromkeys(BROWSER_NOT_STAFF, LOGIN), "reviewer": reviewer, "senior": senior, "admin": admin}


def everyone(outcome: str) -> dict[str, str]:
    return dict.fromkeys(PERSONAS, outcome)


def applicant_only(outcome: str) -> dict[str, str]:
    # Not the applicant's session: 404, exactly like a case that does not exist.
    return {**everyone("404"), "applicant": outcome}


def api(integrator: str, other: str) -> dict[str, str]:
    # Sessions (staff ones included) are no API credential: 401.
    return {**everyone("401"), "integrator": integrator, "other_integrator": other}


def _case(world):
    return world["case"].id


def _api_case(world):
    return world["api_case"].id


def _endpoint(world):
    return world["endpoint"].id


APPLICANT_ROWS = [
    Row("", "get", everyone("200"), lambda w: reverse("applicant:start")),
    Row("privacy/", "get", everyone("200"), lambda w: reverse("applicant:privacy")),
    # The signed link is the applicant's credential; anyone else holds at most a forged one.
    Row("resume/<str:token>/", "get", applicant_only("302"),
        lambda w, persona: reverse("applicant:resume", args=[
            w["resume_token"] if persona == "applicant" else w["resume_token"][:-2] + "xx"])),
    # Submitted and in review: the case page sends its owner to the status page.
    Row("cases/<uuid:case_id>/", "get", applicant_only("302"), lambda w: reverse("applicant:case", args=[_case(w)])),
    Row("cases/<uuid:case_id>/consent/", "post", applicant_only("302"),
        lambda w: reverse("applicant:consent", args=[_case(w)]), lambda w: {"consent_sensitive": "yes"}),
    Row("cases/<uuid:case_id>/consent/biometric/", "post", applicant_only("302"),
        lambda w: reverse("applicant:biometric_consent", args=[_case(w)]), lambda w: {"consent_biometric": "yes"}),
    # The world's case asks for no selfie: its own applicant is told so (400), anyone else sees nothing.
    Row("cases/<uuid:case_id>/liveness/challenge/", "post", applicant_only("400"),
        lambda w: reverse("applicant:liveness_challenge", args=[_case(w)])),
    Row("cases/<uuid:case_id>/liveness/", "post", applicant_only("400"),
        lambda w: reverse("applicant:liveness_upload", args=[_case(w)]),
        lambda w: {"nonce": "matrix", "frame": upload(), "offset_ms": "0"}, multipart=True),
    # A plain form: its own applicant is sent back to the case page with the refusal as a message.
    Row("cases/<uuid:case_id>/liveness/skip/", "post", applicant_only("302"),
        lambda w: reverse("applicant:liveness_skip", args=[_case(w)])),
    Row("cases/<uuid:case_id>/documents/<str:kind>/", "post", applicant_only("302"),
        lambda w: reverse("applicant:upload", args=[_case(w), "passport"]), lambda w: {"file": upload()},
        multipart=True),
    Row("cases/<uuid:case_id>/submit/", "post", applicant_only("302"),
        lambda w: reverse("applicant:submit", args=[_case(w)])),
    # The continue link sent again: only to the case's own applicant, by email.
    Row("cases/<uuid:case_id>/send-link/", "post", applicant_only("302"),
        lambda w: reverse("applicant:send_link", args=[_case(w)])),
    Row("cases/<uuid:case_id>/status/", "get", applicant_only("200"),
        lambda w: reverse("applicant:status", args=[_case(w)]), shows={"applicant": "applicant"}),
    Row("cases/<uuid:case_id>/status.json", "get", applicant_only("200"),
        lambda w: reverse("applicant:status_json", args=[_case(w)])),
    Row("i18n/setlang/", "post", everyone("302"), lambda w: reverse("set_language"),
        lambda w: {"language": "ar", "next": "/"}),
]

REVIEWER_ROWS = [
    # The sign-in pages are open; a signed-in staff member is sent on to the queue.
    Row("review/login/", "get", {**everyone("200"), **dict.fromkeys(STAFF, "302")}, lambda w: reverse("reviewer:login")),
    # No password checked yet in this session: back to the first step, whoever asks.
    Row("review/login/verify/", "get", everyone(LOGIN), lambda w: reverse("reviewer:login_verify")),
    Row("review/logout/", "post", everyone(LOGIN), lambda w: reverse("reviewer:logout")),
    Row("review/account/second-factor/", "get", staff_only("200", "200", "200"),
        lambda w: reverse("reviewer:second_factor")),
    # Every staff member chooses their own reviewer-page language (kept on their account).
    Row("review/account/language/", "post", staff_only("302", "302", "302"), lambda w: reverse("reviewer:language"),
        lambda w: {"language": "ar", "next": "/review/"}),
    Row("review/", "get", staff_only("200", "200", "200"), lambda w: reverse("reviewer:queue")),
    Row("review/metrics/", "get", staff_only("403", "200", "200"), lambda w: reverse("reviewer:metrics")),
    # Bulk assignment and the workload page are for those who assign cases: senior reviewers.
    Row("review/workload/", "get", staff_only("403", "200", "403"), lambda w: reverse("reviewer:workload")),
    Row("review/bulk-assign/", "post", staff_only("403", "302", "403"), lambda w: reverse("reviewer:bulk_assign"),
        lambda w: {"cases": [str(_case(w))], "action": "release"}),
    Row("review/cases/<uuid:case_id>/", "get", staff_only("200", "200", "200"),
        lambda w: reverse("reviewer:case", args=[_case(w)]), shows=dict.fromkeys(STAFF, "applicant")),
    # Admins read cases; they do not work them.
    Row("review/cases/<uuid:case_id>/claim/", "post", staff_only("302", "302", "403"),
        lambda w: reverse("reviewer:claim", args=[_case(w)])),
    Row("review/cases/<uuid:case_id>/release/", "post", staff_only("302", "302", "403"),
        lambda w: reverse("reviewer:release", args=[_case(w)])),
    Row("review/cases/<uuid:case_id>/assign/", "post", staff_only("403", "302", "403"),
        lambda w: reverse("reviewer:assign", args=[_case(w)]), lambda w: {"assignee": w["users"]["reviewer"].pk}),
    Row("review/cases/<uuid:case_id>/decide/", "post", staff_only("302", "302", "403"),
        lambda w: reverse("reviewer:decide", args=[_case(w)]),
        lambda w: {"outcome": "reject", "reason_codes": ["document-expired"], "note": "Expired."}),
    Row("review/cases/<uuid:case_id>/decisions/<int:decision_id>/second-review/", "post",
        staff_only("403", "302", "403"),
        lambda w: reverse("reviewer:second_review", args=[_case(w), w["decision"].id]),
        lambda w: {"confirm": "no", "note": "Not convinced."}),
    Row("review/cases/<uuid:case_id>/retry-reading/", "post", staff_only("302", "302", "403"),
        lambda w: reverse("reviewer:retry_reading", args=[_case(w)])),
    Row("review/cases/<uuid:case_id>/notes/", "post", staff_only("302", "302", "403"),
        lambda w: reverse("reviewer:add_note", args=[_case(w)]), lambda w: {"body": "Second look."}),
    Row("review/cases/<uuid:case_id>/evidence.json", "get", staff_only("403", "200", "200"),
        lambda w: reverse("reviewer:export_json", args=[_case(w)]), shows=dict.fromkeys(STAFF, "applicant")),
    Row("review/cases/<uuid:case_id>/evidence/", "get", staff_only("403", "200", "200"),
        lambda w: reverse("reviewer:export_html", args=[_case(w)]), shows=dict.fromkeys(STAFF, "applicant")),
    Row("review/cases/<uuid:case_id>/evidence.pdf", "get", staff_only("403", "200", "200"),
        lambda w: reverse("reviewer:export_pdf", args=[_case(w)])),
    Row("review/documents/<uuid:document_id>/image/", "get", staff_only("200", "200", "200"),
        lambda w: reverse("reviewer:document_image", args=[w["document"].id])),
]

API_ROWS = [
    # Another integrator lists its own cases: allowed, and the first integrator's are not in it.
    Row("api/v1/cases/", "get", api("200", "200"), lambda w: "/api/v1/cases/",
        shows={"integrator": "integrator", "other_integrator": "other_integrator"}),
    Row("api/v1/cases/", "post", api("201", "201"), lambda w: "/api/v1/cases/",
        lambda w: {"email": "new.applicant@example.test", "document_type": "passport", "consents": ["processing"]}),
    Row("api/v1/cases/<uuid:case_id>/", "get", api("200", "404"), lambda w: f"/api/v1/cases/{_api_case(w)}/",
        shows={"integrator": "integrator"}),
    Row("api/v1/cases/<uuid:case_id>/documents/", "post", api("201", "404"),
        lambda w: f"/api/v1/cases/{_api_case(w)}/documents/", lambda w: {"kind": "passport", "file": upload()},
        multipart=True),
    Row("api/v1/cases/<uuid:case_id>/consents/", "post", api("200", "404"),
        lambda w: f"/api/v1/cases/{_api_case(w)}/consents/", lambda w: {"scope": "sensitive_personal_information"}),
    Row("api/v1/cases/<uuid:case_id>/liveness/challenge/", "post", api("400", "404"),
        lambda w: f"/api/v1/cases/{_api_case(w)}/liveness/challenge/"),
    Row("api/v1/cases/<uuid:case_id>/liveness/", "post", api("400", "404"),
        lambda w: f"/api/v1/cases/{_api_case(w)}/liveness/",
        lambda w: {"nonce": "matrix", "frame": upload(), "offset_ms": "0"}, multipart=True),
    Row("api/v1/cases/<uuid:case_id>/submit/", "post", api("200", "404"),
        lambda w: f"/api/v1/cases/{_api_case(w)}/submit/"),
    Row("api/v1/webhooks/", "get", api("200", "200"), lambda w: "/api/v1/webhooks/"),
    Row("api/v1/webhooks/", "post", api("201", "201"), lambda w: "/api/v1/webhooks/",
        lambda w: {"url": "https://hooks.example.test/another"}),
    Row("api/v1/webhooks/<uuid:endpoint_id>/", "get", api("200", "404"),
        lambda w: f"/api/v1/webhooks/{_endpoint(w)}/"),
    Row("api/v1/webhooks/<uuid:endpoint_id>/", "delete", api("204", "404"),
        lambda w: f"/api/v1/webhooks/{_endpoint(w)}/"),
    Row("api/v1/webhooks/<uuid:endpoint_id>/deliveries/", "get", api("200", "404"),
        lambda w: f"/api/v1/webhooks/{_endpoint(w)}/deliveries/"),
    # The delivery log is read-only (it once inherited the endpoint's DELETE, which disabled it).
    Row("api/v1/webhooks/<uuid:endpoint_id>/deliveries/", "delete", api("405", "405"),
        lambda w: f"/api/v1/webhooks/{_endpoint(w)}/deliveries/"),
    # The schema and its docs page are public: they describe the API, not anyone's data.
    Row("api/schema/", "get", everyone("200"), lambda w: "/api/schema/"),
    Row("api/docs/", "get", everyone("200"), lambda w: "/api/docs/"),
    Row(r"api/^(?P<rest>v1/[\s\S]*)$", "get", everyone("404"), lambda w: "/api/v1/no-such-endpoint/"),
    # Not the CSRF failure page: an API answer, whatever the method.
    Row(r"api/^(?P<rest>v1/[\s\S]*)$", "post", everyone("404"), lambda w: "/api/v1/no-such-endpoint/"),
]

# What the admin group may do with each admin-registered model: "v" view (changelist, change
# page, history), "a" add, "d" delete. This is the effective right: the group's permissions
# (migrations 0003, 0005) narrowed by the ModelAdmin (rows written by the pipeline or the audit
# trail are read-only; reason codes and vendor accounts are retired or disabled, never deleted;
# the site configuration is a singleton that exists; TOTP devices are removed by an audited action).
# Reviewers and senior reviewers get nothing from any of them.
ADMIN_GROUP_RIGHTS = {
    "auth.group": "v",
    "auth.user": "va",
    "kyc.applicant": "v",
    "kyc.case": "v",
    "kyc.document": "",
    "kyc.documentreading": "",
    "kyc.checkfinding": "v",
    "kyc.decision": "v",
    "kyc_core.auditevent": "v",
    "kyc.reasoncode": "va",
    "kyc.siteconfiguration": "v",
    "kyc.staffloginthrottle": "v",
    "kyc.totpdevice": "v",
    "kyc.casenote": "v",
    "kyc.pendingfiledeletion": "v",
    "ocr_integration.vendoraccount": "va",
    "ocr_integration.routingrule": "vad",
    "ocr_integration.ocrattempt": "v",
    # Admins onboard integrators and revoke keys; endpoints and deliveries are theirs to see.
    "kyc_api.integrator": "va",
    "kyc_api.apikey": "v",
    "kyc_api.webhookendpoint": "v",
    "kyc_api.webhookdelivery": "v",
    "kyc_api.integratorcase": "v",
}


def _admin_url(label: str, view: str | None, world: dict) -> str:
    """The admin URL of ``view`` for the model ``label`` (on its world object when it takes one);
    ``view=None`` is the bare object URL, which only redirects to the change page."""
    app_label, model_name = label.split(".")
    pk = world["objects"][label].pk
    if view is None:
        return f"/admin/{app_label}/{model_name}/{pk}/"
    args = [] if view in ("changelist", "add") else [pk]
    return reverse(f"admin:{app_label}_{model_name}_{view}", args=args)


def _admin_model_rows() -> list[Row]:
    rows = []
    for label, rights in ADMIN_GROUP_RIGHTS.items():
        base = "admin/{}/{}/".format(*label.split("."))
        view = "200" if "v" in rights else "403"
        add = "200" if "a" in rights else "403"
        delete = "200" if "d" in rights else "403"
        shows = {"admin": "applicant"} if label == "kyc.case" else {}
        rows += [
            Row(base, "get", staff_only("403", "403", view), partial(_admin_url, label, "changelist"), shows=shows),
            Row(base + "add/", "get", staff_only("403", "403", add), partial(_admin_url, label, "add")),
            Row(base + "<path:object_id>/change/", "get", staff_only("403", "403", view),
                partial(_admin_url, label, "change"), shows=shows),
            Row(base + "<path:object_id>/history/", "get", staff_only("403", "403", view),
                partial(_admin_url, label, "history")),
            Row(base + "<path:object_id>/delete/", "get", staff_only("403", "403", delete),
                partial(_admin_url, label, "delete")),
            # The bare object URL only redirects to the change page (which decides), for any staff.
            Row(base + "<path:object_id>/", "get", staff_only("302", "302", "302"), partial(_admin_url, label, None)),
        ]
    return rows


ADMIN_ROWS = [
    # The index lists what each staff member may use (nothing, for reviewers).
    Row("admin/", "get", staff_only("200", "200", "200"), lambda w: reverse("admin:index")),
    # The admin signs in through the staff sign-in page (lockout, second factor), for everyone.
    Row("admin/login/", "get", everyone(LOGIN), lambda w: reverse("admin:login")),
    # Signed out: the admin's logged-out page; nobody signed in: sent to the admin index.
    Row("admin/logout/", "post", {**everyone("302"), **dict.fromkeys(STAFF, "200")}, lambda w: reverse("admin:logout")),
    Row("admin/password_change/", "get", staff_only("200", "200", "200"), lambda w: reverse("admin:password_change")),
    Row("admin/password_change/done/", "get", staff_only("200", "200", "200"),
        lambda w: reverse("admin:password_change_done")),
    # No model has autocomplete fields: nothing to look up, for every staff member.
    Row("admin/autocomplete/", "get", staff_only("404", "404", "404"),
        lambda w: reverse("admin:autocomplete") + "?app_label=kyc&model_name=case&field_name=applicant&term=a"),
    Row("admin/jsi18n/", "get", staff_only("200", "200", "200"), lambda w: reverse("admin:jsi18n")),
    # No model has a public page ("view on site"): nothing to redirect to.
    Row("admin/r/<path:content_type_id>/<path:object_id>/", "get", staff_only("404", "404", "404"),
        lambda w: reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(w["case"]).pk, _case(w)])),
    Row("admin/^(?P<app_label>auth|kyc_core|kyc|kyc_api|ocr_integration)/$", "get", staff_only("404", "404", "200"),
        lambda w: reverse("admin:app_list", args=["kyc"])),
    Row("admin/(?P<url>.*)$", "get", staff_only("404", "404", "404"), lambda w: "/admin/no-such-page/"),
    # Setting a staff member's password: the admin role may change staff accounts.
    Row("admin/auth/user/<id>/password/", "get", staff_only("403", "403", "200"),
        lambda w: reverse("admin:auth_user_password_change", args=[w["users"]["reviewer"].pk])),
    *_admin_model_rows(),
]

ROWS = APPLICANT_ROWS + REVIEWER_ROWS + API_ROWS + ADMIN_ROWS


def _row_id(row: Row) -> str:
    return f"{row.method.upper()} /{row.route}"


# --- the tests --------------------------------------------------------------------------------------


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def test_every_url_is_in_the_matrix():
    routes = list(_walk(get_resolver().url_patterns))
    classified = {row.route for row in ROWS}
    unclassified = sorted(set(routes) - classified)
    stale = sorted(classified - set(routes))
    assert not unclassified, f"URL patterns nobody has classified in the access matrix: {unclassified}"
    assert not stale, f"Matrix rows for URL patterns that no longer exist: {stale}"
    registered = {f"{m._meta.app_label}.{m._meta.model_name}" for m in admin_site._registry}
    assert registered == set(ADMIN_GROUP_RIGHTS), registered ^ set(ADMIN_GROUP_RIGHTS)
    assert all(set(row.expect) == set(PERSONAS) for row in ROWS)


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _assert_outcome(response, expected: str, client) -> None:
    status = response.status_code
    location = response.get("Location", "")
    if expected == LOGIN:
        assert status == 302, f"expected a redirect to sign in, got {status}"
        if location.startswith("/admin/login/"):
            # The admin's own sign-in hands over to the staff sign-in (lockout, second factor).
            location = client.get(location).get("Location", "")
        assert location.startswith("/review/login/"), location
    elif expected == "302":
        assert status == 302, f"expected a redirect, got {status}"
        assert "/login/" not in location, f"sent to sign in: {location}"
    else:
        assert status == int(expected), f"expected {expected}, got {status} ({location})"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("row", ROWS, ids=_row_id)
def test_access(world, db, persona, row):
    client = client_as(persona, world)
    url = row.url(world, persona=persona) if "persona" in inspect.signature(row.url).parameters else row.url(world)
    data = row.data(world) if row.data else None
    if row.method == "get":
        response = client.get(url)
    elif row.method == "delete":
        response = client.delete(url)
    elif row.multipart or not row.route.startswith("api/"):
        response = client.post(url, data or {})
    else:
        response = client.post(url, data or {}, content_type="application/json")
    expected = row.expect[persona]
    _assert_outcome(response, expected, client)

    body = _body(response) + response.get("Location", "").encode()
    owners = set() if expected in REFUSED else visible_owners(persona)
    leaked = [
        (owner, secret) for owner, secrets in world["secrets"].items() if owner not in owners
        for secret in secrets if secret.encode() in body
    ]
    assert not leaked, f"{persona} got {response.status_code} with data that is not theirs: {leaked}"
    if persona in row.shows and expected not in REFUSED:
        reference = world["secrets"][row.shows[persona]][0]
        assert reference.encode() in body, f"{persona} was let in but not shown {reference}"


def test_an_admin_cannot_take_over_a_superuser_account(world, db):
    """The admin role manages staff accounts, but a superuser's account is out of its reach: setting
    its password (or its email, for a reset) would make the admin that superuser."""
    root = User.objects.create_superuser("matrix-root", password="the-original-passphrase")
    client = client_as("admin", world)
    new_password = {"password1": "Taken-0ver-passphrase", "password2": "Taken-0ver-passphrase",
                    "usable_password": "true"}

    assert client.get(reverse("admin:auth_user_password_change", args=[root.pk])).status_code == 403
    response = client.post(reverse("admin:auth_user_password_change", args=[root.pk]), new_password)
    assert response.status_code == 403
    response = client.post(reverse("admin:auth_user_change", args=[root.pk]),
                           {"username": "matrix-root", "email": "attacker@example.test", "is_active": "on"})
    assert response.status_code == 403
    root.refresh_from_db()
    assert root.check_password("the-original-passphrase") and root.email == ""
    # Other staff accounts stay the admin's to manage.
    reviewer_id = world["users"]["reviewer"].pk
    response = client.post(reverse("admin:auth_user_password_change", args=[reviewer_id]), new_password)
    assert response.status_code == 302
    # A fresh copy: refreshing the module's shared user object would keep the new password hash in
    # memory after this test's rollback, and every later force_login of it would make a session
    # whose hash no longer matches the database (signed out: 302 to the login, not the expected 403).
    assert User.objects.get(pk=reviewer_id).check_password("Taken-0ver-passphrase")


# --- issue 17: separation of duties, secrets, second factor, session keys ------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_nobody_sees_a_vendor_secret_in_any_admin_mode(world, db, persona):
    markers = {"credential_access_key": "AK-matrix-7f3e", "credential_secret_key": "SK-matrix-9c1d",
               "credential_password": "PW-matrix-2b8a"}
    account = VendorAccount.objects.create(name="matrix-secrets", vendor="g42", endpoint="https://ocr.example.test",
                                           auth_scheme="aksk", **markers)
    client = client_as(persona, world)
    for url in (reverse("admin:ocr_integration_vendoraccount_changelist"),
                reverse("admin:ocr_integration_vendoraccount_change", args=[account.pk]),
                reverse("admin:ocr_integration_vendoraccount_history", args=[account.pk])):
        body = _body(client.get(url))
        assert not [m for m in markers.values() if m.encode() in body], (persona, url)


@pytest.mark.parametrize("persona", STAFF)
def test_no_staff_member_gives_themself_a_role(world, db, persona):
    user = world["users"][persona]
    before = sorted(user.groups.values_list("name", flat=True))
    everything = [str(pk) for pk in Group.objects.values_list("pk", flat=True)]
    client = client_as(persona, world)
    client.post(reverse("admin:auth_user_change", args=[user.pk]),
                {"username": user.username, "is_active": "on", "is_staff": "on", "is_superuser": "on",
                 "groups": everything})
    user = User.objects.get(pk=user.pk)
    assert sorted(user.groups.values_list("name", flat=True)) == before and not user.is_superuser


def test_an_account_the_admin_just_made_senior_cannot_confirm_a_four_eyes_approval(world, db):
    from kyc.errors import PermissionDenied
    from kyc.services.decisions import decision_second_review

    client = client_as("admin", world)
    response = client.post(reverse("admin:auth_user_add"), {
        "username": "matrix-mallory", "password1": "Matrix-passphrase-42", "password2": "Matrix-passphrase-42",
        "usable_password": "true"})
    assert response.status_code == 302
    mallory = User.objects.get(username="matrix-mallory")
    mallory.groups.add(Group.objects.get(name="senior reviewer"))  # (through the admin form: tests/kyc/reviewer)
    with pytest.raises(PermissionDenied, match="created"):
        decision_second_review(decision_id=world["decision"].id, actor=Actor.staff(User.objects.get(pk=mallory.pk)),
                               confirm=True)


@pytest.mark.parametrize("persona", STAFF)
def test_a_signed_in_session_alone_cannot_remove_a_second_factor(world, db, persona, settings):
    import pyotp

    from kyc.services.staff_auth import totp_setup_confirm

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # as the world was made
    # From the database: another test may have changed the shared instance (its change rolled back).
    user = User.objects.get(pk=world["users"][persona].pk)
    TotpDevice.objects.filter(user=user).delete()
    secret, _ = totp_setup_begin(user=user, password=PASSWORD)
    totp_setup_confirm(user=user, code=pyotp.TOTP(secret).now())
    client = client_as(persona, world)
    client.post(reverse("reviewer:second_factor"), {"action": "remove"})
    client.post(reverse("reviewer:second_factor"), {"action": "remove", "password": "guess", "code": "123456"})
    assert TotpDevice.objects.filter(user=user, confirmed=True).exists()


def test_a_planted_session_key_never_reaches_the_case(world, db):
    browser = Client()
    session = browser.session
    session.save()
    planted = session.session_key
    browser.cookies[settings.SESSION_COOKIE_NAME] = planted
    assert browser.get(reverse("applicant:resume", args=[world["resume_token"]])).status_code == 302
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = planted
    assert attacker.get(reverse("applicant:status", args=[_case(world)])).status_code == 404
    assert browser.get(reverse("applicant:status", args=[_case(world)])).status_code == 200
