"""The queue page: filters, counts, sort by waiting time, and a constant number of queries."""

import html
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kyc.core.audit import Actor
from kyc.models import Case, Document
from kyc.services.assignments import case_claim
from tests.kyc.reviewer.conftest import ready_case
from tests.support.personas import client_for

pytestmark = pytest.mark.django_db


def refs(response):
    return [case.reference for case in response.context["page"]]


def test_oldest_waiting_first_with_filters_and_counts(staff, scripted_ocr):
    old = ready_case("passport", issuing_country="GBR", failed=True)
    middle = ready_case("emirates_id", issuing_country="ARE", warned=True)
    new = ready_case("cn_resident_id", issuing_country="CHN")
    now = timezone.now()
    for case, age in ((old, timedelta(days=3)), (middle, timedelta(hours=5)), (new, timedelta(minutes=5))):
        Case.objects.filter(id=case.id).update(submitted_at=now - age)
    case_claim(case_id=middle.id, actor=Actor.staff(staff["reviewer"]))
    client = client_for(staff["reviewer"])
    url = reverse("reviewer:queue")

    response = client.get(url)
    assert refs(response) == [old.reference, middle.reference, new.reference]
    counts = response.context["counts"]
    assert (counts.mine, counts.unassigned, counts.failed) == (1, 2, 1)
    assert counts.by_state["ready_for_review"] == 3

    assert refs(client.get(url, {"finding": "fail"})) == [old.reference]
    assert refs(client.get(url, {"finding": "warn"})) == [middle.reference]
    assert refs(client.get(url, {"finding": "clean"})) == [new.reference]
    assert refs(client.get(url, {"country": "are"})) == [middle.reference]
    assert refs(client.get(url, {"document_type": "cn_resident_id"})) == [new.reference]
    assert refs(client.get(url, {"document_kind": "emirates_id_back"})) == [middle.reference]
    assert refs(client.get(url, {"assigned": "me"})) == [middle.reference]
    assert refs(client.get(url, {"assigned": "unassigned"})) == [old.reference, new.reference]
    assert refs(client_for(staff["other_reviewer"]).get(url, {"assigned": "others"})) == [middle.reference]
    assert refs(client.get(url, {"waiting": "24h"})) == [old.reference]
    assert refs(client.get(url, {"waiting": "1h"})) == [old.reference, middle.reference]
    assert refs(client.get(url, {"state": "approved"})) == []


def test_pagination_keeps_the_filters(staff, scripted_ocr):
    cases = [ready_case(issuing_country="GBR") for _ in range(12)]
    client = client_for(staff["reviewer"])
    response = client.get(reverse("reviewer:queue"), {"per_page": 10, "country": "GBR"})
    assert len(refs(response)) == 10 and response.context["page"].paginator.count == 12
    assert b"country=GBR" in response.content and b"page=2" in response.content
    second = client.get(reverse("reviewer:queue"), {"per_page": 10, "country": "GBR", "page": 2})
    assert set(refs(second)) | set(refs(response)) == {c.reference for c in cases}


def test_the_queue_page_costs_the_same_queries_for_any_page_size(
    staff, scripted_ocr, django_assert_num_queries
):
    for index in range(30):
        case = ready_case(failed=index % 2 == 0, warned=index % 3 == 0)
        if index % 4 == 0:
            case_claim(case_id=case.id, actor=Actor.staff(staff["other_reviewer"]))
    client = client_for(staff["reviewer"])
    url = reverse("reviewer:queue")
    client.get(url)  # warm up whatever is cached per process (content types, templates)
    # session, user, user permissions, group permissions, counts (the matching count among
    # them), page rows
    with django_assert_num_queries(6):
        small = client.get(url, {"per_page": 10})
    with django_assert_num_queries(6):
        large = client.get(url, {"per_page": 100})
    assert len(refs(small)) == 10 and len(refs(large)) == 30
    assert b"failed" in large.content and b"oscar" in large.content


def _link(response, rel):
    found = re.search(rf'href="\?([^"]+)" rel="{rel}"', response.content.decode())
    return html.unescape(found.group(1)) if found else None


