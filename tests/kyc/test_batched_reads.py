"""Chinese ID reads batched from the database (kyc/services/batched_reads.py), against the CTyun
simulator: reads waiting in the database share one vendor call, whatever worker holds their
messages; a task delivered twice reads nothing twice; a batch whose worker died is taken over."""

import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from kyc.core.audit import Actor
from kyc.models import Case, Document, DocumentReading
from kyc.services import batched_reads
from kyc.services.cases import case_create, case_submit
from kyc.services.consent import SENSITIVE, consent_record
from kyc.services.documents import document_attach
from kyc.tasks import read_batch, read_document
from kyc.uploads.prepare import prepare_upload
from ocr_integration.models import OcrAttempt
from ocr_integration.simulator import Simulator, SimulatorConfig
from ocr_integration.simulator.testing import vendor_settings
from ocr_integration.specimens import generate_specimen
from ocr_integration.vendors import http

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

GROUP = "ctyun:idcard"


@pytest.fixture(scope="module")
def sim():
    simulator = Simulator(SimulatorConfig(use_engine=False, seed=1)).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def ctyun(settings, sim, tmp_path):
    """Chinese ID sides read by CTyun (the simulator), in batches of at most four; no batch wait
    (a read is due at once), unless a test sets one."""
    sim.reset_stats()
    settings.OCR_VENDORS = vendor_settings(sim, batching=True, batch_max=4, batch_wait_ms=0)
    settings.OCR_VENDOR_COORDINATION_URL = str(tmp_path / "coordination")
    settings.OCR_VENDOR_READ_TIMEOUT = 60.0
    settings.OCR_ROUTING = {kind: {"primary": "ctyun", "fallback": None, "second_reader": None}
                            for kind in ("cn_id_portrait", "cn_id_emblem")}
    http.reset_client()
    yield settings
    http.reset_client()


def submitted_chinese_id(seed: int, django_capture_on_commit_callbacks, *, emblem_seed: int | None = None) -> Case:
    """A submitted Chinese ID case of synthetic specimens (its read messages are not sent)."""
    case = case_create(actor=Actor.applicant(""), email=f"cn{seed}@example.test", document_type="cn_resident_id",
                       issuing_country="CHN")
    consent_record(case_id=case.id, scope=SENSITIVE, actor=Actor.applicant(case.applicant_id))
    for kind, specimen_kind, specimen_seed in (("cn_id_portrait", "cn_id_portrait", seed),
                                               ("cn_id_emblem", "cn_id_emblem", emblem_seed or seed)):
        image = generate_specimen(specimen_kind, specimen_seed).image
        document_attach(case_id=case.id, kind=kind, prepared=prepare_upload(SimpleUploadedFile("id.png", image)),
                        actor=Actor.applicant(case.applicant_id))
    with django_capture_on_commit_callbacks(execute=False):
        case_submit(case_id=case.id, actor=Actor.applicant(case.applicant_id))
    return case


def id_number_read(case: Case) -> str:
    reading = DocumentReading.objects.get(document__case=case, document__kind="cn_id_portrait", role="primary")
    return reading.fields["id_number"]["value"]


def test_reads_waiting_in_the_database_share_one_vendor_call(ctyun, sim, django_capture_on_commit_callbacks):
    cases = [submitted_chinese_id(seed, django_capture_on_commit_callbacks) for seed in (1, 2, 3)]
    # One worker process runs one read task: a full batch (four) is waiting, so it reads four
    # images in one call, the oldest submissions first, not just its own.
    read_document.apply(args=[str(cases[2].documents.first().id)], task_id="read-one")
    assert sim.batch_sizes == [4]
    # The admin sees one attempt per image of the call, each naming its document and the call's size.
    batch = list(Document.objects.filter(read_state="read").values_list("id", flat=True))
    assert sorted(OcrAttempt.objects.values_list("subject_ref", "batch_size", "outcome")) == sorted(
        (str(document_id), 4, "success") for document_id in batch)
    for case in cases[:2]:
        case.refresh_from_db()
        assert case.state == "ready_for_review", case.state_reason
    assert Document.objects.filter(case=cases[2], read_state="pending").count() == 2
    # The two left over go when the batch wait is over, in one call.
    read_batch.apply(args=[GROUP], task_id="batch-due")
    assert sim.batch_sizes == [4, 2]
    for seed, case in zip((1, 2, 3), cases, strict=True):
        case.refresh_from_db()
        assert case.state == "ready_for_review", case.state_reason
        assert id_number_read(case) == generate_specimen("cn_id_portrait", seed).truth.fields["id_number"]


