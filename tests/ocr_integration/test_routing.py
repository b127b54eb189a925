from __future__ import annotations

import pytest

from ocr_integration.documents.kinds import DocumentKind as K
from ocr_integration.documents.reading import ReadField, Reading
from ocr_integration.provider import ErrorClass, OcrError, ReadRequest
from ocr_integration.routing import Route, route_for, should_fall_back


@pytest.mark.django_db
def test_routes_from_settings_and_environment_override(settings):
    settings.OCR_DEFAULT_PROVIDER = "local"
    settings.OCR_ROUTING = {"passport": {"primary": "g42", "fallback": "local", "second_reader": None}}
    settings.OCR_VENDOR_ROUTES = {"cn_id_portrait": "ctyun,,local"}
    assert route_for(K.PASSPORT) == Route("g42", "local", None)
    assert route_for(K.CN_ID_PORTRAIT) == Route("ctyun", None, "local")
    assert route_for(K.BANK_CARD) == Route("local")


@pytest.mark.parametrize("error,falls_back", [
    (OcrError(ErrorClass.CONFIGURATION, "x", code="ModelArts.4204"), True),
    (OcrError(ErrorClass.INVALID_IMAGE, "x", code="AIS.0104"), True),
    (OcrError(ErrorClass.INVALID_IMAGE, "x", code="not_an_image"), False),
    (OcrError(ErrorClass.THROTTLED, "x", code="APIG.0308"), False),
    (OcrError(ErrorClass.TRANSIENT, "x", code="timeout"), False),
])
def test_fallback_policy(error, falls_back):
    assert should_fall_back(error) is falls_back


class Fixed:
    """A provider defined by the test (not our code): answers or fails as told."""

    def __init__(self, name, outcome):
        self.name, self.outcome = name, outcome

    def read(self, request):
        if isinstance(self.outcome, OcrError):
            raise self.outcome
        return Reading(self.name, request.document_kind, {"surname": ReadField(self.outcome)})


def vendor_without_subscription():
    return Fixed("vendor", OcrError(ErrorClass.CONFIGURATION, "no subscription"))


def backup_reader():
    return Fixed("backup", "DOE")


def second_reader():
    return Fixed("second", "DOE2")


@pytest.mark.django_db
def test_read_document_uses_fallback_and_second_reader(settings):
    from ocr_integration import services

    # Named in OCR_PROVIDERS, as a deployment names its vendors.
    settings.OCR_PROVIDERS = {**settings.OCR_PROVIDERS, "vendor": f"{__name__}:vendor_without_subscription",
                              "backup": f"{__name__}:backup_reader", "second": f"{__name__}:second_reader"}
    settings.OCR_ROUTING = {"passport": {"primary": "vendor", "fallback": "backup", "second_reader": "second"}}
    settings.OCR_VENDOR_ROUTES = {}
    result = services.read_document(ReadRequest(K.PASSPORT, b"", "image/png"), subject_ref="doc:1")
    assert (result.primary.provider, result.second.provider) == ("backup", "second")
    services.get_provider("vendor").outcome = OcrError(ErrorClass.TRANSIENT, "later")  # no fallback for that
    with pytest.raises(OcrError):
        services.read_document(ReadRequest(K.PASSPORT, b"", "image/png"), subject_ref="doc:1")


@pytest.mark.django_db
def test_an_admin_rule_wins_over_the_environment_and_a_disabled_one_does_not(settings):
    from ocr_integration.models import RoutingRule

    settings.OCR_VENDOR_ROUTES = {"passport": "g42,local,"}
    RoutingRule.objects.create(document_kind="passport", primary="huawei", second_reader="local")
    assert route_for(K.PASSPORT) == Route("huawei", None, "local")
    RoutingRule.objects.update(enabled=False)
    assert route_for(K.PASSPORT) == Route("g42", "local", None)


@pytest.mark.django_db
def test_inside_one_read_a_kind_is_routed_with_one_query_and_a_change_shows_in_the_next(
    settings, django_assert_num_queries
):
    from ocr_integration.models import RoutingRule
    from ocr_integration.routing import routes_read_once

    settings.OCR_VENDOR_ROUTES = {"passport": "g42,local,"}
    RoutingRule.objects.create(document_kind="passport", primary="huawei", second_reader="local")
    with routes_read_once():
        with django_assert_num_queries(1):
            assert route_for(K.PASSPORT) == Route("huawei", None, "local")
            assert route_for(K.PASSPORT) == Route("huawei", None, "local")
        RoutingRule.objects.update(enabled=False)
        assert route_for(K.PASSPORT) == Route("huawei", None, "local")  # the routing this read started with
    assert route_for(K.PASSPORT) == Route("g42", "local", None)


@pytest.mark.django_db
def test_worker_start_warms_up_providers_named_by_environment_and_admin_routes(settings):
    from ocr_integration import services
    from ocr_integration.models import RoutingRule
    from tests.support.providers import WarmUpCountingProvider

    # Providers are named in OCR_PROVIDERS, as a deployment names its vendors.
    settings.OCR_PROVIDERS = {**settings.OCR_PROVIDERS, "counting": "tests.support.providers:WarmUpCountingProvider",
                              "scripted": "tests.support.providers:ScriptedProvider"}
    settings.OCR_DEFAULT_PROVIDER = "scripted"
    settings.OCR_ROUTING = {}
    settings.OCR_VENDOR_ROUTES = {}
    WarmUpCountingProvider.warm_ups = 0
    services.warm_up_providers()
    assert WarmUpCountingProvider.warm_ups == 0  # not routed anywhere: not loaded

    RoutingRule.objects.create(document_kind="cn_id_portrait", primary="scripted", second_reader="counting")
    services.warm_up_providers()
    assert WarmUpCountingProvider.warm_ups == 1
