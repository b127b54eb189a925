"""Reads that CTyun answers in batches can go to a queue of their own (README: "Batched reads")."""

import pytest

from kyc.project.celery import app
from kyc.tasks import read_document
from tests.kyc.reviewer.conftest import ready_case

pytestmark = pytest.mark.django_db


def _queue_of(document_id) -> str | None:
    route = app.amqp.router.route({}, read_document.name, args=[str(document_id)], kwargs={})
    return route["queue"].name


@pytest.fixture
def batch_queue(settings):
    settings.CTYUN_OCR_BATCH_QUEUE = "kyc-ctyun"
    return settings


def test_chinese_id_reads_go_to_the_batch_queue_when_ctyun_reads_them(batch_queue, scripted_ocr):
    passport = ready_case("passport").documents.get()
    chinese_id = ready_case("cn_resident_id").documents.first()
    batch_queue.OCR_VENDOR_ROUTES = {**batch_queue.OCR_VENDOR_ROUTES, "cn_id_portrait": "ctyun",
                                     "cn_id_emblem": "ctyun"}
    assert _queue_of(chinese_id.id) == "kyc-ctyun"
    assert _queue_of(passport.id) == batch_queue.CELERY_TASK_DEFAULT_QUEUE


def test_without_a_batch_queue_every_read_goes_to_the_default_queue(settings, scripted_ocr):
    settings.CTYUN_OCR_BATCH_QUEUE = ""
    chinese_id = ready_case("cn_resident_id").documents.first()
    settings.OCR_VENDOR_ROUTES = {**settings.OCR_VENDOR_ROUTES, "cn_id_portrait": "ctyun", "cn_id_emblem": "ctyun"}
    assert _queue_of(chinese_id.id) == settings.CELERY_TASK_DEFAULT_QUEUE