def test_a_claim_of_several_full_batches_sends_each_and_stores_every_reading(ctyun, sim,
                                                                             django_capture_on_commit_callbacks):
    cases = [submitted_chinese_id(seed, django_capture_on_commit_callbacks) for seed in (30, 31, 32, 33, 34)]
    # Ten reads wait: one read task claims the two full batches (their calls in flight together)
    # and leaves the two left over for the batch task.
    read_document.apply(args=[str(cases[0].documents.first().id)], task_id="read-burst")
    assert sim.batch_sizes == [4, 4]
    for seed, case in zip((30, 31, 32, 33), cases[:4], strict=True):
        case.refresh_from_db()
        assert case.state == "ready_for_review", case.state_reason
        assert id_number_read(case) == generate_specimen("cn_id_portrait", seed).truth.fields["id_number"]
    assert set(cases[4].documents.values_list("read_state", flat=True)) == {"pending"}
    assert OcrAttempt.objects.filter(outcome="success", batch_size=4).count() == 8


def test_a_batch_that_is_not_full_waits_until_its_oldest_read_is_due(ctyun, sim, django_capture_on_commit_callbacks):
    ctyun.OCR_VENDORS["ctyun"]["batch_wait_ms"] = 600_000
    case = submitted_chinese_id(4, django_capture_on_commit_callbacks)
    read_document.apply(args=[str(case.documents.first().id)], task_id="read-alone")
    # Neither the read task (no full batch) nor a batch task (submitted less than the wait ago) sends it.
    read_batch.apply(args=[GROUP], task_id="batch-too-soon")
    assert sim.batch_sizes == []
    assert set(case.documents.values_list("read_state", flat=True)) == {"pending"}
    ctyun.OCR_VENDORS["ctyun"]["batch_wait_ms"] = 0  # as if the wait were over
    read_batch.apply(args=[GROUP], task_id="batch-after-wait")
    assert sim.batch_sizes == [2]
    case.refresh_from_db()
    assert case.state == "ready_for_review"


def test_a_batch_task_delivered_again_reads_nothing_twice(ctyun, sim, django_capture_on_commit_callbacks):
    first = submitted_chinese_id(5, django_capture_on_commit_callbacks)
    # The worker claimed a batch and died before reading it; the broker delivers the task again.
    claimed = batched_reads.documents_claim_batch(group=GROUP, token="batch-t1", only_if_full=False)
    assert {d.id for d in claimed} == set(first.documents.values_list("id", flat=True))
    later = submitted_chinese_id(6, django_capture_on_commit_callbacks)
    read_batch.apply(args=[GROUP], task_id="batch-t1")
    # The redelivered task resumes exactly its own batch; the later case is not in it.
    assert sim.batch_sizes == [2]
    assert set(later.documents.values_list("read_state", flat=True)) == {"pending"}
    # Delivered once more after it finished: what it read stays read once.
    read_batch.apply(args=[GROUP], task_id="batch-t1")
    assert sim.batch_sizes == [2, 2]
    assert DocumentReading.objects.filter(document__case=first).count() == 2
    assert DocumentReading.objects.filter(document__case=later).count() == 2


def test_a_batch_whose_worker_died_is_taken_over_after_the_stall_time(ctyun, sim, django_capture_on_commit_callbacks):
    case = submitted_chinese_id(7, django_capture_on_commit_callbacks)
    batched_reads.documents_claim_batch(group=GROUP, token="lost-worker", only_if_full=False)
    # Within the stall time, another batch task leaves the claimed reads alone...
    read_batch.apply(args=[GROUP], task_id="batch-too-early")
    assert sim.batch_sizes == []
    # ...once it has passed, the claim is presumed lost and the next batch takes it over.
    ctyun.OCR_READ_STALL_SECONDS = 0
    read_batch.apply(args=[GROUP], task_id="batch-takes-over")
    assert sim.batch_sizes == [2]
    case.refresh_from_db()
    assert case.state == "ready_for_review"
    assert set(DocumentReading.objects.filter(document__case=case).values_list("claim_token", flat=True)) == {
        "batch-takes-over"}


def test_a_read_held_by_another_batch_is_left_to_it_until_that_claim_is_stale(ctyun, sim,
                                                                               django_capture_on_commit_callbacks):
    cases = [submitted_chinese_id(seed, django_capture_on_commit_callbacks) for seed in (20, 21)]
    batched_reads.documents_claim_batch(group=GROUP, token="lost-worker", only_if_full=True)
    portrait = cases[0].documents.get(kind="cn_id_portrait")
    # Its own read message, delivered while another process holds its batch: nothing is sent.
    read_document.apply(args=[str(portrait.id)], task_id="read-while-held")
    assert sim.batch_sizes == []
    assert set(Document.objects.filter(case__in=cases).values_list("claim_token", flat=True)) == {"lost-worker"}
    # The stall sweep queues its read again once the claim is stale: that read takes the batch over.
    ctyun.OCR_READ_STALL_SECONDS = 0
    read_document.apply(args=[str(portrait.id)], task_id="read-after-stall")
    assert sim.batch_sizes == [4]
    for case in cases:
        case.refresh_from_db()
        assert case.state == "ready_for_review", case.state_reason
    assert set(DocumentReading.objects.filter(document__case__in=cases).values_list("claim_token", flat=True)) == {
        "read-after-stall"}