@pytest.mark.parametrize("sort", ["waiting", "-reference", "checks"])
def test_next_and_previous_walk_every_case_once_in_order(staff, scripted_ocr, sort, django_assert_num_queries):
    cases = [ready_case(failed=index % 3 == 0, warned=index % 2 == 0) for index in range(23)]
    # Ties on the sort's first columns: the page boundary must still be exact.
    same_time = timezone.now() - timedelta(hours=2)
    Case.objects.filter(id__in=[c.id for c in cases[:12]]).update(submitted_at=same_time)
    client = client_for(staff["reviewer"])
    url = reverse("reviewer:queue")
    everything = refs(client.get(url, {"per_page": 100, "sort": sort}))
    assert sorted(everything) == sorted(c.reference for c in cases)

    first = client.get(url, {"per_page": 10, "sort": sort})
    pages, response = [refs(first)], first
    while (next_query := _link(response, "next")) is not None:
        with django_assert_num_queries(6):  # a page after a row costs what the first page costs
            response = client.get(f"{url}?{next_query}")
        pages.append(refs(response))
    assert [ref for page in pages for ref in page] == everything
    assert [len(p) for p in pages] == [10, 10, 3] and response.context["page"].number == 3

    backwards = []
    while (previous_query := _link(response, "prev")) is not None:
        response = client.get(f"{url}?{previous_query}")
        backwards.append(refs(response))
    assert backwards == pages[:-1][::-1]
    assert response.context["page"].number == 1


def test_an_edited_page_cursor_shows_the_first_page(staff, scripted_ocr):
    cases = [ready_case() for _ in range(3)]
    response = client_for(staff["reviewer"]).get(reverse("reviewer:queue"), {"per_page": 10, "after": "bm90IGEgY3Vyc29y"})
    assert response.status_code == 200 and set(refs(response)) == {c.reference for c in cases}


def test_side_filter_leaves_out_a_case_whose_side_was_asked_for_again(staff, scripted_ocr):
    waiting = ready_case("emirates_id")
    asked_again = ready_case("emirates_id")
    ready_case("passport")
    Document.objects.filter(case=asked_again, kind="emirates_id_front").update(is_current=False)
    Case.objects.filter(id=asked_again.id).update(state="resubmission_requested")
    client = client_for(staff["reviewer"])
    url = reverse("reviewer:queue")
    listed = {"state": ["ready_for_review", "resubmission_requested"]}
    front = client.get(url, {**listed, "document_kind": "emirates_id_front"})
    assert refs(front) == [waiting.reference] and front.context["page"].paginator.count == 1
    assert set(refs(client.get(url, {**listed, "document_kind": "emirates_id_back"}))) == {
        waiting.reference, asked_again.reference}


def _row(response, case) -> str:
    """The queue row (its HTML) that shows ``case``."""
    rows = response.content.decode().split('<tr class="queue-row')[1:]
    return next(row.split("</tr>")[0] for row in rows if f">{case.reference}</a>" in row)


@pytest.mark.parametrize(("language", "failed", "over", "state"), [
    ("en", "1 failed", "over by", "Ready for review"),
    ("ar", "لم ينجح فحص واحد", "متجاوز بمقدار", "جاهز للمراجعة"),
])
def test_each_row_shows_its_link_checks_waiting_time_and_sla_in_the_reviewers_language(
    staff, scripted_ocr, language, failed, over, state
):
    overdue = ready_case(failed=True, warned=True)
    Case.objects.filter(id=overdue.id).update(submitted_at=timezone.now() - timedelta(days=3, minutes=5))
    fresh = ready_case()
    client = client_for(staff["reviewer"])
    client.cookies["django_language"] = language
    response = client.get(reverse("reviewer:queue"))
    late, recent = _row(response, overdue), _row(response, fresh)
    assert f'href="{reverse("reviewer:case", args=[overdue.id])}"' in late
    assert late.startswith(' has-fail over-sla"') and "over-sla" not in recent.split(">")[0]
    assert failed in late and over in late and over not in recent
    assert state in late and state in recent
    if language == "en":
        assert "1 warning" in late and "3\xa0days" in late and "—" in recent
