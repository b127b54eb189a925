"""The upload gate's newer rules (too dark, too far away, edges running into the frame) are set in
the admin like its other thresholds: a change there is audited and applies to the next upload."""

from __future__ import annotations

import numpy as np
import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from kyc.core.models import AuditEvent
from kyc.models import Document, SiteConfiguration
from kyc.selectors.configuration import capture_thresholds, site_configuration
from tests.kyc.views.test_applicant import start_case, upload
from tests.kyc.views.test_capture_gate import PASSPORT, capture, jpeg
from tests.support.personas import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _gate_on(settings):
    settings.CAPTURE_GATE_ENABLED = True


def admin_save(admin_user, **changes):
    """Post the site configuration's admin form as an admin would: every field as it stands, with
    ``changes`` typed in. Returns the response (302 when saved, 200 with the form's errors)."""
    config = site_configuration()
    form = {name: ("" if value is None else value) for name, value in model_to_dict(config).items() if name != "id"}
    form.update({name: str(value) for name, value in changes.items()})
    if SiteConfiguration.objects.exists():
        url = reverse("admin:kyc_siteconfiguration_change", args=[1])
    else:
        url = reverse("admin:kyc_siteconfiguration_add")
    return client_for(admin_user).post(url, form)


def dim_page(level: int = 70) -> np.ndarray:
    """The passport page photographed in a dim room: its white at about ``level`` of 255."""
    page = capture(*PASSPORT).astype(np.float32)
    noise = np.random.default_rng(2).normal(0, 4, page.shape)
    return np.clip(page * (level / 255) + noise, 0, 255).astype(np.uint8)


def test_lowering_the_too_dark_level_in_the_admin_accepts_a_dim_photo_with_a_warning(client, staff):
    case = start_case(client)
    refused = upload(client, case, "passport", file=jpeg(dim_page()), json=True)
    assert refused.status_code == 400 and refused.json()["code"] == "capture_too_dark"

    response = admin_save(staff["admin"], capture_dark_refuse=60)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="configuration.changed")
    assert event.data["changes"] == {"capture_dark_refuse": {"before": None, "after": 60.0}}
    assert event.actor_label == "ada"

    accepted = upload(client, case, "passport", file=jpeg(dim_page()), json=True)
    assert accepted.status_code == 200, accepted.json()
    # Still below the (default) warning level: stored, with the "rather dark" warning.
    assert any("rather dark" in warning for warning in accepted.json()["warnings"])
    assert Document.objects.filter(case=case).count() == 1


def test_raising_the_too_dark_level_refuses_a_photo_that_was_only_warned_about(client, staff):
    case = start_case(client)
    assert upload(client, case, "passport", file=jpeg(dim_page(100)), json=True).status_code == 200
    assert admin_save(staff["admin"], capture_dark_refuse=110).status_code == 302
    refused = upload(client, start_case(client), "passport", file=jpeg(dim_page(100)), json=True)
    assert refused.status_code == 400 and refused.json()["code"] == "capture_too_dark"
    assert refused.json()["message"].startswith("This photo is too dark to read")


def test_a_warning_level_below_the_refusal_level_is_refused_with_a_clear_error(staff):
    response = admin_save(staff["admin"], capture_dark_refuse=80, capture_dark_warn=50)
    assert response.status_code == 200
    page = response.content.decode()
    assert "The warning level (50) must not be below the refusal level (80)" in page
    # Against the default refusal level (90) too, when only the warning level is typed in.
    response = admin_save(staff["admin"], capture_dark_warn=70)
    assert "The warning level (70) must not be below the refusal level (90)" in response.content.decode()
    # Out of range: the field's own error; nothing saved, nothing audited.
    response = admin_save(staff["admin"], capture_min_print_span=0.9, capture_edges_into_frame_refuse=3)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 0.6" in page
    assert "Ensure this value is less than or equal to 2" in page
    assert not SiteConfiguration.objects.exists()
    assert not AuditEvent.objects.filter(action="configuration.changed").exists()


def test_the_edges_into_frame_rule_is_turned_off_in_the_admin(client, staff):
    # The top 15 % of the page left out: no printed line is cut and the print keeps its margin;
    # only the page's two side edges, running up into the top of the photo, tell.
    page = capture(*PASSPORT)
    cut = np.ascontiguousarray(page[int(0.15 * page.shape[0]):])
    case = start_case(client)
    refused = upload(client, case, "passport", file=jpeg(cut), json=True)
    assert refused.status_code == 400 and refused.json()["code"] == "capture_cut_off"

    assert admin_save(staff["admin"], capture_edges_into_frame_refuse=0).status_code == 302
    assert AuditEvent.objects.get(action="configuration.changed").data["changes"] == {
        "capture_edges_into_frame_refuse": {"before": None, "after": 0}}
    assert upload(client, case, "passport", file=jpeg(cut), json=True).status_code == 200


def test_the_open_sides_switch_still_turns_both_edge_checks_off_unless_the_new_rule_is_set(client, staff):
    page = capture(*PASSPORT)
    cut = np.ascontiguousarray(page[int(0.15 * page.shape[0]):])
    case = start_case(client)
    assert admin_save(staff["admin"], capture_open_sides_refuse=0).status_code == 302
    assert upload(client, case, "passport", file=jpeg(cut), json=True).status_code == 200
    assert admin_save(staff["admin"], capture_edges_into_frame_refuse=2).status_code == 302
    refused = upload(client, start_case(client), "passport", file=jpeg(cut), json=True)
    assert refused.status_code == 400 and refused.json()["code"] == "capture_cut_off"


def page_on_a_table(page: np.ndarray, times: float = 3.0) -> np.ndarray:
    """The page on a plain table, the photo ``times`` as wide as the page: taken from a way off."""
    h, w = page.shape[:2]
    table = np.full((int(h * times * 0.75), int(w * times), 3), (120, 90, 60), np.uint8)
    y, x = (table.shape[0] - h) // 2, (table.shape[1] - w) // 2
    table[y: y + h, x: x + w] = page
    return table


def test_raising_the_too_far_away_level_in_the_admin_refuses_a_page_taken_from_a_way_off(client, staff):
    # The print spans about a quarter of the photo's width: just above the default (0.26).
    case = start_case(client)
    assert upload(client, case, "passport", file=jpeg(page_on_a_table(capture(*PASSPORT))), json=True).status_code == 200
    assert admin_save(staff["admin"], capture_min_print_span=0.3).status_code == 302
    assert AuditEvent.objects.get(action="configuration.changed").data["changes"] == {
        "capture_min_print_span": {"before": None, "after": 0.3}}
    refused = upload(client, start_case(client), "passport", file=jpeg(page_on_a_table(capture(*PASSPORT))), json=True)
    assert refused.status_code == 400 and refused.json()["code"] == "capture_too_small"
    # The page filling the photo is still fine.
    assert upload(client, start_case(client), "passport", file=jpeg(capture(*PASSPORT)), json=True).status_code == 200
    # 0 turns the check off.
    assert admin_save(staff["admin"], capture_min_print_span=0).status_code == 302
    assert capture_thresholds().min_print_span == 0
