"""Queue search (reference, external reference, and names / document numbers through blind indexes),
sortable columns, and the SLA timer with its "over SLA" filter."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kyc.api.models import Integrator, IntegratorCase
from kyc.models import Case, CaseSearchDigest
from tests.kyc.reviewer.conftest import ready_case
from tests.support.personas import client_for

pytestmark = pytest.mark.django_db


def refs(response):
    return [case.reference for case in response.context["page"]]


@pytest.fixture
def three(staff, scripted_ocr):
    anna = ready_case(declared_full_name="Anna Müller", issuing_country="DEU", failed=True)
    alex = ready_case(declared_full_name="Alex Tester", issuing_country="GBR")
    li = ready_case("cn_resident_id", declared_full_name="Li Wei", issuing_country="CHN", warned=True)
    now = timezone.now()
    for case, age in ((anna, timedelta(hours=30)), (alex, timedelta(hours=5)), (li, timedelta(minutes=10))):
        Case.objects.filter(id=case.id).update(submitted_at=now - age)
    return anna, alex, li


def test_search_by_reference_external_reference_name_and_document_number(staff, three):
    anna, alex, li = three
    link = IntegratorCase.objects.create(case=alex, integrator=Integrator.objects.create(name="Bank"),
                                         external_reference="crm-7781")
    client = client_for(staff["reviewer"])
    url = reverse("reviewer:queue")
    assert refs(client.get(url, {"q": anna.reference.lower()})) == [anna.reference]
    assert refs(client.get(url, {"q": link.external_reference})) == [alex.reference]
    # Names: accents, case, word order and a surname alone all find the case.
    assert refs(client.get(url, {"q": "muller, ANNA"})) == [anna.reference]
    assert refs(client.get(url, {"q": "Müller"})) == [anna.reference]
    assert refs(client.get(url, {"q": "wei"})) == [li.reference]
    # The scripted reader reads the passport number X1234567 on both passports.
    assert set(refs(client.get(url, {"q": "x123 4567"}))) == {anna.reference, alex.reference}
    assert refs(client.get(url, {"q": "nobody"})) == []


def test_a_search_finds_a_decided_case_too(staff, three):
    anna, _, _ = three
    Case.objects.filter(id=anna.id).update(state="approved")
    assert refs(client_for(staff["reviewer"]).get(reverse("reviewer:queue"), {"q": "Anna Müller"})) == [anna.reference]


def test_the_index_holds_keyed_digests_only_and_the_search_reads_no_encrypted_column(staff, three):
    anna, _, _ = three
    stored = list(CaseSearchDigest.objects.filter(case=anna).values_list("digest", flat=True))
    assert stored and all(len(d) == 64 and "anna" not in d.lower() for d in stored)
    client = client_for(staff["reviewer"])
    with CaptureQueriesContext(connection) as queries:
        assert refs(client.get(reverse("reviewer:queue"), {"q": "Anna Müller"})) == [anna.reference]
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "declared_full_name" not in sql and "kyc_documentreading" not in sql


def test_another_key_gives_other_digests(staff, three, settings):
    anna, _, _ = three
    settings.SEARCH_INDEX_KEY = "a-different-key-for-this-test"
    assert refs(client_for(staff["reviewer"]).get(reverse("reviewer:queue"), {"q": "Anna Müller"})) == []


def test_columns_sort_both_ways(staff, three):
    anna, alex, li = three
    client = client_for(staff["reviewer"])
    url = reverse("reviewer:queue")
    assert refs(client.get(url)) == [anna.reference, alex.reference, li.reference]
    assert refs(client.get(url, {"sort": "-waiting"})) == [li.reference, alex.reference, anna.reference]
    assert refs(client.get(url, {"sort": "checks"})) == [anna.reference, li.reference, alex.reference]
    assert refs(client.get(url, {"sort": "reference"})) == sorted([anna.reference, alex.reference, li.reference])
    # Document type, then issuing country: cn_resident_id CHN, passport DEU, passport GBR.
    assert refs(client.get(url, {"sort": "document"})) == [li.reference, anna.reference, alex.reference]
    html = client.get(url, {"sort": "reference", "finding": "fail"}).content.decode()
    assert 'aria-sort="ascending"' in html and "finding=fail&amp;sort=-reference" in html


def test_sla_timer_and_over_sla_filter(staff, three, settings):
    anna, alex, li = three
    settings.REVIEW_SLA_HOURS = 24
    client = client_for(staff["reviewer"])
    url = reverse("reviewer:queue")
    response = client.get(url, {"over_sla": "1"})
    assert refs(response) == [anna.reference]
    html = client.get(url).content.decode()
    assert "over by 6 h" in html
    assert "18 h 59 min left" in html or "19 h 00 min left" in html  # Alex, submitted five hours ago
    assert response.context["counts"].over_sla == 1
    settings.REVIEW_SLA_HOURS = 4
    assert refs(client.get(url, {"over_sla": "1"})) == [anna.reference, alex.reference]


def test_erasing_a_case_drops_its_search_digests(staff, three):
    from kyc.core.audit import Actor
    from kyc.services.retention import case_purge_personal_data

    anna, alex, _ = three
    case_purge_personal_data(case_id=anna.id, actor=Actor.system("retention"), reason="erasure request")
    assert not CaseSearchDigest.objects.filter(case=anna).exists()
    assert CaseSearchDigest.objects.filter(case=alex).exists()
    assert refs(client_for(staff["reviewer"]).get(reverse("reviewer:queue"), {"q": "Anna Müller"})) == []


@pytest.mark.parametrize("broad_above", [None, 0], ids=["few matches: by id", "many matches: walking the order"])
def test_a_search_lists_the_same_cases_whichever_way_it_reads_them(staff, three, monkeypatch, broad_above):
    """A search matching many cases reads its page by walking the queue's order and asking each
    case whether it matches (instead of fetching every match by id): the same cases in the same
    order either way. It is not counted: the filter bar says so instead of showing numbers."""
    from kyc.selectors import queue as queue_selectors

    if broad_above is not None:
        monkeypatch.setattr(queue_selectors, "BROAD_SEARCH_MATCHES", broad_above)
    anna, alex, li = three
    IntegratorCase.objects.create(case=alex, integrator=Integrator.objects.create(name="Bank"),
                                  external_reference="crm-7781")
    Case.objects.filter(id=li.id).update(state="approved")
    client = client_for(staff["reviewer"])
    url = reverse("reviewer:queue")
    assert refs(client.get(url, {"q": anna.reference})) == [anna.reference]
    assert refs(client.get(url, {"q": "crm-7781"})) == [alex.reference]
    assert refs(client.get(url, {"q": "wei"})) == [li.reference]  # a decided case too
    assert refs(client.get(url, {"q": "nobody"})) == []
    # Both passports carry the scripted number X1234567: oldest first, newest first, a page at a time.
    both = client.get(url, {"q": "X1234567"})
    assert refs(both) == [anna.reference, alex.reference]
    html = both.content.decode()
    if broad_above is None:
        assert both.context["counts"].by_state["ready_for_review"] == 2
        assert both.context["counts"].more_than is None and "cases match this search" not in html
    else:  # two matches are more than 0: not counted, and the page says so
        assert both.context["counts"].more_than == 0
        assert "More than 0 cases match this search" in html and 'data-state-count="approved"></span>' in html
    assert refs(client.get(url, {"q": "X1234567", "sort": "-waiting"})) == [alex.reference, anna.reference]
    first = client.get(url, {"q": "X1234567", "per_page": 10, "state": "ready_for_review"})
    assert refs(first) == [anna.reference, alex.reference]
    assert refs(client.get(url, {"q": "X1234567", "finding": "fail"})) == [anna.reference]