def test_a_read_held_by_another_process_still_takes_the_next_full_batch(ctyun, sim,
                                                                      django_capture_on_commit_callbacks):
    held = [submitted_chinese_id(seed, django_capture_on_commit_callbacks) for seed in (40, 41)]
    batched_reads.documents_claim_batch(group=GROUP, token="first-process", only_if_full=True)
    later = [submitted_chinese_id(seed, django_capture_on_commit_callbacks) for seed in (42, 43)]
    # The second process's first message names a document the first process holds: it still sends
    # the full batch that waits behind it, now, not after working through the held reads' messages.
    read_document.apply(args=[str(held[0].documents.first().id)], task_id="second-process")
    assert sim.batch_sizes == [4]
    for case in later:
        case.refresh_from_db()
        assert case.state == "ready_for_review", case.state_reason
    assert set(Document.objects.filter(case__in=held).values_list("claim_token", flat=True)) == {"first-process"}


def test_an_image_the_vendor_refuses_fails_alone(ctyun, sim, django_capture_on_commit_callbacks):
    good = submitted_chinese_id(8, django_capture_on_commit_callbacks)
    # A portrait photographed for the emblem side: CTyun refuses that image only.
    wrong = case_create(actor=Actor.applicant(""), email="wrong@example.test", document_type="cn_resident_id",
                        issuing_country="CHN")
    consent_record(case_id=wrong.id, scope=SENSITIVE, actor=Actor.applicant(wrong.applicant_id))
    for kind, seed in (("cn_id_portrait", 9), ("cn_id_emblem", 19)):
        image = generate_specimen("cn_id_portrait", seed).image
        document_attach(case_id=wrong.id, kind=kind, prepared=prepare_upload(SimpleUploadedFile("id.png", image)),
                        actor=Actor.applicant(wrong.applicant_id))
    with django_capture_on_commit_callbacks(execute=False):
        case_submit(case_id=wrong.id, actor=Actor.applicant(wrong.applicant_id))
    read_document.apply(args=[str(wrong.documents.first().id)], task_id="read-mixed")
    assert sim.batch_sizes == [4]
    good.refresh_from_db()
    wrong.refresh_from_db()
    assert good.state == "ready_for_review"
    assert wrong.documents.get(kind="cn_id_emblem").read_state == "failed"
    assert wrong.documents.get(kind="cn_id_portrait").read_state == "read"
    assert wrong.state != "ready_for_review"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED: PostgreSQL (SQLite runs one claimer at a time)")
def test_two_processes_claiming_at_once_never_claim_the_same_read(ctyun, django_capture_on_commit_callbacks):
    cases = [submitted_chinese_id(seed, django_capture_on_commit_callbacks) for seed in (10, 11, 12, 13)]
    claims: dict[str, list] = {}
    start = threading.Barrier(2)

    def claim(token: str) -> None:
        start.wait()
        try:
            claims[token] = [d.id for d in batched_reads.documents_claim_batch(group=GROUP, token=token,
                                                                               only_if_full=True)]
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(token,)) for token in ("one", "two")]
    [t.start() for t in threads]
    [t.join() for t in threads]
    # Whole batches of four each (one may take both: a claim takes every full batch waiting).
    assert len(claims["one"]) % 4 == 0 and len(claims["two"]) % 4 == 0
    assert set(claims["one"]).isdisjoint(claims["two"])
    assert set(claims["one"]) | set(claims["two"]) == set(Document.objects.filter(case__in=cases).values_list("id", flat=True))


def test_without_a_ctyun_account_the_read_fails_with_its_reason(ctyun, sim, django_capture_on_commit_callbacks):
    ctyun.OCR_VENDOR_ACCOUNTS = "database"  # and no CTyun account in the admin
    case = submitted_chinese_id(14, django_capture_on_commit_callbacks)
    portrait = case.documents.get(kind="cn_id_portrait")
    read_document.apply(args=[str(portrait.id)], task_id="read-unconfigured")
    portrait.refresh_from_db()
    case.refresh_from_db()
    assert sim.batch_sizes == []
    assert (portrait.read_state, portrait.failure_class) == ("failed", "configuration")
    assert case.state == "needs_attention"
